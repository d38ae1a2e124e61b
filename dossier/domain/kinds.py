"""The record kinds of the Dossier CSV interchange format (docs/csv-format.md), as data.

Each kind lists its columns in the documented order with a type; parsing (exchange), storage and the
documentation test all read this one table, so the format cannot drift between them.
"""

from __future__ import annotations

from dataclasses import dataclass

from dossier.domain import vocab


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    type: str  # id, text, name, date, end, country, partner, ref:<kind>, refs:source, enum, int, year,
    #            decimal, currency, reliability, credibility, aliases, deleted, unit
    required: bool = False
    choices: tuple[str, ...] = ()
    default: str = ""
    doc: str = ""


@dataclass(frozen=True, slots=True)
class Kind:
    name: str  # the CSV kind ('people')
    table: str  # the main table ('person')
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ("id",)  # what identifies a row for updates
    doc: str = ""

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def required(self) -> frozenset[str]:
        return frozenset(c.name for c in self.columns if c.required)


def C(name: str, type_: str = "text", required: bool = False, choices: tuple[str, ...] = (), default: str = "",
      doc: str = "") -> Column:
    return Column(name, type_, required, choices, default, doc)


SOURCE = C("source", "refs:source", doc="ids of sources, separated by |")
# Columns any fact kind may carry in addition (documented in docs/csv-format.md).
QUOTE = C("quote", "text", doc="the sentence quoted from the source(s) that supports this row")
DELETED = C("deleted", "deleted", doc="'yes' removes the record")

KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind("sources", "source", (
            C("id", "id", True), C("publisher"), C("title"), C("published", "date"), C("url"), C("reference"),
            C("reliability", "reliability"), C("credibility", "credibility"), C("language"), C("notes"),
        ), doc="Where facts come from, graded A-F (reliability) and 1-6 (credibility)."),
        Kind("people", "person", (
            C("id", "id", True), C("name", "name", True), C("sort_name"), C("native_name"),
            C("aliases", "aliases"), C("nationality", "country"), C("gender", "enum", choices=("",) + vocab.GENDERS),
            C("birth_date", "date"), C("summary"), SOURCE,
        ), doc="People, with their names in every script."),
        Kind("organizations", "organization", (
            C("id", "id", True), C("name", "name", True),
            C("kind", "enum", choices=tuple(vocab.ORG_KINDS), default="other"), C("country", "country"),
            C("parent", "ref:organizations"), C("aliases", "aliases"), SOURCE,
        ), doc="Ministries, embassies, academies, media, international bodies."),
        Kind("postings", "posting", (
            C("id", "id", True), C("person", "ref:people", True), C("position", "name", True),
            C("organization", "ref:organizations"), C("country", "country"), C("place"), C("start", "date"),
            C("end", "end"), SOURCE, C("note"),
        ), doc="Careers: who held which position, where, from when to when."),
        Kind("events", "event", (
            C("id", "id", True), C("kind", "enum", True, choices=tuple(vocab.EVENT_KINDS)),
            C("title", "name", True), C("start", "date"), C("end", "end"), C("place"), C("country", "country"),
            C("parent", "ref:events"), C("summary"), SOURCE,
        ), doc="Meetings, visits, summits, signings, statements, announcements, sanctions."),
        Kind("participants", "participant", (
            C("event", "ref:events", True), C("participant", "ref:entity", True),
            C("role", "enum", choices=vocab.PARTICIPANT_ROLES, default="participant"), SOURCE,
        ), key=("event", "participant", "role"), doc="Who took part in an event, in which role."),
        Kind("relations", "relation", (
            C("id", "id", True), C("kind", "enum", True, choices=tuple(vocab.RELATION_KINDS)),
            C("a", "ref:entity", True), C("b", "ref:entity", True), C("start", "date"), C("end", "end"),
            C("summary"), SOURCE,
        ), doc="Relations with dates: diplomatic ties between states, family, colleagues."),
        Kind("statements", "statement", (
            C("id", "id", True), C("speaker", "ref:entity"), C("date", "date"), C("text", "name", True),
            C("event", "ref:events"), SOURCE,
        ), doc="Who said what, when."),
        Kind("trade", "trade", (
            C("reporter", "country", True), C("partner", "partner", True), C("year", "year", True),
            C("flow", "enum", True, choices=vocab.FLOWS), C("commodity"), C("value", "decimal"),
            C("currency", "currency", default="USD"), C("basis", "enum", choices=vocab.BASES, default="unknown"),
            SOURCE,
        ), key=("reporter", "partner", "year", "flow", "commodity", "basis", "source"),
            doc="Trade statistics as reported by `reporter` about `partner`."),
        Kind("figures", "figure", (
            C("id", "id", True),
            C("kind", "enum", True, choices=("trade_total", "trade_export", "trade_import", "trade_growth", "other")),
            C("a", "country"), C("b", "country"), C("year", "year"), C("value", "decimal", True),
            C("unit", "unit", True), C("base_year", "year"), C("text"), SOURCE,
        ), doc="Figures quoted by a source (not statistics): 'US$756 million, up 14.7%'."),
        Kind("rates", "fx_rate", (
            C("id", "id", True), C("base", "currency", True), C("currency", "currency", True),
            C("date", "date", True), C("rate", "decimal", True), SOURCE,
        ), doc="Dated exchange rates: 1 unit of `base` = `rate` units of `currency`."),
        Kind("identifiers", "identifier", (
            C("entity", "ref:entity", True), C("scheme", "name", True), C("value", "name", True), SOURCE,
        ), key=("scheme", "value"), doc="Identifiers in other systems (wikidata, opensanctions, everypolitician)."),
    )
}

# Import order: what a row may refer to is loaded before it.
ORDER: tuple[str, ...] = ("sources", "people", "organizations", "postings", "events", "participants",
                          "relations", "statements", "trade", "figures", "rates", "identifiers")


def kind_for_table(table: str) -> Kind:
    for k in KINDS.values():
        if k.table == table:
            return k
    raise KeyError(table)


def extra_columns(kind: Kind) -> tuple[Column, ...]:
    """Optional columns beyond the documented ones: `deleted` everywhere, `quote` on facts."""
    if kind.name == "sources":
        return (DELETED,)
    return (QUOTE, DELETED)
