"""The change journal (migration 0005): what a batch changed, so that it can be undone exactly.

While a batch is open on a connection (`begin`), TEMP triggers on every data table copy the complete
old row of each UPDATE and DELETE into `change_log` (cascaded deletions included, because SQLite fires
triggers for foreign-key actions).  Added rows are not journalled one by one: `begin` stores each
table's largest rid, and every row above it was added by the batch (the batch is one transaction and
only the latest batch can be undone, so nothing else can have added rows above it).

`undo(db, batch)` puts every journalled table back: rows added by the batch are deleted, then the
earliest journalled version of every touched row is written back under its original rid; the search
index is rebuilt for the restored rows.  The result is the database as it was before the batch,
row for row (tests compare a full dump).  Table and column names come from the schema, never from data.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from dossier.storage.connection import OPERATIONAL_ERRORS

# Data tables a batch may change, parents before children (the order rows are restored in).
TABLES = ("source", "person", "organization", "position", "identifier", "alias", "posting", "event",
          "participant", "relation", "statement", "trade", "figure", "fx_rate", "citation",
          "merged_id")  # merged_id: migration 0008 (a merge is undone with its redirect)
_FTS = {"person": 1, "organization": 2, "event": 4, "source": 5}


class JournalError(Exception):
    """An undo that cannot be done exactly (not the latest batch, already undone, no journal)."""


def _columns(conn: sqlite3.Connection, table: str) -> list[tuple[str, str]]:
    return [(r[1], (r[2] or "").upper()) for r in conn.execute(f'PRAGMA main.table_info("{table}")')]


def _json_expr(cols: list[tuple[str, str]]) -> str:
    parts = []
    for name, typ in cols:
        # REAL through %.17g: json_object would print 15 digits and lose the last bits of a double
        val = f"CASE WHEN old.\"{name}\" IS NULL THEN NULL ELSE printf('%.17g', old.\"{name}\") END" \
            if typ == "REAL" else f'old."{name}"'
        parts.append(f"'{name}', {val}")
    return "json_object(" + ", ".join(parts) + ")"


def _install(conn: sqlite3.Connection) -> None:
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS journal_ctx (batch INTEGER, at TEXT)")
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS journal_after (t TEXT PRIMARY KEY, after INTEGER)")
    for t in TABLES:
        body = _json_expr(_columns(conn, t))
        for op, when in (("update", "UPDATE"), ("delete", "DELETE")):
            conn.execute(
                f"CREATE TEMP TRIGGER IF NOT EXISTS journal_{t}_{op} BEFORE {when} ON main.\"{t}\" "
                f"WHEN (SELECT batch FROM temp.journal_ctx) IS NOT NULL "
                f"AND old.rid <= (SELECT after FROM temp.journal_after WHERE t = '{t}') BEGIN "
                f"INSERT INTO change_log(batch_id, at, table_name, record_key, op, old_json) "
                f"SELECT batch, at, '{t}', CAST(old.rid AS TEXT), '{op}', {body} FROM temp.journal_ctx; END")


def begin(db: sqlite_utils.Database, batch_id: int, at: str) -> None:
    """Start journalling `batch_id` on this connection (call inside the batch's transaction)."""
    conn = db.conn
    if not conn.in_transaction:
        raise RuntimeError("journal.begin() outside a transaction")
    _install(conn)
    conn.execute("DELETE FROM temp.journal_ctx")
    conn.execute("DELETE FROM temp.journal_after")
    for t in TABLES:
        after = conn.execute(f'SELECT coalesce(max(rid), 0) FROM main."{t}"').fetchone()[0]
        conn.execute("INSERT INTO temp.journal_after(t, after) VALUES (?, ?)", (t, after))
        conn.execute("INSERT INTO change_log(batch_id, at, table_name, record_key, op, new_json) "
                     "VALUES (?, ?, ?, ?, 'insert', ?)", (batch_id, at, t, str(after), json.dumps({"after_rid": after})))
    conn.execute("INSERT INTO temp.journal_ctx(batch, at) VALUES (?, ?)", (batch_id, at))


def end(db: sqlite_utils.Database) -> None:
    """Stop journalling on this connection (the triggers stay, inert)."""
    try:
        db.conn.execute("DELETE FROM temp.journal_ctx")
    except OPERATIONAL_ERRORS:  # pragma: no cover - begin() was never called
        pass


@dataclass
class BatchInfo:
    id: int
    kind: str
    started_at: str
    files: list[dict[str, Any]]
    counts: dict[str, Any]
    note: str
    undone_at: str | None
    journalled: bool


def batch_info(db: sqlite_utils.Database, batch_id: int) -> BatchInfo | None:
    r = db.conn.execute("SELECT id, kind, started_at, files, counts, note, undone_at FROM import_batch WHERE id = ?",
                        (batch_id,)).fetchone()
    if r is None:
        return None
    has = db.conn.execute("SELECT 1 FROM change_log WHERE batch_id = ? LIMIT 1", (batch_id,)).fetchone() is not None
    return BatchInfo(r[0], r[1], r[2], json.loads(r[3] or "[]"), json.loads(r[4] or "{}"), r[5], r[6], has)


def batches(db: sqlite_utils.Database) -> list[BatchInfo]:
    ids = [r[0] for r in db.conn.execute("SELECT id FROM import_batch ORDER BY id")]
    return [b for b in (batch_info(db, i) for i in ids) if b is not None]


def last_undoable(db: sqlite_utils.Database) -> BatchInfo | None:
    """The latest batch that is not undone, if it can be undone (it has a journal)."""
    r = db.conn.execute("SELECT max(id) FROM import_batch WHERE undone_at IS NULL").fetchone()
    if r is None or r[0] is None:
        return None
    b = batch_info(db, r[0])
    return b if b is not None and b.journalled and b.kind in ("import", "edit") else None


def undo(db: sqlite_utils.Database, batch_id: int, undone_at: str) -> dict[str, int]:
    """Restore the state before `batch_id` (call inside one transaction).  Returns rows per table
    removed + restored."""
    conn = db.conn
    if not conn.in_transaction:
        raise RuntimeError("journal.undo() outside a transaction")
    b = batch_info(db, batch_id)
    if b is None:
        raise JournalError(f"there is no batch {batch_id}")
    if b.undone_at:
        raise JournalError(f"batch {batch_id} was already undone ({b.undone_at})")
    if b.kind not in ("import", "edit"):
        raise JournalError(f"batch {batch_id} is of kind {b.kind!r}; only imports and edits can be undone")
    if not b.journalled:
        raise JournalError(f"batch {batch_id} has no change journal (made before undo existed, or the sample "
                           "data set); it cannot be undone")
    later = conn.execute("SELECT id FROM import_batch WHERE id > ? AND undone_at IS NULL ORDER BY id",
                         (batch_id,)).fetchall()
    if later:
        ids = [r[0] for r in later]
        shown = ", ".join(str(i) for i in ids[-5:][::-1]) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")
        raise JournalError(f"batch {batch_id} was followed by batch {ids[-1]}; undo the later batches first "
                           f"(newest first: {shown}). An older batch cannot be undone on its own: its added "
                           "rows are recorded as the rows above a rid, which include every later batch's rows, "
                           "and later batches may have changed its records again")
    end(db)
    after: dict[str, int] = {}
    olds: dict[tuple[str, int], dict[str, Any]] = {}
    for table, key, op, old in conn.execute(
            "SELECT table_name, record_key, op, old_json FROM change_log WHERE batch_id = ? ORDER BY rid",
            (batch_id,)):
        if op == "insert":
            after[table] = int(key)
        else:
            olds.setdefault((table, int(key)), json.loads(old))  # the earliest version wins
    touched: dict[str, int] = {}
    # 1. rows the batch added (children first: their cascades then find nothing of ours)
    for t in reversed(TABLES):
        if t not in after:
            continue
        n = conn.execute(f'DELETE FROM main."{t}" WHERE rid > ?', (after[t],)).rowcount
        if t in _FTS:
            conn.execute("DELETE FROM search_fts WHERE rowid % 8 = ? AND rowid > ?", (_FTS[t], after[t] * 8 + _FTS[t]))
        if n:
            touched[t] = n
    # 2. every touched row back under its own rid (parents first)
    reals = {t: {c for c, typ in _columns(conn, t) if typ == "REAL"} for t in TABLES}
    for t in TABLES:
        rows = [(rid, old) for (tt, rid), old in olds.items() if tt == t]
        for rid, old in rows:
            vals = {c: (float(v) if c in reals[t] and v is not None else v) for c, v in old.items()}
            cur = conn.execute(f'SELECT {"id" if "id" in vals else "rid"} FROM main."{t}" WHERE rid = ?',
                               (rid,)).fetchone()
            if cur is not None and "id" in vals and cur[0] != vals["id"]:
                conn.execute(f'DELETE FROM main."{t}" WHERE rid = ?', (rid,))
                cur = None
            cols = list(vals)
            if cur is None:
                conn.execute(f'INSERT INTO main."{t}" ({", ".join(f"{chr(34)}{c}{chr(34)}" for c in cols)}) '
                             f'VALUES ({", ".join("?" * len(cols))})', [vals[c] for c in cols])
            else:
                sets = ", ".join(f'"{c}" = ?' for c in cols if c != "rid")
                conn.execute(f'UPDATE main."{t}" SET {sets} WHERE rid = ?', [vals[c] for c in cols if c != "rid"] + [rid])
        if rows:
            touched[t] = touched.get(t, 0) + len(rows)
    # 3. the search index of restored records
    from dossier.storage.records import reindex

    for (t, rid) in olds:
        if t in _FTS:
            reindex(db, t, rid)
    for (t, rid) in olds:
        if t in ("alias",):
            ent = conn.execute("SELECT entity FROM alias WHERE rid = ?", (rid,)).fetchone()
            if ent:
                for tt in ("person", "organization"):
                    r = conn.execute(f"SELECT rid FROM {tt} WHERE id = ?", (ent[0],)).fetchone()
                    if r:
                        reindex(db, tt, r[0])
    conn.execute("UPDATE import_batch SET undone_at = ? WHERE id = ?", (undone_at, batch_id))
    return touched


def writers(db: sqlite_utils.Database, table: str, rids: list[int]) -> dict[int, int | None]:
    """rid -> batch_id of the batch that last wrote each row (for conflict detection)."""
    out: dict[int, int | None] = {}
    for i in range(0, len(rids), 500):
        part = rids[i: i + 500]
        for rid, b in db.conn.execute(
                f'SELECT rid, batch_id FROM main."{table}" WHERE rid IN ({",".join("?" * len(part))})', part):
            out[rid] = b
    return out


def batch_sources(db: sqlite_utils.Database) -> dict[int, tuple[str, frozenset[str], str | None]]:
    """batch id -> (kind, file names, undone_at) for every batch (a small table)."""
    out = {}
    for bid, kind, files, undone in db.conn.execute("SELECT id, kind, files, undone_at FROM import_batch"):
        try:
            names = frozenset(f.get("name", "") for f in json.loads(files or "[]"))
        except (ValueError, AttributeError):
            names = frozenset()
        out[bid] = (kind, names, undone)
    return out
