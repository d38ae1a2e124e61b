"""sqlite-utils on SQLCipher connections: make its `except sqlite3.X` clauses also catch SQLCipher's
classes (RELIABILITY.md rule 16)."""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any

from dossier.storage.connection import sqlcipher


class _Either(tuple):
    """A tuple of exception classes: `except` accepts it (matching either library's class), and
    calling it (sqlite-utils does `raise sqlite3.IntegrityError(...)`) makes the first one."""

    def __call__(self, *args: Any) -> BaseException:
        return self[0](*args)


class _BothSqlite(types.ModuleType):
    def __getattr__(self, name: str) -> Any:
        import sqlite3

        return getattr(sqlite3, name)


_ERROR_NAMES = ("Warning", "Error", "InterfaceError", "DatabaseError", "DataError", "OperationalError",
                "IntegrityError", "InternalError", "ProgrammingError", "NotSupportedError")
_taught = False


def teach_sqlite_utils() -> None:
    """sqlite-utils catches errors through `sqlite_utils.db.sqlite3` / `sqlite_utils.utils.sqlite3`
    (the standard library's module) and `OperationalError` imported from there, so SQLCipher's
    exceptions would slip through its `except` clauses (e.g. `table.drop(ignore=True)`,
    `insert(alter=True)`, `db.query()` of INSERT ... RETURNING, `supports_strict`).  This is the
    ONE place that changes that: both names become a module whose error classes are tuples of both
    libraries' classes.  Done once, when the first SQLCipher connection is made; plain connections
    behave exactly as before (their classes are in the tuples too).  Tested in test_crypto_storage."""
    global _taught
    if _taught or sqlcipher is None:
        return
    import sqlite3

    import sqlite_utils.db
    import sqlite_utils.utils

    both = _BothSqlite("sqlite3_or_sqlcipher3")
    for name in _ERROR_NAMES:
        setattr(both, name, _Either((getattr(sqlite3, name), getattr(sqlcipher, name))))
    for mod in (sqlite_utils.db, sqlite_utils.utils):
        mod.sqlite3 = both  # type: ignore[attr-defined]
        mod.OperationalError = both.OperationalError  # type: ignore[attr-defined]
    _taught = True


def _untaught_for_tests() -> Callable[[], None]:  # pragma: no cover - used by one test
    """Undo teach_sqlite_utils (returns a function that re-applies it)."""
    global _taught
    import sqlite3

    import sqlite_utils.db
    import sqlite_utils.utils

    for mod in (sqlite_utils.db, sqlite_utils.utils):
        mod.sqlite3 = sqlite3  # type: ignore[attr-defined]
        mod.OperationalError = sqlite3.OperationalError  # type: ignore[attr-defined]
    _taught = False
    return teach_sqlite_utils
