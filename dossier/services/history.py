"""History: what every batch (import, edit, merge) did to a record, and the data as it stood at a past
moment, both reconstructed from the change journal (`change_log`, migration 0005).

How: a private in-memory copy of the database is taken (SQLite backup API) and batches are undone on
it, newest first, with the journal's exact undo (`storage.journal.undo`), the same code that undoes an
import.  The file is never touched.

* `as_of(db, when)` -> a database (in memory) holding the data as it stood at `when`: every batch that
  started after `when` and is not undone is reverted.  Use it read-only and close it when done
  (`close(copy)`).  Raises HistoryError when a batch after `when` cannot be reverted (no journal:
  made before the journal existed).
* `record_history(db, table, id)` -> the record's entries, newest first: which batch (when, kind,
  note), created / changed / deleted, and every field old -> new (sources, quote, names and, for
  events, participants included).

Limits: a batch that was applied before `when` and undone after it is treated as never applied (an
undo is not journalled); the cost of both functions grows with the database (one copy) and with the
number of batches after `when` (one undo each).
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from dossier.domain.kinds import KINDS, kind_for_table
from dossier.services.changeset import canon
from dossier.storage import editing as st
from dossier.storage import journal
from dossier.storage.connection import atomic

UNDOABLE = ("import", "edit")


class HistoryError(Exception):
    pass


@dataclass
class Entry:
    batch: int
    at: str
    kind: str  # the batch's kind: sample, import, edit
    note: str
    op: str  # created, changed, deleted, first recorded
    changes: list[tuple[str, str, str]] = field(default_factory=list)  # (field, old, new)
    files: list[str] = field(default_factory=list)
    sources: str = ""  # the record's sources after this change ('a|b'), '' when deleted

    def lines(self) -> list[str]:
        return [f"{f}: {o or '—'} -> {n or '—'}" for f, o, n in self.changes]


def parse_moment(text: str) -> _dt.datetime:
    """'2019-11-27' (the end of that day, UTC), '2019-11-27T10:30' or a full ISO time (UTC if no zone)."""
    s = text.strip()
    try:
        if len(s) == 10:
            d = _dt.date.fromisoformat(s)
            return _dt.datetime(d.year, d.month, d.day, 23, 59, 59, tzinfo=_dt.UTC)
        t = _dt.datetime.fromisoformat(s)
    except ValueError:
        raise HistoryError(f"{text!r} is not a date or time (write YYYY-MM-DD or YYYY-MM-DDTHH:MM)") from None
    return t if t.tzinfo else t.replace(tzinfo=_dt.UTC)


def _at(b: dict[str, Any]) -> _dt.datetime:
    t = _dt.datetime.fromisoformat(b["started_at"])
    return t if t.tzinfo else t.replace(tzinfo=_dt.UTC)


def _undo_on_copy(copy: sqlite_utils.Database, batch: dict[str, Any]) -> None:
    if not (batch["journalled"] and batch["kind"] in UNDOABLE):
        raise HistoryError(f"batch {batch['id']} ({batch['kind']}, {batch['started_at']}) has no change journal; "
                           "the data before it cannot be reconstructed")
    with atomic(copy):
        journal.undo(copy, batch["id"], _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"))


def as_of(db: sqlite_utils.Database, when: str | _dt.datetime) -> sqlite_utils.Database:
    """An in-memory copy of the database as it stood at `when` (see the module text)."""
    moment = parse_moment(when) if isinstance(when, str) else when
    later = [b for b in st.batch_rows(db) if b["undone_at"] is None and _at(b) > moment]
    for b in later:
        if not (b["journalled"] and b["kind"] in UNDOABLE):
            raise HistoryError(f"cannot show the data as of {moment.isoformat()}: batch {b['id']} ({b['kind']}, "
                               f"{b['started_at']}) came later and has no change journal")
    copy = st.memory_copy(db)
    try:
        for b in reversed(later):
            _undo_on_copy(copy, b)
    except BaseException:
        copy.conn.close()
        raise
    return copy


def close(copy: sqlite_utils.Database) -> None:
    copy.conn.close()


def snapshot(db: sqlite_utils.Database, table: str, record_id: str) -> dict[str, str] | None:
    """A record as comparable text per field (what History compares), or None when it does not exist."""
    kind = kind_for_table(table)
    from dossier.storage import records

    rec = records.get_record(db, kind.name, (record_id,))
    if rec is None:
        return None
    out = {}
    for col in kind.column_names + (("quote",) if kind.name != "sources" else ()):
        if col in rec:
            out[col] = canon(kind, col, rec[col])
    if table == "event":
        out["participants"] = "; ".join(_participants(db, record_id))
    return out


def _participants(db: sqlite_utils.Database, event_id: str) -> list[str]:
    from dossier.storage import queries

    return sorted(f"{p['entity']} ({p['role']})" for p in queries.participants(db, event_id))


def _diff(before: dict[str, str] | None, after: dict[str, str] | None) -> list[tuple[str, str, str]]:
    b, a = before or {}, after or {}
    return [(k, b.get(k, ""), a.get(k, "")) for k in dict.fromkeys([*b, *a]) if b.get(k, "") != a.get(k, "")]


def _entry(b: dict[str, Any], op: str, changes: list[tuple[str, str, str]], after: dict[str, str] | None = None
           ) -> Entry:
    import json

    try:
        files = [f.get("name", "") for f in json.loads(b["files"] or "[]")]
    except (ValueError, AttributeError):
        files = []
    return Entry(b["id"], b["started_at"], b["kind"], b["note"], op, changes, files, (after or {}).get("source", ""))


def record_history(db: sqlite_utils.Database, table: str, record_id: str) -> list[Entry]:
    """Every batch that changed the record, newest first (see the module text)."""
    if table not in {k.table for k in KINDS.values()}:
        raise HistoryError(f"no history for {table}")
    after = snapshot(db, table, record_id)
    batches = [b for b in st.batch_rows(db) if b["undone_at"] is None]
    out: list[Entry] = []
    copy = st.memory_copy(db)
    try:
        for b in reversed(batches):
            if not (b["journalled"] and b["kind"] in UNDOABLE):
                if after is not None:  # the earliest state known: written by this (or an earlier) batch
                    out.append(_entry(b, "first recorded", _diff(None, after), after))
                return out
            _undo_on_copy(copy, b)
            before = snapshot(copy, table, record_id)
            if before != after:
                op = "created" if before is None else "deleted" if after is None else "changed"
                out.append(_entry(b, op, _diff(before, after), after))
            after = before
        return out
    finally:
        copy.conn.close()


def batch_lines(db: sqlite_utils.Database) -> list[str]:
    """Every batch as one line, newest first: '#12 edit 2026-11-27 13:05 new event ... (undone ...)'."""
    import json

    out = []
    for b in reversed(st.batch_rows(db)):
        try:
            counts = json.loads(b["counts"] or "{}")
        except ValueError:
            counts = {}
        c = ", ".join(f"{k} {v}" for k, v in counts.items() if v)
        when = b["started_at"].replace("T", " ").replace("+00:00", "")
        line = f"#{b['id']} {b['kind']} {when}  {b['note']}" + (f"  [{c}]" if c else "")
        if b["undone_at"]:
            line += f"  (undone {b['undone_at'].replace('T', ' ').replace('+00:00', '')})"
        out.append(line)
    return out
