"""The change set of an import: every row compared with the database, streamed in chunks.

One pass over the files (`ChangePass.run`) validates references, detects repeated rows, looks the
existing records up a chunk at a time, classifies every row (added, changed with old -> new per field,
unchanged, deleted, missing, conflict) and, when given a batch, writes the chunk.  The import runs it
once without a batch (the plan the user reviews; nothing is written, so a rejected import leaves the
database byte-for-byte unchanged) and hands the writes to a `staging.Stage`, replayed inside the
batch's transaction; with a batch (editing, or an import whose plan went stale) it writes as it goes.

Memory stays bounded for big files: counts are exact, but only the first `DETAIL_CAP` changes of each
kind keep their details (the review shows them and says how many more there are).  The ids a later row
may refer to (new sources, people, organisations, events) are kept as sets of strings.

Conflicts (documented in docs/import.md): a row that would change or delete a record is a conflict
when the record was last written by an 'edit' batch (a local edit since its last import), or by an
import of another file after the latest import of a file of the same name.  Conflicts are reported and
left as they are unless the import says `overwrite_conflicts`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

import sqlite_utils

from dossier.domain import dates
from dossier.domain.kinds import KINDS, ORDER, Kind
from dossier.exchange.csvio import Problem
from dossier.exchange.dossier_csv import Options, Row, StreamedFile, format_cell, unneutralise
from dossier.services import redirects
from dossier.storage import bulk, journal, records

CHUNK = 2000
DETAIL_CAP = 5000  # changes kept with details per op (counts are always exact)
Progress = Callable[[int, int, str], None]  # (done, total, what); may raise Cancelled



def _references(values: dict, spec) -> Iterator[tuple[str, str, str]]:
    """(column, target kind, id) for every reference a row's values make, per `spec` (column, type,
    target); a `refs:source` cell holds several ids."""
    for col, t, target in spec:
        val = values.get(col)
        if val is None or val == "" or val == []:
            continue
        for x in (val if t == "refs:source" else (val,)):
            yield col, target, x


class Cancelled(Exception):
    pass


@dataclass
class Change:
    op: str  # added, changed, unchanged, deleted, missing (delete of an unknown record), conflict
    kind: str
    key: tuple
    file: str
    line: int
    fields: dict[str, tuple[str, str]] = field(default_factory=dict)  # column -> (old, new)
    reason: str = ""  # conflicts: why; matches: how
    intended: str = ""  # conflicts: what the row would have done (changed / deleted)

    def as_dict(self) -> dict[str, Any]:
        d = {"op": self.op, "kind": self.kind, "key": list(self.key), "file": self.file, "line": self.line,
             "fields": {k: {"old": o, "new": n} for k, (o, n) in self.fields.items()}}
        if self.reason:
            d["reason"] = self.reason
        if self.intended:
            d["intended"] = self.intended
        return d


@dataclass
class ImportReport:
    files: list[dict[str, Any]]
    changes: list[Change] = field(default_factory=list)  # details (capped per op)
    counts: dict[str, int] = field(default_factory=lambda: {op: 0 for op in
                                                             ("added", "changed", "unchanged", "deleted", "missing",
                                                              "conflict")})
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    matches: list[dict[str, Any]] = field(default_factory=list)
    batch: int | None = None
    applied: bool = False
    already_imported: list[str] = field(default_factory=list)
    rows: int = 0
    replanned: bool = False  # another connection wrote between plan and apply: the change set was recomputed

    def count(self, op: str) -> int:
        return self.counts.get(op, 0)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def conflicts(self) -> list[Change]:
        return [c for c in self.changes if c.op == "conflict"]

    @property
    def writes(self) -> int:
        return self.count("added") + self.count("changed") + self.count("deleted")

    def summary(self) -> dict[str, Any]:
        return {
            "batch": self.batch,
            "added": self.count("added"),
            "changed": self.count("changed"),
            "unchanged": self.count("unchanged"),
            "deleted": self.count("deleted"),
            "conflicts": [c.as_dict() for c in self.conflicts],
            "rejected": [{"file": f, "line": ln} for f, ln in sorted({(e.file, e.line) for e in self.errors})],
            "errors": [{"file": e.file, "line": e.line, "column": e.column, "message": e.message}
                       for e in self.errors],
            "warnings": [w.as_dict() for w in self.warnings[:200]],
            "matches": self.matches,
            "missing": self.count("missing"),
            "records": self.rows,
            "files": self.files,
            "already_imported": self.already_imported,
            "details_truncated": any(self.count(op) > DETAIL_CAP for op in self.counts),
        }


# column types per kind, precomputed (Kind.column_names / column() rebuild tuples on every call)
_TYPES: dict[str, dict[str, str]] = {k.name: {c.name: c.type for c in k.columns} for k in KINDS.values()}
_REF_COLS: dict[str, tuple[str, ...]] = {k: tuple(c for c, t in ts.items() if t.startswith("ref:") or t == "refs:source")
                                         for k, ts in _TYPES.items()}
_COLS: dict[str, dict[str, Any]] = {k.name: {c.name: c for c in k.columns} for k in KINDS.values()}
_PLAIN = frozenset(("text", "name", "id", "ref:people", "ref:organizations", "ref:events", "ref:entity", "enum",
                    "country", "partner", "currency", "unit", "reliability"))


def canon(kind: Kind, col: str, value: Any) -> str:
    """A value as comparable text (the CSV cell without formula neutralisation)."""
    if col == "source":
        return "|".join(value or [])
    if col == "quote":
        return value or ""
    if value is None or value == "":
        return ""
    if type(value) is str and _TYPES[kind.name][col] in _PLAIN:
        return value  # text as stored: format_cell + unneutralise is the identity on it
    c = _COLS[kind.name][col]
    s = format_cell(c, value)
    if c.type in ("text", "name", "id", "aliases") or c.type.startswith("ref:"):
        s = unneutralise(s)
    return s


def _existing_typed(kind: Kind, col: str, value: Any) -> Any:
    if value in (None, ""):
        return value
    if col in ("source", "quote", "aliases"):
        return value
    t = _TYPES[kind.name][col]
    if t == "date" or (t == "end" and value != dates.ONGOING):
        return dates.parse_date(value)
    return value


def lookup_key(row: Row) -> tuple:
    v = row.values
    if row.kind.name == "trade":
        return (v["reporter"], v["partner"], v["year"], v["flow"], v.get("commodity") or "",
                v.get("basis") or "unknown", records.source_key(v.get("source")))
    if row.kind.name == "participants":
        return (v["event"], v["participant"], v.get("role") or "participant")
    if row.kind.name == "identifiers":
        return (v["scheme"], v["value"])
    return (v["id"],)


_REF_SPEC: dict[str, tuple[tuple[str, str, str], ...]] = {
    k: tuple((c, _TYPES[k][c], "sources" if _TYPES[k][c] == "refs:source" else
              ("entity" if _TYPES[k][c] == "ref:entity" else _TYPES[k][c][4:])) for c in cols)
    for k, cols in _REF_COLS.items()}
_SINGULAR = {"sources": "source", "people": "person", "organizations": "organisation", "events": "event"}
_REF_TABLE = {"sources": "source", "people": "person", "organizations": "organization", "events": "event"}


class ChangePass:
    def __init__(self, db: sqlite_utils.Database, opts: Options, report: ImportReport, *,
                 batch: int | None = None, progress: Progress | None = None, matcher: Any = None,
                 progress_span: tuple[int, int] = (0, 1000), stage: Any = None):
        self.db = db
        self.stage = stage  # plan pass: where the writes are kept for the apply (services.staging.Stage)
        self.row_warnings: list[Problem] = []  # the rows' own warnings (capped)
        self.opts = opts
        self.report = report
        self.batch = batch
        self.progress = progress
        self.matcher = matcher
        self.span = progress_span
        self.new: dict[str, set[str]] = {k: set() for k in _REF_TABLE}
        self.gone: dict[str, set[str]] = {k: set() for k in _REF_TABLE}
        # rows seen, per kind: the id itself (the same str object the `new` sets hold), or for composite
        # keys (participants, trade, identifiers) a 64-bit hash of the key, to keep 1M keys small
        self.seen: dict[str, dict[object, int]] = {}
        self.pending: list[tuple[str, str, Problem]] = []  # (kind, id, problem if still unknown at the end)
        self.batches = journal.batch_sources(db)
        self.merges = redirects.any_merges(db)  # no redirect to follow in a database that never merged
        self.inserter = bulk.Inserter(db) if batch is not None else None
        self.kept = {op: 0 for op in report.counts}
        self.found: dict[str, set[str]] = {"entity": set(), **{k: set() for k in _REF_TABLE}}  # exist in the db

    # --- references ---------------------------------------------------------------------------
    def _check_refs(self, rows: list[Row]) -> list[list[Problem]]:
        spec = _REF_SPEC[rows[0].kind.name] if rows else ()
        if not spec:
            return [[] for _ in rows]
        new, gone, found = self.new, self.gone, self.found
        newp, newo = new["people"], new["organizations"]
        wanted: dict[str, set[str]] = {}
        some_gone = any(gone.values())
        out: list[list[Problem]] = []
        check: list[int] = []  # rows with a reference not yet known to exist (or anything deleted)
        for i, row in enumerate(rows):
            out.append([])
            if row.deleted:
                continue
            v = row.values
            unsure = some_gone
            for _col, target, x in _references(v, spec):
                if target == "entity":
                    if x in newp or x in newo or x in found["entity"]:
                        continue
                elif x in new[target] or x in found[target]:
                    continue
                wanted.setdefault(target, set()).add(x)
                unsure = True
            if unsure:
                check.append(i)
        for target, ids in wanted.items():  # ids found once stay found: records leave only through `gone`
            found[target] |= bulk.existing_ids(self.db, "entity" if target == "entity" else _REF_TABLE[target], ids)
        for i in check:
            row = rows[i]
            probs = out[i]
            v = row.values
            for col, target, x in _references(v, spec):
                if target == "entity":
                    ok = (x not in gone["people"] and x not in gone["organizations"]
                          and (x in newp or x in newo or x in found["entity"]))
                else:
                    ok = x not in gone[target] and (x in new[target] or x in found[target])
                if ok:
                    continue
                if target == "sources":
                    msg = f"unknown source {x!r} (not in the database nor in a sources file of this import)"
                elif target == "entity":
                    msg = f"unknown person, organisation or country {x!r}"
                else:
                    msg = f"unknown {_SINGULAR[target]} {x!r}"
                p = Problem(row.file, row.line, col, msg)
                if target == row.kind.name:  # may be defined further down the same file
                    self.pending.append((target, x, p))
                else:
                    probs.append(p)
        return out

    # --- conflicts ----------------------------------------------------------------------------
    def _conflict(self, writer: int | None, file: str) -> str:
        if writer is None or writer not in self.batches:
            return ""
        kind, names, _undone = self.batches[writer]
        if kind == "edit":
            return f"changed locally (edit batch {writer}) since its last import"
        name = Path(file).name
        if name in names:
            return ""
        last_same = max((b for b, (k, n, u) in self.batches.items() if name in n and u is None
                         and k in ("import", "sample")), default=None)
        if last_same is not None and writer > last_same:
            return (f"changed by batch {writer} ({', '.join(sorted(names)) or 'no file'}) after the last import of "
                    f"{name} (batch {last_same})")
        return ""

    # --- the pass -----------------------------------------------------------------------------
    def run(self, streams: list[StreamedFile], total_bytes: int) -> None:
        order = {k: i for i, k in enumerate(ORDER)}
        done_bytes = 0
        for sf in sorted(streams, key=lambda s: order.get(s.kind.name, 99) if s.kind else -1):
            if sf.kind is None:
                continue
            it = iter(sf.rows)
            while True:
                chunk = list(islice(it, CHUNK))
                if not chunk:
                    break
                self._chunk(sf.kind, chunk)
                if self.progress:
                    lo, hi = self.span
                    frac = (done_bytes + sf.tell()) / max(total_bytes, 1)
                    self.progress(lo + int((hi - lo) * min(frac, 1.0)), 1000, f"{sf.path.name}: {self.report.rows:,} rows")
                if self._too_many():
                    return
            done_bytes += sf.info.size if sf.info else 0
        for target, v, p in self.pending:
            if v not in self.new[target] or v in self.gone[target]:
                self.report.errors.append(p)

    def _too_many(self) -> bool:
        return len(self.report.errors) >= self.opts.max_problems

    def _chunk(self, kind: Kind, rows: list[Row]) -> None:
        k = kind.name
        if self.merges:
            redirects.follow(self.db, rows, self.report.warnings)  # merged ids land on their survivor (issue 8)
        if self.matcher is not None:
            self.matcher.resolve(rows, self.report)
        for row in rows:
            if k in self.new and "id" in row.values:
                (self.gone if row.deleted else self.new)[k].add(row.values["id"])
        ref_probs = self._check_refs(rows)
        good: list[Row] = []
        keys: list[tuple] = []
        seen = self.seen.setdefault(k, {})
        for row, probs in zip(rows, ref_probs, strict=True):
            lk = lookup_key(row)
            key = lk[0] if len(lk) == 1 else hash(lk)
            first = seen.get(key)
            if first is not None:
                probs.append(Problem(row.file, row.line, row.kind.key[0],
                                     f"the same record appears again (first on line {first})"))
            else:
                seen[key] = row.line
            if probs:
                self.report.errors.extend(probs)
            else:
                good.append(row)
                keys.append(lk)
        self.report.rows += len(rows)
        if self.report.errors and self.batch is None:
            # keep validating (all problems at once), but no need to compare with the database
            if self._too_many():
                return
        existing = bulk.get_many(self.db, k, keys)
        adds: list[dict[str, Any]] = []
        others: list[tuple[str, dict[str, Any], Any]] = []
        if len(self.row_warnings) < 1000:
            for row in rows:
                if row.warnings:
                    self.row_warnings.extend(row.warnings)
        counts, kept, staging = self.report.counts, self.kept, self.stage is not None and self.batch is None
        for row, lk in zip(good, keys, strict=True):
            ex = existing.get(lk) if existing else None
            fields: dict[str, tuple[str, str]] = {}
            if row.deleted:
                op = "deleted" if ex else "missing"
            elif ex is not None:
                for col, val in row.values.items():
                    new = canon(kind, col, val)
                    old = canon(kind, col, _existing_typed(kind, col, ex.get(col)))
                    if new != old:
                        fields[col] = (old, new)
                op = "changed" if fields else "unchanged"
            else:
                op = "added"
                if kept["added"] < DETAIL_CAP:  # details only for the changes that are kept
                    fields = {c: ("", canon(kind, c, v)) for c, v in row.values.items() if v not in (None, "", [])}
            intended = reason = ""
            if op == "changed" or op == "deleted":
                why = self._conflict(ex.get("batch_id"), row.file)
                if why:
                    intended, reason = op, why
                    if not self.opts.overwrite_conflicts:
                        op = "conflict"
            counts[op] = counts.get(op, 0) + 1
            n = kept.get(op, 0)
            if n < (DETAIL_CAP if op != "unchanged" else 500):
                self.report.changes.append(Change(op, k, row.key(), row.file, row.line, fields, reason, intended))
                kept[op] = n + 1
            if op == "added":
                adds.append(row.values)
            elif op == "changed" or op == "deleted":
                if staging:
                    others.append((op, row.values, ex))
                elif self.batch is not None:
                    if op == "changed":
                        records.upsert(self.db, k, row.values, ex, self.batch)
                    else:
                        records.delete(self.db, k, ex)
        if staging and (adds or others):
            if not self.report.errors:  # a rejected import is never applied: stop keeping its writes
                self.stage.put(k, adds, others)
        if adds and self.inserter is not None:
            self.inserter.insert(k, adds, self.batch)
