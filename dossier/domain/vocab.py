"""Controlled vocabularies: event, organisation and relation kinds, name kinds, source grades.

Event kinds map onto CAMEO codes and their PLOVER category/mode (DATA-MODEL.md;
`shared/realdata/events/CAMEO2PLOVER-2021.txt`), so that data exchanged with event datasets keeps its
meaning.  The mapping is data, tested against that file.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class EventKind:
    key: str
    label: str
    cameo: str  # CAMEO code ('' where CAMEO has none)
    plover: str  # PLOVER category ('' where none)
    plover_mode: str = ""
    point: bool = True  # drawn as a point marker unless it has a multi-day span


EVENT_KINDS: dict[str, EventKind] = {
    k.key: k
    for k in (
        EventKind("meeting", "Meeting", "040", "CONSULT"),
        EventKind("visit", "Visit", "042", "CONSULT", "visit"),
        EventKind("summit", "Summit", "044", "CONSULT", "third-party", point=False),
        EventKind("signing", "Signing", "057", "SUPPORT"),
        EventKind("statement", "Statement", "010", ""),
        EventKind("announcement", "Announcement", "036", "AGREE"),
        EventKind("sanction", "Sanction", "163", "COERCE", "restrict", point=False),
        EventKind("other", "Other", "", ""),
    )
}

ORG_KINDS: dict[str, str] = {
    "government": "Government",
    "ministry": "Ministry",
    "embassy": "Embassy / mission",
    "academy": "Academy / institute",
    "media": "Media",
    "international": "International body",
    "party": "Political party",
    "legislature": "Legislature",
    "company": "Company",
    "other": "Other",
}

RELATION_KINDS: dict[str, str] = {
    "diplomatic": "Diplomatic relations",
    "agreement": "Agreement in force",
    "alliance": "Alliance",
    "membership": "Membership",
    "sanctions": "Sanctions regime",
    "family": "Family",
    "colleague": "Colleague",
    "other": "Other",
}

PARTICIPANT_ROLES: tuple[str, ...] = (
    "participant", "host", "guest", "signatory", "organizer", "speaker", "witness", "subject",
)

NAME_KINDS: dict[str, str] = {
    "primary": "Display name",
    "native": "Native script",
    "variant": "Variant / transliteration",
    "former": "Former name",
    "alias": "Alias",
}

GENDERS: tuple[str, ...] = ("female", "male", "other")

FLOWS: tuple[str, ...] = ("export", "import", "total")
BASES: tuple[str, ...] = ("fob", "cif", "unknown")

RELIABILITY: dict[str, str] = {
    "A": "Completely reliable",
    "B": "Usually reliable",
    "C": "Fairly reliable",
    "D": "Not usually reliable",
    "E": "Unreliable",
    "F": "Reliability cannot be judged",
}
CREDIBILITY: dict[int, str] = {
    1: "Confirmed by other sources",
    2: "Probably true",
    3: "Possibly true",
    4: "Doubtful",
    5: "Improbable",
    6: "Truth cannot be judged",
}


def grade_text(reliability: str | None, credibility: int | None) -> str:
    """'B2', 'B', '2' or 'ungraded'."""
    r = reliability or ""
    c = str(credibility) if credibility else ""
    return (r + c) or "ungraded"
