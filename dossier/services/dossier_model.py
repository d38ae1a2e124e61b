"""The printed dossier as plain data (no Qt, no HTML): sections of paragraphs, tables and chart
placeholders, every fact carrying footnote numbers; the footnotes; the sources annex.

Footnotes are numbered in the order they are first cited, one per distinct (source, quoted sentence,
place in the source); the annex lists each source once, numbered S1, S2 ... in order of first use, with
the footnotes that cite it.  The same data gives the same numbers.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from dossier.domain import dates, vocab
from dossier.storage import dossier_queries as dq


@dataclass
class Cell:
    text: str
    notes: list[int] = field(default_factory=list)


@dataclass
class Para:
    text: str
    notes: list[int] = field(default_factory=list)
    style: str = "fact"  # fact | note | conflict | quote


@dataclass
class Table:
    columns: list[str]
    rows: list[list[Cell]]
    caption: str = ""
    empty: str = "none recorded"


@dataclass
class Chart:
    kind: str  # 'timeline' | 'trade'
    params: dict[str, Any]
    caption: str = ""


@dataclass
class Conflict:
    """The same fact with different values from different sources: all are shown, none is hidden."""
    label: str
    alternatives: list[Cell]


Block = Para | Table | Chart | Conflict


@dataclass
class Section:
    title: str
    blocks: list[Block] = field(default_factory=list)


@dataclass
class Note:
    number: int
    source_number: int
    source_id: str
    publisher: str
    title: str
    published: str
    grade: str
    quote: str
    locator: str


@dataclass
class SourceEntry:
    number: int
    id: str
    publisher: str
    title: str
    published: str
    url: str
    reference: str
    grade: str
    grade_meaning: str
    notes_text: str
    cited_in: list[int] = field(default_factory=list)


@dataclass
class Dossier:
    kind: str  # person | country | event
    subject_id: str
    title: str  # 'Person dossier'
    subject: str  # 'Ri Kil Song  리길성'
    subtitle: str
    as_of: str  # ISO date
    as_of_text: str  # what as_of did, in words, for the cover
    sections: list[Section]
    notes: list[Note]
    sources: list[SourceEntry]
    file_stem: str  # suggested file name (unsanitised)

    def fact_count(self) -> int:
        n = 0
        for s in self.sections:
            for b in s.blocks:
                n += len(b.rows) if isinstance(b, Table) else isinstance(b, Para)
        return n


class DossierError(ValueError):
    """Unknown subject, ambiguous name, bad as-of date: a message for the user."""


# --- footnotes ------------------------------------------------------------------------------------

class Notes:
    """Collects citations as footnotes while a dossier is assembled."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db
        self._cache: dict[tuple[str, int], list[dict[str, Any]]] = {}
        self._numbers: dict[tuple[str, str, str], int] = {}
        self._order: list[tuple[str, str, str]] = []

    def load(self, table: str, rids: list[int]) -> None:
        """Fetch the citations of many facts at once (one query per 400 facts)."""
        need = [r for r in rids if (table, r) not in self._cache]
        found = dq.citations_for(self.db, table, need) if need else {}
        for r in need:
            self._cache[(table, r)] = found.get(r, [])

    def refs(self, table: str, rid: int | None) -> list[int]:
        if rid is None:
            return []
        if (table, rid) not in self._cache:
            self.load(table, [rid])
        out = []
        for c in self._cache[(table, rid)]:
            key = (c["source"], c["quote"] or "", c["locator"] or "")
            n = self._numbers.get(key)
            if n is None:
                self._order.append(key)
                n = self._numbers[key] = len(self._order)
            if n not in out:
                out.append(n)
        return out

    def finish(self) -> tuple[list[Note], list[SourceEntry]]:
        rows = dq.sources(self.db, sorted({k[0] for k in self._order}))
        entries: dict[str, SourceEntry] = {}
        notes: list[Note] = []
        for i, (sid, quote, locator) in enumerate(self._order, start=1):
            s = rows.get(sid) or {"publisher": "", "title": sid, "published": "", "url": "", "reference": "",
                                  "reliability": None, "credibility": None, "notes": ""}
            e = entries.get(sid)
            if e is None:
                grade = vocab.grade_text(s["reliability"], s["credibility"])
                e = entries[sid] = SourceEntry(len(entries) + 1, sid, s["publisher"], s["title"],
                                               date_text(s["published"]) if s["published"] else "", s["url"],
                                               s["reference"], grade, grade_meaning(s["reliability"],
                                                                                    s["credibility"]), s["notes"])
            e.cited_in.append(i)
            notes.append(Note(i, e.number, sid, e.publisher, e.title, e.published, e.grade, quote, locator))
        return notes, list(entries.values())


def grade_meaning(reliability: str | None, credibility: int | None) -> str:
    bits = []
    if reliability:
        bits.append(f"source {vocab.RELIABILITY.get(reliability, reliability).lower()}")
    if credibility:
        bits.append(f"information {vocab.CREDIBILITY.get(credibility, str(credibility)).lower()}")
    return "; ".join(bits) or "not graded"


def conflicts(items: list[dict[str, Any]], key, value, label, table: str, notes: Notes) -> list[Conflict]:
    """Group `items` by `key`; where one key has more than one distinct `value`, the sources disagree."""
    groups: dict[Any, list[dict[str, Any]]] = {}
    for it in items:
        groups.setdefault(key(it), []).append(it)
    out = []
    for _k, its in groups.items():
        vals: dict[str, list[int]] = {}
        for it in its:
            refs = vals.setdefault(value(it), [])
            refs.extend(n for n in notes.refs(table, it["rid"]) if n not in refs)
        if len(vals) > 1:
            out.append(Conflict(label(its[0]), [Cell(v, r) for v, r in vals.items()]))
    return out


# --- text helpers ---------------------------------------------------------------------------------

def date_text(d: str) -> str:
    if not d:
        return "date unknown"
    if d == dates.ONGOING:
        return "present"
    try:
        return dates.parse_date(d).display()
    except dates.DateError:
        return d


def start_text(d: str) -> str:
    return date_text(d) if d else "not known"


def end_text(d: str) -> str:
    if d == dates.ONGOING:
        return "ongoing"
    return date_text(d) if d else "not known"


def event_when(start: str, end: str) -> str:
    """An event with no end is a single date; with an end, a span."""
    if not end or end == start:
        return date_text(start)
    return f"{date_text(start)} – {end_text(end)}"


_SCRIPTS = (("HANGUL", "Hangul"), ("KHMER", "Khmer"), ("CJK", "Han"), ("HIRAGANA", "Kana"),
            ("KATAKANA", "Kana"), ("LATIN", "Latin"), ("CYRILLIC", "Cyrillic"), ("ARABIC", "Arabic"),
            ("THAI", "Thai"), ("LAO", "Lao"), ("MYANMAR", "Myanmar"), ("DEVANAGARI", "Devanagari"),
            ("GREEK", "Greek"), ("HEBREW", "Hebrew"))


def script_of(text: str) -> str:
    """The writing system(s) of a name, from its letters: 'Latin', 'Hangul', 'Khmer', 'Han' ..."""
    found: list[str] = []
    for ch in text:
        if not ch.isalpha():
            continue
        name = unicodedata.name(ch, "")
        label = next((lab for key, lab in _SCRIPTS if name.startswith(key)), "other")
        if label not in found:
            found.append(label)
    return " + ".join(found) or "—"


def posting_status(start_lo: int | None, end: str, end_hi: int | None, as_of: int) -> str:
    """Derived, never stored (OpenSanctions): current / ended / not yet begun / unknown, as of a day."""
    if start_lo is not None and start_lo > as_of:
        return "not yet begun"
    if end == dates.ONGOING:
        return "current"
    if end_hi is not None:
        return "ended" if end_hi < as_of else "current (ends later)"
    return "unknown (end not recorded)"
