"""Edits made in the app: a small change set of kind 'edit' through the importer's own code path.

A form's values are validated cell by cell with the Dossier CSV rules (`exchange.dossier_csv.
validate_cell`), turned into `Row`s and applied by the import service's `ChangePass` inside one batch
of kind 'edit' with the change journal running (`storage.journal`, migration 0005).  So an edit is
checked like an imported row (references, duplicates), is recorded durably (when, what, old -> new,
which batch), can be undone exactly (`undo`), and shows up as a local edit when a later import would
overwrite it (the import's conflict rule).

Merging two records of the same person or organisation is an edit batch too (`merge`), with the
journal running, so it is undone the same way; the merged id keeps pointing at the survivor
(`merged_id`, migration 0008) and the importer follows it.
"""

from __future__ import annotations

import datetime as _dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlite_utils

from dossier.domain.kinds import KINDS, ORDER, kind_for_table
from dossier.domain.text import slug
from dossier.exchange.csvio import Problem
from dossier.exchange.dossier_csv import Options, Row, StreamedFile
from dossier.services.changeset import ChangePass, ImportReport
from dossier.storage import editing as st
from dossier.storage import journal, records
from dossier.storage.connection import atomic

UNSOURCED = "unsourced"
UNSOURCED_ROW = {"id": UNSOURCED, "publisher": "Dossier", "title": "Unsourced: entered in the app without a source",
                 "notes": "Facts citing this source were saved without a source on purpose (the 'Unsourced' box of "
                          "the editing form); dossiers mark them as unsourced."}
EDIT_FILE = "edit"


class EditRejected(Exception):
    """The edit breaks a rule of the import (unknown reference, duplicate ...): nothing was written."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(f"{p.column}: {p.message}" if p.column else p.message for p in problems[:5]))


@dataclass
class EditRow:
    """One record of an edit: typed values as the CSV reader makes them (see validate_cell)."""

    kind: str  # CSV kind name ('events')
    values: dict[str, Any]
    deleted: bool = False

    def row(self, line: int) -> Row:
        return Row(KINDS[self.kind], EDIT_FILE, line, dict(self.values), self.deleted)


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


def _streams(rows: list[EditRow]) -> list[StreamedFile]:
    by_kind: dict[str, list[Row]] = {}
    for i, r in enumerate(rows, start=1):
        by_kind.setdefault(r.kind, []).append(r.row(i))
    return [StreamedFile(Path(EDIT_FILE), KINDS[k], None, iter(by_kind[k]), []) for k in ORDER if k in by_kind]


def with_unsourced(db: sqlite_utils.Database, rows: list[EditRow]) -> list[EditRow]:
    """Add the built-in 'unsourced' source to the edit when a row cites it and it does not exist yet."""
    cites = any(UNSOURCED in (r.values.get("source") or []) for r in rows)
    if cites and not records.exists(db, "sources", UNSOURCED) and not any(
            r.kind == "sources" and r.values.get("id") == UNSOURCED for r in rows):
        return [EditRow("sources", dict(UNSOURCED_ROW))] + rows
    return rows


def plan(db: sqlite_utils.Database, rows: list[EditRow]) -> ImportReport:
    """The change set of an edit (nothing is written): what the History and the undo stack will show."""
    report = ImportReport([{"name": EDIT_FILE, "sha256": "", "bytes": 0}])
    ChangePass(db, Options(overwrite_conflicts=True), report).run(_streams(with_unsourced(db, rows)), 1)
    return report


def apply(db: sqlite_utils.Database, rows: list[EditRow], note: str) -> int | None:
    """Validate and apply an edit as one batch of kind 'edit' (one transaction, journalled).
    Returns the batch id, or None when nothing changes.  Raises EditRejected (nothing written)."""
    rows = with_unsourced(db, rows)
    report = plan(db, rows)
    if report.errors:
        raise EditRejected(report.errors)
    if not report.writes:
        return None
    now = _now()
    info = [{"name": EDIT_FILE, "sha256": "", "kind": ",".join(dict.fromkeys(r.kind for r in rows)),
             "records": [_key_text(r) for r in rows][:50]}]
    with atomic(db):
        batch = records.new_batch(db, "edit", now, json.dumps(info, ensure_ascii=False), note)
        journal.begin(db, batch, now)
        applied = ImportReport(info)
        ChangePass(db, Options(overwrite_conflicts=True), applied, batch=batch).run(_streams(rows), 1)
        if applied.errors:  # pragma: no cover - the plan saw the same rows
            raise EditRejected(applied.errors)
        journal.end(db)
        counts = {op: report.count(op) for op in ("added", "changed", "deleted")}
        records.finish_batch(db, batch, _now(), json.dumps(counts))
    return batch


def _key_text(r: EditRow) -> str:
    k = KINDS[r.kind]
    return f"{r.kind}:" + "/".join(str(r.values.get(c, "")) for c in k.key if c != "source")


def undo(db: sqlite_utils.Database, batch: int) -> dict[str, int]:
    """Undo an edit, merge or import batch exactly (the latest not yet undone)."""
    from dossier.services.importing import undo_batch

    return undo_batch(db, batch, backup=False)


def merge(db: sqlite_utils.Database, table: str, survivor: str, other: str, note: str = "") -> int:
    """Merge `other` into `survivor` (people or organisations) as one journalled edit batch."""
    now = _now()
    info = [{"name": EDIT_FILE, "sha256": "", "kind": "merge", "records": [f"{table}:{other}->{survivor}"]}]
    with atomic(db):
        batch = records.new_batch(db, "edit", now, json.dumps(info, ensure_ascii=False),
                                  note or f"merge {table} {other} into {survivor}")
        journal.begin(db, batch, now)
        counts = st.merge_entities(db, table, survivor, other, now, batch)
        journal.end(db)
        records.finish_batch(db, batch, _now(), json.dumps({"merged": 1, **counts}))
    return batch


# --- helpers for the forms ------------------------------------------------------------------------

def record(db: sqlite_utils.Database, kind: str, key: tuple) -> dict[str, Any] | None:
    """A record as CSV-level values (dates as text, sources as a list ...), or None."""
    return records.get_record(db, kind, key)


def participants_of(db: sqlite_utils.Database, event_id: str) -> list[dict[str, Any]]:
    """(entity, role, name, source, quote) of an event's participants, for the form's sub-table."""
    from dossier.storage import queries

    out = []
    for p in queries.participants(db, event_id):
        r = records.get_record(db, "participants", (event_id, p["entity"], p["role"])) or {}
        out.append({"participant": p["entity"], "role": p["role"], "name": p["name"],
                    "source": r.get("source", []), "quote": r.get("quote", "")})
    return out


def new_id(db: sqlite_utils.Database, kind: str, text: str) -> str:
    """A free id derived from a name or title ('ri-kil-song', 'ri-kil-song-2' ...)."""
    base = slug(text)[:60].strip("-") or kind.rstrip("s")
    table = KINDS[kind].table
    taken = st.existing_ids(db, table, base)
    if base not in taken:
        return base
    i = 2
    while f"{base}-{i}" in taken:
        i += 1
    return f"{base}-{i}"


def choices(db: sqlite_utils.Database, target: str) -> list[tuple[str, str]]:
    return st.choices(db, target)


def sources(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    return st.source_rows(db)


def kind_of_table(table: str) -> str:
    return kind_for_table(table).name


def merged_into(db: sqlite_utils.Database, ids: list[str]) -> dict[str, str]:
    return st.merged_targets(db, ids)


def kind_columns(kind: str) -> tuple[str, ...]:
    return KINDS[kind].column_names


def cell_text(kind: str, column: str, value: Any) -> str:
    """A stored (CSV-level) value as the text a form field holds."""
    from dossier.services.changeset import canon

    if value in (None, ""):
        return ""
    if column == "aliases":
        return "|".join(f"{n}@{lang}" if lang else n for n, lang in value)
    return canon(KINDS[kind], column, value)


def _name_key(name: str) -> str:
    import unicodedata

    return "".join(ch for ch in unicodedata.normalize("NFKC", name).casefold() if ch.isalnum())


def duplicates(db: sqlite_utils.Database, table: str, record_id: str, limit: int = 5) -> list[str]:
    """Ids of other records that may be the same person / organisation: a name or other name in common
    after ignoring case, spaces and hyphens ('Ri Kil-song' = 'Ri Kil Song').  Suggestions only."""
    names = st.entity_names(db, table)
    mine = {_name_key(n) for n in names.get(record_id, [])} - {""}
    out = [other for other, ns in names.items() if other != record_id and mine & {_name_key(n) for n in ns}]
    return out[:limit]
