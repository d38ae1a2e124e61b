"""Set-at-a-time reads and writes for big imports: existence and record lookups for a chunk of keys in
a few queries (instead of one query per row), and inserts of many new records with executemany.

Values are the same typed CSV-level values `records` takes; SQL identifiers come from the fixed kind
table, never from a file.  The caller holds the transaction (`connection.atomic`)."""

from __future__ import annotations

from typing import Any

import sqlite_utils

from dossier.domain import dates
from dossier.domain.kinds import KINDS
from dossier.storage import records
from dossier.storage.records import _FTS, _SELECT, _finish, _q, _table_values, source_key

_CHUNK = 400  # keys per query (SQLite's default limit on bound parameters is 32766)


_COMPOSITE = {"trade": ("reporter", "partner", "year", "flow", "commodity", "basis", "source_key"),
              "participants": ("event", "entity", "role"), "identifiers": ("scheme", "value")}


def _key_where(kind_name: str) -> tuple[str, int]:
    if kind_name in _COMPOSITE:
        return "", len(_COMPOSITE[kind_name])
    return ("p.id" if kind_name == "postings" else "id"), 1


def record_key(kind_name: str, rec: dict[str, Any]) -> tuple:
    """The lookup key of a stored record (as `get_many` returns them)."""
    if kind_name == "trade":
        return (rec["reporter"], rec["partner"], int(rec["year"]), rec["flow"], rec.get("commodity") or "",
                rec.get("basis") or "unknown", source_key(rec.get("source")))
    if kind_name == "participants":
        return (rec["event"], rec["participant"], rec.get("role") or "participant")
    if kind_name == "identifiers":
        return (rec["scheme"], rec["value"])
    return (rec["id"],)


def get_many(db: sqlite_utils.Database, kind_name: str, keys: list[tuple]) -> dict[tuple, dict[str, Any]]:
    """Existing records for many keys: key -> record (CSV-level values plus 'rid' and 'batch_id')."""
    kind = KINDS[kind_name]
    cols, n = _key_where(kind_name)
    out: dict[tuple, dict[str, Any]] = {}
    uniq = list(dict.fromkeys(keys))
    step = max(1, _CHUNK // n)
    for i in range(0, len(uniq), step):
        part = uniq[i: i + step]
        if n == 1:
            where = f"{cols} IN ({','.join('?' * len(part))})"
            params: list[Any] = [k[0] for k in part]
        else:
            # a row-value IN (VALUES ...) scans the table; a join from the keys uses the unique index
            one = "(" + ",".join("?" * n) + ")"
            on = " AND ".join(f"t.{c} = k.column{i + 1}" for i, c in enumerate(_COMPOSITE[kind_name]))
            where = (f"rid IN (SELECT t.rid FROM (VALUES {','.join([one] * len(part))}) AS k "
                     f"JOIN {kind.table} t ON {on})")
            params = [v for k in part for v in k]
        rows = _finish(kind, _q(db, f"{_SELECT[kind_name]} WHERE {where}", tuple(params)), db)
        if rows:
            rids = [r["rid"] for r in rows]
            bids = dict(db.conn.execute(f"SELECT rid, batch_id FROM {kind.table} WHERE rid IN "
                                        f"({','.join('?' * len(rids))})", rids).fetchall())
            for r in rows:
                r["batch_id"] = bids.get(r["rid"])
                out[record_key(kind_name, r)] = r
    return out


def existing_ids(db: sqlite_utils.Database, table: str, ids: set[str]) -> set[str]:
    """Which of `ids` exist in `table` ('entity' for people, organisations and countries)."""
    found: set[str] = set()
    col = "id"
    lst = list(ids)
    for i in range(0, len(lst), _CHUNK):
        part = lst[i: i + _CHUNK]
        found.update(r[0] for r in db.conn.execute(
            f"SELECT {col} FROM {table} WHERE {col} IN ({','.join('?' * len(part))})", part))
    return found


def _prepared(row: dict[str, Any], v: dict[str, Any], kind_name: str) -> tuple:
    return tuple(row), tuple(row.values()), *_extras(v, kind_name)


def _extras(v: dict[str, Any], kind_name: str) -> tuple[tuple[str, ...], str, tuple | None]:
    srcs: tuple[str, ...] = ()
    if kind_name != "sources":
        s = v.get("source")
        if s:
            srcs = (s[0],) if len(s) == 1 else tuple(dict.fromkeys(s))
    alias = None
    if "aliases" in v or (kind_name == "people" and v.get("native_name")):
        alias = (v["id"], [tuple(a) for a in v.get("aliases") or []], v.get("native_name"))
    return srcs, v.get("quote") or "", alias


_SKIP = frozenset(("source", "quote", "aliases", "rid"))
_SPECIAL = {"trade", "figures", "rates", "postings"}  # value/rate columns and positions: records._table_values


def _recipe(kind_name: str, cols: tuple[str, ...]) -> list[tuple[str, int]] | None:
    """How `records._table_values` turns values with these columns into table values, as steps
    (column, 0 plain / 1 text defaulting to '' / 2 date / 3 participant), or None for the kinds
    whose columns need more (trade, figures, rates, postings)."""
    if kind_name in _SPECIAL:
        return None
    steps = []
    for c in cols:
        if c in _SKIP:
            continue
        if c in records._DATE_COLS and not (kind_name == "sources" and c != "published"):
            steps.append((c, 2))
        elif kind_name == "participants" and c == "participant":
            steps.append((c, 3))
        else:
            steps.append((c, 1 if c in records._TEXT_DEFAULTS else 0))
    return steps


def _fast_values(steps: list[tuple[str, int]], v: dict[str, Any]) -> list[Any]:
    out: list[Any] = []
    for c, how in steps:
        x = v[c]
        if how == 2:
            if x is None or x == "":
                out += ("", None, None)
            elif x == dates.ONGOING:
                out += (dates.ONGOING, None, None)
            else:
                if isinstance(x, str):
                    x = dates.parse_date(x)
                out += (x.text, x.earliest, x.latest)
        elif how == 1 and x is None:
            out.append("")
        else:
            out.append(x)
    return out


def prepare(kind_name: str, values_list: list[dict[str, Any]], db: sqlite_utils.Database | None = None
            ) -> list[tuple]:
    """New records as plain tuples of table values, ready for `Inserter.write` (no database access;
    not for postings, whose position row is written while they are prepared):
    (columns, values, sources, quote, (entity, aliases, native name) or None) per record."""
    if kind_name == "postings":
        raise ValueError("postings are prepared by Inserter.insert (they write their position)")
    kind = KINDS[kind_name]
    out: list[tuple] = []
    plans: dict[tuple[str, ...], tuple[tuple[str, ...], list[tuple[str, int]]] | None] = {}
    for v in values_list:
        key = tuple(v)
        plan = plans.get(key, False)
        if plan is False:
            first = _table_values(kind, v, db)
            steps = _recipe(kind_name, key)
            # the recipe must give what _table_values gives (checked on each column set's first row)
            plan = (tuple(first), steps) if steps is not None and _fast_values(steps, v) == list(first.values()) \
                else None
            plans[key] = plan
        if plan is None:
            out.append(_prepared(_table_values(kind, v, db), v, kind_name))
        else:
            out.append((plan[0], tuple(_fast_values(plan[1], v)), *_extras(v, kind_name)))
    return out


class Inserter:
    """Inserts new records of one import with rids assigned here (max+1 onwards, we are the only
    writer inside the transaction), so that citations, aliases and the search index are written with
    executemany too."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db
        self.next_rid: dict[str, int] = {}

    def _rid(self, table: str) -> int:
        if table not in self.next_rid:
            self.next_rid[table] = self.db.conn.execute(f"SELECT coalesce(max(rid), 0) + 1 FROM {table}").fetchone()[0]
        r = self.next_rid[table]
        self.next_rid[table] = r + 1
        return r

    def insert(self, kind_name: str, values_list: list[dict[str, Any]], batch_id: int) -> None:
        if not values_list:
            return
        if kind_name == "postings":  # a posting's position row is written while its values are prepared
            prepared = [self._prepare_posting(v) for v in values_list]
            self.write(kind_name, prepared, batch_id)
        else:
            self.write(kind_name, prepare(kind_name, values_list, self.db), batch_id)

    def _prepare_posting(self, v: dict[str, Any]) -> tuple:
        row = _table_values(KINDS["postings"], v, self.db)
        row["position"] = records._ensure_position(self.db, v["position"], v.get("organization") or None,
                                                   v.get("country") or None)
        return _prepared(row, v, "postings")

    def write(self, kind_name: str, prepared: list[tuple], batch_id: int) -> None:
        """Insert records made by `prepare`: rids, batch, citations, aliases and the search index."""
        if not prepared:
            return
        table = KINDS[kind_name].table
        conn = self.db.conn
        groups: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
        cites: list[tuple] = []
        alias_sets: list[tuple[str, list, str | None]] = []
        lo = self._rid(table)
        rid = lo - 1
        for cols, vals, srcs, quote, alias in prepared:
            rid += 1
            groups.setdefault(cols, []).append((rid, batch_id, *vals))
            if srcs:
                cites.extend((table, rid, s, quote, i) for i, s in enumerate(srcs))
            if alias is not None:
                alias_sets.append(alias)
        hi = rid
        self.next_rid[table] = hi + 1
        for group_cols, rows in groups.items():
            cols = ("rid", "batch_id", *group_cols)  # the kind's own column names (recognise() checked the header)
            conn.executemany(f"INSERT INTO {table} ({', '.join(chr(34) + c + chr(34) for c in cols)}) "
                             f"VALUES ({', '.join('?' * len(cols))})", rows)
        for ent, aliases, native in alias_sets:
            records._set_aliases(self.db, ent, [tuple(a) for a in aliases], native)
        if cites:
            conn.executemany("INSERT INTO citation(fact_table, fact_rid, source, quote, seq) VALUES (?, ?, ?, ?, ?)",
                             cites)
        if table in _FTS:
            for r in range(lo, hi + 1) if hi - lo < 64 else ():
                records.reindex(self.db, table, r)
            if hi - lo >= 64:
                self._fts_range(table, lo, hi)

    def _fts_range(self, table: str, lo: int, hi: int) -> None:
        code = _FTS[table]
        if table == "person":
            expr = ("p.name || ' ' || p.sort_name || ' ' || p.native_name || ' ' || "
                    "coalesce((SELECT group_concat(name, ' ') FROM alias WHERE entity = p.id), '')")
            src = "person p"
        elif table == "organization":
            expr = "o.name || ' ' || coalesce((SELECT group_concat(name, ' ') FROM alias WHERE entity = o.id), '')"
            src = "organization o"
        elif table == "event":
            expr, src = "title || ' ' || place", "event"
        else:
            expr, src = "publisher || ' ' || title", "source"
        self.db.conn.execute(
            f"INSERT INTO search_fts(rowid, text, entity_table, entity_rid) SELECT rid * 8 + {code}, {expr}, "
            f"'{table}', rid FROM {src} WHERE rid BETWEEN ? AND ?", (lo, hi))
