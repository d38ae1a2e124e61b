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


def write_mark(db: sqlite_utils.Database) -> tuple[int, ...]:
    """A cheap mark of what has been written, comparable across connections (unlike data_version):
    the newest batch, how many batches were undone, the newest change-log row, and the highest rowid of
    every table.  Every write the app makes goes through a batch (imports, edits, merges) or undoes
    one, so any of them moves the mark; a raw insert or a delete of the newest row of a table by another
    program moves it too (a raw update in the middle of a table does not)."""
    conn = db.conn
    out = list(conn.execute("SELECT coalesce(max(id), 0), count(undone_at), "
                            "(SELECT coalesce(max(rid), 0) FROM change_log) FROM import_batch").fetchone())
    names = [n for (n,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "AND name NOT LIKE 'search_fts%' AND sql NOT LIKE '%WITHOUT ROWID%' ORDER BY name")]
    for n in names:  # table names read from sqlite_master (the schema's own), quoted as identifiers
        q = n.replace('"', '""')
        out.append(int(conn.execute(f'SELECT coalesce(max(rowid), 0) FROM "{q}"').fetchone()[0]))
    return tuple(out)
