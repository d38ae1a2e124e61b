"""The connection factory: the only way the app opens SQLite (RELIABILITY.md rules 3-5, 16).

Every connection gets WAL, foreign keys ON, synchronous NORMAL (safe with WAL), trusted_schema OFF,
temp_store MEMORY and a busy timeout.  sqlite3 connections refuse use from another thread, so each
thread opens its own (ARCHITECTURE.md practice 5).  Transactions are explicit: `atomic(db)` wraps a
unit of work in BEGIN IMMEDIATE ... COMMIT, so a crash leaves it wholly absent or wholly present.

Two SQLite libraries, never on the same file: a plain database is opened with the standard library's
`sqlite3`; an encrypted one (no "SQLite format 3" header) with SQLCipher (`sqlcipher3`), see
`dossier.storage.crypto`.  Their exception classes differ, so code that catches database errors
catches the tuples below (`DB_ERRORS` ...), never `sqlite3.DatabaseError` alone.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlite_utils

try:  # SQLCipher: a separate SQLite build with encryption (PyPI wheels); plain files never use it
    from sqlcipher3 import dbapi2 as sqlcipher
except ImportError:  # pragma: no cover - a platform without the wheel: plain databases still work
    sqlcipher = None  # type: ignore[assignment]


def _both(name: str) -> tuple[type[BaseException], ...]:
    classes: tuple[type[BaseException], ...] = (getattr(sqlite3, name),)
    if sqlcipher is not None:
        classes += (getattr(sqlcipher, name),)
    return classes


SQL_ERRORS = _both("Error")  # any error from either library
DB_ERRORS = _both("DatabaseError")  # "file is not a database", malformed, locked ...
OPERATIONAL_ERRORS = _both("OperationalError")
INTEGRITY_ERRORS = _both("IntegrityError")

SQLITE_HEADER = b"SQLite format 3\x00"


class StorageError(Exception):
    """A database problem a user must hear about in words (damaged, newer schema, missing ...)."""


def connect(path: str | Path, *, create: bool = False, readonly: bool = False,
            key: str | None = None) -> sqlite_utils.Database:
    """Open (or with create=True make) a database.  `key` is a passphrase: with create=True it makes
    an encrypted database; on open it is used only when the file is encrypted (otherwise the key
    provider of `dossier.storage.crypto` is asked)."""
    from dossier.storage import crypto

    p = Path(path)
    if not create and not p.exists():
        raise StorageError(f"{p}: no such database file")
    if create and p.exists() and p.stat().st_size > 0:
        raise StorageError(f"{p}: a file already exists there; refusing to overwrite it")
    if p.exists() and p.is_dir():
        raise StorageError(f"{p} is a folder, not a database file")
    if create and key is not None:
        conn = crypto.create_encrypted(p, key)
    elif not create and crypto.looks_encrypted(p):
        conn = crypto.open_encrypted(p, readonly=readonly, key=key)
    else:
        uri = f"file:{p}?mode={'ro' if readonly else 'rwc'}"
        conn = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=10.0)
    try:
        _configure(conn, readonly=readonly)
    except DB_ERRORS as e:
        conn.close()
        raise StorageError(f"{p}: not a Dossier database or damaged ({e})") from e
    return sqlite_utils.Database(conn)


def _configure(conn: Any, *, readonly: bool) -> None:
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA trusted_schema = OFF")
    conn.execute("PRAGMA temp_store = MEMORY")
    conn.execute("PRAGMA busy_timeout = 10000")
    if not readonly:
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() not in ("wal", "memory"):
            raise sqlite3.DatabaseError(f"could not switch to WAL (journal_mode={mode})")
    conn.execute("PRAGMA synchronous = NORMAL")


def is_encrypted(db: sqlite_utils.Database) -> bool:
    """Whether this connection is a SQLCipher one (an encrypted database)."""
    return sqlcipher is not None and isinstance(db.conn, sqlcipher.Connection)


def main_file(db: sqlite_utils.Database) -> Path | None:
    for _seq, name, file in db.conn.execute("PRAGMA database_list"):
        if name == "main":
            return Path(file) if file else None
    return None  # pragma: no cover


@contextlib.contextmanager
def atomic(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """One transaction (BEGIN IMMEDIATE); rolled back on any exception.  Not re-entrant on purpose:
    nesting would hide a commit boundary."""
    conn = db.conn
    if conn.in_transaction:
        raise RuntimeError("atomic() inside an open transaction")
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    else:
        conn.execute("COMMIT")


def close(db: sqlite_utils.Database) -> None:
    """Checkpoint so the .db alone is complete, then close."""
    with contextlib.suppress(*SQL_ERRORS):
        db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.conn.close()
