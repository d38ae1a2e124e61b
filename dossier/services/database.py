"""Opening, creating and checking databases: the use cases the CLI and the GUI share."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from dossier.domain.kinds import ORDER
from dossier.paths import db_dir
from dossier.storage import migrations
from dossier.storage.connection import DamagedDatabase, StorageError, close, connect, precheck_file, readonly_probe
from dossier.storage import health

__all__ = ["StorageError", "open_database", "create_database", "sample_files", "check", "close_database",
           "CheckResult"]


def sample_files() -> list[Path]:
    d = db_dir() / "sample"
    return [d / f"{k}.csv" for k in ORDER if (d / f"{k}.csv").exists()]


def open_database(path: str | Path) -> sqlite_utils.Database:
    """Open an existing Dossier database: refuse what is not ours, newer, missing or empty; migrate an
    older one after a verified backup."""
    from dossier.services.instance import refuse_network_share

    p = Path(path)
    if not p.exists():
        raise StorageError(f"{p}: no such database file")
    refuse_network_share(p)
    precheck_file(p)
    with readonly_probe(p) as ro:  # refuse damaged, foreign and newer files before writing anything
        problems = health.quick_check(ro)
        if problems:
            raise DamagedDatabase(f"{p}: the database is damaged ({problems[0]}); it was left as it is")
        migrations.check_openable(ro, p)
    db = connect(p)
    try:
        problems = health.quick_check(db)
        if problems:
            raise DamagedDatabase(f"{p}: the database is damaged ({problems[0]}); it was left as it is")
        migrations.migrate(db, p)
    except BaseException:
        db.conn.close()
        raise
    return db


def create_database(path: str | Path, *, sample: bool = False) -> sqlite_utils.Database:
    """Create a new database (never over an existing file), optionally with the sample data set."""
    from dossier.services.instance import refuse_network_share

    p = Path(path)
    if p.exists():
        raise StorageError(f"{p}: a file already exists there; refusing to overwrite it")
    p.parent.mkdir(parents=True, exist_ok=True)
    refuse_network_share(p)
    db = connect(p, create=True)
    try:
        migrations.migrate(db, p)
        if sample:
            from dossier.services.importing import import_files

            report = import_files(db, sample_files(), batch_kind="sample", note="built-in sample data set")
            if not report.ok:  # pragma: no cover - the sample is tested
                raise StorageError("the sample data set is invalid: " + "; ".join(map(str, report.errors[:5])))
    except BaseException:
        db.conn.close()
        for suffix in ("", "-wal", "-shm"):
            Path(str(p) + suffix).unlink(missing_ok=True)
        raise
    return db


@dataclass
class CheckResult:
    ok: bool
    messages: list[str]


def check(db: sqlite_utils.Database) -> CheckResult:
    msgs = health.full_check(db)
    return CheckResult(not msgs, msgs or ["ok: integrity_check and foreign_key_check found no problems"])


def close_database(db: sqlite_utils.Database) -> None:
    close(db)
    lock = getattr(db, "instance_lock", None)  # set by services.recovery.open_exclusive
    if lock is not None:
        lock.release()


def connect_for_check(path: str | Path) -> sqlite_utils.Database:
    """Open for `check` without migrating or refusing damage (the check reports it)."""
    p = Path(path)
    if not p.exists():
        raise StorageError(f"{p}: no such database file")
    precheck_file(p)
    with readonly_probe(p) as ro:
        migrations.check_openable(ro, p)
    db = connect(p)
    try:
        migrations.check_openable(db, p)
    except BaseException:
        db.conn.close()
        raise
    return db
