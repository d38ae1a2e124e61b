"""Read-only queries behind the printed dossiers (person, country or pair, event).

Every query takes `cutoff`: an ISO date text; records whose last-writing import batch started on or
after it are left out (None = no filter).  Without an edit history (issue 8) this is the closest the
database can come to "as it stood on a date": a record changed after the cutoff is left out whole.
Bound parameters only; plain dicts out.
"""

from __future__ import annotations

from typing import Any

import sqlite_utils

_NO_CUTOFF = "9999-12-31"


def _rows(db: sqlite_utils.Database, sql: str, params: tuple = ()) -> list[dict[str, Any]]:
    cur = db.conn.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def _kept(alias: str) -> str:
    """SQL predicate: the record `alias` was written by a batch that started before the cutoff."""
    return (f"({alias}.batch_id IS NULL OR {alias}.batch_id IN "
            f"(SELECT id FROM import_batch WHERE started_at < ?))")


def _c(cutoff: str | None) -> str:
    return cutoff or _NO_CUTOFF


# --- batches --------------------------------------------------------------------------------------

def latest_batch_time(db: sqlite_utils.Database) -> str | None:
    r = db.conn.execute("SELECT max(coalesce(finished_at, started_at)) FROM import_batch "
                        "WHERE undone_at IS NULL").fetchone()
    return r[0] if r else None


def count_after(db: sqlite_utils.Database, cutoff: str, tables: tuple[str, ...]) -> int:
    """How many records of `tables` were written by batches that started on or after the cutoff."""
    allowed = {"person", "organization", "posting", "event", "participant", "relation", "statement",
               "trade", "figure", "source", "alias"}
    n = 0
    for t in tables:
        if t not in allowed or t == "alias":
            continue
        n += db.conn.execute(f"SELECT count(*) FROM {t} WHERE batch_id IN "
                             "(SELECT id FROM import_batch WHERE started_at >= ?)", (cutoff,)).fetchone()[0]
    return n


# --- lookup ---------------------------------------------------------------------------------------

def person_row(db: sqlite_utils.Database, pid: str) -> dict[str, Any] | None:
    r = _rows(db, "SELECT p.*, c.name AS nationality_name FROM person p "
                  "LEFT JOIN country c ON c.code = p.nationality WHERE p.id = ?", (pid,))
    return r[0] if r else None


def person_names(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """(id, name) for every person's display, sort and native name and every alias."""
    return _rows(db, "SELECT id, name FROM person UNION SELECT id, native_name FROM person WHERE native_name <> '' "
                     "UNION SELECT a.entity, a.name FROM alias a JOIN person p ON p.id = a.entity ORDER BY 1")


def country_row(db: sqlite_utils.Database, code: str) -> dict[str, Any] | None:
    r = _rows(db, "SELECT code, alpha2, m49, name, official_name FROM country WHERE code = ?", (code,))
    return r[0] if r else None


def event_row(db: sqlite_utils.Database, eid: str) -> dict[str, Any] | None:
    r = _rows(db, "SELECT e.*, c.name AS country_name, par.title AS parent_title FROM event e "
                  "LEFT JOIN country c ON c.code = e.country LEFT JOIN event par ON par.id = e.parent "
                  "WHERE e.id = ?", (eid,))
    return r[0] if r else None


def entity_names(db: sqlite_utils.Database, ids: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for i in range(0, len(ids), 400):
        part = ids[i:i + 400]
        marks = ",".join("?" * len(part))
        for eid, name in db.conn.execute(
                f"SELECT en.id, coalesce(pe.name, o.name, c.name, en.id) FROM entity en "
                f"LEFT JOIN person pe ON pe.id = en.id LEFT JOIN organization o ON o.id = en.id "
                f"LEFT JOIN country c ON c.code = en.id WHERE en.id IN ({marks})", tuple(part)):
            out[eid] = name
    return out


# --- person ---------------------------------------------------------------------------------------

def aliases(db: sqlite_utils.Database, entity: str) -> list[dict[str, Any]]:
    return _rows(db, "SELECT rid, name, lang, kind FROM alias WHERE entity = ? "
                     "ORDER BY kind = 'native' DESC, seq, rid", (entity,))


def identifiers(db: sqlite_utils.Database, entity: str, cutoff: str | None) -> list[dict[str, Any]]:
    return _rows(db, f"SELECT i.rid, i.scheme, i.value FROM identifier i WHERE i.entity = ? AND {_kept('i')} "
                     "ORDER BY i.scheme, i.value", (entity, _c(cutoff)))


def postings(db: sqlite_utils.Database, *, person: str | None = None, countries: tuple[str, ...] = (),
             cutoff: str | None = None) -> list[dict[str, Any]]:
    """Postings of one person, or of anyone posted in / national of one of `countries`."""
    base = ("SELECT p.rid, p.id, p.person, pe.name AS person_name, pe.native_name, pe.nationality, "
            "p.position AS position_id, pos.title AS position, p.organization, o.name AS organization_name, "
            "p.country, p.place, p.start, p.start_lo, p.start_hi, p.\"end\", p.end_lo, p.end_hi, p.note "
            "FROM posting p JOIN position pos ON pos.id = p.position JOIN person pe ON pe.id = p.person "
            "LEFT JOIN organization o ON o.id = p.organization ")
    order = " ORDER BY p.start_lo IS NULL, p.start_lo, p.id"
    if person is not None:
        return _rows(db, base + f"WHERE p.person = ? AND {_kept('p')}" + order, (person, _c(cutoff)))
    marks = ",".join("?" * len(countries))
    return _rows(db, base + f"WHERE (p.country IN ({marks}) OR pe.nationality IN ({marks})) AND {_kept('p')} "
                            "ORDER BY pe.sort_name, pe.name, p.start_lo IS NULL, p.start_lo, p.id",
                 (*countries, *countries, _c(cutoff)))


def events_of(db: sqlite_utils.Database, entity: str, cutoff: str | None) -> list[dict[str, Any]]:
    return _rows(db, "SELECT e.rid, e.id, e.kind, e.title, e.start, e.start_lo, e.\"end\", e.place, e.country, "
                     f"e.parent, group_concat(pa.role, ', ') AS role FROM participant pa JOIN event e ON e.id = pa.event "
                     f"WHERE pa.entity = ? AND {_kept('e')} GROUP BY e.id ORDER BY e.start_lo IS NULL, e.start_lo, "
                     "e.title, e.id", (entity, _c(cutoff)))


def co_participants(db: sqlite_utils.Database, entity: str, cutoff: str | None) -> list[dict[str, Any]]:
    """People who took part in the same events as `entity`, one row per (person, event)."""
    return _rows(db, "SELECT other.entity AS id, other.rid AS participant_rid, pe.name, pe.native_name, other.role, e.id AS event, e.title, "
                     "e.start, e.\"end\", e.start_lo FROM participant me "
                     "JOIN participant other ON other.event = me.event AND other.entity <> me.entity "
                     "JOIN person pe ON pe.id = other.entity JOIN event e ON e.id = me.event "
                     f"WHERE me.entity = ? AND {_kept('e')} AND {_kept('other')} "
                     "GROUP BY other.entity, e.id ORDER BY pe.name, e.start_lo, e.id",
                 (entity, _c(cutoff), _c(cutoff)))


def statements(db: sqlite_utils.Database, *, speaker: str | None = None, event: str | None = None,
               speakers: tuple[str, ...] = (), cutoff: str | None = None) -> list[dict[str, Any]]:
    sel = ("SELECT s.rid, s.id, s.speaker, coalesce(pe.name, o.name, c.name, s.speaker) AS speaker_name, s.date, "
           "s.text, s.event, ev.title AS event_title FROM statement s LEFT JOIN person pe ON pe.id = s.speaker "
           "LEFT JOIN organization o ON o.id = s.speaker LEFT JOIN country c ON c.code = s.speaker "
           "LEFT JOIN event ev ON ev.id = s.event ")
    order = " ORDER BY s.date_lo IS NULL, s.date_lo, s.id"
    if speaker is not None:
        return _rows(db, sel + f"WHERE s.speaker = ? AND {_kept('s')}" + order, (speaker, _c(cutoff)))
    if event is not None:
        return _rows(db, sel + f"WHERE s.event = ? AND {_kept('s')}" + order, (event, _c(cutoff)))
    marks = ",".join("?" * len(speakers))
    return _rows(db, sel + f"WHERE s.speaker IN ({marks}) AND {_kept('s')}" + order, (*speakers, _c(cutoff)))


def relations_of(db: sqlite_utils.Database, entity: str, cutoff: str | None) -> list[dict[str, Any]]:
    return _rows(db, "SELECT r.rid, r.id, r.kind, r.a, r.b, r.start, r.start_lo, r.start_hi, r.\"end\", r.summary "
                     f"FROM relation r WHERE (r.a = ? OR r.b = ?) AND {_kept('r')} "
                     "ORDER BY r.start_lo IS NULL, r.start_lo, r.id", (entity, entity, _c(cutoff)))


# --- countries ------------------------------------------------------------------------------------

def country_events(db: sqlite_utils.Database, countries: tuple[str, ...], cutoff: str | None
                   ) -> list[dict[str, Any]]:
    """Events held in one of `countries` or in which one of them (or one of their nationals) took part."""
    marks = ",".join("?" * len(countries))
    return _rows(db, "SELECT DISTINCT e.rid, e.id, e.kind, e.title, e.start, e.start_lo, e.\"end\", e.place, "
                     "e.country, e.parent FROM event e WHERE "
                     f"(e.country IN ({marks}) OR e.id IN (SELECT pa.event FROM participant pa "
                     f"LEFT JOIN person pe ON pe.id = pa.entity WHERE pa.entity IN ({marks}) "
                     f"OR pe.nationality IN ({marks}))) AND {_kept('e')} "
                     "ORDER BY e.start_lo IS NULL, e.start_lo, e.title, e.id",
                 (*countries, *countries, *countries, _c(cutoff)))


def participants(db: sqlite_utils.Database, eid: str, cutoff: str | None) -> list[dict[str, Any]]:
    return _rows(db, "SELECT pa.rid, pa.entity, pa.role, en.kind AS entity_kind, "
                     "coalesce(pe.name, o.name, c.name, pa.entity) AS name, pe.native_name, "
                     "coalesce(pe.nationality, o.country) AS country FROM participant pa "
                     "JOIN entity en ON en.id = pa.entity LEFT JOIN person pe ON pe.id = pa.entity "
                     "LEFT JOIN organization o ON o.id = pa.entity LEFT JOIN country c ON c.code = pa.entity "
                     f"WHERE pa.event = ? AND {_kept('pa')} ORDER BY en.kind = 'country', pa.role, name, pa.rid",
                 (eid, _c(cutoff)))


def child_events(db: sqlite_utils.Database, eid: str, cutoff: str | None) -> list[dict[str, Any]]:
    return _rows(db, "SELECT e.rid, e.id, e.kind, e.title, e.start, e.\"end\", e.place, e.summary FROM event e "
                     f"WHERE e.parent = ? AND {_kept('e')} ORDER BY e.start_lo, e.id", (eid, _c(cutoff)))


def _pair_where(a_col: str, b_col: str, countries: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    """WHERE clause and parameters: rows between the two countries of a pair (either direction), or rows
    of the one country with anyone.  Column names come from the code, never from data."""
    if len(countries) == 2:
        a, b = countries
        return f"(({a_col} = ? AND {b_col} = ?) OR ({a_col} = ? AND {b_col} = ?))", (a, b, b, a)
    return f"({a_col} = ? OR {b_col} = ?)", (countries[0], countries[0])


def relations_between(db: sqlite_utils.Database, countries: tuple[str, ...], cutoff: str | None
                      ) -> list[dict[str, Any]]:
    """Relations of the countries: between the two of a pair, or of the one country with anyone."""
    where, params = _pair_where("r.a", "r.b", countries)
    return _rows(db, "SELECT r.rid, r.id, r.kind, r.a, r.b, r.start, r.start_lo, r.start_hi, r.\"end\", r.summary "
                     f"FROM relation r WHERE {where} AND {_kept('r')} ORDER BY r.start_lo IS NULL, r.start_lo, r.id",
                 (*params, _c(cutoff)))


def trade(db: sqlite_utils.Database, countries: tuple[str, ...], cutoff: str | None) -> list[dict[str, Any]]:
    """Trade statistics between the pair (both directions), or of one country with every partner."""
    where, params = _pair_where("t.reporter", "t.partner", countries)
    return _rows(db, "SELECT t.rid, t.reporter, t.partner, t.year, t.flow, t.commodity, t.value, t.value_num, "
                     "t.currency, t.basis, t.source_key FROM trade t "
                     f"WHERE {where} AND {_kept('t')} ORDER BY t.year, t.reporter, t.partner, t.flow, t.commodity, "
                     "t.basis, t.source_key", (*params, _c(cutoff)))


def figures(db: sqlite_utils.Database, countries: tuple[str, ...], cutoff: str | None) -> list[dict[str, Any]]:
    where, params = _pair_where("f.a", "f.b", countries)
    return _rows(db, "SELECT f.rid, f.id, f.kind, f.a, f.b, f.year, f.value, f.value_num, f.unit, f.base_year, "
                     f"f.text FROM figure f WHERE {where} AND {_kept('f')} ORDER BY f.year, f.kind, f.unit, f.id",
                 (*params, _c(cutoff)))


# --- sources --------------------------------------------------------------------------------------

def citations_for(db: sqlite_utils.Database, table: str, rids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """Citations of many facts of one table at once: rid -> [{source, quote, locator}] in citation order."""
    out: dict[int, list[dict[str, Any]]] = {}
    for i in range(0, len(rids), 400):
        part = rids[i:i + 400]
        marks = ",".join("?" * len(part))
        for rid, source, quote, locator in db.conn.execute(
                f"SELECT fact_rid, source, quote, locator FROM citation WHERE fact_table = ? "
                f"AND fact_rid IN ({marks}) ORDER BY fact_rid, seq, rid", (table, *part)):
            out.setdefault(rid, []).append({"source": source, "quote": quote, "locator": locator})
    return out


def sources(db: sqlite_utils.Database, ids: list[str]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for i in range(0, len(ids), 400):
        part = ids[i:i + 400]
        marks = ",".join("?" * len(part))
        for r in _rows(db, f"SELECT id, publisher, title, published, url, reference, reliability, credibility, "
                           f"language, notes FROM source WHERE id IN ({marks})", tuple(part)):
            out[r["id"]] = r
    return out
