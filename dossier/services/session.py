"""A session on one database: what the GUI holds.  It owns the UI thread's connection; work on other
threads opens its own connection through `connect_worker()` (one connection per thread)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlite_utils

from dossier.services import browse, database, recovery
from dossier.services.instance import InstanceLock
from dossier.services.recovery import Interrupted


class Session:
    def __init__(self, path: str | Path, db: sqlite_utils.Database, lock: InstanceLock | None = None):
        self.path = Path(path)
        self.db = db
        self.lock = lock  # one Dossier per database: held while the session is open
        self.interrupted: Interrupted | None = None  # an import a crash cut short, found at open

    @classmethod
    def open(cls, path: str | Path, *, create_sample_if_missing: bool = False, key: str | None = None,
             defer_check: bool = False) -> Session:
        """key: the passphrase of an encrypted database (else the remembered one or the key provider's).
        defer_check: an encrypted database is checked on a thread of its own while the window is built
        (`services.open_check`); see `damage_behind` for a read that fails meanwhile."""
        p = Path(path)
        if create_sample_if_missing and not p.exists():
            return cls.create(p, sample=True, key=key)
        lock = InstanceLock(p, "Dossier window").acquire() if p.exists() else None
        try:
            db = database.open_database(p, key=key, defer_check=defer_check)
        except BaseException:
            if lock:
                lock.release()
            raise
        s = cls(p, db, lock)
        try:
            s.interrupted = recovery.reconcile(s.db, p)
        except BaseException:
            s.close()
            raise
        return s

    @classmethod
    def create(cls, path: str | Path, *, sample: bool = False, key: str | None = None) -> Session:
        p = Path(path)
        db = database.create_database(p, sample=sample, key=key)
        try:
            lock = InstanceLock(p, "Dossier window").acquire()
        except BaseException:
            database.close_database(db)
            raise
        return cls(p, db, lock)

    def restore(self, backup: Path) -> Path | None:
        """Replace this session's database by a verified backup, keeping the current file aside; the
        instance lock stays held throughout.  Returns where the old file was kept."""
        from dossier.services import backups

        database.close_database(self.db)
        try:
            kept = backups.restore(self.path, Path(backup))
        finally:
            self.db = database.open_database(self.path)
        return kept

    def connect_worker(self) -> sqlite_utils.Database:
        """A connection for another thread (an encrypted database's passphrase is remembered).  The
        session opened and checked the file already, so the checks are not repeated."""
        return database.open_worker_connection(self.path)

    @property
    def open_check(self) -> database.OpenCheck | None:
        """The integrity check an encrypted database runs after opening (None: checked before)."""
        return database.open_check(self.db)

    def damage_behind(self, error: BaseException) -> database.StorageError | None:
        """When a read failed while the deferred check ran: the check's finding (it says which pages are
        damaged and is what the user is told), else None."""
        chk = self.open_check
        if chk is None or not isinstance(error, database.DB_ERRORS):
            return None
        chk.wait()
        return chk.error

    @property
    def encrypted(self) -> bool:
        return database.is_encrypted(self.db)

    def close(self) -> None:
        database.close_database(self.db)
        if self.lock is not None:
            self.lock.release()

    # --- reads for the window -------------------------------------------------------------------
    def browser(self) -> browse.Browser:
        return browse.browser(self.db)

    def details(self, table: str, record_id: str) -> browse.Details | None:
        return browse.details(self.db, table, record_id)

    def search(self, text: str) -> list[dict[str, Any]]:
        return browse.search(self.db, text)

    def check(self) -> database.CheckResult:
        return database.check(self.db)
