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
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
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


class DamagedDatabase(StorageError):
    """The file is damaged, truncated, empty or not a database at all; it is left as it is."""


class DiskFull(StorageError):
    """The disk (or the database's page limit) filled up during a write; the write was rolled back."""


class ReadOnlyDatabase(StorageError):
    """The file (or its folder) cannot be written."""


def _is_readonly_error(e: BaseException) -> bool:
    m = str(e).lower()
    return "readonly" in m or "read-only" in m or "unable to open database file" in m


def _translate(e: BaseException, p: Path | None) -> StorageError | None:
    where = f"{p}: " if p else ""
    m = str(e).lower()
    if "database or disk is full" in m or "disk i/o error" in m and "full" in m:
        return DiskFull(f"{where}the disk is full (or the database reached its size limit); the change was "
                        "rolled back and nothing was written. Free some space and try again.")
    if "readonly" in m or "read-only" in m:
        return ReadOnlyDatabase(f"{where}the database file or its folder is read-only; Dossier needs to write "
                                "to it (and to its -wal file). Copy it to a writable folder, or change its "
                                "permissions; the file was left as it is.")
    return None


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
        uri = f"file:{_uri_path(p)}?mode={'ro' if readonly else 'rwc'}"
        try:
            conn = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=10.0)
        except sqlite3.Error as e:
            raise (_translate(e, p) or StorageError(f"{p}: cannot open the database ({e})")) from e
    try:
        _configure(conn, readonly=readonly)
    except DB_ERRORS as e:
        conn.close()
        if not readonly and _is_readonly_error(e) and p.exists():
            raise ReadOnlyDatabase(f"{p}: the database file or its folder is read-only; Dossier needs to write "
                                   "to it (and to its -wal file). Copy it to a writable folder, or change its "
                                   "permissions; the file was left as it is.") from e
        raise DamagedDatabase(f"{p}: not a Dossier database or damaged ({e})") from e
    return sqlite_utils.Database(conn)


SQLITE_MAGIC = b"SQLite format 3\x00"


def precheck_file(p: Path) -> None:
    """Refuse what is visibly not a whole SQLite file before SQLite touches it (so nothing is written
    to it): empty, wrong header, or shorter than its own header says (truncated)."""
    size = p.stat().st_size
    if size == 0:
        raise DamagedDatabase(f"{p}: the file is empty (0 bytes); it is not a Dossier database and was "
                              "left as it is")
    with p.open("rb") as f:
        head = f.read(100)
    from dossier.storage import crypto

    if crypto.looks_encrypted(p):
        return  # no header to read: an encrypted file (or a destroyed header); the passphrase decides
    if len(head) < 100 or not head.startswith(SQLITE_MAGIC):
        raise DamagedDatabase(f"{p}: not a Dossier database (its first bytes are not an SQLite header): damaged, "
                              "or another kind of file; it was left as it is")
    page_size = int.from_bytes(head[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(head[28:32], "big")
    counter_ok = head[24:28] == head[92:96]
    if page_size < 512 or page_size & (page_size - 1):
        raise DamagedDatabase(f"{p}: the database header is damaged (page size {page_size}); it was left as it is")
    wal = p.with_name(p.name + "-wal")
    if counter_ok and pages and size < pages * page_size and not (wal.exists() and wal.stat().st_size):
        raise DamagedDatabase(f"{p}: the file is truncated ({size:,} of {pages * page_size:,} bytes); it was "
                              "left as it is")


@contextlib.contextmanager
def readonly_probe(p: Path, *, key: str | None = None) -> Iterator[sqlite_utils.Database]:
    """A read-only connection for checks before anything is written (nothing is written to the file;
    the empty -wal/-shm a read-only connection may create are removed again)."""
    created = [x for x in (p.with_name(p.name + "-wal"), p.with_name(p.name + "-shm")) if not x.exists()]
    db = connect(p, readonly=True, key=key)
    try:
        yield db
    finally:
        db.conn.close()
        for x in created:  # a read-only connection cannot remove the files it created
            with contextlib.suppress(OSError):
                if x.exists() and (x.name.endswith("-shm") or x.stat().st_size == 0):
                    x.unlink()


def _uri_path(p: Path) -> str:
    """A path made safe inside a file: URI ('?' and '#' in folder names would end the path)."""
    return str(p).replace("%", "%25").replace("?", "%3f").replace("#", "%23")


def database_file(db: sqlite_utils.Database) -> Path | None:
    """The file behind a connection (None for an in-memory or temporary database)."""
    for _seq, name, file in db.conn.execute("PRAGMA database_list"):
        if name == "main":
            return Path(file) if file else None
    return None


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


WriteGate = Callable[[], None]
_write_gates: dict[str, WriteGate] = {}


def _gate_key(path: str | Path) -> str:
    return os.path.realpath(path)


def set_write_gate(path: str | Path, gate: WriteGate) -> None:
    """Make every `atomic()` transaction on `path` call `gate()` first; the gate may wait (for a
    check still running) or raise (to refuse the write).  One gate a file."""
    _write_gates[_gate_key(path)] = gate


def remove_write_gate(path: str | Path, gate: WriteGate) -> None:
    """Remove `gate` (and only it: a newer gate on the same file stays)."""
    k = _gate_key(path)
    if _write_gates.get(k) is gate:
        del _write_gates[k]


def _pass_write_gate(db: sqlite_utils.Database) -> None:
    if not _write_gates:  # the usual case costs nothing
        return
    f = database_file(db)
    gate = _write_gates.get(_gate_key(f)) if f is not None else None
    if gate is not None:
        gate()


@contextlib.contextmanager
def atomic(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """One transaction (BEGIN IMMEDIATE); rolled back on any exception.  Not re-entrant on purpose:
    nesting would hide a commit boundary.  A write gate on the file (`set_write_gate`) is passed
    first."""
    conn = db.conn
    if conn.in_transaction:
        raise RuntimeError("atomic() inside an open transaction")
    _pass_write_gate(db)
    try:
        conn.execute("BEGIN IMMEDIATE")
    except OPERATIONAL_ERRORS as e:
        raise (_translate(e, database_file(db)) or e) from e
    try:
        yield db
        before_commit()
        conn.execute("COMMIT")
    except BaseException as e:
        if conn.in_transaction:  # SQLite rolls back by itself on some errors (disk full)
            conn.execute("ROLLBACK")
        if isinstance(e, OPERATIONAL_ERRORS):
            translated = _translate(e, database_file(db))
            if translated is not None:
                raise translated from e
        raise


PAUSE_ENV = "DOSSIER_TEST_PAUSE_BEFORE_COMMIT"


def before_commit() -> None:
    """Test-only fault injection, off by default: with $DOSSIER_TEST_PAUSE_BEFORE_COMMIT set to
    `SECONDS[:MARKER]`, touch MARKER and sleep right before COMMIT so a crash test can kill the
    process inside the commit window (tests/test_crash_kill_loop.py)."""
    spec = os.environ.get(PAUSE_ENV)
    if not spec:
        return
    secs, _, marker = spec.partition(":")
    if marker:
        Path(marker).write_text(str(os.getpid()))
    time.sleep(float(secs))


def close(db: sqlite_utils.Database) -> None:
    """Checkpoint so the .db alone is complete, then close."""
    with contextlib.suppress(*SQL_ERRORS):
        db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.conn.close()


def is_encrypted(db: sqlite_utils.Database) -> bool:
    """Whether this connection is a SQLCipher one (an encrypted database)."""
    return sqlcipher is not None and isinstance(db.conn, sqlcipher.Connection)


main_file = database_file  # the name issue 10's modules use
