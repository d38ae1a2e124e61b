"""Assembling the data of the three printed dossiers: a person, a country or a pair of countries, an
event.  Qt-free; the reports layer turns a `Dossier` into HTML and PDF.

`as_of` (an ISO date, or YYYY / YYYY-MM meaning its last day) is "information as of": it is printed on
the cover, derives the status of postings (current / ended), anchors the anniversaries, and leaves out
records whose last-writing import batch started after that day.  `build` first reconstructs the data as
it stood at the end of that day from the change journal (services/history.py), so a record changed later
is shown as it stood; only when a later batch cannot be undone are later records left out whole.
Without `as_of`, the date of the latest import is used, so the same database always gives the same
dossier.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

import sqlite_utils

from dossier.domain import countries as _countries
from dossier.domain import dates, vocab
from dossier.domain.text import match_key
from dossier.services.dossier_model import (
    Cell, Chart, Dossier, DossierError, Notes, Para, Section, Table, conflicts, date_text, end_text,
    event_when, posting_status, script_of, start_text,
)
from dossier.storage import dossier_queries as dq

__all__ = ["AsOf", "DossierError", "build", "person_dossier", "event_dossier", "country_dossier",
           "resolve_as_of", "resolve_person"]

_TABLES = ("person", "organization", "posting", "event", "participant", "relation", "statement", "trade",
           "figure")


@dataclass(frozen=True)
class AsOf:
    day: _dt.date
    cutoff: str | None  # records written by batches started on/after this ISO date are left out
    text: str


def resolve_as_of(db: sqlite_utils.Database, as_of: str | None) -> AsOf:
    if as_of:
        try:
            d = dates.parse_date(as_of, allow_extended=False)
        except dates.DateError as e:
            raise DossierError(f"--as-of: {e}") from None
        day = d.latest_date
        cutoff = (day + _dt.timedelta(days=1)).isoformat()
        left = dq.count_after(db, cutoff, _TABLES)
        text = f"Information as of {day.isoformat()}."
        if left:
            text += (f" {left} record(s) entered into the database after this date are left out; without an edit "
                     "history a record changed after it is left out whole rather than shown as it stood.")
        return AsOf(day, cutoff, text)
    latest = dq.latest_batch_time(db)
    day = _dt.date.fromisoformat(latest[:10]) if latest else _dt.date(1970, 1, 1)
    return AsOf(day, None, f"Information as of {day.isoformat()}, the date of the latest import into the database.")


def resolve_person(db: sqlite_utils.Database, who: str) -> str:
    """A person's id from its id or any of its names (any script, any variant, case-insensitive)."""
    if dq.person_row(db, who):
        return who
    key = match_key(who)
    ids = sorted({r["id"] for r in dq.person_names(db) if match_key(r["name"]) == key})
    if not ids:
        raise DossierError(f"no person with the id or name {who!r}")
    if len(ids) > 1:
        raise DossierError(f"the name {who!r} is ambiguous: {', '.join(ids)}; give the id")
    return ids[0]


def build(db: sqlite_utils.Database, kind: str, subject: str, *, as_of: str | None = None) -> Dossier:
    """The dossier; with `as_of`, from the data as it stood at the end of that day, reconstructed from the
    change journal (services/history.py, issue 8) when every later batch can be undone; otherwise the
    records written after the date are left out whole (and the cover says so)."""
    if as_of:
        past = _as_it_stood(db, as_of)
        if past is not None:
            from dossier.services import history

            try:
                return _build(past, kind, subject, as_of)
            finally:
                history.close(past)
    return _build(db, kind, subject, as_of)


def _as_it_stood(db: sqlite_utils.Database, as_of: str) -> sqlite_utils.Database | None:
    from dossier.services import history

    try:
        day = dates.parse_date(as_of, allow_extended=False).latest_date
    except dates.DateError:
        return None  # resolve_as_of reports it
    try:
        return history.as_of(db, day.isoformat())
    except history.HistoryError:
        return None


def _build(db: sqlite_utils.Database, kind: str, subject: str, as_of: str | None) -> Dossier:
    if kind == "person":
        return person_dossier(db, subject, as_of=as_of)
    if kind == "event":
        return event_dossier(db, subject, as_of=as_of)
    if kind == "country":
        from dossier.services.dossier_country import country_dossier as _cd

        return _cd(db, subject, as_of=as_of)
    raise DossierError(f"unknown dossier kind {kind!r}")


def country_dossier(db: sqlite_utils.Database, codes: str, *, as_of: str | None = None) -> Dossier:
    from dossier.services.dossier_country import country_dossier as _cd

    return _cd(db, codes, as_of=as_of)


# --- person ---------------------------------------------------------------------------------------

def person_dossier(db: sqlite_utils.Database, who: str, *, as_of: str | None = None) -> Dossier:
    pid = resolve_person(db, who)
    p = dq.person_row(db, pid)
    assert p is not None
    ao = resolve_as_of(db, as_of)
    notes = Notes(db)
    person_refs = notes.refs("person", p["rid"])
    secs: list[Section] = []

    names = Table(["Name", "Script", "Language", "Kind"], [])
    names.rows.append([Cell(p["name"], person_refs), Cell(script_of(p["name"])), Cell(""), Cell("display name")])
    if p["native_name"]:
        names.rows.append([Cell(p["native_name"], person_refs), Cell(script_of(p["native_name"])), Cell(""),
                           Cell("native script")])
    if p["sort_name"] and p["sort_name"] not in (p["name"], p["native_name"]):
        names.rows.append([Cell(p["sort_name"]), Cell(script_of(p["sort_name"])), Cell(""), Cell("sort name")])
    al = dq.aliases(db, pid)
    notes.load("alias", [a["rid"] for a in al])
    for a in al:
        if a["name"] == p["native_name"]:
            continue
        names.rows.append([Cell(a["name"], notes.refs("alias", a["rid"])), Cell(script_of(a["name"])),
                           Cell(a["lang"]), Cell(vocab.NAME_KINDS.get(a["kind"], a["kind"]).lower())])
    ident = Section("Names and identity", [names])
    facts = []
    if p["nationality"]:
        facts.append(Para(f"Nationality: {p['nationality_name'] or p['nationality']} ({p['nationality']})",
                          person_refs))
    if p["gender"]:
        facts.append(Para(f"Gender: {p['gender']}", person_refs))
    if p["birth_date"]:
        facts.append(Para(f"Born: {date_text(p['birth_date'])}", person_refs))
    if p["summary"]:
        facts.append(Para(p["summary"], person_refs))
    for i in dq.identifiers(db, pid, ao.cutoff):
        facts.append(Para(f"Identifier {i['scheme']}: {i['value']}", notes.refs("identifier", i["rid"])))
    ident.blocks.extend(facts)
    secs.append(ident)

    posts = dq.postings(db, person=pid, cutoff=ao.cutoff)
    notes.load("posting", [x["rid"] for x in posts])
    asof_o = ao.day.toordinal()
    career = Table(["Position", "Organisation", "Place", "From", "To", f"Status on {ao.day.isoformat()}"], [],
                   empty="no postings recorded")
    for c in posts:
        refs = notes.refs("posting", c["rid"])
        where = ", ".join(x for x in (c["place"], c["country"] or "") if x)
        pos = c["position"] + (f" ({c['note']})" if c["note"] else "")
        career.rows.append([Cell(pos, refs), Cell(c["organization_name"] or ""), Cell(where),
                            Cell(start_text(c["start"])), Cell(end_text(c["end"])),
                            Cell(posting_status(c["start_lo"], c["end"], c["end_hi"], asof_o))])
    sec = Section("Career", [career])
    sec.blocks.extend(conflicts(posts, lambda r: (r["position_id"], r["organization"] or ""),
                                lambda r: f"{start_text(r['start'])} – {end_text(r['end'])}",
                                lambda r: f"the dates of {r['position']}, {r['organization_name'] or ''}",
                                "posting", notes))
    secs.append(sec)

    evs = dq.events_of(db, pid, ao.cutoff)
    notes.load("event", [e["rid"] for e in evs])
    meet = Table(["Date", "Event", "Kind", "Role", "Place"], [], empty="no events recorded")
    for e in evs:
        kind = vocab.EVENT_KINDS.get(e["kind"])
        meet.rows.append([Cell(event_when(e["start"], e["end"])), Cell(e["title"], notes.refs("event", e["rid"])),
                          Cell(kind.label if kind else e["kind"]), Cell(e["role"] or ""), Cell(e["place"])])
    spans = [e["start_lo"] for e in evs if e["start_lo"]] + [c["start_lo"] for c in posts if c["start_lo"]]
    chart = Chart("timeline", {"entity_ids": [pid], "person": pid,
                               "start_ordinal": min(spans) if spans else None, "end_ordinal": asof_o},
                  caption=f"Timeline of {p['name']}: postings and events")
    secs.append(Section("Meetings and events", [chart, meet]))

    met = dq.co_participants(db, pid, ao.cutoff)
    notes.load("participant", [m["participant_rid"] for m in met])
    who_t = Table(["Person", "Native name", "Their role", "Event", "Date"], [], empty="nobody recorded")
    for m in met:
        who_t.rows.append([Cell(m["name"], notes.refs("participant", m["participant_rid"])), Cell(m["native_name"]),
                           Cell(m["role"]), Cell(m["title"]), Cell(event_when(m["start"], m["end"]))])
    secs.append(Section("Who they met", [who_t]))

    sts = dq.statements(db, speaker=pid, cutoff=ao.cutoff)
    seen = {s["id"] for s in sts}
    at_events = [s for e in evs for s in dq.statements(db, event=e["id"], cutoff=ao.cutoff) if s["id"] not in seen]
    notes.load("statement", [s["rid"] for s in sts + at_events])
    st_sec = Section("Statements")
    for s in sts:
        ctx = f" (at: {s['event_title']})" if s["event_title"] else ""
        st_sec.blocks.append(Para(f"{date_text(s['date'])}{ctx}: {s['text']}", notes.refs("statement", s["rid"])))
    if not sts:
        st_sec.blocks.append(Para(f"No statements by {p['name']} recorded.", style="note"))
    if at_events:
        st_sec.blocks.append(Para("Said by others at these meetings:", style="note"))
    done: set[str] = set()
    for s in at_events:
        if s["id"] in done:
            continue
        done.add(s["id"])
        st_sec.blocks.append(Para(f"{s['speaker_name'] or 'Unknown speaker'} ({date_text(s['date'])}, at "
                                  f"{s['event_title']}): {s['text']}", notes.refs("statement", s["rid"])))
    secs.append(st_sec)
    secs.append(relations_section(db, pid, ao, notes))

    n, srcs = notes.finish()
    native = f"  {p['native_name']}" if p["native_name"] else ""
    sub = ", ".join(x for x in (p["nationality_name"] or "", p["summary"]) if x)
    return Dossier("person", pid, "Person dossier", p["name"] + native, sub, ao.day.isoformat(), ao.text,
                   secs, n, srcs, f"dossier-{p['name']}")


def relations_section(db: sqlite_utils.Database, entity: str, ao: AsOf, notes: Notes) -> Section:
    rels = dq.relations_of(db, entity, ao.cutoff)
    notes.load("relation", [r["rid"] for r in rels])
    others = dq.entity_names(db, sorted({r["a"] for r in rels} | {r["b"] for r in rels}))
    t = Table(["Relation", "With", "From", "To", "Summary"], [], empty="no relations recorded")
    for r in rels:
        other = r["b"] if r["a"] == entity else r["a"]
        t.rows.append([Cell(vocab.RELATION_KINDS.get(r["kind"], r["kind"]), notes.refs("relation", r["rid"])),
                       Cell(others.get(other, other)), Cell(start_text(r["start"])), Cell(end_text(r["end"])),
                       Cell(r["summary"])])
    return Section("Relations", [t])


# --- event ----------------------------------------------------------------------------------------

def event_dossier(db: sqlite_utils.Database, eid: str, *, as_of: str | None = None) -> Dossier:
    e = dq.event_row(db, eid)
    if e is None:
        raise DossierError(f"no event with the id {eid!r}")
    ao = resolve_as_of(db, as_of)
    notes = Notes(db)
    refs = notes.refs("event", e["rid"])
    kind = vocab.EVENT_KINDS.get(e["kind"])
    when = event_when(e["start"], e["end"])
    about = Section("The event", [Para(f"{kind.label if kind else e['kind']}: {e['title']}", refs),
                                  Para(f"When: {when}", refs)])
    where = ", ".join(x for x in (e["place"], e["country_name"] or "") if x)
    if where:
        about.blocks.append(Para(f"Place: {where}", refs))
    if e["parent"]:
        about.blocks.append(Para(f"Part of: {e['parent_title'] or e['parent']}"))
    if kind and kind.cameo:
        about.blocks.append(Para(f"CAMEO {kind.cameo}" + (f" / PLOVER {kind.plover}" if kind.plover else ""),
                                 style="note"))
    if e["summary"]:
        about.blocks.append(Para(e["summary"], refs))

    parts = dq.participants(db, eid, ao.cutoff)
    notes.load("participant", [x["rid"] for x in parts])
    pt = Table(["Participant", "Native name", "Kind", "Role", "Country"], [], empty="no participants recorded")
    for x in parts:
        pt.rows.append([Cell(x["name"], notes.refs("participant", x["rid"])), Cell(x["native_name"] or ""),
                        Cell(x["entity_kind"]), Cell(x["role"]), Cell(x["country"] or "")])

    kids = dq.child_events(db, eid, ao.cutoff)
    notes.load("event", [k["rid"] for k in kids])
    signed = Table(["Date", "What", "Kind", "Details"], [], empty="nothing recorded within this event")
    for k in kids:
        kk = vocab.EVENT_KINDS.get(k["kind"])
        signed.rows.append([Cell(event_when(k["start"], k["end"])), Cell(k["title"], notes.refs("event", k["rid"])),
                            Cell(kk.label if kk else k["kind"]), Cell(k["summary"])])

    sts = dq.statements(db, event=eid, cutoff=ao.cutoff)
    notes.load("statement", [s["rid"] for s in sts])
    st_sec = Section("Statements")
    for s in sts:
        st_sec.blocks.append(Para(f"{s['speaker_name'] or 'Unknown speaker'} ({date_text(s['date'])}): {s['text']}",
                                  notes.refs("statement", s["rid"])))
    if not sts:
        st_sec.blocks.append(Para("No statements recorded.", style="note"))
    secs = [about, Section("Participants", [pt]), Section("What was signed or done within it", [signed]), st_sec]
    n, srcs = notes.finish()
    return Dossier("event", eid, "Event dossier", e["title"], when + (f", {where}" if where else ""),
                   ao.day.isoformat(), ao.text, secs, n, srcs, f"dossier-{e['title']}")


def country_label(db: sqlite_utils.Database, code: str) -> str:
    r = dq.country_row(db, code)
    return r["name"] if r else code


def normalise_countries(db: sqlite_utils.Database, codes: str | list[str]) -> tuple[str, ...]:
    items = [c.strip() for c in (codes.split(",") if isinstance(codes, str) else codes) if c.strip()]
    if not 1 <= len(items) <= 2:
        raise DossierError("give one country or a pair of countries (ISO codes, e.g. KHM or KHM,KOR)")
    out = []
    for c in items:
        try:
            a3 = _countries.normalise(c)
        except _countries.CountryError as e:
            raise DossierError(str(e)) from None
        if dq.country_row(db, a3) is None:
            raise DossierError(f"the country {a3} is not in this database")
        out.append(a3)
    if len(out) == 2 and out[0] == out[1]:
        raise DossierError(f"a pair needs two different countries, not {out[0]} twice")
    return tuple(out)
