"""`dossier backup` and `dossier restore`, and the helpers the other commands use to open a database
for writing (one Dossier per database, a report of an interrupted import, the offer of a backup)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dossier.cli.main import EXIT_OK, EXIT_REJECTED, command, db_arg, err, resolve_path


def open_for_write(path: str, purpose: str):
    """Open with the instance lock (released by close_database); None after telling the user why not."""
    from dossier.services import recovery
    from dossier.services.database import StorageError

    p = resolve_path(path)
    try:
        db, _lock, interrupted = recovery.open_exclusive(p, purpose)
    except StorageError as e:
        report_open_failure(p, e)
        return None
    if interrupted is not None:
        err("note: " + interrupted.message())
    return db


def report_open_failure(p: Path, e: BaseException) -> None:
    from dossier.services import recovery

    err(str(e))
    hint = recovery.offer_text(p, e)
    if hint:
        err(hint)


def report_offer(p: Path) -> None:
    """After a failed check: name the newest verified backup."""
    from dossier.services import recovery

    hint = recovery.offer_text(p, RuntimeError("check failed"))
    if hint:
        err(hint)


def report_interrupted(db, p: Path) -> None:
    """For read-only commands (check): report an interrupted import if no other Dossier is running."""
    from dossier.services import recovery

    found = recovery.reconcile_if_free(db, p)
    if found is not None:
        err("note: " + found.message())


def _backup_configure(p: argparse.ArgumentParser) -> None:
    db_arg(p)
    p.add_argument("-o", "--output", metavar="FILE",
                   help="write the backup to FILE (must not exist); default: the database's backups folder "
                        "(<name>.backups/ beside it, rotated)")
    p.add_argument("--list", action="store_true", help="list the backups of the database, newest first, and "
                                                       "check each")


@command("backup", "Make a verified backup of a database (backup API, integrity check, row counts).")
def cmd_backup(args: argparse.Namespace) -> int:
    from dossier.services import backups
    from dossier.services.database import StorageError, close_database, connect_for_check

    p = resolve_path(args.db)
    if args.list:
        items = backups.list_backups(p)
        for b in items:
            problems = backups.verify_file(b.path)
            print(f"{b.path}\t{b.made:%Y-%m-%dT%H:%M:%SZ}\t{b.reason}\t"
                  + ("ok" if not problems else "FAILS: " + problems[0]))
        if not items:
            print(f"no backups of {p} in {backups.backup_dir(p)}", file=sys.stderr)
        return EXIT_OK
    try:
        db = connect_for_check(p)
    except StorageError as e:
        report_open_failure(p, e)
        return EXIT_REJECTED
    try:
        if args.output:
            out = resolve_path(args.output)
            if out.exists():
                err(f"{out}: a file already exists there; refusing to overwrite it")
                return EXIT_REJECTED
            from dossier.storage.backup import backup_to

            made = backup_to(db, out)
        else:
            made = backups.backup_now(db, p)
    except (backups.BackupError, StorageError, OSError) as e:
        err(f"{p}: no backup was made: {e}")
        return EXIT_REJECTED
    finally:
        close_database(db)
    print(f"backed up {p} to {made} (verified: integrity check and row counts)")
    return EXIT_OK


cmd_backup.configure = _backup_configure


def _restore_configure(p: argparse.ArgumentParser) -> None:
    db_arg(p)
    p.add_argument("backup", metavar="BACKUP", help="the backup file to restore (see `dossier backup --list`)")


@command("restore", "Replace a database by a verified backup; the current file is kept aside, never deleted.")
def cmd_restore(args: argparse.Namespace) -> int:
    from dossier.services import backups
    from dossier.services.database import StorageError, close_database, open_database
    from dossier.services.instance import InstanceLock

    p = resolve_path(args.db)
    b = resolve_path(args.backup)
    if b.resolve() == p.resolve():
        err("the backup and the database are the same file")
        return EXIT_REJECTED
    try:
        with InstanceLock(p, "dossier restore"):
            kept = backups.restore(p, b)
            db = open_database(p)  # proves the restored file opens (and migrates an older one)
            close_database(db)
    except (StorageError, backups.BackupError, OSError) as e:
        err(str(e))
        return EXIT_REJECTED
    print(f"restored {b} into {p}" + (f"; the previous file was kept as {kept}" if kept else ""))
    return EXIT_OK


cmd_restore.configure = _restore_configure
