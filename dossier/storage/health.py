"""Integrity checks: quick_check at open, integrity_check + foreign_key_check on demand."""

from __future__ import annotations

import sqlite_utils

from dossier.storage.connection import DB_ERRORS, is_encrypted


def quick_check(db: sqlite_utils.Database) -> list[str]:
    try:
        rows = [r[0] for r in db.conn.execute("PRAGMA quick_check")]
    except DB_ERRORS as e:
        return [str(e)]
    return [] if rows == ["ok"] else rows


def cipher_check(db: sqlite_utils.Database) -> list[str]:
    """For an encrypted database: the pages that fail their HMAC (SQLCipher's cipher_integrity_check)."""
    if not is_encrypted(db):
        return []
    from dossier.storage.crypto import cipher_problems

    try:
        return cipher_problems(db.conn)
    except DB_ERRORS as e:
        return [str(e)]


def full_check(db: sqlite_utils.Database) -> list[str]:
    out: list[str] = [f"cipher: {r}" for r in cipher_check(db)]
    try:
        rows = [r[0] for r in db.conn.execute("PRAGMA integrity_check")]
        if rows != ["ok"]:
            out.extend(f"integrity: {r}" for r in rows)
        for table, rowid, parent, _fk in db.conn.execute("PRAGMA foreign_key_check"):
            out.append(f"foreign key: {table} row {rowid} points to a missing {parent}")
    except DB_ERRORS as e:
        out.append(f"the database cannot be read: {e}")
    return out
