"""Import batches as the crash journal needs them (bound parameters only)."""

from __future__ import annotations

import json
from typing import Any

import sqlite_utils


def last_batch_id(db: sqlite_utils.Database) -> int:
    return int(db.conn.execute("SELECT coalesce(max(id), 0) FROM import_batch").fetchone()[0])


def batches_after(db: sqlite_utils.Database, batch_id: int) -> list[dict[str, Any]]:
    out = []
    for bid, kind, started, finished, files in db.conn.execute(
            "SELECT id, kind, started_at, finished_at, files FROM import_batch WHERE id > ? ORDER BY id",
            (batch_id,)):
        try:
            fl = json.loads(files or "[]")
        except ValueError:
            fl = []
        out.append({"id": bid, "kind": kind, "started_at": started, "finished_at": finished, "files": fl})
    return out


def data_version(db: sqlite_utils.Database) -> int:
    """Changes when another connection commits to the database (SQLite's PRAGMA data_version)."""
    return int(db.conn.execute("PRAGMA data_version").fetchone()[0])


def has_user_data(db: sqlite_utils.Database) -> bool:
    """Anything to lose?  Data arrives through batches (imports, edits, the sample)."""
    return db.conn.execute("SELECT 1 FROM import_batch LIMIT 1").fetchone() is not None
