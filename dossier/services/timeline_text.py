"""Words for the timeline: item labels (looked up only for what is on screen, cached), tooltips, and
the details of postings and relations for the details panel.  Plain text, no Qt, no HTML."""

from __future__ import annotations

from collections.abc import Iterable

import sqlite_utils

from dossier.domain import vocab
from dossier.services.browse import Details, Fact, Section, _sources, span_text
from dossier.storage import timeline_queries as tq


def label_of(info: dict) -> str:
    if info["table"] == "posting":
        return ", ".join(x for x in (info["title"], info["place"] or info["organization"]) if x)
    if info["table"] == "relation":
        return f"{vocab.RELATION_KINDS.get(info['title'], info['title'])} {info['organization']}"
    return info["title"]


class Labels:
    """Callable: item keys -> label text.  Reads only keys not seen before (one query per table)."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db
        self.cache: dict[int, str] = {}

    def __call__(self, keys: Iterable[int]) -> dict[int, str]:
        keys = list(keys)
        missing = [k for k in keys if k not in self.cache]
        if missing:
            info = tq.item_info(self.db, missing)
            for k in missing:
                self.cache[k] = label_of(info[k]) if k in info else ""
        return {k: self.cache[k] for k in keys}


def describe(db: sqlite_utils.Database, key: int) -> dict | None:
    """table, id, label and a plain-text tooltip (dates at their precision, kind, place, grade)."""
    info = tq.item_info(db, [key]).get(key)
    if info is None:
        return None
    point = info["table"] == "event"
    lines = [label_of(info), span_text(info["start"], info["end"], point=point)]
    kind = vocab.EVENT_KINDS.get(info["kind"])
    if info["table"] == "event":
        lines.append(kind.label if kind else info["kind"])
    if info["table"] == "posting" and info["organization"]:
        lines.append(info["organization"])
    if info["place"] and info["place"] not in lines[0]:
        lines.append(info["place"])
    code = {"posting": 0, "event": 1, "relation": 2, "era": 3}[info["table"]]
    rid = key >> 2
    if code < 3:
        srcs = _sources(db, info["table"], rid)
        if srcs:
            lines.append("Sources: " + "; ".join(s.line() for s in srcs))
    return dict(table=info["table"], id=info["id"], label=label_of(info), tooltip="\n".join(lines))


def details(db: sqlite_utils.Database, table: str, record_id: str) -> Details | None:
    """Details of a posting or a relation (people, organisations and events are in browse)."""
    key = tq.key_of(db, table, record_id)
    if key is None:
        return None
    info = tq.item_info(db, [key])[key]
    rid = key >> 2
    when = span_text(info["start"], info["end"])
    if table == "posting":
        person = tq.posting_person(db, rid)
        about = Section("Posting")
        about.facts.append(Fact(f"{when}: {info['title']}", _sources(db, "posting", rid)))
        about.facts.append(Fact(f"Start: {_precise(info['start'])}; end: {_precise(info['end'], end=True)}"))
        if info["organization"]:
            about.facts.append(Fact(f"Organisation: {info['organization']}"))
        if info["place"]:
            about.facts.append(Fact(f"Place: {info['place']}"))
        if info["note"]:
            about.facts.append(Fact(info["note"]))
        sub = f"{person['name']} · {when}" if person else when
        return Details("posting", record_id, label_of(info), sub, [about])
    if table == "relation":
        about = Section("Relation")
        about.facts.append(Fact(f"{label_of(info)}: {when}", _sources(db, "relation", rid)))
        about.facts.append(Fact(f"Start: {_precise(info['start'])}; end: {_precise(info['end'], end=True)}"))
        if info["note"]:
            about.facts.append(Fact(info["note"]))
        return Details("relation", record_id, label_of(info), when, [about])
    return None


def _precise(text: str, *, end: bool = False) -> str:
    """A date with its precision spelled out ('2004, year precision')."""
    from dossier.domain import dates

    if not text:
        return "unknown"
    if text == dates.ONGOING:
        return "ongoing"
    try:
        d = dates.parse_date(text)
    except dates.DateError:
        return text
    marks = [m for m, on in (("approximate", d.approximate), ("uncertain", d.uncertain)) if on]
    return f"{d.display()} ({d.precision} precision{', ' + ', '.join(marks) if marks else ''})"


def key_of(db: sqlite_utils.Database, table: str, record_id: str) -> int | None:
    return tq.key_of(db, table, record_id)


def event_keys(db: sqlite_utils.Database, ids: list[str]) -> list[int]:
    return tq.event_ids_keys(db, ids)
