"""Verified backups of the open database (RELIABILITY.md rule 5): before every import and migration.

Backups live beside the database in `<stem>.backups/` as `<stem>-<reason>-<UTC time>.db`, made with
the backup API and verified (integrity_check + per-table row counts) before being renamed into place."""

from __future__ import annotations

import datetime as _dt
import re
from pathlib import Path

import sqlite_utils

from dossier.storage.backup import backup_to


def backup_dir(db_path: Path) -> Path:
    return db_path.parent / f"{db_path.stem}.backups"


def backup_before(db: sqlite_utils.Database, db_path: Path, reason: str) -> Path:
    stamp = _dt.datetime.now(_dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    safe = re.sub(r"[^a-z0-9-]+", "-", reason.lower()).strip("-") or "backup"
    return backup_to(db, backup_dir(db_path) / f"{db_path.stem}-{safe}-{stamp}.db")
