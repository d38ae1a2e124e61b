"""Verified backups of the open database (RELIABILITY.md rule 5): before every import and migration,
on a schedule, and on demand; rotated; restored with the current file kept aside.

Backups live beside the database in `<stem>.backups/` as `<stem>-<reason>-<UTC time>.db`, made with
the backup API and verified (integrity_check + per-table row counts) before being renamed into place,
so every `.db` in that folder was verified when made.  Rotation keeps the newest N, the newest of each
of the last D days, and always the newest one that still verifies.  A restore verifies the backup,
keeps the current file as `<stem>-replaced-<time>.db` in the same folder, then renames the copy into
place.  All copying goes through `dossier.storage.backup` (one place for a future encryption key).
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from dossier.storage.backup import BackupError, backup_to, restore_file, schema_version_of, verify_file
from dossier.storage.connection import StorageError, database_file

__all__ = ["BackupError", "StorageError", "BackupInfo", "backup_dir", "backup_before", "backup_now", "list_backups",
           "rotate", "newest_verified", "restore", "verify_file", "state_of", "adopt", "backup_with", "KEEP_LAST",
           "KEEP_DAYS"]

KEEP_LAST = 10
KEEP_DAYS = 7
_NAME = re.compile(r"^(?P<reason>[a-z0-9-]+?)-(?P<stamp>\d{8}T\d{6}(?:\d{6})?Z)\.db$")  # after '<stem>-'
# (connection id, total_changes, data_version) -> the backup made for that state (see backup_before)
_LAST: dict[tuple[int, str], tuple[int, int, Path]] = {}


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    reason: str
    made: _dt.datetime  # UTC

    @property
    def size(self) -> int:
        try:
            return self.path.stat().st_size
        except OSError:
            return 0

    def label(self) -> str:
        local = self.made.astimezone()
        return f"{local:%Y-%m-%d %H:%M:%S}  {self.reason.replace('-', ' ')}  ({self.size / 1024:,.0f} KB)"


def backup_dir(db_path: Path) -> Path:
    return Path(db_path).parent / f"{Path(db_path).stem}.backups"


def _stamp() -> str:
    return _dt.datetime.now(_dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")


def _parse_stamp(s: str) -> _dt.datetime:
    fmt = "%Y%m%dT%H%M%S%fZ" if len(s) > 16 else "%Y%m%dT%H%M%SZ"
    return _dt.datetime.strptime(s, fmt).replace(tzinfo=_dt.UTC)


def list_backups(db_path: Path) -> list[BackupInfo]:
    """Backups of this database, newest first (files kept aside by a restore included)."""
    db_path = Path(db_path)
    d = backup_dir(db_path)
    out = []
    if d.is_dir():
        prefix = f"{db_path.stem}-"
        for f in d.iterdir():
            m = _NAME.match(f.name[len(prefix):]) if f.name.startswith(prefix) else None
            if m and f.is_file():
                out.append(BackupInfo(f, m["reason"], _parse_stamp(m["stamp"])))
    out.sort(key=lambda b: (b.made, b.path.name), reverse=True)
    return out


def newest_verified(db_path: Path, *, exclude: Path | None = None) -> BackupInfo | None:
    """The newest backup that passes the checks now (a damaged or foreign file is skipped)."""
    for b in list_backups(db_path):
        if exclude is not None and b.path.resolve() == Path(exclude).resolve():
            continue
        if b.reason.startswith("replaced") or b.reason.startswith("damaged"):
            continue  # files kept aside are not backups to offer
        if not verify_file(b.path):
            return b
    return None


def rotate(db_path: Path, keep_last: int = KEEP_LAST, keep_days: int = KEEP_DAYS) -> list[Path]:
    """Delete old backups: keep the newest `keep_last`, the newest of each of the last `keep_days`
    days, and always the newest verified one.  Files kept aside by a restore are never deleted.
    Returns the deleted paths."""
    backups = [b for b in list_backups(db_path) if not b.reason.startswith(("replaced", "damaged"))]
    keep: set[Path] = {b.path for b in backups[: max(keep_last, 1)]}
    today = _dt.datetime.now(_dt.UTC).date()
    days_seen: set[_dt.date] = set()
    for b in backups:
        day = b.made.date()
        if (today - day).days < keep_days and day not in days_seen:
            days_seen.add(day)
            keep.add(b.path)
    newest_ok = newest_verified(db_path)
    if newest_ok is not None:
        keep.add(newest_ok.path)
    deleted = []
    for b in backups:
        if b.path not in keep:
            b.path.unlink(missing_ok=True)
            deleted.append(b.path)
    return deleted


def backup_before(db: sqlite_utils.Database, db_path: Path, reason: str, *, keep_last: int = KEEP_LAST,
                  keep_days: int = KEEP_DAYS, progress: Callable[[float, str], None] | None = None) -> Path:
    """A verified backup of the open database, then rotation.  Called twice for the same unchanged
    state through the same connection (the importer and the import guard both ask), it returns the
    backup already made instead of copying again.  progress(fraction 0..1, what) while it works."""
    db_path = Path(db_path)
    key = (id(db.conn), str(db_path.resolve()))
    state = state_of(db)
    last = _LAST.get(key)
    if last and (last[0], last[1]) == state and last[2].exists():
        return last[2]
    safe = re.sub(r"[^a-z0-9-]+", "-", reason.lower()).strip("-") or "backup"
    path = backup_to(db, backup_dir(db_path) / f"{db_path.stem}-{safe}-{_stamp()}.db",
                     progress=None if progress is None else lambda f, what: progress(f * 0.95, what))
    _LAST[key] = (*state, path)
    if progress is not None:
        progress(0.95, "rotating old backups")
    rotate(db_path, keep_last, keep_days)
    return path


def state_of(db: sqlite_utils.Database) -> tuple[int, int]:
    """What this connection wrote, and what others committed, as seen now: equal values at two moments
    mean the database did not change between them."""
    conn = db.conn
    return conn.total_changes, int(conn.execute("PRAGMA data_version").fetchone()[0])


def adopt(db: sqlite_utils.Database, db_path: Path, before: tuple[int, int], path: Path) -> bool:
    """A backup made through another connection (a worker's) counts as `db`'s latest, so backup_before
    does not copy the same state again, when `db` sees no change since `before` (its state_of taken
    before that backup started)."""
    if state_of(db) != before or not Path(path).exists():
        return False
    _LAST[(id(db.conn), str(Path(db_path).resolve()))] = (*before, Path(path))
    return True


def backup_with(connect: Callable[[], sqlite_utils.Database], db_path: Path, reason: str = "manual", *,
                progress: Callable[[float, str], None] | None = None, **kw) -> Path:
    """backup_now through a connection of its own (a worker thread's), opened by `connect()` and closed
    here.  Closed without close_database's checkpoint: it only read, and a checkpoint would make the
    window's connection see a change (PRAGMA data_version) and so defeat `adopt`."""
    db = connect()
    try:
        return backup_now(db, db_path, reason, progress=progress, **kw)
    finally:
        for key in [k for k in _LAST if k[0] == id(db.conn)]:
            _LAST.pop(key, None)  # a later connection could reuse the id
        db.conn.close()


def backup_now(db: sqlite_utils.Database, db_path: Path | None = None, reason: str = "manual", **kw) -> Path:
    p = db_path or database_file(db)
    if p is None:
        raise StorageError("an in-memory database has no backups")
    _LAST.pop((id(db.conn), str(Path(p).resolve())), None)  # asked for explicitly: always a fresh copy
    return backup_before(db, p, reason, **kw)


def due(db_path: Path, interval_hours: float, now: _dt.datetime | None = None) -> bool:
    """True when the newest backup is older than `interval_hours` (or there is none)."""
    if interval_hours <= 0:
        return False
    bs = [b for b in list_backups(db_path) if not b.reason.startswith(("replaced", "damaged"))]
    if not bs:
        return True
    now = now or _dt.datetime.now(_dt.UTC)
    return (now - bs[0].made).total_seconds() >= interval_hours * 3600


def restore(db_path: Path, backup: Path) -> Path | None:
    """Replace the database at `db_path` by `backup` (verified first).  The caller holds the
    database's instance lock and has closed every connection to it.  The current file is kept in the
    backups folder as `<stem>-replaced-<time>.db`; returns that path (None if there was no file)."""
    from dossier.storage import migrations

    db_path, backup = Path(db_path), Path(backup)
    problems = verify_file(backup)
    if problems:
        raise BackupError(f"{backup}: not restored, the backup failed its check: {problems[0]}")
    v = schema_version_of(backup)
    if v is not None and v > migrations.LATEST:
        raise BackupError(f"{backup}: written by a newer Dossier (schema {v}); not restored")
    aside = backup_dir(db_path) / f"{db_path.stem}-replaced-{_stamp()}.db"
    return restore_file(backup, db_path, aside)

