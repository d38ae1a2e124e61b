"""Import Dossier CSV files: parse and validate everything, build the change set, then apply it in
one transaction recorded as an import batch (RELIABILITY.md rule 1).

Nothing is written unless every file of the import is valid: a rejected import leaves the database
byte-for-byte unchanged.  Several files (a sources file plus the files citing it) are one change set.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlite_utils

from dossier.domain import dates
from dossier.domain.kinds import KINDS, ORDER, Kind
from dossier.exchange.csvio import Problem
from dossier.exchange.dossier_csv import Options, ParsedFile, Row, format_cell
from dossier.exchange.formats import parse_any
from dossier.storage import records
from dossier.storage.connection import atomic

Progress = Callable[[int, int, str], None]  # (done, total, what); may raise Cancelled


class Cancelled(Exception):
    pass


@dataclass
class Change:
    op: str  # added, changed, unchanged, deleted, missing (delete of an unknown record)
    kind: str
    key: tuple
    file: str
    line: int
    fields: dict[str, tuple[str, str]] = field(default_factory=dict)  # column -> (old, new)

    def as_dict(self) -> dict[str, Any]:
        return {"op": self.op, "kind": self.kind, "key": list(self.key), "file": self.file, "line": self.line,
                "fields": {k: {"old": o, "new": n} for k, (o, n) in self.fields.items()}}


@dataclass
class ImportReport:
    files: list[dict[str, Any]]
    changes: list[Change] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    batch: int | None = None
    applied: bool = False
    already_imported: list[str] = field(default_factory=list)

    def count(self, op: str) -> int:
        return sum(1 for c in self.changes if c.op == op)

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> dict[str, Any]:
        return {
            "batch": self.batch,
            "added": self.count("added"),
            "changed": self.count("changed"),
            "unchanged": self.count("unchanged"),
            "deleted": self.count("deleted"),
            "conflicts": [],
            "rejected": [{"file": f, "line": ln} for f, ln in sorted({(e.file, e.line) for e in self.errors})],
            "errors": [e.as_dict() for e in self.errors],
            "warnings": [w.as_dict() for w in self.warnings],
        }


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def canon(kind: Kind, col: str, value: Any) -> str:
    """A value as comparable text (the CSV cell without formula neutralisation)."""
    if col in ("source",):
        return "|".join(value or [])
    if col == "quote":
        return value or ""
    c = kind.column(col)
    s = format_cell(c, value)
    if c.type in ("text", "name", "id", "aliases") or c.type.startswith("ref:"):
        from dossier.exchange.dossier_csv import unneutralise
        s = unneutralise(s)
    return s


class _Resolver:
    """Checks that referenced ids exist in the database or earlier in the same import."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db
        self.new: dict[str, set[str]] = {"sources": set(), "people": set(), "organizations": set(), "events": set()}
        self.gone: dict[str, set[str]] = {k: set() for k in self.new}

    def note(self, row: Row) -> None:
        if row.kind.name in self.new and "id" in row.values:
            (self.gone if row.deleted else self.new)[row.kind.name].add(row.values["id"])

    def has(self, kind: str, rid: str) -> bool:
        if rid in self.gone.get(kind, ()):
            return False
        return rid in self.new.get(kind, ()) or records.exists(self.db, kind, rid)

    def entity(self, rid: str) -> bool:
        if records.entity_kind(self.db, rid) is not None:
            return rid not in self.gone["people"] and rid not in self.gone["organizations"]
        return rid in self.new["people"] or rid in self.new["organizations"]

    def check(self, row: Row) -> list[Problem]:
        out = []
        for col, val in row.values.items():
            t = row.kind.column(col).type if col in row.kind.column_names else ""
            if val in (None, "") or not (t.startswith("ref:") or t == "refs:source"):
                continue
            if t == "refs:source":
                for s in val:
                    if not self.has("sources", s):
                        out.append(Problem(row.file, row.line, col, f"unknown source {s!r} (not in the database "
                                                                     "nor in a sources file of this import)"))
            elif t == "ref:entity":
                if not self.entity(val):
                    out.append(Problem(row.file, row.line, col, f"unknown person, organisation or country {val!r}"))
            else:
                target = t.split(":", 1)[1]
                if not self.has(target, val):
                    out.append(Problem(row.file, row.line, col, f"unknown {target[:-1]} {val!r}"))
        return out


def plan(db: sqlite_utils.Database, parsed: list[ParsedFile], report: ImportReport) -> list[tuple[Row, Change, dict | None]]:
    """Compare every row with the database: the change set.  Adds reference problems to the report."""
    by_kind: dict[str, list[Row]] = {k: [] for k in ORDER}
    for pf in parsed:
        if pf.kind:
            by_kind[pf.kind.name].extend(pf.rows)
    resolver = _Resolver(db)
    for k in ORDER:
        for row in by_kind[k]:
            resolver.note(row)
    steps: list[tuple[Row, Change, dict | None]] = []
    seen: dict[tuple, tuple[str, int]] = {}
    for k in ORDER:
        for row in by_kind[k]:
            probs = resolver.check(row) if not row.deleted else []
            key = (k, row.key())
            if key in seen:
                f, ln = seen[key]
                probs.append(Problem(row.file, row.line, row.kind.key[0],
                                     f"the same record appears again (first at {Path(f).name}:{ln})"))
            seen[key] = (row.file, row.line)
            if probs:
                report.errors.extend(probs)
                continue
            existing = records.get_record(db, k, _lookup_key(row))
            change = Change("added", k, row.key(), row.file, row.line)
            if row.deleted:
                change.op = "deleted" if existing else "missing"
            elif existing is not None:
                for col, val in row.values.items():
                    new = canon(row.kind, col, val)
                    old = canon(row.kind, col, _existing_typed(row.kind, col, existing.get(col)))
                    if new != old:
                        change.fields[col] = (old, new)
                change.op = "changed" if change.fields else "unchanged"
            else:
                change.fields = {c: ("", canon(row.kind, c, v)) for c, v in row.values.items() if v not in (None, "", [])}
            steps.append((row, change, existing))
    return steps


def _lookup_key(row: Row) -> tuple:
    v = row.values
    if row.kind.name == "trade":
        return (v["reporter"], v["partner"], v["year"], v["flow"], v.get("commodity") or "",
                v.get("basis") or "unknown", records.source_key(v.get("source")))
    if row.kind.name == "participants":
        return (v["event"], v["participant"], v.get("role") or "participant")
    if row.kind.name == "identifiers":
        return (v["scheme"], v["value"])
    return (v["id"],)


def _existing_typed(kind: Kind, col: str, value: Any) -> Any:
    if value in (None, ""):
        return value
    if col in ("source", "quote", "aliases"):
        return value
    t = kind.column(col).type
    if t in ("date",) or (t == "end" and value != dates.ONGOING):
        return dates.parse_date(value)
    return value


def import_files(db: sqlite_utils.Database, paths: Iterable[str | Path], opts: Options = Options(), *,
                 dry_run: bool = False, batch_kind: str = "import", progress: Progress | None = None,
                 note: str = "") -> ImportReport:
    files = [Path(p) for p in paths]
    file_info = []
    parsed: list[ParsedFile] = []
    for i, f in enumerate(files):
        if progress:
            progress(i, len(files) + 1, f"reading {f.name}")
        pf = parse_any(f, opts)
        parsed.append(pf)
        file_info.append({"name": f.name, "sha256": _sha256(f) if f.is_file() else "",
                          "kind": pf.kind.name if pf.kind else None, "rows": len(pf.rows)})
    report = ImportReport(file_info)
    for pf in parsed:
        report.errors.extend(p for p in pf.problems if p.severity == "error")
        report.warnings.extend(p for p in pf.problems if p.severity != "error")
        for r in pf.rows:
            report.warnings.extend(r.warnings)
    for fi in file_info:
        if fi["sha256"] and records.find_batch_by_sha(db, fi["sha256"]):
            report.already_imported.append(fi["name"])
    steps = plan(db, parsed, report)
    report.changes = [c for _r, c, _e in steps]
    report.errors = report.errors[: opts.max_problems]
    if report.errors or dry_run:
        return report
    if not any(c.op in ("added", "changed", "deleted") for c in report.changes):
        return report  # nothing to change: no batch, nothing written
    if progress:
        progress(len(files), len(files) + 1, "applying")
    now = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
    from dossier.services.recovery import import_guard  # verified backup + crash journal (issue 7)

    with import_guard(db, file_info), atomic(db):
        batch = records.new_batch(db, batch_kind, now, json.dumps(file_info, ensure_ascii=False), note)
        for row, change, existing in steps:
            if change.op in ("unchanged", "missing"):
                continue
            if change.op == "deleted":
                records.delete(db, row.kind.name, existing)
            else:
                records.upsert(db, row.kind.name, row.values, existing, batch)
        counts = {op: report.count(op) for op in ("added", "changed", "unchanged", "deleted")}
        records.finish_batch(db, batch, _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"), json.dumps(counts))
    report.batch = batch
    report.applied = True
    return report


__all__ = ["ImportReport", "Change", "import_files", "plan", "Options", "Cancelled", "KINDS"]
