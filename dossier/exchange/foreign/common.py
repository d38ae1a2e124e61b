"""What the foreign readers share: a strict reading of the file (csvio), cell conversion with the
Dossier rules (dates, numbers, text hygiene), and the synthetic source every mapped row cites."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from dossier.domain import dates, text
from dossier.domain.kinds import KINDS, Column
from dossier.exchange.converters import CellError, convert_cell
from dossier.exchange.csvio import CsvFile, CsvRejected, Problem, read_csv
from dossier.exchange.dossier_csv import Options, ParsedFile, Row


def file_source(path: Path, publisher: str, title: str = "") -> Row:
    """The synthetic source a foreign file's rows cite: one per file name (so a re-import of the same
    file is unchanged), with the file's SHA-256 in `reference`."""
    h = hashlib.sha256(path.read_bytes()).hexdigest()
    sid = "file-" + text.slug(path.name, 80)
    values = {"id": sid, "publisher": publisher, "title": title or path.name,
              "reference": f"imported from {path.name} (SHA-256 {h[:16]})"}
    return Row(KINDS["sources"], str(path), 1, values)


def open_foreign(path: Path, opts: Options) -> tuple[CsvFile | None, Iterator[tuple[int, list[str]]], list[Problem]]:
    try:
        info, records = read_csv(path, encoding=opts.encoding, max_problems=opts.max_problems)
    except CsvRejected as e:
        return None, iter(()), e.problems
    return info, records, info.problems


def header_problems(info: CsvFile, known: set[str], required: list[str], what: str) -> list[Problem]:
    name, line = str(info.path), info.header_line
    probs: list[Problem] = []
    seen: set[str] = set()
    for h in info.header:
        if h in seen:
            probs.append(Problem(name, line, h, f"duplicate column {h!r}"))
        seen.add(h)
    for h in info.header:
        if h not in known:
            probs.append(Problem(name, line, h, f"unknown column {h!r} for {what} (columns: {', '.join(sorted(known))})"))
    for r in required:
        if r not in info.header:
            probs.append(Problem(name, line, r, f"missing required column {r!r} for {what}"))
    return probs


def convert(col: Column, raw: str, opts: Options, file: str, line: int, label: str, problems: list[Problem],
            warnings: list[Problem]) -> tuple[bool, Any]:
    w: list[str] = []
    try:
        v = convert_cell(col, raw, opts, w)
    except (CellError, text.TextError, dates.DateError) as e:
        problems.append(Problem(file, line, label, str(e)))
        return False, None
    warnings.extend(Problem(file, line, label, m, "warning") for m in w)
    return True, v


def parsed(path: Path, info: CsvFile | None, rows: list[Row], problems: list[Problem]) -> ParsedFile:
    return ParsedFile(path, rows[0].kind if rows else None, info, rows,
                      sorted(problems, key=lambda q: q.line))
