"""The country dossier (one country, or a pair): relations with their dates and computed anniversaries,
key people and their posts, events, statements, and trade: reporter and mirror statistics side by side
(never added up; "not reported" is not zero) and the figures the press quoted, each with its sources."""

from __future__ import annotations

from typing import Any

import sqlite_utils

from dossier.domain import anniversaries as ann
from dossier.domain import dates, vocab
from dossier.services.dossier_data import AsOf, normalise_countries, resolve_as_of
from dossier.services.dossier_model import (
    Cell, Chart, Dossier, Notes, Para, Section, Table, conflicts, date_text, end_text, event_when,
    posting_status, start_text,
)
from dossier.storage import dossier_queries as dq


def country_dossier(db: sqlite_utils.Database, codes: str | list[str], *, as_of: str | None = None) -> Dossier:
    cs = normalise_countries(db, codes)
    ao = resolve_as_of(db, as_of)
    notes = Notes(db)
    rows = {c: dq.country_row(db, c) for c in cs}
    names = {c: rows[c]["name"] for c in cs}
    overview = Section("Overview")
    for c in cs:
        r = rows[c]
        official = f"; official name: {r['official_name']}" if r["official_name"] and r["official_name"] != r["name"] else ""
        overview.blocks.append(Para(f"{r['name']}: ISO 3166-1 {r['code']} / {r['alpha2'] or '—'}, "
                                    f"UN M49 {r['m49']}{official}.", style="note"))
    secs = [overview, _relations(db, cs, names, ao, notes), _people(db, cs, ao, notes)]
    ev_sec, speakers = _events(db, cs, ao, notes)
    speakers |= {p["person"] for p in dq.postings(db, countries=cs, cutoff=ao.cutoff)}
    secs.append(ev_sec)
    sts = dq.statements(db, speakers=tuple(sorted(speakers | set(cs))), cutoff=ao.cutoff) if speakers or cs else []
    notes.load("statement", [s["rid"] for s in sts])
    st = Section("Statements")
    for s in sts:
        ctx = f", at {s['event_title']}" if s["event_title"] else ""
        st.blocks.append(Para(f"{s['speaker_name']} ({date_text(s['date'])}{ctx}): {s['text']}",
                              notes.refs("statement", s["rid"])))
    if not sts:
        st.blocks.append(Para("No statements recorded.", style="note"))
    secs.append(st)
    secs.append(_trade(db, cs, names, ao, notes))
    n, srcs = notes.finish()
    subject = " – ".join(names[c] for c in cs)
    title = "Country dossier" if len(cs) == 1 else "Bilateral dossier"
    return Dossier("country", ",".join(cs), title, subject, " / ".join(cs), ao.day.isoformat(), ao.text, secs, n,
                   srcs, "dossier-" + "-".join(cs))


def _relations(db, cs, names, ao: AsOf, notes: Notes) -> Section:
    rels = dq.relations_between(db, cs, ao.cutoff)
    notes.load("relation", [r["rid"] for r in rels])
    ents = dq.entity_names(db, sorted({r["a"] for r in rels} | {r["b"] for r in rels}))
    t = Table(["Relation", "Between", "Established", "Ended", "Summary"], [], empty="no relations recorded")
    anns = Table(["Relation", "Anniversary", "Relative to " + ao.day.isoformat()], [],
                 caption="Computed from the stored date of establishment, at its precision.",
                 empty="no anniversaries (no dated relations)")
    for r in rels:
        refs = notes.refs("relation", r["rid"])
        label = vocab.RELATION_KINDS.get(r["kind"], r["kind"])
        between = f"{ents.get(r['a'], r['a'])} – {ents.get(r['b'], r['b'])}"
        t.rows.append([Cell(label, refs), Cell(between), Cell(start_text(r["start"])), Cell(end_text(r["end"])),
                       Cell(r["summary"])])
        try:
            start = dates.parse_date(r["start"]) if r["start"] else None
        except dates.DateError:
            start = None
        if start is None or (r["end"] and r["end"] != dates.ONGOING):
            continue  # no anniversaries of an unknown start, nor of relations that have ended
        for a in ann.anniversaries(start, ao.day):
            anns.rows.append([Cell(f"{label}, {between}", refs), Cell(a.text), Cell(a.when)])
    sec = Section("Relations and anniversaries", [t])
    sec.blocks.extend(conflicts(rels, lambda r: (r["kind"], *sorted((r["a"], r["b"]))),
                                lambda r: f"established {start_text(r['start'])}",
                                lambda r: f"{vocab.RELATION_KINDS.get(r['kind'], r['kind'])} "
                                          f"{ents.get(r['a'], r['a'])} – {ents.get(r['b'], r['b'])}",
                                "relation", notes))
    sec.blocks.append(anns)
    return sec


def _people(db, cs, ao: AsOf, notes: Notes) -> Section:
    posts = dq.postings(db, countries=cs, cutoff=ao.cutoff)
    notes.load("posting", [p["rid"] for p in posts])
    o = ao.day.toordinal()
    t = Table(["Person", "Post", "Organisation", "Where", "From", "To", f"Status on {ao.day}"], [],
              empty="no postings recorded")
    for p in posts:
        where = ", ".join(x for x in (p["place"], p["country"] or "") if x)
        who = p["person_name"] + (f" ({p['native_name']})" if p["native_name"] else "")
        t.rows.append([Cell(who), Cell(p["position"], notes.refs("posting", p["rid"])),
                       Cell(p["organization_name"] or ""),
                       Cell(where), Cell(start_text(p["start"])), Cell(end_text(p["end"])),
                       Cell(posting_status(p["start_lo"], p["end"], p["end_hi"], o))])
    sec = Section("Key people and their posts", [t])
    sec.blocks.extend(conflicts(posts, lambda r: (r["person"], r["position_id"], r["organization"] or ""),
                                lambda r: f"{start_text(r['start'])} – {end_text(r['end'])}",
                                lambda r: f"{r['person_name']}, {r['position']}", "posting", notes))
    return sec


def _events(db, cs, ao: AsOf, notes: Notes) -> tuple[Section, set[str]]:
    evs = dq.country_events(db, cs, ao.cutoff)
    notes.load("event", [e["rid"] for e in evs])
    t = Table(["Date", "Event", "Kind", "Place", "Participants"], [], empty="no events recorded")
    speakers: set[str] = set()
    for e in evs:
        parts = dq.participants(db, e["id"], ao.cutoff)
        speakers.update(p["entity"] for p in parts if p["entity_kind"] == "person")
        who = ", ".join(f"{p['name']} ({p['role']})" for p in parts if p["entity_kind"] != "country")
        kind = vocab.EVENT_KINDS.get(e["kind"])
        place = ", ".join(x for x in (e["place"], e["country"] or "") if x)
        t.rows.append([Cell(event_when(e["start"], e["end"])), Cell(e["title"], notes.refs("event", e["rid"])),
                       Cell(kind.label if kind else e["kind"]), Cell(place), Cell(who)])
    return Section("Events", [t]), speakers


def money(value_num: float | None, value: str | None, unit: str) -> str:
    if value_num is None:
        return "no value given"
    if unit == "percent":
        return f"{value} %"
    return f"{unit} {value_num:,.0f}" if float(value_num).is_integer() else f"{unit} {value}"


def _trade(db, cs, names, ao: AsOf, notes: Notes) -> Section:
    rows = dq.trade(db, cs, ao.cutoff)
    notes.load("trade", [r["rid"] for r in rows])
    sec = Section("Trade")
    sec.blocks.append(Chart("trade", {"countries": list(cs), "end_year": ao.day.year},
                            caption="Trade as reported by each side (reporter and mirror figures)"))
    # one line per (year, exporter -> importer, commodity): the exporter's report beside the importer's
    lines: dict[tuple, dict[str, list[dict[str, Any]]]] = {}
    for r in rows:
        if r["flow"] == "export":
            key, side = (r["year"], r["reporter"], r["partner"], r["commodity"]), "exporter"
        elif r["flow"] == "import":
            key, side = (r["year"], r["partner"], r["reporter"], r["commodity"]), "importer"
        else:
            key, side = (r["year"], "total", r["reporter"], r["commodity"]), "exporter"
        lines.setdefault(key, {"exporter": [], "importer": []})[side].append(r)
    t = Table(["Year", "Flow", "Goods", "As reported by the exporter", "As reported by the importer (mirror)",
               "Gap"], [], caption="Reporter and mirror statistics are different measurements (FOB vs CIF, "
                                   "timing, origin rules): they are shown side by side, never added.",
              empty="no trade statistics recorded (UN Comtrade rows are imported separately)")

    def cell(rs: list[dict[str, Any]], who: str) -> Cell:
        if not rs:
            return Cell(f"not reported by {names.get(who, who)}")
        txt = "; ".join(f"{money(r['value_num'], r['value'], r['currency'])} ({r['basis'].upper()})" for r in rs)
        refs: list[int] = []
        for r in rs:
            refs.extend(n for n in notes.refs("trade", r["rid"]) if n not in refs)
        return Cell(txt, refs)

    for (year, exp, imp, commodity), sides in sorted(lines.items(), key=lambda kv: tuple(str(x) for x in kv[0])):
        if exp == "total":
            flow = f"total trade reported by {names.get(imp, imp)}"
            t.rows.append([Cell(str(year)), Cell(flow), Cell(commodity or "all goods"),
                           cell(sides["exporter"], imp), Cell("—"), Cell("")])
            continue
        ex, im = sides["exporter"], sides["importer"]
        gap = ""
        if len(ex) == 1 and len(im) == 1 and ex[0]["currency"] == im[0]["currency"] and ex[0]["value_num"]:
            gap = f"{(im[0]['value_num'] - ex[0]['value_num']) / ex[0]['value_num'] * 100:+.1f} %"
        t.rows.append([Cell(str(year)), Cell(f"{names.get(exp, exp)} → {names.get(imp, imp)}"),
                       Cell(commodity or "all goods"), cell(ex, exp), cell(im, imp), Cell(gap)])
    sec.blocks.append(t)
    sec.blocks.extend(conflicts(rows, lambda r: (r["reporter"], r["partner"], r["year"], r["flow"], r["commodity"],
                                                 r["basis"], r["currency"]),
                                lambda r: money(r["value_num"], r["value"], r["currency"]),
                                lambda r: f"{r['year']} {r['flow']} reported by {r['reporter']} "
                                          f"(partner {r['partner']}, {r['basis'].upper()})", "trade", notes))
    figs = dq.figures(db, cs, ao.cutoff)
    notes.load("figure", [f["rid"] for f in figs])
    ft = Table(["Year", "Figure", "As quoted", "Value", "Basis year"], [],
               caption="Figures quoted by sources: sourced claims, not statistics.", empty="no quoted figures")
    kinds = {"trade_total": "total trade", "trade_export": "exports", "trade_import": "imports",
             "trade_growth": "growth of trade", "other": "other figure"}
    for f in figs:
        pair = " – ".join(x for x in (f["a"] or "", f["b"] or "") if x)
        ft.rows.append([Cell(str(f["year"] or "")), Cell(f"{kinds.get(f['kind'], f['kind'])}, {pair}"),
                        Cell(f["text"] or "", notes.refs("figure", f["rid"])),
                        Cell(money(f["value_num"], f["value"], f["unit"])),
                        Cell(f"on {f['base_year']}" if f["base_year"] else "")])
    sec.blocks.append(ft)
    sec.blocks.extend(conflicts(figs, lambda r: (r["kind"], *sorted((r["a"] or "", r["b"] or "")), r["year"],
                                                 r["unit"], r["base_year"]),
                                lambda r: money(r["value_num"], r["value"], r["unit"]),
                                lambda r: f"{kinds.get(r['kind'], r['kind'])} {r['year']} ({r['unit']})",
                                "figure", notes))
    return sec
