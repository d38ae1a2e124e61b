"""Simple rosters: `name,role,start,end[,amount][,code][,iso]` (the layout of lists sent by e-mail and
of the bad-input catalogue).  Each row is a person (matched to existing people by name, never merged
without confirmation) holding a position (`role`) from `start` to `end`; `amount` goes into the
posting's note, `code` becomes an identifier (kept as text: '0012'), `iso` the person's nationality.
Every row cites the file."""

from __future__ import annotations

import re
from pathlib import Path

from dossier.domain import numbers, text
from dossier.domain.dates import PartialDate
from dossier.domain.kinds import KINDS, Column
from dossier.exchange.dossier_csv import Options, ParsedFile, Row
from dossier.exchange.foreign.common import convert, file_source, header_problems, open_foreign, parsed
from dossier.exchange.formats import register

COLUMNS = {
    "name": Column("name", "name", True), "role": Column("role", "name", True), "start": Column("start", "date"),
    "end": Column("end", "end"), "amount": Column("amount", "decimal"), "code": Column("code", "text"),
    "iso": Column("iso", "country"),
}


def sniff(header: list[str]) -> bool:
    return "role" in header


def parse(path: Path, opts: Options) -> ParsedFile:
    info, records, problems = open_foreign(path, opts)
    if info is None:
        return parsed(path, None, [], problems)
    hp = header_problems(info, set(COLUMNS), ["name", "role"], "a roster")
    if hp:
        records.close()
        return parsed(path, info, [], problems + hp)
    src = file_source(path, "roster")
    rows: list[Row] = []
    name = str(path)
    sid = src.values["id"]
    scheme = "roster:" + path.name
    for line, cells in records:
        vals, warns, bad = {}, [], False
        for h, raw in zip(info.header, cells, strict=True):
            if h in ("start", "end"):
                raw = month_words(raw)
            ok, v = convert(COLUMNS[h], raw, opts, name, line, h, problems, warns)
            bad |= not ok
            vals[h] = v
        if bad:
            if sum(1 for q in problems if q.severity == "error") >= opts.max_problems:
                break
            continue
        s, e = vals.get("start"), vals.get("end")
        if isinstance(s, PartialDate) and isinstance(e, PartialDate) and e.latest < s.earliest:
            problems.append(Problem(name, line, "end", f"end {e.text} is before start {s.text}"))
            continue
        pid = text.slug(vals["name"])
        person = {"id": pid, "name": vals["name"], "source": [sid]}
        if vals.get("iso"):
            person["nationality"] = vals["iso"]
        rows.append(Row(KINDS["people"], name, line, person, warnings=warns,
                        match={"name": vals["name"], "start": s, "end": e, "identifiers": [(scheme, text.match_key(vals["name"]))]}))
        posting = {"id": f"{pid}--{text.slug(vals['role'])}" + (f"--{s.text}" if s else ""), "person": pid,
                   "position": vals["role"], "start": s, "end": e, "source": [sid]}
        if vals.get("amount") is not None:
            posting["note"] = f"amount {numbers.format_decimal(vals['amount'])}"
        rows.append(Row(KINDS["postings"], name, line, posting))
        rows.append(Row(KINDS["identifiers"], name, line,
                        {"entity": pid, "scheme": scheme, "value": text.match_key(vals["name"]), "source": [sid]}))
        if vals.get("code"):
            rows.append(Row(KINDS["identifiers"], name, line,
                            {"entity": pid, "scheme": f"code:{path.name}", "value": vals["code"], "source": [sid]}))
    if rows:
        rows.insert(0, src)
    return parsed(path, info, rows, problems)


_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
                                       "dec"), start=1)}
_WORDS = re.compile(r"(?:([0-9]{1,2}) )?([A-Za-z]{3,9})\.? ([0-9]{4})\Z", re.ASCII)


def month_words(raw: str) -> str:
    """'Nov 2019' -> '2019-11', '25 November 2019' -> '2019-11-25' (English month names only; the
    precision written is the precision kept).  Anything else is returned as it is."""
    m = _WORDS.match(raw.strip())
    if not m:
        return raw
    name = m[2].lower()
    mo = _MONTHS.get(name[:3])
    full = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
            "november", "december")
    if mo is None or not (name == name[:3] or name == full[mo - 1] or name == "sept"):
        return raw
    return f"{m[3]}-{mo:02d}" + (f"-{int(m[1]):02d}" if m[1] else "")


from dossier.exchange.csvio import Problem  # noqa: E402

register("roster", sniff, parse)
