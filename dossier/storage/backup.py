"""Verified backups and restores through SQLite's backup API (RELIABILITY.md rule 5).

A plain file copy of a WAL database can pass integrity_check and still miss committed rows, so copies
are made only with the backup API, then opened and checked: integrity_check must say ok and every
table must hold as many rows as the original.  The copy is written under a temporary name and renamed
into place only when verified.

Every file this module reads or writes is opened by `_open_file` (one place), so encryption at rest
can thread its key through here.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import sqlite_utils

from dossier.storage.connection import StorageError


class BackupError(StorageError):
    """No backup (or restore) was made; the database is unchanged."""


APPLICATION_ID = 0x444F5353  # the same 'DOSS' as storage.migrations (kept here to avoid an import cycle)


def _open_file(path: Path, *, readonly: bool = False) -> sqlite3.Connection:
    """The one place a backup, a restore source or a restore target is opened."""
    if readonly:
        return sqlite3.connect(f"file:{_uri(path)}?mode=ro", uri=True, isolation_level=None)
    return sqlite3.connect(path, isolation_level=None)


def _uri(p: Path) -> str:
    return str(p).replace("%", "%25").replace("?", "%3f").replace("#", "%23")


def verify_file(path: Path) -> list[str]:
    """Problems that make `path` unusable as a Dossier backup ([] = a sound Dossier database)."""
    p = Path(path)
    if not p.is_file():
        return [f"{p}: no such file"]
    if p.stat().st_size == 0:
        return [f"{p}: the file is empty (0 bytes)"]
    with open(p, "rb") as f:
        if f.read(16) != b"SQLite format 3\x00":
            return [f"{p}: not a database (no SQLite header)"]
    try:
        conn = _open_file(p, readonly=True)
    except sqlite3.Error as e:
        return [f"{p}: cannot be opened ({e})"]
    try:
        rows = [r[0] for r in conn.execute("PRAGMA integrity_check")]
        if rows != ["ok"]:
            return [f"{p}: integrity: {r}" for r in rows[:10]]
        if int(conn.execute("PRAGMA application_id").fetchone()[0]) != APPLICATION_ID:
            return [f"{p}: not a Dossier database"]
        if int(conn.execute("PRAGMA user_version").fetchone()[0]) < 1:
            return [f"{p}: holds no Dossier schema"]
        bad = conn.execute("PRAGMA foreign_key_check").fetchone()
        if bad:
            return [f"{p}: foreign key: {bad[0]} row {bad[1]} points to a missing {bad[2]}"]
    except sqlite3.DatabaseError as e:
        return [f"{p}: cannot be read ({e})"]
    finally:
        conn.close()
    return []


def schema_version_of(path: Path) -> int | None:
    try:
        conn = _open_file(Path(path), readonly=True)
        try:
            return int(conn.execute("PRAGMA user_version").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error:
        return None


def restore_file(backup: Path, target: Path, aside: Path) -> Path | None:
    """Replace `target` by a verified copy of `backup`, keeping the current `target` (and its -wal)
    as `aside` first.  Never deletes user data: the current file is hard-linked (or copied) aside
    before the new one is renamed over it, so at every moment `target` is either the old file or the
    complete new one.  The caller holds the instance lock and has closed its connections.  Returns the
    path the old file was kept as (None when there was no old file)."""
    backup, target, aside = Path(backup), Path(target), Path(aside)
    problems = verify_file(backup)
    if problems:
        raise BackupError("the backup cannot be used: " + problems[0])
    tmp = target.with_name(target.name + ".restoring")
    tmp.unlink(missing_ok=True)
    src = _open_file(backup, readonly=True)
    dst = _open_file(tmp)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode = DELETE")
        ok = dst.execute("PRAGMA integrity_check").fetchone()[0]
        if ok != "ok" or table_counts(dst) != table_counts(src):
            raise BackupError(f"the copy of {backup} did not verify ({ok}); nothing was changed")
    except BaseException:
        dst.close()
        src.close()
        tmp.unlink(missing_ok=True)
        raise
    dst.close()
    src.close()
    _fsync(tmp)
    kept: Path | None = None
    aside.parent.mkdir(parents=True, exist_ok=True)
    wal = target.with_name(target.name + "-wal")
    if wal.exists() and wal.stat().st_size > 0:
        os.replace(wal, aside.with_name(aside.name + "-wal"))  # the old WAL belongs to the old file only
    for extra in ("-wal", "-shm"):
        target.with_name(target.name + extra).unlink(missing_ok=True)
    if target.exists():
        try:
            os.link(target, aside)
        except OSError:
            import shutil

            shutil.copy2(target, aside)
        kept = aside
    os.replace(tmp, target)
    return kept


def _fsync(p: Path) -> None:
    fd = os.open(p, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def table_counts(conn: sqlite3.Connection) -> dict[str, int]:
    names = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND name NOT LIKE 'search_fts%'"
        )
    ]
    return {n: conn.execute('SELECT count(*) FROM "' + n.replace('"', '""') + '"').fetchone()[0] for n in names}


def backup_to(db: sqlite_utils.Database, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".partial")
    if tmp.exists():
        tmp.unlink()
    src = db.conn
    dst = _open_file(tmp)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode = DELETE")
        ok = dst.execute("PRAGMA integrity_check").fetchone()[0]
        if ok != "ok":
            raise BackupError(f"backup {target} failed its integrity check: {ok}")
        if table_counts(dst) != table_counts(src):
            raise BackupError(f"backup {target} does not hold the same rows as the database")
    except sqlite3.Error as e:
        dst.close()
        tmp.unlink(missing_ok=True)
        full = "full" in str(e).lower()
        raise BackupError(f"no backup could be made in {target.parent}: "
                          + ("the disk is full" if full else str(e)) + "; the database was not changed") from e
    except BaseException:
        dst.close()
        tmp.unlink(missing_ok=True)
        raise
    dst.close()
    _fsync(tmp)
    os.replace(tmp, target)
    return target
