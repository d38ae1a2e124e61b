"""Integrity checks: quick_check at open, integrity_check + foreign_key_check on demand."""

from __future__ import annotations

import sqlite3

import sqlite_utils


def quick_check(db: sqlite_utils.Database) -> list[str]:
    try:
        rows = [r[0] for r in db.conn.execute("PRAGMA quick_check")]
    except sqlite3.DatabaseError as e:
        return [str(e)]
    return [] if rows == ["ok"] else rows


def full_check(db: sqlite_utils.Database) -> list[str]:
    out: list[str] = []
    try:
        rows = [r[0] for r in db.conn.execute("PRAGMA integrity_check")]
        if rows != ["ok"]:
            out.extend(f"integrity: {r}" for r in rows)
        for table, rowid, parent, _fk in db.conn.execute("PRAGMA foreign_key_check"):
            out.append(f"foreign key: {table} row {rowid} points to a missing {parent}")
    except sqlite3.DatabaseError as e:
        out.append(f"the database cannot be read: {e}")
    return out
