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
from dossier.storage.connection import (
    DamagedDatabase,
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
           "last_failure", "reset_failure"]


def sample_files() -> list[Path]:
    d = db_dir() / "sample"
    return [d / f"{k}.csv" for k in ORDER if (d / f"{k}.csv").exists()]


def _damaged(db: sqlite_utils.Database, p: Path, problems: list[str]) -> StorageError:
    if is_encrypted(db):
        bad = health.cipher_check(db)
        return crypto._fail(EncryptedDamaged(
            f"{p}: the encrypted database is damaged ({len(bad)} page(s) fail their authentication "
            f"check: {'; '.join(bad[:3]) or problems[0]}); the passphrase is right. It was left as it "
            f"is: restore the newest verified backup."))
    return DamagedDatabase(f"{p}: the database is damaged ({problems[0]}); it was left as it is")


def open_database(path: str | Path, *, key: str | None = None) -> sqlite_utils.Database:
    """Open an existing Dossier database: refuse what is not ours, newer, missing or empty; migrate an
    older one after a verified backup."""
    from dossier.services.instance import refuse_network_share

    p = Path(path)
    if not p.exists():
        raise StorageError(f"{p}: no such database file")
    refuse_network_share(p)
    precheck_file(p)
    with readonly_probe(p, key=key) as ro:  # refuse damaged, foreign and newer files before writing anything
        problems = health.quick_check(ro)
        if problems:
            raise _damaged(ro, p, problems)
        migrations.check_openable(ro, p)
    db = connect(p, key=key)
    try:
        migrations.migrate(db, p)  # the read-only probe above has just run quick_check on this file
    except BaseException:
        db.conn.close()
        raise
    crypto.cleanup_leftovers(p)
    return db


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
