"""The connection factory: the only way the app opens SQLite (RELIABILITY.md rules 3-5).

Every connection gets WAL, foreign keys ON, synchronous NORMAL (safe with WAL), trusted_schema OFF,
temp_store MEMORY and a busy timeout.  sqlite3 connections refuse use from another thread, so each
thread opens its own (ARCHITECTURE.md practice 5).  Transactions are explicit: `atomic(db)` wraps a
unit of work in BEGIN IMMEDIATE ... COMMIT, so a crash leaves it wholly absent or wholly present.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import sqlite_utils


class StorageError(Exception):
    """A database problem a user must hear about in words (damaged, newer schema, missing ...)."""


def connect(path: str | Path, *, create: bool = False, readonly: bool = False) -> sqlite_utils.Database:
    p = Path(path)
    if not create and not p.exists():
        raise StorageError(f"{p}: no such database file")
    if create and p.exists() and p.stat().st_size > 0:
        raise StorageError(f"{p}: a file already exists there; refusing to overwrite it")
    if p.exists() and p.is_dir():
        raise StorageError(f"{p} is a folder, not a database file")
    uri = f"file:{p}?mode={'ro' if readonly else 'rwc'}"
    conn = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=10.0)
    try:
        _configure(conn, readonly=readonly)
    except sqlite3.DatabaseError as e:
        conn.close()
        raise StorageError(f"{p}: not a Dossier database or damaged ({e})") from e
    return sqlite_utils.Database(conn)


def _configure(conn: sqlite3.Connection, *, readonly: bool) -> None:
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA trusted_schema = OFF")
    conn.execute("PRAGMA temp_store = MEMORY")
    conn.execute("PRAGMA busy_timeout = 10000")
    if not readonly:
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() not in ("wal", "memory"):
            raise sqlite3.DatabaseError(f"could not switch to WAL (journal_mode={mode})")
    conn.execute("PRAGMA synchronous = NORMAL")


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
    with contextlib.suppress(sqlite3.Error):
        db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.conn.close()
