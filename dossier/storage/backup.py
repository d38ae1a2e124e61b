"""Verified backups and restores through SQLite's backup API (RELIABILITY.md rule 5).

A plain file copy of a WAL database can pass integrity_check and still miss committed rows, so copies
are made only with the backup API, then opened and checked: integrity_check must say ok and every
table must hold as many rows as the original.  The copy is written under a temporary name and renamed
into place only when verified.

Every file this module reads or writes is opened by `_open_file` (one place).  Encryption at rest
(issue 10): an encrypted database is backed up encrypted with its own passphrase (the backup API
between two keyed SQLCipher connections re-encrypts every page under the copy's own salt), and the
copy is verified with cipher_integrity_check too; an encrypted backup is verified and restored with
the passphrases this process knows (the database's).  A plain file is opened with the standard
library's sqlite3, an encrypted one with SQLCipher: never both libraries on one file.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlite_utils

from dossier.storage.connection import SQL_ERRORS, SQLITE_HEADER, StorageError, database_file, is_encrypted


class BackupError(StorageError):
    """No backup (or restore) was made; the database is unchanged."""


APPLICATION_ID = 0x444F5353  # the same 'DOSS' as storage.migrations (kept here to avoid an import cycle)


_SAME = object()  # backup_to's default key: the database's own (remembered) passphrase


def _open_file(path: Path, *, readonly: bool = False, key: Any = _SAME) -> Any:
    """The one place a backup, a restore source or a restore target is opened.  key: a passphrase
    (SQLCipher), None (plain), or by default: plain for a file with a SQLite header (or a new file),
    else the first passphrase this process knows that opens it."""
    from dossier.storage import crypto

    if key is _SAME:
        key = None
        if path.exists() and crypto.looks_encrypted(path):
            for k in [crypto.cached_key(path)] + crypto.remembered_keys():
                if k is None:
                    continue
                try:
                    return crypto.try_key(path, k, readonly=readonly)
                except crypto.WrongPassphrase:
                    continue
            raise BackupError(f"{path}: encrypted with a passphrase this Dossier does not know (open its "
                              "database first)")
    if key is not None:
        return crypto.raw_connect(path, key, readonly=readonly)
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
    from dossier.storage import crypto

    with open(p, "rb") as f:
        if f.read(16) != SQLITE_HEADER and not crypto.looks_encrypted(p):
            return [f"{p}: not a database (no SQLite header)"]
    try:
        conn = _open_file(p, readonly=True)
    except (*SQL_ERRORS, StorageError) as e:
        return [f"{p}: cannot be opened ({e})"]
    try:
        if crypto.looks_encrypted(p):
            bad = crypto.cipher_problems(conn)
            if bad:
                return [f"{p}: cipher: {r}" for r in bad[:10]]
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
    except SQL_ERRORS as e:
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
    except (*SQL_ERRORS, StorageError):
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
    from dossier.storage import crypto

    dst = _open_file(tmp, key=crypto.cached_key(backup) if crypto.looks_encrypted(backup) else None)
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


def table_counts(conn: Any) -> dict[str, int]:
    names = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND name NOT LIKE 'search_fts%'"
        )
    ]
    return {n: conn.execute('SELECT count(*) FROM "' + n.replace('"', '""') + '"').fetchone()[0] for n in names}


def backup_key(db: sqlite_utils.Database) -> str | None:
    """The passphrase a backup of `db` must be encrypted with (None for a plain database)."""
    if not is_encrypted(db):
        return None
    from dossier.storage.crypto import cached_key

    f = database_file(db)
    key = cached_key(f) if f else None
    if key is None:
        raise BackupError("the database is encrypted but its passphrase is not known to this process; "
                          "no unencrypted backup is made")
    return key


def verify_backup(path: Path, key: str | None, expected_counts: dict[str, int]) -> None:
    """Open the copy afresh and check it: cipher pages (if encrypted), integrity, per-table counts."""
    conn = _open_file(path, readonly=True, key=key)
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


def _copy(src: Any, dst: Any, progress: Callable[[float, str], None] | None) -> dict[str, int]:
    """The backup API from `src` into `dst` in steps (progress: 0.6 x the fraction of pages copied), and the
    row counts of what was copied: one read transaction holds a single snapshot for both, so another
    connection (the window, while this runs in a worker) may write meanwhile without making the copy
    and its expected counts disagree."""
    began = not src.in_transaction
    if began:
        src.execute("BEGIN")
    try:
        pages = int(src.execute("PRAGMA page_count").fetchone()[0])  # the first read fixes the snapshot
        step = max(256, pages // 50)

        def stepped(_status: int, remaining: int, total: int) -> None:
            if progress is not None and total:
                progress(0.6 * (total - remaining) / total, "copying")

        src.backup(dst, pages=step, progress=stepped)
        return table_counts(src)
    finally:
        if began:
            src.execute("COMMIT")  # a read transaction: nothing to write


def backup_to(db: sqlite_utils.Database, target: Path, *, key: Any = _SAME,
              progress: Callable[[float, str], None] | None = None) -> Path:
    """Copy `db` to `target` with the backup API and verify the copy (reopened).  An encrypted
    database's copy is encrypted with `key` (default: the database's own passphrase); a plain one's
    is plain.  progress(fraction 0..1, what): while copying (up to 0.6), then once before verifying."""
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
    dst = _open_file(tmp, key=key)
    try:
        counts = _copy(src, dst, progress)
        dst.execute("PRAGMA journal_mode = DELETE")
        dst.close()
        if progress is not None:
            progress(0.6, "verifying the copy")
        verify_backup(tmp, key, counts)
    except SQL_ERRORS as e:
        dst.close()
        tmp.unlink(missing_ok=True)
        full = "full" in str(e).lower()
        raise BackupError(f"no backup could be made in {target.parent}: "
                          + ("the disk is full" if full else str(e)) + "; the database was not changed") from e
    except BaseException:
        dst.close()
        tmp.unlink(missing_ok=True)
        raise
    _fsync(tmp)
    os.replace(tmp, target)
    if key is not None:
        from dossier.storage import crypto

        crypto.move_keys(tmp, target)  # its derived key goes with it: rotation's check needs no KDF
    return target
