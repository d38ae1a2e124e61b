"""EveryPolitician CSVs: term files (`id,name,...,group,area,chamber,term,start_date,end_date,...,
wikidata`) and position lists (`id,name,position,start_date,end_date,type`).

Each member becomes a person (matched on the EveryPolitician UUID or Wikidata QID through the
identifier table, else suggested by name, never merged silently) and a posting: 'Member of the
<chamber>' in <area>, with the party in the note.  Members without their own dates inherit their
term's dates (EveryPolitician leaves them empty when the membership spans the whole term); the term
dates come from `Options.terms` (`--term 5=2013-09-23/2018-08-31`) or a `terms.csv` beside the file
(EveryPolitician's own `id,name,start_date,end_date`).  Unknown term dates are left empty with a
warning: nothing is invented."""

from __future__ import annotations

import csv
from pathlib import Path

from dossier.domain import dates, text
from dossier.domain.kinds import KINDS, Column
from dossier.exchange.csvio import Problem
from dossier.exchange.dossier_csv import Options, ParsedFile, Row
from dossier.exchange.foreign.common import convert, file_source, open_foreign, parsed
from dossier.exchange.formats import register

TERM_COLS = {"id", "name", "group", "term", "start_date", "end_date"}
POSITION_COLS = {"id", "name", "position", "start_date", "end_date"}
_DATE = Column("start_date", "date")
_END = Column("end_date", "end")
_NAME = Column("name", "name", True)
_TEXT = Column("text", "text")


def sniff(header: list[str]) -> bool:
    return TERM_COLS <= set(header) or (POSITION_COLS <= set(header) and "type" in header)


def _terms(path: Path, opts: Options, problems: list[Problem]) -> dict[str, tuple[str, str]]:
    out: dict[str, tuple[str, str]] = {}
    side = path.with_name("terms.csv")
    if side.is_file():
        with side.open(encoding="utf-8-sig", newline="") as f:
            for i, r in enumerate(csv.DictReader(f), start=2):
                tid = (r.get("id") or "").rsplit("/", 1)[-1].replace("term-", "").strip()
                if tid:
                    out[tid] = ((r.get("start_date") or "").strip(), (r.get("end_date") or "").strip())
    for tid, s, e in opts.terms:
        out[tid] = (s, e)
    return out


def parse(path: Path, opts: Options) -> ParsedFile:
    info, records, problems = open_foreign(path, opts)
    if info is None:
        return parsed(path, None, [], problems)
    name = str(path)
    is_term = TERM_COLS <= set(info.header)
    terms = _terms(path, opts, problems) if is_term else {}
    src = file_source(path, "EveryPolitician")
    sid = src.values["id"]
    rows: list[Row] = []
    warned: set[str] = set()
    for line, cells in records:
        c = dict(zip(info.header, cells, strict=True))
        warns: list[Problem] = []
        ok_name, pname = convert(_NAME, c.get("name", ""), opts, name, line, "name", problems, warns)
        vals: dict[str, object] = {}
        ok = ok_name
        for k in ("sort_name", "group", "area", "chamber", "position", "gender", "type"):
            good, v = convert(_TEXT, c.get(k, ""), opts, name, line, k, problems, warns)
            ok &= good
            vals[k] = v or ""
        good_s, start = convert(_DATE, c.get("start_date", ""), opts, name, line, "start_date", problems, warns)
        good_e, end = convert(_END, c.get("end_date", ""), opts, name, line, "end_date", problems, warns)
        uuid = (c.get("id") or "").strip()
        if not uuid:
            problems.append(Problem(name, line, "id", "must not be empty (the EveryPolitician id)"))
            ok = False
        if not (ok and good_s and good_e):
            continue
        term = (c.get("term") or "").strip()
        if is_term and start is None and end is None and term:
            if term in terms:
                ts, te = terms[term]
                start = dates.parse_date(ts) if ts else None
                end = dates.parse_date(te) if te else None
            elif term not in warned:
                warned.add(term)
                warns.append(Problem(name, line, "term", f"term {term}'s dates are unknown: members without dates "
                                     f"are imported without dates (give --term {term}=START/END or a terms.csv)",
                                     "warning"))
        if isinstance(start, dates.PartialDate) and isinstance(end, dates.PartialDate):
            if end.latest < start.earliest:
                problems.append(Problem(name, line, "end_date", f"end {end.text} is before start {start.text}"))
                continue
            if end.text == start.text:
                warns.append(Problem(name, line, "end_date", f"starts and ends on {start.text} (as in the file)",
                                     "warning"))
        pid = text.slug(pname)
        gender = vals["gender"] if vals["gender"] in ("female", "male", "other") else ""
        ids = [("everypolitician", uuid)]
        qid = (c.get("wikidata") or "").strip()
        if qid:
            ids.append(("wikidata", qid))
        person = {"id": pid, "name": pname, "source": [sid]}
        if vals["sort_name"]:
            person["sort_name"] = vals["sort_name"]
        if gender:
            person["gender"] = gender
        rows.append(Row(KINDS["people"], name, line, person, warnings=warns,
                        match={"name": pname, "start": start, "end": end, "identifiers": ids}))
        for scheme, value in ids:
            rows.append(Row(KINDS["identifiers"], name, line, {"entity": pid, "scheme": scheme, "value": value,
                                                               "source": [sid]}))
        if is_term:
            position = f"Member of the {vals['chamber'] or 'legislature'}"
            note = "; ".join(x for x in (vals["group"], f"term {term}" if term else "") if x)
            post_id = f"ep-{uuid}-term-{term or 'x'}"
            place = vals["area"]
        else:
            position, note, place = vals["position"], vals["type"], ""
            post_id = f"ep-{uuid}-{text.slug(vals['position'], 40)}-{start.text if start else 'x'}"
        if not position:
            problems.append(Problem(name, line, "position", "must not be empty"))
            continue
        rows.append(Row(KINDS["postings"], name, line, {"id": post_id, "person": pid, "position": position,
                                                        "place": place, "start": start, "end": end, "note": note,
                                                        "source": [sid]}))
    if rows:
        rows.insert(0, src)
    return parsed(path, info, rows, problems)


register("everypolitician", sniff, parse)
