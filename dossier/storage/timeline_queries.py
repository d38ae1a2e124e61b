"""The timeline's reads: lanes, items as integer columns, lane memberships, labels, eras.

Everything the timeline draws is one *item*, keyed `rid * 4 + code` (0 posting, 1 event, 2 relation,
3 era; the same key as `timeline_span.id`).  Dates come out as day ordinals plus flags derived in SQL
(precision from the width of the earliest..latest interval, `~`/`?`/`%` marks, the `..` ongoing end),
so that a million rows never pass through a Python date parser.  A date window reads the items that
overlap it through `timeline_span` (migration 0003), a range seek per length bucket, never a scan.
Bound parameters only.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

import sqlite_utils

POSTING, EVENT, RELATION, ERA = 0, 1, 2, 3
TABLES = {POSTING: "posting", EVENT: "event", RELATION: "relation", ERA: "era"}
# the longest item in each `reach` bucket (days between lo and hi), see 0003_timeline.sql
_REACH_MAX = (0, 31, 365, 3659)

# flags, one integer per item
APPROX, UNCERTAIN, ONGOING, END_UNKNOWN = 1, 2, 4, 8

_FLAGS = ("((instr(start, '~') > 0 OR instr(start, '%') > 0 OR instr(\"end\", '~') > 0 "
          "OR instr(\"end\", '%') > 0) * 1 + "
          "(instr(start, '?') > 0 OR instr(start, '%') > 0 OR instr(\"end\", '?') > 0 "
          "OR instr(\"end\", '%') > 0) * 2 + "
          "(\"end\" = '..') * 4 + (\"end\" = '' AND {point} = 0) * 8)")

_GRADE = ("(SELECT min(unicode(s.reliability)) - 64 FROM citation c JOIN source s ON s.id = c.source "
          "WHERE c.fact_table = '{table}' AND c.fact_rid = t.rid)")


def _window_cte(window: tuple[int, int] | None) -> tuple[str, tuple]:
    """`win(id)`: ids of the items overlapping [lo, hi] (day ordinals), by index seeks."""
    if window is None:
        return "", ()
    lo, hi = window
    parts, params = [], []
    for reach, longest in enumerate(_REACH_MAX):
        parts.append("SELECT id FROM timeline_span WHERE reach = ? AND lo BETWEEN ? AND ? AND hi >= ?")
        params += [reach, lo - longest, hi, lo]
    parts.append("SELECT id FROM timeline_span WHERE reach = 4 AND lo <= ? AND hi >= ?")
    params += [hi, lo]
    return "WITH win(id) AS (" + " UNION ALL ".join(parts) + ") ", tuple(params)


def items(db: sqlite_utils.Database, window: tuple[int, int] | None = None) -> list[tuple]:
    """One row per item: (key, kind, start_lo, start_hi, end_lo, end_hi, flags, grade, country).

    kind is 'posting', an event kind, 'relation:<kind>' or 'era:<kind>'; grade is 1 (A) .. 6 (F) for
    the best-graded source, None when ungraded.  With `window`, only items overlapping it."""
    cte, params = _window_cte(window)
    out: list[tuple] = []
    specs = (
        (POSTING, "posting", "'posting'", "t.country", 0),
        (EVENT, "event", "t.kind", "t.country", 1),
        (RELATION, "relation", "'relation:' || t.kind", "NULL", 0),
    )
    for code, table, kind, country, point in specs:
        flags = _FLAGS.format(point=point)
        sel = (f"SELECT t.rid * 4 + {code}, {kind}, t.start_lo, t.start_hi, t.end_lo, t.end_hi, {flags}, "
               f"{_GRADE.format(table=table)}, {country} FROM {table} t")
        if cte:
            sql = f"{cte}{sel} JOIN win ON win.id = t.rid * 4 + {code}"
        else:
            sql = sel
        out.extend(db.conn.execute(sql, params).fetchall())
    return out


def memberships(db: sqlite_utils.Database, window: tuple[int, int] | None = None) -> list[tuple[int, str]]:
    """(item key, lane entity id): a posting is in its person's lane; an event in the lane of each
    participant (or, with none, of its country); a relation in the lanes of both sides."""
    cte, params = _window_cte(window)
    j = {c: (f" JOIN win ON win.id = {expr}" if cte else "") for c, expr in
         ((POSTING, "p.rid * 4"), (EVENT, "e.rid * 4 + 1"), (RELATION, "r.rid * 4 + 2"))}
    sql = (
        f"{cte}SELECT p.rid * 4, p.person FROM posting p{j[POSTING]} "
        f"UNION ALL SELECT DISTINCT e.rid * 4 + 1, pa.entity FROM event e{j[EVENT]} "
        f"JOIN participant pa ON pa.event = e.id "
        f"UNION ALL SELECT e.rid * 4 + 1, e.country FROM event e{j[EVENT]} WHERE e.country IS NOT NULL "
        f"AND NOT EXISTS (SELECT 1 FROM participant pa WHERE pa.event = e.id) "
        f"UNION ALL SELECT r.rid * 4 + 2, r.a FROM relation r{j[RELATION]} "
        f"UNION ALL SELECT r.rid * 4 + 2, r.b FROM relation r{j[RELATION]}"
    )
    return db.conn.execute(sql, params).fetchall()


def lane_entities(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Every person and organisation, and every country some item involves: id, kind, name, sort
    name and the country a lane belongs to (nationality, seat, itself)."""
    rows = db.conn.execute(
        "SELECT id, 'person', name, CASE WHEN sort_name <> '' THEN sort_name ELSE name END, nationality "
        "FROM person "
        "UNION ALL SELECT id, 'organization', name, name, country FROM organization "
        "UNION ALL SELECT c.code, 'country', c.name, c.name, c.code FROM country c WHERE c.code IN ("
        "  SELECT entity FROM participant UNION SELECT a FROM relation UNION SELECT b FROM relation "
        "  UNION SELECT country FROM event WHERE country IS NOT NULL "
        "  AND NOT EXISTS (SELECT 1 FROM participant pa WHERE pa.event = event.id))"
    ).fetchall()
    return [dict(id=r[0], kind=r[1], name=r[2], sort_name=r[3], country=r[4]) for r in rows]


def item_info(db: sqlite_utils.Database, keys: Iterable[int]) -> dict[int, dict[str, Any]]:
    """Text for the given item keys: table, id, label, place, kind, start/end as written."""
    keys = list(keys)
    if not keys:
        return {}
    out: dict[int, dict[str, Any]] = {}
    arg = json.dumps([int(k) for k in keys])
    q = {
        POSTING: "SELECT p.rid * 4, p.id, pos.title, coalesce(o.name, ''), p.place, 'posting', p.start, p.\"end\", "
                 "p.note FROM posting p JOIN position pos ON pos.id = p.position "
                 "LEFT JOIN organization o ON o.id = p.organization "
                 "WHERE p.rid IN (SELECT value >> 2 FROM json_each(?) WHERE value & 3 = 0)",
        EVENT: "SELECT e.rid * 4 + 1, e.id, e.title, '', e.place, e.kind, e.start, e.\"end\", e.summary FROM event e "
               "WHERE e.rid IN (SELECT value >> 2 FROM json_each(?) WHERE value & 3 = 1)",
        RELATION: "SELECT r.rid * 4 + 2, r.id, r.kind, r.a || ' – ' || r.b, '', 'relation', r.start, r.\"end\", "
                  "r.summary FROM relation r WHERE r.rid IN (SELECT value >> 2 FROM json_each(?) WHERE value & 3 = 2)",
        ERA: "SELECT e.rid * 4 + 3, e.id, e.title, '', '', e.kind, e.start, e.\"end\", e.summary FROM era e "
             "WHERE e.rid IN (SELECT value >> 2 FROM json_each(?) WHERE value & 3 = 3)",
    }
    for code, sql in q.items():
        for key, rid, title, org, place, kind, start, end, note in db.conn.execute(sql, (arg,)):
            out[key] = dict(table=TABLES[code], id=rid, title=title, organization=org, place=place, kind=kind,
                            start=start, end=end, note=note)
    return out


def key_of(db: sqlite_utils.Database, table: str, record_id: str) -> int | None:
    code = {v: k for k, v in TABLES.items()}.get(table)
    if code is None:
        return None
    r = db.conn.execute(f"SELECT rid FROM {TABLES[code]} WHERE id = ?", (record_id,)).fetchone()
    return r[0] * 4 + code if r else None


def eras(db: sqlite_utils.Database, window: tuple[int, int] | None = None) -> list[tuple]:
    """(key, id, title, kind, start_lo, start_hi, end_lo, end_hi, flags) of the eras (overlapping
    `window` when given)."""
    cte, params = _window_cte(window)
    sel = (f"SELECT t.rid * 4 + 3, t.id, t.title, t.kind, t.start_lo, t.start_hi, t.end_lo, t.end_hi, "
           f"{_FLAGS.format(point=0)} FROM era t")
    sql = f"{cte}{sel} JOIN win ON win.id = t.rid * 4 + 3" if cte else sel
    return db.conn.execute(sql, params).fetchall()


def insert_era(db: sqlite_utils.Database, values: dict[str, Any]) -> int:
    """Insert one era (values already validated: id, title, kind, country, start/_lo/_hi, end/_lo/_hi,
    summary).  The caller holds the transaction."""
    cols = ["id", "title", "kind", "country", "start", "start_lo", "start_hi", "end", "end_lo", "end_hi", "summary"]
    sql = (f"INSERT INTO era({', '.join(chr(34) + c + chr(34) for c in cols)}) "
           f"VALUES ({', '.join('?' for _ in cols)})")
    cur = db.conn.execute(sql, tuple(values.get(c, "" if c in ("start", "end", "summary") else None) for c in cols))
    return int(cur.lastrowid)


def event_ids_keys(db: sqlite_utils.Database, ids: Sequence[str]) -> list[int]:
    if not ids:
        return []
    return [r[0] for r in db.conn.execute(
        "SELECT rid * 4 + 1 FROM event WHERE id IN (SELECT value FROM json_each(?))", (json.dumps(list(ids)),))]


def explain_window(db: sqlite_utils.Database, window: tuple[int, int]) -> list[str]:
    """The query plan of the window read (a test checks it seeks the index)."""
    cte, params = _window_cte(window)
    sql = f"{cte}SELECT id FROM win"
    return [r[3] for r in db.conn.execute("EXPLAIN QUERY PLAN " + sql, params)]


def posting_person(db: sqlite_utils.Database, rid: int) -> dict[str, Any] | None:
    r = db.conn.execute("SELECT pe.id, pe.name FROM posting p JOIN person pe ON pe.id = p.person WHERE p.rid = ?",
                        (rid,)).fetchone()
    return {"id": r[0], "name": r[1]} if r else None
