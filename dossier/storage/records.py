"""Reading and writing records of every CSV kind: the only translation between the interchange
format's values and the tables.  All SQL is parameterised; table and column names come from the
fixed kind table (`dossier.domain.kinds`), never from a file.

Values on the way in are typed (PartialDate, Decimal, lists); values on the way out are the CSV
format's plain values (date text, decimal text, lists), so an export re-imports as "unchanged".
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import sqlite_utils

from dossier.domain import dates, numbers
from dossier.domain.kinds import KINDS, Kind
from dossier.domain.text import slug

# Simple columns: CSV column -> table column (None = handled specially)
_DATE_COLS = {"published": "published", "birth_date": "birth", "start": "start", "end": "end", "date": "date"}


def _date_fields(col: str, v: Any) -> dict[str, Any]:
    base = _DATE_COLS[col]
    text_col = "birth_date" if col == "birth_date" else base
    if v is None or v == "":
        return {text_col: "", f"{base}_lo": None, f"{base}_hi": None}
    if v == dates.ONGOING:
        return {text_col: dates.ONGOING, f"{base}_lo": None, f"{base}_hi": None}
    if isinstance(v, str):
        v = dates.parse_date(v)
    return {text_col: v.text, f"{base}_lo": v.earliest, f"{base}_hi": v.latest}


def _dec(v: Any) -> tuple[str | None, float | None]:
    if v is None or v == "":
        return None, None
    d = v if isinstance(v, Decimal) else Decimal(str(v))
    return numbers.format_decimal(d), float(d)


def position_id(title: str, organization: str | None, country: str | None) -> str:
    return f"{slug(title)}@{organization or (country or '').lower() or '-'}"


def source_key(sources: list[str] | None) -> str:
    return "|".join(sorted(set(sources or [])))


# --- reading ------------------------------------------------------------------------------------

def _q(db: sqlite_utils.Database, sql: str, params: tuple | dict = ()) -> list[sqlite3.Row]:
    cur = db.conn.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def _citations(db: sqlite_utils.Database, table: str, rids: list[int]) -> dict[int, tuple[list[str], str]]:
    out: dict[int, tuple[list[str], str]] = {}
    for i in range(0, len(rids), 500):
        part = rids[i: i + 500]
        marks = ",".join("?" * len(part))
        for r in db.conn.execute(
            f"SELECT fact_rid, source, quote FROM citation WHERE fact_table = ? AND fact_rid IN ({marks}) "
            "ORDER BY fact_rid, seq, rid", (table, *part)):
            srcs, quote = out.setdefault(r[0], ([], ""))
            srcs.append(r[1])
            out[r[0]] = (srcs, quote or r[2])
    return out


def _aliases(db: sqlite_utils.Database, ids: list[str]) -> dict[str, list[tuple[str, str]]]:
    out: dict[str, list[tuple[str, str]]] = {}
    for i in range(0, len(ids), 500):
        part = ids[i: i + 500]
        marks = ",".join("?" * len(part))
        for ent, name, lang in db.conn.execute(
            f"SELECT entity, name, lang FROM alias WHERE entity IN ({marks}) AND kind <> 'native' "
            "ORDER BY entity, seq, rid", part):
            out.setdefault(ent, []).append((name, lang))
    return out


_SELECT = {
    "sources": "SELECT rid, id, publisher, title, published, url, reference, reliability, credibility, language, "
               "notes FROM source",
    "people": "SELECT rid, id, name, sort_name, native_name, nationality, gender, birth_date, summary FROM person",
    "organizations": "SELECT rid, id, name, kind, country, parent FROM organization",
    "postings": "SELECT p.rid, p.id, p.person, pos.title AS position, p.organization, p.country, p.place, "
                "p.start, p.\"end\", p.note FROM posting p JOIN position pos ON pos.id = p.position",
    "events": "SELECT rid, id, kind, title, start, \"end\", place, country, parent, summary FROM event",
    "participants": "SELECT rid, event, entity AS participant, role FROM participant",
    "relations": "SELECT rid, id, kind, a, b, start, \"end\", summary FROM relation",
    "statements": "SELECT rid, id, speaker, date, text, event FROM statement",
    "trade": "SELECT rid, reporter, partner, year, flow, commodity, value, currency, basis, source_key "
             "FROM trade",
    "figures": "SELECT rid, id, kind, a, b, year, value, unit, base_year, text FROM figure",
    "rates": "SELECT rid, id, base, quote AS currency, date, rate FROM fx_rate",
    "identifiers": "SELECT rid, entity, scheme, value FROM identifier",
}
_ORDER = {
    "sources": "id", "people": "id", "organizations": "id", "postings": "p.id", "events": "id",
    "participants": "event, participant, role", "relations": "id", "statements": "id",
    "trade": "reporter, partner, year, flow, commodity, basis, source_key", "figures": "id", "rates": "id",
    "identifiers": "scheme, value",
}


def _finish(kind: Kind, rows: list[dict[str, Any]], db: sqlite_utils.Database) -> list[dict[str, Any]]:
    if not rows:
        return rows
    cites = _citations(db, kind.table, [r["rid"] for r in rows]) if kind.name != "sources" else {}
    als = _aliases(db, [r["id"] for r in rows]) if "aliases" in kind.column_names else {}
    for r in rows:
        for k in list(r):
            if r[k] is None:
                r[k] = ""
        if kind.name == "trade":
            r["source"] = [s for s in r.pop("source_key").split("|") if s]
            r["year"] = int(r["year"])
        elif kind.name != "sources":
            srcs, quote = cites.get(r["rid"], ([], ""))
            r["source"] = srcs
            r["quote"] = quote
        if "aliases" in kind.column_names:
            r["aliases"] = als.get(r["id"], [])
    return rows


def iter_records(db: sqlite_utils.Database, kind_name: str, batch: int = 2000) -> Iterator[dict[str, Any]]:
    """Every record of a kind, in a stable order, as CSV-level values (plus 'rid')."""
    kind = KINDS[kind_name]
    sql = f"{_SELECT[kind_name]} ORDER BY {_ORDER[kind_name]} LIMIT ? OFFSET ?"
    offset = 0
    while True:
        rows = _finish(kind, _q(db, sql, (batch, offset)), db)
        yield from rows
        if len(rows) < batch:
            return
        offset += batch


def get_record(db: sqlite_utils.Database, kind_name: str, key: tuple) -> dict[str, Any] | None:
    kind = KINDS[kind_name]
    base = _SELECT[kind_name]
    alias = "p." if kind_name == "postings" else ""
    if kind_name == "trade":
        where = "reporter = ? AND partner = ? AND year = ? AND flow = ? AND commodity = ? AND basis = ? " \
                "AND source_key = ?"
        r, p, y, f, c, b, s = key
        params: tuple = (r, p, y, f, c or "", b or "unknown", source_key(s.split("|") if isinstance(s, str) else s))
    elif kind_name == "participants":
        where, params = "event = ? AND entity = ? AND role = ?", key
    elif kind_name == "identifiers":
        where, params = "scheme = ? AND value = ?", key
    else:
        where, params = f"{alias}id = ?", key[:1]
    rows = _finish(kind, _q(db, f"{base} WHERE {where}", params), db)
    return rows[0] if rows else None


def entity_kind(db: sqlite_utils.Database, entity_id: str) -> str | None:
    r = db.conn.execute("SELECT kind FROM entity WHERE id = ?", (entity_id,)).fetchone()
    return r[0] if r else None


def exists(db: sqlite_utils.Database, kind_name: str, record_id: str) -> bool:
    table = KINDS[kind_name].table
    return db.conn.execute(f"SELECT 1 FROM {table} WHERE id = ?", (record_id,)).fetchone() is not None


def count(db: sqlite_utils.Database, kind_name: str) -> int:
    return db.conn.execute(f"SELECT count(*) FROM {KINDS[kind_name].table}").fetchone()[0]


# --- writing ------------------------------------------------------------------------------------

def _table_values(kind: Kind, v: dict[str, Any], db: sqlite_utils.Database) -> dict[str, Any]:
    """Typed CSV values (only the columns given) -> table columns."""
    out: dict[str, Any] = {}
    for col, val in v.items():
        if col in ("source", "quote", "aliases", "rid"):
            continue
        if col in _DATE_COLS and not (kind.name == "sources" and col != "published"):
            out.update(_date_fields(col, val))
        elif kind.name == "trade" and col == "value":
            out["value"], out["value_num"] = _dec(val)
        elif kind.name == "figures" and col == "value":
            out["value"], out["value_num"] = _dec(val)
        elif kind.name == "rates" and col == "rate":
            out["rate"], out["rate_num"] = _dec(val)
        elif kind.name == "rates" and col == "currency":
            out["quote"] = val
        elif kind.name == "participants" and col == "participant":
            out["entity"] = val
        elif kind.name == "postings" and col == "position":
            continue
        else:
            out[col] = "" if val is None and col in _TEXT_DEFAULTS else val
    if kind.name == "trade":
        out["source_key"] = source_key(v.get("source"))
        out.setdefault("commodity", "")
    return out


_TEXT_DEFAULTS = {"publisher", "title", "url", "reference", "language", "notes", "sort_name", "native_name",
                  "gender", "summary", "place", "note", "text", "commodity"}


def _ensure_position(db: sqlite_utils.Database, title: str, organization: str | None, country: str | None) -> str:
    pid = position_id(title, organization, country)
    db.conn.execute(
        "INSERT INTO position(id, title, organization, country) VALUES (?, ?, ?, ?) ON CONFLICT(id) DO NOTHING",
        (pid, title, organization, country))
    return pid


def upsert(db: sqlite_utils.Database, kind_name: str, values: dict[str, Any], existing: dict[str, Any] | None,
           batch_id: int | None) -> int:
    """Insert or update one record; returns its rid.  `values` holds only the columns the file gave."""
    kind = KINDS[kind_name]
    row = _table_values(kind, values, db)
    if kind_name == "postings":
        merged = {**(existing or {}), **values}
        row["position"] = _ensure_position(db, merged["position"], merged.get("organization") or None,
                                           merged.get("country") or None)
    row["batch_id"] = batch_id
    table = kind.table
    if existing is None:
        cols = list(row)
        cur = db.conn.execute(
            f"INSERT INTO {table} ({', '.join(_qi(c) for c in cols)}) VALUES ({', '.join('?' * len(cols))})",
            [row[c] for c in cols])
        rid = cur.lastrowid
    else:
        rid = existing["rid"]
        cols = [c for c in row if c not in ("id",)]
        if cols:
            db.conn.execute(f"UPDATE {table} SET {', '.join(f'{_qi(c)} = ?' for c in cols)} WHERE rid = ?",
                            [row[c] for c in cols] + [rid])
    if "aliases" in values:
        _set_aliases(db, values.get("id") or existing["id"], values["aliases"] or [],
                     values.get("native_name") if "native_name" in values else (existing or {}).get("native_name"))
    elif kind_name == "people" and "native_name" in values:
        _set_aliases(db, values["id"], [tuple(a) for a in (existing or {}).get("aliases", [])], values["native_name"])
    reindex(db, table, rid)
    if kind_name != "sources" and ("source" in values or "quote" in values):
        srcs = values.get("source") if "source" in values else (existing or {}).get("source", [])
        quote = values.get("quote") if "quote" in values else (existing or {}).get("quote", "")
        set_citations(db, table, rid, srcs or [], quote or "")
    return rid


_FTS = {"person": 1, "organization": 2, "event": 4, "source": 5}


def reindex(db: sqlite_utils.Database, table: str, rid: int) -> None:
    """Keep the search index (search_fts) in step with one record: names in every script and variant."""
    code = _FTS.get(table)
    if code is None:
        return
    db.conn.execute("DELETE FROM search_fts WHERE rowid = ?", (rid * 8 + code,))
    if table == "person":
        sql = ("SELECT p.name || ' ' || p.sort_name || ' ' || p.native_name || ' ' || "
               "coalesce((SELECT group_concat(name, ' ') FROM alias WHERE entity = p.id), '') FROM person p WHERE rid = ?")
    elif table == "organization":
        sql = ("SELECT o.name || ' ' || coalesce((SELECT group_concat(name, ' ') FROM alias WHERE entity = o.id), '') "
               "FROM organization o WHERE rid = ?")
    elif table == "event":
        sql = "SELECT title || ' ' || place FROM event WHERE rid = ?"
    else:
        sql = "SELECT publisher || ' ' || title FROM source WHERE rid = ?"
    row = db.conn.execute(sql, (rid,)).fetchone()
    if row is not None:
        db.conn.execute("INSERT INTO search_fts(rowid, text, entity_table, entity_rid) VALUES (?, ?, ?, ?)",
                        (rid * 8 + code, row[0], table, rid))


def _qi(col: str) -> str:
    return f'"{col}"'


def _set_aliases(db: sqlite_utils.Database, entity: str, aliases: list[tuple[str, str]], native: str | None) -> None:
    db.conn.execute("DELETE FROM alias WHERE entity = ?", (entity,))
    rows = []
    if native:
        rows.append((entity, native, "", "native", 0))
    for i, (name, lang) in enumerate(aliases, start=1):
        if name == native:
            continue
        rows.append((entity, name, lang, "variant", i))
    db.conn.executemany(
        "INSERT INTO alias(entity, name, lang, kind, seq) VALUES (?, ?, ?, ?, ?) ON CONFLICT(entity, name) DO NOTHING",
        rows)


def set_citations(db: sqlite_utils.Database, table: str, rid: int, sources: list[str], quote: str) -> None:
    db.conn.execute("DELETE FROM citation WHERE fact_table = ? AND fact_rid = ?", (table, rid))
    db.conn.executemany(
        "INSERT INTO citation(fact_table, fact_rid, source, quote, seq) VALUES (?, ?, ?, ?, ?)",
        [(table, rid, s, quote, i) for i, s in enumerate(dict.fromkeys(sources))])


def delete(db: sqlite_utils.Database, kind_name: str, existing: dict[str, Any]) -> None:
    kind = KINDS[kind_name]
    db.conn.execute(f"DELETE FROM {kind.table} WHERE rid = ?", (existing["rid"],))
    if kind.table in _FTS:
        db.conn.execute("DELETE FROM search_fts WHERE rowid = ?", (existing["rid"] * 8 + _FTS[kind.table],))


def new_batch(db: sqlite_utils.Database, kind: str, started_at: str, files: str, note: str = "") -> int:
    cur = db.conn.execute("INSERT INTO import_batch(kind, started_at, files, note) VALUES (?, ?, ?, ?)",
                          (kind, started_at, files, note))
    return int(cur.lastrowid)


def finish_batch(db: sqlite_utils.Database, batch_id: int, finished_at: str, counts: str) -> None:
    db.conn.execute("UPDATE import_batch SET finished_at = ?, counts = ? WHERE id = ?",
                    (finished_at, counts, batch_id))


def find_batch_by_sha(db: sqlite_utils.Database, sha256: str) -> list[dict[str, Any]]:
    return _q(db, "SELECT id, kind, started_at, finished_at, files, counts, undone_at FROM import_batch "
                  "WHERE files LIKE ? ORDER BY id", (f'%"{sha256}"%',))
