"""What the browser and the details panel show: records with their dates (at their precision),
participants and sources with grades.  Returns plain data (no Qt, no HTML)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from dossier.domain import dates, vocab
from dossier.storage import queries


@dataclass
class SourceRef:
    id: str
    publisher: str
    title: str
    published: str
    grade: str
    quote: str
    url: str = ""

    def line(self) -> str:
        if self.id == "unsourced":  # the built-in source of facts saved without one (services/editing.py)
            return "[UNSOURCED] entered without a source"
        bits = [b for b in (self.publisher, f"“{self.title}”" if self.title else "", self.published) if b]
        return f"[{self.grade}] " + ", ".join(bits)


@dataclass
class Fact:
    text: str
    sources: list[SourceRef] = field(default_factory=list)


@dataclass
class Section:
    title: str
    facts: list[Fact] = field(default_factory=list)


@dataclass
class Details:
    table: str
    id: str
    title: str
    subtitle: str
    sections: list[Section]

    def plain_text(self) -> str:
        out = [self.title, self.subtitle, ""]
        for s in self.sections:
            out.append(s.title.upper())
            for f in s.facts:
                out.append(f"  {f.text}")
                for src in f.sources:
                    out.append(f"      source: {src.line()}")
                    if src.quote:
                        out.append(f"        “{src.quote}”")
            out.append("")
        return "\n".join(out)


def span_text(start: str, end: str, *, point: bool = False) -> str:
    """Dates at their own precision.  For events (`point`), an empty end means a single date; for
    postings and relations it means the end is unknown."""
    if point and not end:
        return date_text(start)
    try:
        return dates.parse_span(start or None, end or None).display() or "dates unknown"
    except dates.DateError:
        return f"{start} – {end}"


def date_text(d: str) -> str:
    if not d:
        return "date unknown"
    try:
        return dates.parse_date(d).display()
    except dates.DateError:
        return d


def _sources(db: sqlite_utils.Database, table: str, rid: int) -> list[SourceRef]:
    return [SourceRef(c["id"], c["publisher"], c["title"], date_text(c["published"]) if c["published"] else "",
                      vocab.grade_text(c["reliability"], c["credibility"]), c["quote"], c["url"])
            for c in queries.citations(db, table, rid)]


@dataclass
class Browser:
    people: list[dict[str, Any]]
    organizations: list[dict[str, Any]]
    events: list[dict[str, Any]]


def browser(db: sqlite_utils.Database) -> Browser:
    return Browser(queries.list_people(db), queries.list_organizations(db), queries.list_events(db))


def details(db: sqlite_utils.Database, table: str, rid_or_id: str) -> Details | None:
    if table == "person":
        return _person(db, rid_or_id)
    if table == "organization":
        return _organization(db, rid_or_id)
    if table == "event":
        return _event(db, rid_or_id)
    if table in ("posting", "relation"):  # drawn on the timeline; see services/timeline_text.py
        from dossier.services import timeline_text

        return timeline_text.details(db, table, rid_or_id)
    return None


def _person(db: sqlite_utils.Database, pid: str) -> Details | None:
    p = queries.person(db, pid)
    if p is None:
        return None
    names = Section("Names")
    names.facts.append(Fact(f"{p['name']} (display)", _sources(db, "person", p["rid"])))
    if p["sort_name"] and p["sort_name"] != p["name"]:
        names.facts.append(Fact(f"{p['sort_name']} (sort name)"))
    for a in queries.aliases(db, pid):
        lang = f", {a['lang']}" if a["lang"] else ""
        names.facts.append(Fact(f"{a['name']} ({vocab.NAME_KINDS.get(a['kind'], a['kind']).lower()}{lang})"))
    ident = Section("Identity")
    if p["nationality"]:
        ident.facts.append(Fact(f"Nationality: {p['nationality_name']} ({p['nationality']})"))
    if p["gender"]:
        ident.facts.append(Fact(f"Gender: {p['gender']}"))
    if p["birth_date"]:
        ident.facts.append(Fact(f"Born: {date_text(p['birth_date'])}"))
    if p["summary"]:
        ident.facts.append(Fact(p["summary"]))
    career = Section("Career")
    for c in queries.postings_of_person(db, pid):
        where = ", ".join(x for x in (c["organization_name"] or "", c["place"]) if x)
        txt = f"{span_text(c['start'], c['end'])}: {c['position']}" + (f", {where}" if where else "")
        if c["note"]:
            txt += f" ({c['note']})"
        career.facts.append(Fact(txt, _sources(db, "posting", c["rid"])))
    events = Section("Meetings and events")
    for e in queries.events_of_entity(db, pid):
        txt = f"{span_text(e['start'], e['end'], point=True)}: {e['title']} [{e['kind']}, {e['role']}]"
        events.facts.append(Fact(txt, _sources(db, "event", e["rid"])))
    st = Section("Statements")
    for s in queries.statements_of(db, speaker=pid):
        st.facts.append(Fact(f"{date_text(s['date'])}: {s['text']}", _sources(db, "statement", s["rid"])))
    rel = _relations(db, pid)
    sub = ", ".join(x for x in (p["native_name"], p["nationality_name"] or "") if x)
    return Details("person", pid, p["name"], sub, [s for s in (names, ident, career, events, st, rel) if s.facts])


def _relations(db: sqlite_utils.Database, entity: str) -> Section:
    sec = Section("Relations")
    for r in queries.relations_of(db, entity):
        other = r["b"] if r["a"] == entity else r["a"]
        txt = f"{vocab.RELATION_KINDS.get(r['kind'], r['kind'])} with {other}: {span_text(r['start'], r['end'])}"
        if r["summary"]:
            txt += f". {r['summary']}"
        sec.facts.append(Fact(txt, _sources(db, "relation", r["rid"])))
    return sec


def _organization(db: sqlite_utils.Database, oid: str) -> Details | None:
    o = queries.organization(db, oid)
    if o is None:
        return None
    about = Section("Organisation")
    about.facts.append(Fact(f"{o['name']} ({vocab.ORG_KINDS.get(o['kind'], o['kind'])})",
                            _sources(db, "organization", o["rid"])))
    if o["country"]:
        about.facts.append(Fact(f"Country: {o['country_name']} ({o['country']})"))
    if o["parent"]:
        about.facts.append(Fact(f"Part of: {o['parent_name']}"))
    for a in queries.aliases(db, oid):
        about.facts.append(Fact(f"Also: {a['name']}" + (f" ({a['lang']})" if a["lang"] else "")))
    people = Section("People")
    for p in queries.postings_in_organization(db, oid):
        people.facts.append(Fact(f"{span_text(p['start'], p['end'])}: {p['person_name']}, {p['position']}",
                                 _sources(db, "posting", p["rid"])))
    events = Section("Events")
    for e in queries.events_of_entity(db, oid):
        events.facts.append(Fact(f"{span_text(e['start'], e['end'], point=True)}: {e['title']} [{e['role']}]",
                                 _sources(db, "event", e["rid"])))
    return Details("organization", oid, o["name"], o["country_name"] or "",
                   [s for s in (about, people, events, _relations(db, oid)) if s.facts])


def _event(db: sqlite_utils.Database, eid: str) -> Details | None:
    e = queries.event(db, eid)
    if e is None:
        return None
    kind = vocab.EVENT_KINDS.get(e["kind"])
    about = Section("Event")
    when = span_text(e["start"], e["end"], point=True)
    about.facts.append(Fact(f"{kind.label if kind else e['kind']}: {when}", _sources(db, "event", e["rid"])))
    where = ", ".join(x for x in (e["place"], e["country_name"] or "") if x)
    if where:
        about.facts.append(Fact(f"Place: {where}"))
    if e["parent"]:
        about.facts.append(Fact(f"Part of: {e['parent_title']}"))
    if kind and kind.cameo:
        about.facts.append(Fact(f"CAMEO {kind.cameo}" + (f" / PLOVER {kind.plover}" if kind.plover else "")))
    if e["summary"]:
        about.facts.append(Fact(e["summary"]))
    parts = Section("Participants")
    for p in queries.participants(db, eid):
        parts.facts.append(Fact(f"{p['name']} ({p['role']})", _sources(db, "participant", p["rid"])))
    subs = Section("Within this event")
    for c in queries.child_events(db, eid):
        subs.facts.append(Fact(f"{span_text(c['start'], c['end'], point=True)}: {c['title']} [{c['kind']}]",
                               _sources(db, "event", c["rid"])))
    st = Section("Statements")
    for s in queries.statements_of(db, event=eid):
        st.facts.append(Fact(f"{s['speaker_name'] or 'unknown'} ({date_text(s['date'])}): {s['text']}",
                             _sources(db, "statement", s["rid"])))
    return Details("event", eid, e["title"], when, [s for s in (about, parts, subs, st) if s.facts])


def search(db: sqlite_utils.Database, text: str) -> list[dict[str, Any]]:
    return queries.search(db, text)
