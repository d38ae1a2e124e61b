"""Verified backups through SQLite's backup API (RELIABILITY.md rules 5 and 16).

A plain file copy of a WAL database can pass integrity_check and still miss committed rows, so copies
are made only with the backup API, then opened afresh and checked: integrity_check must say ok and
every table must hold as many rows as the original.  The copy is written under a temporary name and
renamed into place only when verified.

An encrypted database is backed up encrypted: the copy is a SQLCipher file keyed with the same
passphrase (the backup API between two keyed SQLCipher connections re-encrypts every page under the
copy's own salt), verified with cipher_integrity_check as well.  A plain database's copy is made by
the standard library's sqlite3, an encrypted one's by SQLCipher: never both libraries on one file.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import quote

import sqlite_utils

from dossier.storage.connection import is_encrypted, main_file


class BackupError(Exception):
    pass


_SAME = object()  # backup_to's default key: the database's own (remembered) passphrase


def table_counts(conn: Any) -> dict[str, int]:
    names = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND name NOT LIKE 'search_fts%'"
        )
    ]
    return {n: conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}


def backup_key(db: sqlite_utils.Database) -> str | None:
    """The passphrase a backup of `db` must be encrypted with (None for a plain database)."""
    if not is_encrypted(db):
        return None
    from dossier.storage.crypto import cached_key

    f = main_file(db)
    key = cached_key(f) if f else None
    if key is None:
        raise BackupError("the database is encrypted but its passphrase is not known to this process; "
                          "no unencrypted backup is made")
    return key


def _open_copy(path: Path, key: str | None, *, readonly: bool = False) -> Any:
    if key is None:
        return sqlite3.connect(f"file:{quote(os.fspath(path))}?mode={'ro' if readonly else 'rwc'}", uri=True)
    from dossier.storage.crypto import raw_connect

    return raw_connect(path, key, readonly=readonly)


def verify_backup(path: Path, key: str | None, expected_counts: dict[str, int]) -> None:
    """Open the copy afresh and check it: cipher pages (if encrypted), integrity, per-table counts."""
    conn = _open_copy(path, key, readonly=True)
    try:
        if key is not None:
            from dossier.storage.crypto import cipher_problems

            bad = cipher_problems(conn)
            if bad:
                raise BackupError(f"backup {path} failed its cipher check: {bad[0]}")
        ok = conn.execute("PRAGMA integrity_check").fetchone()[0]
        if ok != "ok":
            raise BackupError(f"backup {path} failed its integrity check: {ok}")
        if table_counts(conn) != expected_counts:
            raise BackupError(f"backup {path} does not hold the same rows as the database")
    finally:
        conn.close()


def backup_to(db: sqlite_utils.Database, target: Path, *, key: Any = _SAME) -> Path:
    """Copy `db` to `target` with the backup API and verify the copy.  An encrypted database's copy
    is encrypted with `key` (default: the database's own passphrase); a plain one's is plain."""
    key = backup_key(db) if key is _SAME else key
    if key is not None and not is_encrypted(db):
        raise BackupError("a plain database's backup cannot be encrypted by the backup API; "
                          "encrypt the database first")
    if key is None and is_encrypted(db):
        raise BackupError("refusing to write an unencrypted backup of an encrypted database")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".partial")
    if tmp.exists():
        tmp.unlink()
    src = db.conn
    dst = _open_copy(tmp, key)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode = DELETE")
        dst.close()
        verify_backup(tmp, key, table_counts(src))
    except BaseException:
        dst.close()
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, target)
    return target
