"""Queries behind the trade panel: statistics for a pair, quoted figures, rates, events between two
states, and a cheap data version to key caches on.  Bound parameters only."""

from __future__ import annotations

from typing import Any

import sqlite_utils

TRADE_COLUMNS = ("rid", "reporter", "partner", "year", "flow", "commodity", "value", "value_num", "currency",
                 "basis", "source_key", "batch_id")


def _rows(db: sqlite_utils.Database, sql: str, params: tuple = ()) -> list[dict[str, Any]]:
    cur = db.conn.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def data_version(db: sqlite_utils.Database) -> tuple[tuple, tuple]:
    """(statistics, annotations): two keys that change when what a trade view is computed from changes.

    statistics: trade rows and exchange rates (with the rates' citations and sources): the
    aggregation over trade rows.  annotations: quoted figures and their citations, events and their
    participants: the cheap parts drawn over the statistics.  Both change when an import is undone.
    Reads only counts over indexes and indexed maxima; the trade count is the costly part (a few ms
    at 600k rows), so the panel asks only when the window says data changed."""
    stats = ("SELECT (SELECT count(*) FROM trade), (SELECT max(rid) FROM trade), "
             "(SELECT count(*) FROM fx_rate), (SELECT max(rid) FROM fx_rate), (SELECT max(batch_id) FROM fx_rate), "
             "(SELECT count(*) FROM citation WHERE fact_table = 'fx_rate'), "
             "(SELECT max(rid) FROM citation WHERE fact_table = 'fx_rate'), "
             "(SELECT count(*) FROM source), (SELECT max(rid) FROM source), "
             "(SELECT count(undone_at) FROM import_batch)")
    notes = ("SELECT (SELECT count(*) FROM figure), (SELECT max(rid) FROM figure), (SELECT max(batch_id) FROM figure), "
             "(SELECT count(*) FROM citation WHERE fact_table = 'figure'), "
             "(SELECT max(rid) FROM citation WHERE fact_table = 'figure'), "
             "(SELECT count(*) FROM event), (SELECT max(rid) FROM event), (SELECT max(batch_id) FROM event), "
             "(SELECT count(*) FROM participant), (SELECT max(rid) FROM participant), "
             "(SELECT count(*) FROM source), (SELECT max(rid) FROM source), "
             "(SELECT max(id) FROM import_batch), (SELECT count(undone_at) FROM import_batch)")
    return tuple(db.conn.execute(stats).fetchone()), tuple(db.conn.execute(notes).fetchone())


def pair_trade(db: sqlite_utils.Database, a: str, b: str, part: str = "all") -> list[tuple]:
    """Trade rows reported by a about b or by b about a (tuples in TRADE_COLUMNS order).  `part`:
    'totals' (all-goods rows, commodity ''), 'goods' (commodity rows) or 'all'.  Each side is one
    range of the trade_pair index; the chart needs only the totals, so a pair switch reads ~120 rows
    instead of the ~3,000 commodity rows."""
    cond = {"all": "", "totals": " AND commodity = ''", "goods": " AND commodity <> ''"}[part]
    cols = ", ".join(TRADE_COLUMNS)
    return db.conn.execute(
        f"SELECT {cols} FROM trade WHERE reporter = ? AND partner = ?{cond} "
        f"UNION ALL SELECT {cols} FROM trade WHERE reporter = ? AND partner = ?{cond}",
        (a, b, b, a)).fetchall()


def pair_years(db: sqlite_utils.Database, a: str, b: str) -> tuple[int, int] | None:
    """First and last year of any trade row for the pair (index bounds), or None without rows."""
    r = db.conn.execute(
        "SELECT min(lo), max(hi) FROM (SELECT min(year) AS lo, max(year) AS hi FROM trade WHERE reporter = ? "
        "AND partner = ? UNION ALL SELECT min(year), max(year) FROM trade WHERE reporter = ? AND partner = ?)",
        (a, b, b, a)).fetchone()
    return (int(r[0]), int(r[1])) if r[0] is not None else None


def trade_citations(db: sqlite_utils.Database, rids: list[int]) -> dict[int, str]:
    """rid -> the quoted sentence of the row's citation (first one), where there is one."""
    out: dict[int, str] = {}
    for i in range(0, len(rids), 500):
        part = rids[i: i + 500]
        marks = ",".join("?" * len(part))
        for rid, quote in db.conn.execute(
                f"SELECT fact_rid, quote FROM citation WHERE fact_table = 'trade' AND fact_rid IN ({marks}) "
                "AND quote <> '' ORDER BY seq, rid", tuple(part)):
            out.setdefault(rid, quote)
    return out


def pair_figures(db: sqlite_utils.Database, a: str, b: str) -> list[dict[str, Any]]:
    """Quoted figures about the pair (either order), with their sources and quotes."""
    figs = _rows(db, "SELECT rid, id, kind, a, b, year, value, value_num, unit, base_year, text FROM figure "
                     "WHERE (a = ? AND b = ?) OR (a = ? AND b = ?) ORDER BY year, kind, id", (a, b, b, a))
    for f in figs:
        f["citations"] = citations(db, "figure", f["rid"])
    return figs


def citations(db: sqlite_utils.Database, table: str, rid: int) -> list[dict[str, Any]]:
    return _rows(db, "SELECT s.id, s.publisher, s.title, s.published, s.reliability, s.credibility, ci.quote "
                     "FROM citation ci JOIN source s ON s.id = ci.source WHERE ci.fact_table = ? AND ci.fact_rid = ? "
                     "ORDER BY ci.seq, ci.rid", (table, rid))


def rates(db: sqlite_utils.Database, base: str, quote: str) -> list[dict[str, Any]]:
    """Stored rates between two currencies, in either direction, newest first, with citations."""
    rs = _rows(db, "SELECT rid, id, base, quote, date, date_lo, date_hi, rate, rate_num FROM fx_rate "
                   "WHERE (base = ? AND quote = ?) OR (base = ? AND quote = ?) ORDER BY date_hi DESC, rid DESC",
               (base, quote, quote, base))
    for r in rs:
        r["citations"] = citations(db, "fx_rate", r["rid"])
    return rs


def currencies(db: sqlite_utils.Database) -> list[str]:
    """Currencies the data is in or a stored rate can convert to."""
    q = ("SELECT currency FROM trade GROUP BY currency UNION SELECT unit FROM figure WHERE unit <> 'percent' "
         "UNION SELECT base FROM fx_rate UNION SELECT quote FROM fx_rate")
    return sorted(r[0] for r in db.conn.execute(q))


def events_between(db: sqlite_utils.Database, a: str, b: str) -> list[dict[str, Any]]:
    """Events in which both countries take part: as participants themselves, or through a participant
    person of that nationality or an organisation of that country."""
    side = ("SELECT pa.event FROM participant pa LEFT JOIN person pe ON pe.id = pa.entity "
            "LEFT JOIN organization o ON o.id = pa.entity "
            "WHERE pa.entity = ? OR pe.nationality = ? OR o.country = ?")
    return _rows(db, f"SELECT e.rid, e.id, e.kind, e.title, e.start, e.\"end\", e.start_lo, e.start_hi, e.end_lo, "
                     f"e.end_hi, e.place FROM event e WHERE e.id IN ({side}) AND e.id IN ({side}) "
                     "AND e.start_lo IS NOT NULL ORDER BY e.start_lo, e.title", (a, a, a, b, b, b))


def event_countries(db: sqlite_utils.Database, event_id: str) -> list[str]:
    """Countries taking part in an event (directly, or by participants' nationality / country), in the
    order hosts, participants, others."""
    rows = db.conn.execute(
        "SELECT coalesce(c.code, pe.nationality, o.country) AS code, min(CASE pa.role WHEN 'host' THEN 0 "
        "WHEN 'participant' THEN 1 ELSE 2 END) AS rk, min(pa.rid) FROM participant pa "
        "LEFT JOIN country c ON c.code = pa.entity LEFT JOIN person pe ON pe.id = pa.entity "
        "LEFT JOIN organization o ON o.id = pa.entity WHERE pa.event = ? "
        "GROUP BY code HAVING code IS NOT NULL ORDER BY rk, min(pa.rid)", (event_id,)).fetchall()
    return [r[0] for r in rows]


def event_years(db: sqlite_utils.Database, event_id: str) -> tuple[int, int] | None:
    r = db.conn.execute("SELECT start_lo, coalesce(end_hi, start_hi) FROM event WHERE id = ?", (event_id,)).fetchone()
    if r is None or r[0] is None:
        return None
    return r[0], r[1]


def countries(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Every country with a flag saying whether any trade row or quoted figure mentions it."""
    return _rows(db, "SELECT c.code, c.name, c.m49, (c.code IN (SELECT reporter FROM trade GROUP BY reporter) "
                     "OR c.code IN (SELECT partner FROM trade GROUP BY partner) "
                     "OR c.code IN (SELECT a FROM figure WHERE a IS NOT NULL) "
                     "OR c.code IN (SELECT b FROM figure WHERE b IS NOT NULL)) AS has_trade "
                     "FROM country c ORDER BY c.name")


def first_pair(db: sqlite_utils.Database) -> tuple[str, str] | None:
    """A pair worth showing first: the first quoted figure's, else the first statistics row's."""
    r = db.conn.execute("SELECT a, b FROM figure WHERE a IS NOT NULL AND b IS NOT NULL ORDER BY rid LIMIT 1"
                        ).fetchone()
    if r is None:
        r = db.conn.execute("SELECT reporter, partner FROM trade WHERE partner <> 'WLD' ORDER BY rid LIMIT 1"
                            ).fetchone()
    return (r[0], r[1]) if r else None


def country_names(db: sqlite_utils.Database, codes: list[str]) -> dict[str, str]:
    marks = ",".join("?" * len(codes))
    return {r[0]: r[1] for r in db.conn.execute(f"SELECT code, name FROM country WHERE code IN ({marks})",
                                                tuple(codes))}
