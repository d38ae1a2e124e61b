"""Changing the key of a database file: encrypt, decrypt, new passphrase.

The file is never rewritten in place: the database is exported (`sqlcipher_export`) into
`<name>.rekey-partial`, that copy is verified (cipher and SQLite integrity checks, per-table row
counts, schema version), the old file gets a second name (`<name>.rekey-old`, a hard link) and the
new file is renamed over the old name (atomic).  A crash at any moment leaves `<name>` openable with
the old or the new key; leftovers are removed by the next change.  For crash tests,
DOSSIER_TEST_CRASH_AT=<point> makes the process SIGKILL itself at one of CRASH_POINTS.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dossier.storage.connection import SQLITE_HEADER, StorageError
from dossier.storage.crypto import keys
from dossier.storage.crypto.diagnosis import cipher_problems, try_key

CRASH_POINTS = ("exported", "verified", "linked", "replaced", "reopened")


def crash_point(name: str) -> None:
    """Test hook (kill-loop tests): SIGKILL this process here when DOSSIER_TEST_CRASH_AT names it."""
    if os.environ.get("DOSSIER_TEST_CRASH_AT") == name:  # pragma: no cover - the child dies
        sys.stdout.flush()
        os.kill(os.getpid(), signal.SIGKILL)


def partial_path(path: Path) -> Path:
    return path.with_name(path.name + ".rekey-partial")


def aside_path(path: Path) -> Path:
    return path.with_name(path.name + ".rekey-old")


def _fsync_file(p: Path) -> None:
    fd = os.open(p, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(d: Path) -> None:
    with contextlib.suppress(OSError):  # not possible on every platform (Windows)
        fd = os.open(d, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@dataclass(frozen=True)
class Snapshot:
    counts: dict[str, int]
    user_version: int
    application_id: int


def _snapshot(conn: Any) -> Snapshot:
    from dossier.storage.backup import table_counts

    return Snapshot(table_counts(conn), int(conn.execute("PRAGMA user_version").fetchone()[0]),
                    int(conn.execute("PRAGMA application_id").fetchone()[0]))


def _has_sqlite_header(p: Path) -> bool:
    with open(p, "rb") as f:
        return f.read(16) == SQLITE_HEADER


def verify_copy(path: Path, key: str | None, expected: Snapshot) -> None:
    """Open `path` afresh (keyed or plain) and check: cipher pages, integrity, counts, versions."""
    conn = keys.raw_connect(path, key, readonly=True)
    try:
        if key is None and not _has_sqlite_header(path):
            raise StorageError(f"{path}: the decrypted copy has no SQLite header")
        bad = cipher_problems(conn) if key is not None else []
        if bad:
            raise StorageError(f"{path}: the new copy fails its cipher check: {bad[:3]}")
        ok = conn.execute("PRAGMA integrity_check").fetchone()[0]
        if ok != "ok":
            raise StorageError(f"{path}: the new copy fails its integrity check: {ok}")
        got = _snapshot(conn)
        if got != expected:
            raise StorageError(f"{path}: the new copy does not hold the same data as the database")
    finally:
        conn.close()


def _export_target_key(partial: Path, new: str | None) -> str:
    """The KEY of the attached copy: '' (plain) or the new passphrase's raw key with a fresh salt
    (derived here once; verify_copy and every later open reuse it)."""
    if new is None:
        return "''"
    value, _salt = keys.key_pragma_value(partial, new)  # partial does not exist yet: a new salt
    return value


def change_key(path: str | Path, *, old: str | None, new: str | None) -> None:
    """Rewrite the database at `path` so that it opens with `new` (None: a plain database) instead
    of `old` (None: it is plain now).  Verified before it replaces the original; crash-safe (see the
    module doc).  Raises WrongPassphrase/EncryptedDamaged/StorageError and leaves the file as it was."""
    p = Path(path)
    if old is None and new is None:
        raise ValueError("nothing to change: both keys are None")
    if not p.exists():
        raise StorageError(f"{p}: no such database file")
    if new is not None:
        new = keys.check_passphrase(new)
    partial, aside = partial_path(p), aside_path(p)
    if old is None:
        if not _has_sqlite_header(p):
            raise StorageError(f"{p}: this is not a plain SQLite database (already encrypted, or damaged)")
        src = keys.raw_connect(p, None)
    else:
        src = try_key(p, old)
    # The file opens with `old`: leftovers of an interrupted change are stale now.
    partial.unlink(missing_ok=True)
    keys.forget(partial)
    if aside.exists():
        aside.unlink()
    try:
        src.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        ok = src.execute("PRAGMA quick_check").fetchone()[0]
        if ok != "ok":
            raise StorageError(f"{p}: the database fails its check ({ok}); it was not changed")
        before = _snapshot(src)
        src.execute(f"ATTACH DATABASE ? AS newcopy KEY {_export_target_key(partial, new)}",
                    (os.fspath(partial),))
        src.execute("PRAGMA newcopy.journal_mode = DELETE")
        src.execute("SELECT sqlcipher_export('newcopy')")
        src.execute(f"PRAGMA newcopy.user_version = {before.user_version}")
        src.execute(f"PRAGMA newcopy.application_id = {before.application_id}")
        src.execute("DETACH DATABASE newcopy")
    except BaseException:
        src.close()
        partial.unlink(missing_ok=True)
        keys.forget(partial)
        raise
    src.close()
    try:
        _fsync_file(partial)
        crash_point("exported")
        verify_copy(partial, new, before)
        crash_point("verified")
        wal = Path(str(p) + "-wal")
        if wal.exists() and wal.stat().st_size > 0:
            raise StorageError(f"{p}: it is still open somewhere (its WAL is not empty); close Dossier on it "
                               f"and try again. The database was not changed.")
    except BaseException:
        partial.unlink(missing_ok=True)
        keys.forget(partial)
        raise
    try:
        os.link(p, aside)  # a second name for the old file: kept until the new one is in place
    except OSError:
        aside = None  # type: ignore[assignment]  # no hard links here: the rename alone is atomic
    _fsync_dir(p.parent)
    crash_point("linked")
    os.replace(partial, p)
    _fsync_dir(p.parent)
    keys.forget(p)  # the old key (and passphrase) no longer open `p`; the new ones move over
    keys.move_keys(partial, p)
    crash_point("replaced")
    for suffix in ("-wal", "-shm"):  # the old file's (empty) WAL index must not meet the new file
        Path(str(p) + suffix).unlink(missing_ok=True)
    check = keys.raw_connect(p, new)
    try:
        check.execute("SELECT count(*) FROM sqlite_master").fetchone()
    finally:
        check.close()
    crash_point("reopened")
    if aside is not None:
        aside.unlink(missing_ok=True)
        _fsync_dir(p.parent)
    if new is not None:
        keys.remember(p, new)


def cleanup_leftovers(path: str | Path) -> list[Path]:
    """Remove what an interrupted key change left beside `path`.  Call only after `path` opened and
    passed its check: then the partial copy is unfinished and the aside file is the previous
    version (or a second name of this very file), so neither is needed."""
    p = Path(path)
    gone = []
    for extra in (partial_path(p), aside_path(p)):
        if extra.exists():
            extra.unlink()
            gone.append(extra)
    return gone
