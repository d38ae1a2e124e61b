"""The Dossier CSV format: recognise a file's kind from its header, validate every cell, and write it.

Parsing never touches the database: it turns rows into `Row`s with typed values (dates as
PartialDate, countries as alpha-3, numbers as Decimal ...) or into Problems with file, line and
column.  Whether referenced ids exist is decided by the import service, which sees the database
and all the files of one import together.

The rules of single cells, and the formula neutralisation of text cells (OWASP CSV injection),
are in `exchange.converters`; `CellError`, `neutralise` and `unneutralise` are importable from here too.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from dossier.domain import dates, numbers, text
from dossier.domain.kinds import KINDS, Column, Kind, extra_columns
from dossier.exchange.converters import CellError, column_converter, convert_cell, neutralise, unneutralise
from dossier.exchange.csvio import CsvFile, CsvRejected, Problem, read_csv

__all__ = ["CellError", "Options", "ParsedFile", "Row", "StreamedFile", "format_cell", "iter_parsed", "neutralise",
           "parse_file", "recognise", "span_problem", "stream_file", "unneutralise", "validate_cell", "write_csv"]


@dataclass
class Row:
    kind: Kind
    file: str
    line: int
    values: dict[str, Any]  # only the columns present in the file
    deleted: bool = False
    warnings: list[Problem] = field(default_factory=list)
    # Foreign rows without an id of ours: what to match existing records on (the import service
    # resolves it): {"name": str, "start": PartialDate|None, "end": ..., "identifiers": [(scheme, value)]}
    match: dict[str, Any] | None = None

    def key(self) -> tuple:
        out = []
        for k in self.kind.key:
            v = self.values.get(k, "")
            out.append("|".join(v) if isinstance(v, list) else v)
        return tuple(out)


@dataclass
class ParsedFile:
    path: Path
    kind: Kind | None
    info: CsvFile | None
    rows: list[Row]
    problems: list[Problem]


@dataclass
class StreamedFile:
    """A file being read: `rows` is a generator; `problems` grows while it runs (sorted by line at the end)."""
    path: Path
    kind: Kind | None
    info: CsvFile | None
    rows: Iterator[Row]
    problems: list[Problem]
    fmt: str = "dossier"

    def tell(self) -> int:
        return self.info.tell() if self.info is not None and self.info.tell is not None else 0


@dataclass(frozen=True)
class Options:
    encoding: str | None = None
    dayfirst: bool = False
    monthfirst: bool = False
    decimal_comma: bool = False
    max_problems: int = 50
    merge_matches: bool = False  # confirm the suggested matches of rows without ids (never by default)
    overwrite_conflicts: bool = False  # overwrite records changed locally since their last import
    terms: tuple[tuple[str, str, str], ...] = ()  # EveryPolitician term dates: (term id, start, end)


def recognise(header: list[str], path: Path) -> tuple[Kind | None, list[Problem]]:
    """Which kind a header belongs to.  Problems name duplicate, unknown and missing columns."""
    name = str(path)
    probs: list[Problem] = []
    seen: set[str] = set()
    for h in header:
        if h in seen:
            probs.append(Problem(name, 1, h, f"duplicate column {h!r}"))
        seen.add(h)
    if probs:
        return None, probs
    cols = set(header)
    candidates = []
    for k in KINDS.values():
        allowed = set(k.column_names) | {c.name for c in extra_columns(k)}
        if cols <= allowed and k.required <= cols:
            candidates.append(k)
    if len(candidates) > 1:
        stem = path.stem.lower()
        by_name = [k for k in candidates if stem == k.name or stem.endswith(f"_{k.name}") or stem.endswith(f"-{k.name}")]
        if len(by_name) == 1:
            return by_name[0], []
        names = ", ".join(k.name for k in candidates)
        return None, [Problem(name, 1, "", f"cannot tell which kind this file is (could be {names}); "
                                           f"name the file after its kind, e.g. {candidates[0].name}.csv")]
    if candidates:
        return candidates[0], []
    # No kind fits: explain against the closest one.
    best = max(KINDS.values(), key=lambda k: (len(cols & set(k.column_names)), -len(k.columns)))
    allowed = set(best.column_names) | {c.name for c in extra_columns(best)}
    unknown = [h for h in header if h not in allowed]
    missing = sorted(best.required - cols)
    for h in unknown:
        probs.append(Problem(name, 1, h, f"unknown column {h!r} for kind {best.name!r} "
                                         f"(columns: {', '.join(best.column_names)})"))
    for m in missing:
        probs.append(Problem(name, 1, m, f"missing required column {m!r} for kind {best.name!r}"))
    if not probs:  # pragma: no cover - defensive
        probs.append(Problem(name, 1, "", "header does not match any Dossier CSV kind"))
    return None, probs


def parse_file(path: str | Path, opts: Options = Options()) -> ParsedFile:
    sf = stream_file(path, opts)
    rows = list(sf.rows)
    return ParsedFile(sf.path, sf.kind, sf.info, rows, sorted(sf.problems, key=lambda q: q.line))


def stream_file(path: str | Path, opts: Options = Options()) -> StreamedFile:
    """Open a Dossier CSV file for streaming: rows are validated as they are read (bounded memory)."""
    p = Path(path)
    try:
        info, records = read_csv(p, encoding=opts.encoding, max_problems=opts.max_problems)
    except CsvRejected as e:
        return StreamedFile(p, None, None, iter(()), e.problems)
    kind, probs = recognise(info.header, p)
    if kind is None:
        for pr in probs:
            object.__setattr__(pr, "line", info.header_line)
        records.close()
        return StreamedFile(p, None, info, iter(()), probs)
    problems = info.problems  # the reader's structural problems and ours, in one list
    return StreamedFile(p, kind, info, _rows(p, kind, info, records, opts, problems), problems)


def _rows(p: Path, kind: Kind, info: CsvFile, records: Iterator[tuple[int, list[str]]], opts: Options,
          problems: list[Problem]) -> Iterator[Row]:
    cols = [kind.column(h) if h in kind.column_names else next(c for c in extra_columns(kind) if c.name == h)
            for h in info.header]
    plan = [(c.name, column_converter(c, opts)) for c in cols]
    name = str(p)
    w: list[str] = []
    dated = "start" in info.header and "end" in info.header
    for line, cells in records:
        warns: list[Problem] = []
        try:  # the common case: every cell converts, without warnings
            values = {cname: conv(raw, w) for (cname, conv), raw in zip(plan, cells, strict=True)}
        except (CellError, text.TextError, dates.DateError):
            values = None
        if values is None or w:
            w.clear()
            values = _cell_by_cell(plan, cells, name, line, problems, warns, w)
            if values is None:
                if sum(1 for q in problems if q.severity == "error") >= opts.max_problems:
                    records.close()
                    return
                continue
        deleted = bool(values.pop("deleted", False))
        if dated and not deleted:
            sp = span_problem(values)  # the same rule as the editing forms
            if sp:
                problems.append(Problem(name, line, sp[0], sp[1]))
                continue
        yield Row(kind, name, line, values, deleted, warns)


def _cell_by_cell(plan: list, cells: list[str], name: str, line: int, problems: list[Problem],
                  warns: list[Problem], w: list[str]) -> dict[str, Any] | None:
    """A row again cell by cell, to report each problem and warning with its column: the values, or
    None when a cell was rejected (its problems appended)."""
    values: dict[str, Any] = {}
    bad = False
    for (cname, conv), raw in zip(plan, cells, strict=True):
        try:
            values[cname] = conv(raw, w)
        except (CellError, text.TextError, dates.DateError) as e:
            problems.append(Problem(name, line, cname, str(e)))
            bad = True
        if w:
            warns.extend(Problem(name, line, cname, m, "warning") for m in w)
            w.clear()
    return None if bad else values


# --- writing -----------------------------------------------------------------------------------------

def format_cell(col: Column, value: Any) -> str:
    if value is None or value == "":
        return ""
    t = col.type
    if t in ("date", "end"):
        return value if isinstance(value, str) else value.text
    if t == "refs:source":
        return "|".join(value)
    if t == "aliases":
        return neutralise("|".join(f"{n}@{lang}" if lang else n for n, lang in value))
    if t == "decimal":
        return numbers.format_decimal(value) if isinstance(value, Decimal) else str(value)
    if t in ("year", "credibility", "int"):
        return str(value)
    if t in ("text", "name", "id") or t.startswith("ref:"):
        return neutralise(str(value))
    return str(value)


def write_csv(kind: Kind, records: Iterable[dict[str, Any]], out: io.TextIOBase, *, extras: tuple[str, ...] = ()
              ) -> int:
    """Write records (dicts of typed values) as a Dossier CSV of `kind`.  The caller opens `out` with
    newline='' and, for files, encoding 'utf-8-sig' (a BOM, so Excel reads Hangul and Khmer)."""
    cols = list(kind.columns) + [c for c in extra_columns(kind) if c.name in extras]
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow([c.name for c in cols])
    n = 0
    for rec in records:
        w.writerow([format_cell(c, rec.get(c.name)) for c in cols])
        n += 1
    return n


def iter_parsed(files: Iterable[str | Path], opts: Options = Options()) -> Iterator[ParsedFile]:
    for f in files:
        yield parse_file(f, opts)


# --- one cell at a time (the editing forms) ----------------------------------------------------------

def validate_cell(kind: Kind | str, column: str, text_value: str, opts: Options = Options()) -> tuple[Any, list[str]]:
    """One cell through exactly the importer's rules: `(typed value, warnings)`, or CellError whose
    message is what the import would report for that cell.  The editing forms call this for every
    field, so a form and a CSV file accept and reject the same values."""
    k = KINDS[kind] if isinstance(kind, str) else kind
    col = k.column(column) if column in k.column_names else next(c for c in extra_columns(k) if c.name == column)
    warnings: list[str] = []
    try:
        return convert_cell(col, text_value, opts, warnings), warnings
    except (text.TextError, dates.DateError) as e:
        raise CellError(str(e)) from None


def span_problem(values: dict[str, Any]) -> tuple[str, str] | None:
    """(column, message) when a row's end is certainly before its start (never swapped), else None."""
    s, e = values.get("start"), values.get("end")
    if isinstance(s, dates.PartialDate) and isinstance(e, dates.PartialDate) and e.latest < s.earliest:
        return "end", f"end {e.text} is before start {s.text}"
    return None
