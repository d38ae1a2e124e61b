"""Opening, creating and checking databases: the use cases the CLI and the GUI share.

Encrypted databases (issue 10): `key=` is a passphrase.  Without it, an encrypted file is opened
with the passphrase remembered in this process or asked from the key provider that the CLI or the
GUI installed (`set_key_provider`), so worker connections need nothing extra."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from dossier.domain.kinds import ORDER
from dossier.paths import db_dir
from dossier.storage import crypto, health, migrations
from dossier.services.open_check import OpenCheck, damage_error
from dossier.storage.connection import (
    DB_ERRORS,
    StorageError,
    close,
    connect,
    is_encrypted,
    precheck_file,
    readonly_probe,
)
from dossier.storage.crypto import (
    EXIT_DAMAGED,
    EXIT_PASSPHRASE,
    CryptoError,
    EncryptedDamaged,
    InvalidPassphrase,
    PassphraseNeeded,
    WrongPassphrase,
    last_failure,
    reset_failure,
    set_key_provider,
)

__all__ = ["StorageError", "open_database", "create_database", "sample_files", "check", "close_database",
           "CheckResult", "CryptoError", "PassphraseNeeded", "WrongPassphrase", "EncryptedDamaged",
           "InvalidPassphrase", "EXIT_PASSPHRASE", "EXIT_DAMAGED", "set_key_provider", "is_encrypted",
           "last_failure", "reset_failure", "OpenCheck", "open_check", "DB_ERRORS"]


def sample_files() -> list[Path]:
    d = db_dir() / "sample"
    return [d / f"{k}.csv" for k in ORDER if (d / f"{k}.csv").exists()]


def open_database(path: str | Path, *, key: str | None = None, defer_check: bool = False) -> sqlite_utils.Database:
    """Open an existing Dossier database: refuse what is not ours, newer, missing or empty; migrate an
    older one after a verified backup.

    `defer_check=True` (the window): an encrypted database whose schema is current is checked on a
    thread of its own after it opens (`services.open_check`; writes wait for that check), since
    SQLCipher authenticates every page it reads.  A plain database is always checked first."""
    from dossier.services.instance import refuse_network_share

    p = Path(path)
    if not p.exists():
        raise StorageError(f"{p}: no such database file")
    refuse_network_share(p)
    precheck_file(p)
    with readonly_probe(p, key=key) as ro:  # refuse damaged, foreign and newer files before writing anything
        deferred = defer_check and is_encrypted(ro) and _schema_is_current(ro)
        if not deferred:
            problems = health.quick_check(ro)
            if problems:
                raise damage_error(ro, p, problems)
        migrations.check_openable(ro, p)
    db = connect(p, key=key)
    try:
        migrations.migrate(db, p)  # a database to migrate was checked just above (never deferred)
    except BaseException:
        db.conn.close()
        raise
    crypto.cleanup_leftovers(p)
    if deferred:
        db.open_check = OpenCheck(p).start()  # cancelled by close_database
    return db


def _schema_is_current(db: sqlite_utils.Database) -> bool:
    try:
        return migrations.schema_version(db) == migrations.LATEST
    except DB_ERRORS:
        return False  # unreadable: the full check runs now and says why


def open_check(db: sqlite_utils.Database) -> OpenCheck | None:
    """The check still running (or done) after `open_database(..., defer_check=True)`, if any."""
    return getattr(db, "open_check", None)


def open_worker_connection(path: str | Path) -> sqlite_utils.Database:
    """Another thread's connection to a database this process already opened (and so checked and
    migrated) through `open_database`: connect and confirm the schema, without repeating the checks."""
    p = Path(path)
    db = connect(p)
    try:
        migrations.check_openable(db, p)
    except BaseException:
        db.conn.close()
        raise
    return db


def create_database(path: str | Path, *, sample: bool = False, key: str | None = None) -> sqlite_utils.Database:
    """Create a new database (never over an existing file), optionally with the sample data set;
    encrypted with the passphrase `key` when one is given."""
    from dossier.services.instance import refuse_network_share

    p = Path(path)
    if p.exists():
        raise StorageError(f"{p}: a file already exists there; refusing to overwrite it")
    p.parent.mkdir(parents=True, exist_ok=True)
    refuse_network_share(p)
    db = connect(p, create=True, key=key)
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
    ok_msg = "ok: " + ("cipher_integrity_check, " if is_encrypted(db) else "") + \
        "integrity_check and foreign_key_check found no problems"
    return CheckResult(not msgs, msgs or [ok_msg])


def close_database(db: sqlite_utils.Database) -> None:
    chk = open_check(db)
    if chk is not None:
        chk.cancel()
    close(db)
    lock = getattr(db, "instance_lock", None)  # set by services.recovery.open_exclusive
    if lock is not None:
        lock.release()


def connect_for_check(path: str | Path, *, key: str | None = None) -> sqlite_utils.Database:
    """Open for `check` without migrating or refusing damage (the check reports it)."""
    p = Path(path)
    if not p.exists():
        raise StorageError(f"{p}: no such database file")
    precheck_file(p)
    with readonly_probe(p, key=key) as ro:
        migrations.check_openable(ro, p)
    db = connect(p, key=key)
    try:
        migrations.check_openable(db, p)
    except BaseException:
        db.conn.close()
        raise
    return db
