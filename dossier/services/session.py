"""A session on one database: what the GUI holds.  It owns the UI thread's connection; work on other
threads opens its own connection through `connect_worker()` (one connection per thread)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlite_utils

from dossier.services import browse, database


class Session:
    def __init__(self, path: str | Path, db: sqlite_utils.Database):
        self.path = Path(path)
        self.db = db

    @classmethod
    def open(cls, path: str | Path, *, create_sample_if_missing: bool = False, key: str | None = None) -> Session:
        """key: the passphrase of an encrypted database (else the remembered one or the key provider's)."""
        p = Path(path)
        if create_sample_if_missing and not p.exists():
            return cls(p, database.create_database(p, sample=True, key=key))
        return cls(p, database.open_database(p, key=key))

    @classmethod
    def create(cls, path: str | Path, *, sample: bool = False, key: str | None = None) -> Session:
        p = Path(path)
        return cls(p, database.create_database(p, sample=sample, key=key))

    def connect_worker(self) -> sqlite_utils.Database:
        """A connection for another thread (an encrypted database's passphrase is remembered)."""
        return database.open_database(self.path)

    @property
    def encrypted(self) -> bool:
        return database.is_encrypted(self.db)

    def close(self) -> None:
        database.close_database(self.db)

    # --- reads for the window -------------------------------------------------------------------
    def browser(self) -> browse.Browser:
        return browse.browser(self.db)

    def details(self, table: str, record_id: str) -> browse.Details | None:
        return browse.details(self.db, table, record_id)

    def search(self, text: str) -> list[dict[str, Any]]:
        return browse.search(self.db, text)

    def check(self) -> database.CheckResult:
        return database.check(self.db)
