"""Read-only queries for browsing and details: plain dicts out, bound parameters in."""

from __future__ import annotations

from typing import Any

import sqlite_utils


def _rows(db: sqlite_utils.Database, sql: str, params: tuple = ()) -> list[dict[str, Any]]:
    cur = db.conn.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def list_people(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    return _rows(db, "SELECT p.id, p.name, p.sort_name, p.native_name, p.nationality, c.name AS country_name "
                     "FROM person p LEFT JOIN country c ON c.code = p.nationality "
                     "ORDER BY CASE WHEN p.sort_name <> '' THEN p.sort_name ELSE p.name END COLLATE NOCASE")


def list_organizations(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    return _rows(db, "SELECT o.id, o.name, o.kind, o.country, o.parent FROM organization o ORDER BY o.name COLLATE NOCASE")


def list_events(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    return _rows(db, "SELECT id, kind, title, start, \"end\", place, country, parent FROM event "
                     "ORDER BY start_lo, title")


def list_sources(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    return _rows(db, "SELECT id, publisher, title, published, reliability, credibility FROM source ORDER BY id")


def person(db: sqlite_utils.Database, pid: str) -> dict[str, Any] | None:
    r = _rows(db, "SELECT p.*, c.name AS nationality_name FROM person p LEFT JOIN country c ON c.code = p.nationality "
                  "WHERE p.id = ?", (pid,))
    return r[0] if r else None


def organization(db: sqlite_utils.Database, oid: str) -> dict[str, Any] | None:
    r = _rows(db, "SELECT o.*, c.name AS country_name, par.name AS parent_name FROM organization o "
                  "LEFT JOIN country c ON c.code = o.country LEFT JOIN organization par ON par.id = o.parent "
                  "WHERE o.id = ?", (oid,))
    return r[0] if r else None


def event(db: sqlite_utils.Database, eid: str) -> dict[str, Any] | None:
    r = _rows(db, "SELECT e.*, c.name AS country_name, par.title AS parent_title FROM event e "
                  "LEFT JOIN country c ON c.code = e.country LEFT JOIN event par ON par.id = e.parent "
                  "WHERE e.id = ?", (eid,))
    return r[0] if r else None


def aliases(db: sqlite_utils.Database, entity: str) -> list[dict[str, Any]]:
    return _rows(db, "SELECT name, lang, kind FROM alias WHERE entity = ? ORDER BY kind = 'native' DESC, seq, rid",
                 (entity,))


def identifiers(db: sqlite_utils.Database, entity: str) -> list[dict[str, Any]]:
    return _rows(db, "SELECT scheme, value FROM identifier WHERE entity = ? ORDER BY scheme", (entity,))


def postings_of_person(db: sqlite_utils.Database, pid: str) -> list[dict[str, Any]]:
    return _rows(db, "SELECT p.rid, p.id, pos.title AS position, p.organization, o.name AS organization_name, "
                     "p.country, p.place, p.start, p.\"end\", p.note FROM posting p "
                     "JOIN position pos ON pos.id = p.position LEFT JOIN organization o ON o.id = p.organization "
                     "WHERE p.person = ? ORDER BY p.start_lo IS NULL, p.start_lo, p.id", (pid,))


def postings_in_organization(db: sqlite_utils.Database, oid: str) -> list[dict[str, Any]]:
    return _rows(db, "SELECT p.rid, p.id, pos.title AS position, p.person, pe.name AS person_name, p.start, p.\"end\" "
                     "FROM posting p JOIN position pos ON pos.id = p.position JOIN person pe ON pe.id = p.person "
                     "WHERE p.organization = ? ORDER BY p.start_lo IS NULL, p.start_lo", (oid,))


def events_of_entity(db: sqlite_utils.Database, entity: str) -> list[dict[str, Any]]:
    return _rows(db, "SELECT e.rid, e.id, e.kind, e.title, e.start, e.\"end\", e.place, pa.role FROM participant pa "
                     "JOIN event e ON e.id = pa.event WHERE pa.entity = ? ORDER BY e.start_lo, e.title", (entity,))


def participants(db: sqlite_utils.Database, eid: str) -> list[dict[str, Any]]:
    return _rows(db, "SELECT pa.rid, pa.entity, pa.role, en.kind AS entity_kind, "
                     "coalesce(pe.name, o.name, c.name, pa.entity) AS name FROM participant pa "
                     "JOIN entity en ON en.id = pa.entity LEFT JOIN person pe ON pe.id = pa.entity "
                     "LEFT JOIN organization o ON o.id = pa.entity LEFT JOIN country c ON c.code = pa.entity "
                     "WHERE pa.event = ? ORDER BY pa.role, name", (eid,))


def statements_of(db: sqlite_utils.Database, *, speaker: str | None = None, event: str | None = None
                  ) -> list[dict[str, Any]]:
    col, val = ("speaker", speaker) if speaker else ("event", event)
    return _rows(db, f"SELECT s.rid, s.id, s.speaker, coalesce(pe.name, o.name, s.speaker) AS speaker_name, s.date, "
                     f"s.text, s.event FROM statement s LEFT JOIN person pe ON pe.id = s.speaker "
                     f"LEFT JOIN organization o ON o.id = s.speaker WHERE s.{col} = ? ORDER BY s.date_lo", (val,))


def relations_of(db: sqlite_utils.Database, entity: str) -> list[dict[str, Any]]:
    return _rows(db, "SELECT r.rid, r.id, r.kind, r.a, r.b, r.start, r.\"end\", r.summary FROM relation r "
                     "WHERE r.a = ? OR r.b = ? ORDER BY r.start_lo", (entity, entity))


def child_events(db: sqlite_utils.Database, eid: str) -> list[dict[str, Any]]:
    return _rows(db, "SELECT rid, id, kind, title, start, \"end\" FROM event WHERE parent = ? ORDER BY start_lo", (eid,))


def citations(db: sqlite_utils.Database, table: str, rid: int) -> list[dict[str, Any]]:
    return _rows(db, "SELECT s.id, s.publisher, s.title, s.published, s.url, s.reference, s.reliability, "
                     "s.credibility, ci.quote, ci.locator FROM citation ci JOIN source s ON s.id = ci.source "
                     "WHERE ci.fact_table = ? AND ci.fact_rid = ? ORDER BY ci.seq, ci.rid", (table, rid))


def country_names(db: sqlite_utils.Database) -> dict[str, str]:
    return {r[0]: r[1] for r in db.conn.execute("SELECT code, name FROM country")}


def entity_kind(db: sqlite_utils.Database, eid: str) -> str | None:
    r = db.conn.execute("SELECT kind FROM entity WHERE id = ?", (eid,)).fetchone()
    return r[0] if r else None


def search(db: sqlite_utils.Database, query: str, limit: int = 50) -> list[dict[str, Any]]:
    """Names in any script and their variants, titles, places.  Trigram FTS for 3+ characters (the
    query is quoted as one FTS string, so `ASEAN-ROK` is not FTS syntax); LIKE with escaped % and _
    for shorter queries."""
    q = query.strip()
    if not q:
        return []
    if len(q) >= 3:
        fts = '"' + q.replace('"', '""') + '"'
        sql = ("SELECT entity_table, entity_rid, text FROM search_fts WHERE search_fts MATCH ? "
               "ORDER BY rank LIMIT ?")
        params: tuple = (fts, limit)
    else:
        esc = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        sql = "SELECT entity_table, entity_rid, text FROM search_fts WHERE text LIKE ? ESCAPE '\\' LIMIT ?"
        params = (f"%{esc}%", limit)
    hits = []
    for table, rid, _text in db.conn.execute(sql, params).fetchall():
        title_col = {"person": "name", "organization": "name", "event": "title", "source": "title"}[table]
        r = db.conn.execute(f"SELECT id, {title_col} FROM {table} WHERE rid = ?", (rid,)).fetchone()
        if r:
            hits.append({"table": table, "id": r[0], "label": r[1]})
    return hits
