"""Crash recovery around imports, and what to offer when a database cannot be opened.

The import journal (RELIABILITY.md rule 1, "after a crash the app tells the user which"): before an
import's transaction starts, `<name>.import-journal` is written beside the database with the files'
names and SHA-256 and the last batch id; it is removed when the transaction has committed or rolled
back.  A journal found at the next open (with the instance lock held, so no import is running) means
the process died mid-import: the import batches written since then are compared by SHA-256, and the
user is told whether the import is wholly present (batch N) or wholly absent (import it again).
SQLite's one transaction guarantees there is no third case; the kill-loop test checks it.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlite_utils

from dossier.services import backups
from dossier.services.instance import AlreadyOpen, InstanceLock, NetworkShare
from dossier.storage import batches
from dossier.storage.connection import ReadOnlyDatabase, StorageError, database_file

JOURNAL_SUFFIX = ".import-journal"


def journal_path(db_path: Path) -> Path:
    return Path(db_path).with_name(Path(db_path).name + JOURNAL_SUFFIX)


@dataclass
class Interrupted:
    """An import that was interrupted (process killed, power lost) and what became of it."""

    files: list[dict[str, Any]]
    started_at: str
    batch: int | None  # the batch holding it when it committed before the crash; None = absent
    pid: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def present(self) -> bool:
        return self.batch is not None

    def message(self) -> str:
        names = ", ".join(f"{f.get('name', '?')} (SHA-256 {str(f.get('sha256', ''))[:12]}…)" for f in self.files)
        if self.present:
            return (f"An import started at {self.started_at} was interrupted after it was saved: {names} is "
                    f"wholly present as import batch {self.batch}. Nothing needs doing.")
        return (f"An import started at {self.started_at} was interrupted before it was saved: {names} is "
                "wholly absent (the database is as it was before). Import the file again.")


def _write_atomically(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    with contextlib.suppress(OSError):  # make the rename durable (POSIX)
        dfd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)


@contextlib.contextmanager
def import_guard(db: sqlite_utils.Database, files: list[dict[str, Any]], *, backup: bool = True
                 ) -> Iterator[Path | None]:
    """Wrap an import's one transaction: a verified backup first (when there is data to lose; the
    importer's own backup_before of the same state is reused, not copied again), then the journal;
    the journal goes when the transaction has ended either way.  Yields the backup."""
    p = database_file(db)
    if p is None:
        yield None
        return
    made = backups.backup_before(db, p, "before-import") if backup and batches.has_user_data(db) else None
    j = journal_path(p)
    record = {"version": 1, "pid": os.getpid(),
              "started_at": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
              "last_batch": batches.last_batch_id(db),
              "files": [{"name": f.get("name", ""), "sha256": f.get("sha256", "")} for f in files]}
    _write_atomically(j, json.dumps(record).encode("utf-8"))
    try:
        yield made
    finally:
        j.unlink(missing_ok=True)


def reconcile(db: sqlite_utils.Database, db_path: Path) -> Interrupted | None:
    """What became of an interrupted import (None when nothing was interrupted).  Call with the
    instance lock held; the journal is removed once read."""
    j = journal_path(db_path)
    if not j.exists():
        return None
    try:
        rec = json.loads(j.read_text("utf-8"))
    except (OSError, ValueError):
        rec = {}
    files = rec.get("files") or []
    shas = {f.get("sha256") for f in files if f.get("sha256")}
    found = None
    for b in batches.batches_after(db, int(rec.get("last_batch") or 0)):
        got = {f.get("sha256") for f in b["files"] if isinstance(f, dict)}
        if shas and shas <= got:
            found = b["id"]
            break
    j.unlink(missing_ok=True)
    return Interrupted(files, str(rec.get("started_at", "an unknown time")), found, rec.get("pid"))


def reconcile_if_free(db: sqlite_utils.Database, db_path: Path) -> Interrupted | None:
    """`reconcile` when no other Dossier holds the database (for read-only commands such as check)."""
    if not journal_path(db_path).exists():
        return None
    try:
        with InstanceLock(db_path, "dossier check"):
            return reconcile(db, db_path)
    except StorageError:
        return None


# --- opening for writing, and what to offer when that fails --------------------------------------

def open_exclusive(path: Path, purpose: str) -> tuple[sqlite_utils.Database, InstanceLock, Interrupted | None]:
    """Open an existing database for writing from a command: refuse network shares and a database
    another Dossier has open, then report an interrupted import.  The lock is released by
    `services.database.close_database` (or when the process ends)."""
    from dossier.services.database import open_database

    lock = InstanceLock(Path(path), purpose).acquire()
    try:
        db = open_database(path)
    except BaseException:
        lock.release()
        raise
    db.instance_lock = lock  # released by close_database
    return db, lock, reconcile(db, Path(path))


def restore_closed(path: Path, backup: Path) -> Path | None:
    """Restore a database nobody has open (the window's start-up offer after a refused file)."""
    with InstanceLock(Path(path), "Dossier restore"):
        return backups.restore(Path(path), Path(backup))


def offer_for(path: Path, error: BaseException) -> backups.BackupInfo | None:
    """The newest verified backup to offer when `path` could not be opened (None when a backup is no
    answer: the database is open elsewhere, on a network share, or read-only)."""
    if isinstance(error, AlreadyOpen | NetworkShare | ReadOnlyDatabase):
        return None
    try:
        return backups.newest_verified(Path(path))
    except OSError:
        return None


def offer_text(path: Path, error: BaseException) -> str | None:
    b = offer_for(path, error)
    if b is None:
        return None
    return (f"the newest verified backup is {b.path} (made {b.made.astimezone():%Y-%m-%d %H:%M}); "
            f"restore it with: dossier restore --db {path} {b.path}  (the current file is kept aside)")
