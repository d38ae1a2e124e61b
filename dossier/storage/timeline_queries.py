"""The timeline's reads: lanes, items as integer columns, lane memberships, labels, eras.

Everything the timeline draws is one *item*, keyed `rid * 4 + code` (0 posting, 1 event, 2 relation,
3 era; the same key as `timeline_span.id`).  Dates come out as day ordinals plus flags derived in SQL
(precision from the width of the earliest..latest interval, `~`/`?`/`%` marks, the `..` ongoing end),
so that a million rows never pass through a Python date parser, and whole columns come back as one
string of integers each (`group_concat`, parsed by numpy in the service), so that they never become a
million Python tuples either; the best source grade is one grouped query per table.  A date window reads the items that
overlap it through `timeline_span` (migration 0003), a range seek per length bucket, never a scan.
Bound parameters only.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
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


# --- columns for the timeline model: a few aggregate queries, no Python object per item ------------------
# Every column comes back as ONE string of comma-separated integers built by SQLite (group_concat); all
# aggregates of one query see the rows in the same order, so the columns line up.  The service layer
# parses them with numpy.  Two day ordinals (< 2**22) are packed in one integer, `lo << 22 | hi`, 0 for
# NULL (ordinals start at 1); kind and flags as `kind * 16 + flags`.
DAY_BITS = 22


class Interrupted(Exception):
    """A read stopped by `interrupt(db)` from another thread."""


def _rows(db: sqlite_utils.Database, sql: str, params: tuple = ()) -> list[tuple]:
    try:
        return db.conn.execute(sql, params).fetchall()
    except sqlite3.OperationalError as e:
        if "interrupt" in str(e):
            raise Interrupted(str(e)) from e
        raise


def _fetchone(db: sqlite_utils.Database, sql: str, params: tuple) -> tuple:
    return tuple(_rows(db, sql, params)[0])


def _pair(lo: str, hi: str) -> str:
    return f"(coalesce({lo}, 0) << {DAY_BITS}) | coalesce({hi}, 0)"


# a country code (3 characters, CHECK in 0001) packed into one integer, 0 for none; see services.timeline
_COUNTRY = ("CASE WHEN {c} IS NULL THEN 0 ELSE (unicode(substr({c}, 1, 1)) << 42) "
            "| (unicode(substr({c}, 2, 1)) << 21) | unicode(substr({c}, 3, 1)) END")


def _in_window(code: int, cte: str, alias: str = "t") -> str:
    return f" WHERE {alias}.rid IN (SELECT id >> 2 FROM win WHERE id & 3 = {code})" if cte else ""


def item_columns(db: sqlite_utils.Database, kind_codes: dict[str, int], other: int,
                 window: tuple[int, int] | None = None) -> Iterator[dict[str, Any]]:
    """Per table (posting, event, relation, in that order), one dict: `code` (0, 1, 2) and columns, each
    a comma-separated integer string (None when there are no rows): rid, start and end (packed day
    pairs lo..hi, see DAY_BITS), kind_flags (`kind_codes` of 'posting', the event kind or 'relation',
    `other` for the rest, times 16, plus the flags) and country (packed, 0 for none).  With `window`
    (day ordinals), only the items overlapping it, through `timeline_span`."""
    cte, params = _window_cte(window)
    whens = " ".join("WHEN ? THEN ?" for _ in kind_codes)
    kparams = tuple(v for kv in kind_codes.items() for v in kv) + (other,)
    specs = (
        (POSTING, "posting", "'posting'", _COUNTRY.format(c="t.country"), 0),
        (EVENT, "event", "t.kind", _COUNTRY.format(c="t.country"), 1),
        (RELATION, "relation", "'relation'", "0", 0),
    )
    names = ("rid", "start", "end", "kind_flags", "country")
    for code, table, kind, country, point in specs:
        cols = ("t.rid", _pair("t.start_lo", "t.start_hi"), _pair("t.end_lo", "t.end_hi"),
                f"(CASE {kind} {whens} ELSE ? END) * 16 + {_FLAGS.format(point=point)}", country)
        sql = f"{cte}SELECT {', '.join(f'group_concat({c})' for c in cols)} FROM {table} t{_in_window(code, cte)}"
        row = _fetchone(db, sql, params + kparams)  # the CTE's parameters come first
        yield dict(zip(names, row, strict=True), code=code)


def best_grades(db: sqlite_utils.Database, table: str) -> tuple[str | None, str | None]:
    """(rids, grades) of the facts of `table` that cite a graded source: the best grade, 1 (A) .. 6 (F),
    per fact, by one grouped query over the citation index."""
    sql = ("SELECT group_concat(fact_rid), group_concat(g) FROM (SELECT c.fact_rid AS fact_rid, "
           "min(unicode(s.reliability)) - 64 AS g FROM citation c JOIN source s ON s.id = c.source "
           "WHERE c.fact_table = ? AND s.reliability IS NOT NULL GROUP BY c.fact_rid)")
    return _fetchone(db, sql, (table,))


def membership_columns(db: sqlite_utils.Database, window: tuple[int, int] | None = None
                       ) -> Iterator[tuple[str | None, str | None]]:
    """(item keys, entity rowids) as comma-separated integer strings, in parts: a posting is in its
    person's lane; an event in the lane of each participant (or, with none, of its country); a relation
    in the lanes of both sides.  A participant with several roles appears more than once.  Five parts,
    one query each."""
    cte, params = _window_cte(window)
    parts = (
        f"SELECT group_concat(t.rid * 4), group_concat(en.rowid) FROM posting t "
        f"JOIN entity en ON en.id = t.person{_in_window(POSTING, cte)}",
        f"SELECT group_concat(t.rid * 4 + 1), group_concat(en.rowid) FROM participant pa "
        f"JOIN event t ON t.id = pa.event JOIN entity en ON en.id = pa.entity{_in_window(EVENT, cte)}",
        f"SELECT group_concat(t.rid * 4 + 1), group_concat(en.rowid) FROM event t "
        f"JOIN entity en ON en.id = t.country{_in_window(EVENT, cte) or ' WHERE 1'} AND t.country IS NOT NULL "
        f"AND NOT EXISTS (SELECT 1 FROM participant pa WHERE pa.event = t.id)",
        f"SELECT group_concat(t.rid * 4 + 2), group_concat(en.rowid) FROM relation t "
        f"JOIN entity en ON en.id = t.a{_in_window(RELATION, cte)}",
        f"SELECT group_concat(t.rid * 4 + 2), group_concat(en.rowid) FROM relation t "
        f"JOIN entity en ON en.id = t.b{_in_window(RELATION, cte)}",
    )
    for sql in parts:
        yield _fetchone(db, cte + sql, params)


def item_count_estimate(db: sqlite_utils.Database) -> int:
    """An upper bound of the number of items, in O(log n): the largest rids."""
    return int(db.conn.execute(
        "SELECT coalesce((SELECT max(rid) FROM posting), 0) + coalesce((SELECT max(rid) FROM event), 0) "
        "+ coalesce((SELECT max(rid) FROM relation), 0)").fetchone()[0])


def interrupt(db: sqlite_utils.Database) -> None:
    """Abort the query running on `db` (called from another thread: cancelling a load).  A closed
    connection has nothing to abort."""
    try:
        db.conn.interrupt()
    except sqlite3.ProgrammingError:
        pass


def lane_entities(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Every person and organisation, and every country some item involves: id, kind, name, sort
    name, the country a lane belongs to (nationality, seat, itself) and `erid`, the entity's rowid
    (what `membership_columns` names lanes by)."""
    rows = _rows(
        db,
        "SELECT p.id, 'person', p.name, CASE WHEN p.sort_name <> '' THEN p.sort_name ELSE p.name END, "
        "p.nationality, en.rowid FROM person p JOIN entity en ON en.id = p.id "
        "UNION ALL SELECT o.id, 'organization', o.name, o.name, o.country, en.rowid FROM organization o "
        "JOIN entity en ON en.id = o.id "
        "UNION ALL SELECT c.code, 'country', c.name, c.name, c.code, en.rowid FROM country c "
        "JOIN entity en ON en.id = c.code WHERE "
        "EXISTS (SELECT 1 FROM participant WHERE entity = c.code) "
        "OR EXISTS (SELECT 1 FROM relation WHERE a = c.code) OR EXISTS (SELECT 1 FROM relation WHERE b = c.code) "
        "OR EXISTS (SELECT 1 FROM event e WHERE e.country = c.code "
        "  AND NOT EXISTS (SELECT 1 FROM participant pa WHERE pa.event = e.id))",
    )
    return [dict(id=r[0], kind=r[1], name=r[2], sort_name=r[3], country=r[4], erid=r[5]) for r in rows]


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
    return _rows(db, sql, params)


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
