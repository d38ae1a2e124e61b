"""Verified backups through SQLite's backup API (RELIABILITY.md rule 5).

A plain file copy of a WAL database can pass integrity_check and still miss committed rows, so copies
are made only with the backup API, then opened and checked: integrity_check must say ok and every
table must hold as many rows as the original.  The copy is written under a temporary name and renamed
into place only when verified.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import sqlite_utils


class BackupError(Exception):
    pass


def table_counts(conn: sqlite3.Connection) -> dict[str, int]:
    names = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND name NOT LIKE 'search_fts%'"
        )
    ]
    return {n: conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}


def backup_to(db: sqlite_utils.Database, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".partial")
    if tmp.exists():
        tmp.unlink()
    src = db.conn
    dst = sqlite3.connect(tmp)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode = DELETE")
        ok = dst.execute("PRAGMA integrity_check").fetchone()[0]
        if ok != "ok":
            raise BackupError(f"backup {target} failed its integrity check: {ok}")
        if table_counts(dst) != table_counts(src):
            raise BackupError(f"backup {target} does not hold the same rows as the database")
    except BaseException:
        dst.close()
        tmp.unlink(missing_ok=True)
        raise
    dst.close()
    os.replace(tmp, target)
    return target
