"""TimelineJS sheets (the 18-column template of Knight Lab's TimelineJS3): each dated row becomes an
event; the title slide (a row without a date, or Type 'title') names the synthetic source the events
cite.  Year/Month/Day keep the precision they are written with (a year-only row is a year); Time
columns are kept in the summary, never turned into invented precision.  Text and Headline are stored
verbatim (they often hold HTML, which Dossier always shows as plain text)."""

from __future__ import annotations

from pathlib import Path

from dossier.domain import dates, text
from dossier.domain.kinds import KINDS
from dossier.exchange.csvio import Problem
from dossier.exchange.dossier_csv import Options, ParsedFile, Row
from dossier.exchange.foreign.common import file_source, header_problems, open_foreign, parsed
from dossier.exchange.formats import register

HEADER = ("Year", "Month", "Day", "Time", "End Year", "End Month", "End Day", "End Time", "Display Date",
          "Headline", "Text", "Media", "Media Credit", "Media Caption", "Media Thumbnail", "Type", "Group",
          "Background")


def sniff(header: list[str]) -> bool:
    return {"Year", "Month", "Day", "Headline", "Text"} <= set(header)


def _date(y: str, m: str, d: str, cols: tuple[str, str, str], file: str, line: int,
          problems: list[Problem]) -> dates.PartialDate | None:
    y, m, d = y.strip(), m.strip(), d.strip()
    if not y:
        if m or d:
            problems.append(Problem(file, line, cols[0], "a month or day without a year"))
        return None
    for v, c, width in ((y, cols[0], 4), (m, cols[1], 2), (d, cols[2], 2)):
        if v and not (v.isascii() and v.lstrip("-").isdigit()):
            problems.append(Problem(file, line, c, f"{v!r} is not a number"))
            return None
    if d and not m:
        problems.append(Problem(file, line, cols[2], "a day without a month"))
        return None
    txt = f"{int(y):04d}" + (f"-{int(m):02d}" if m else "") + (f"-{int(d):02d}" if d else "")
    if int(y) < 0:
        problems.append(Problem(file, line, cols[0], f"year {y} before the common era is not supported"))
        return None
    try:
        return dates.parse_date(txt, allow_extended=False)
    except dates.DateError as e:
        problems.append(Problem(file, line, cols[0], str(e)))
        return None


def parse(path: Path, opts: Options) -> ParsedFile:
    info, records, problems = open_foreign(path, opts)
    if info is None:
        return parsed(path, None, [], problems)
    hp = header_problems(info, set(HEADER), ["Year", "Headline"], "a TimelineJS sheet")
    if hp:
        records.close()
        return parsed(path, info, [], problems + hp)
    name = str(path)
    src = file_source(path, "TimelineJS sheet")
    rows: list[Row] = []
    seen: dict[str, int] = {}
    for line, cells in records:
        c = dict(zip(info.header, cells, strict=True))
        g = lambda k: c.get(k, "")  # noqa: E731
        warns: list[Problem] = []
        cleaned: dict[str, str] = {}
        bad = False
        for k in ("Headline", "Text", "Display Date", "Group", "Media Caption", "Time", "End Time", "Type"):
            try:
                v, w = text.clean(g(k).replace("\r\n", "\n").replace("\r", "\n"))
            except text.TextError as e:
                problems.append(Problem(name, line, k, str(e)))
                bad = True
                continue
            cleaned[k] = v
            warns.extend(Problem(name, line, k, m, "warning") for m in w)
        if bad:
            continue
        start = _date(g("Year"), g("Month"), g("Day"), ("Year", "Month", "Day"), name, line, problems)
        if start is None and not g("Year").strip():
            if cleaned["Headline"] and (cleaned["Type"].lower() == "title" or not src.values.get("notes")):
                src.values["title"] = cleaned["Headline"]
                src.values["notes"] = cleaned["Text"]
            continue  # the title slide (or an undated row): not an event
        if start is None:
            continue
        end = _date(g("End Year"), g("End Month"), g("End Day"), ("End Year", "End Month", "End Day"), name, line,
                    problems)
        if end is not None and end.latest < start.earliest:
            problems.append(Problem(name, line, "End Year", f"end {end.text} is before start {start.text}"))
            continue
        title = cleaned["Headline"] or cleaned["Display Date"] or f"(untitled, {start.text})"
        eid = f"tl-{text.slug(title, 50)}-{start.text}"
        if eid in seen:
            seen[eid] += 1
            eid = f"{eid}-{seen[eid]}"
        else:
            seen[eid] = 1
        summary = cleaned["Text"]
        extra = [f"{k}: {cleaned[k]}" for k in ("Display Date", "Time", "End Time", "Group", "Media Caption")
                 if cleaned.get(k)]
        if extra:
            summary = (summary + "\n\n" if summary else "") + "\n".join(extra)
        rows.append(Row(KINDS["events"], name, line, {"id": eid, "kind": "other", "title": title, "start": start,
                                                      "end": end, "summary": summary, "source": [src.values["id"]]},
                        warnings=warns))
    if rows:
        rows.insert(0, src)
    return parsed(path, info, rows, problems)


register("timelinejs", sniff, parse)
