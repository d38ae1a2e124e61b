"""The browser's lists, a page at a time, in their sort orders (people and organisations by name,
events by date then title), each backed by an index of migration 0013.

Rows are located by their sort key, never by scanning: a page after (or before) a row is an index seek
from that row's key (keyset paging); a page at an arbitrary place is `LIMIT ? OFFSET ?` over the index
(cost grows with the offset, so callers use it only to land somewhere new); a record's place in the
list is a count over the index range before its key.  The rid breaks ties, so every key is unique.
Bound parameters only; the table names come from the fixed `ORDERS` below, never from data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlite_utils

from dossier.storage.connection import DB_ERRORS

MIN_INT = -9223372036854775808  # an unknown start sorts first (as NULL did in `ORDER BY start_lo`)


@dataclass(frozen=True)
class Order:
    table: str
    keys: tuple[str, ...]  # sort expressions, the first one indexed; the rid is appended as the last key
    columns: str  # what a row of the list needs for its label and tooltip


ORDERS: dict[str, Order] = {
    # the expressions must stay identical to the ones indexed in db/migrations/0013_browse_order.sql
    "person": Order("person", ("(CASE WHEN sort_name <> '' THEN sort_name ELSE name END) COLLATE NOCASE",),
                    "id, name, native_name, nationality"),
    "organization": Order("organization", ("name COLLATE NOCASE",), "id, name, kind"),
    "event": Order("event", (f"coalesce(start_lo, {MIN_INT})", "title"), "id, start, title, kind"),
}
Key = tuple[Any, ...]  # the values of an order's keys then the rid


def _order(table: str) -> Order:
    try:
        return ORDERS[table]
    except KeyError:
        raise ValueError(f"no browser list for table {table!r}") from None


def _select(o: Order) -> str:
    keys = ", ".join(f"{k} AS k{i}" for i, k in enumerate(o.keys))
    return f"SELECT {o.columns}, {keys}, rid FROM {o.table}"


def _by(o: Order, desc: bool = False) -> str:
    d = " DESC" if desc else ""
    return " ORDER BY " + ", ".join(f"{k}{d}" for k in (*o.keys, "rid"))


def _rows(db: sqlite_utils.Database, sql: str, params: tuple, n_keys: int) -> list[tuple[dict[str, Any], Key]]:
    """(columns as a dict, sort key) per row."""
    cur = db.conn.execute(sql, params)
    names = [d[0] for d in cur.description][: -(n_keys + 1)]
    n = len(names)
    return [(dict(zip(names, r[:n], strict=True)), tuple(r[n:])) for r in cur.fetchall()]


def _after(o: Order, key: Key, desc: bool, inclusive: bool = False) -> tuple[str, tuple]:
    """Rows after `key` (before it when `desc`; the row of `key` too if `inclusive`): a range on the
    first, indexed key, so SQLite seeks there, then the row value of the remaining keys (rows with the
    same first key)."""
    op, op_eq = ("<", "<=") if desc else (">", ">=")
    rest_op = op_eq if inclusive else op
    first, rest = o.keys[0], (*o.keys[1:], "rid")
    where = (f"{first} {op_eq} ? AND ({first} {op} ? OR ({', '.join(rest)}) {rest_op} "
             f"({', '.join('?' * len(rest))}))")
    return where, (key[0], key[0], *key[1:])


def count(db: sqlite_utils.Database, table: str) -> int:
    return int(db.conn.execute(f"SELECT count(*) FROM {_order(table).table}").fetchone()[0])


def max_rid(db: sqlite_utils.Database, table: str) -> int:
    """An upper bound of the row count that costs one b-tree descent (rids are never reused downwards)."""
    return int(db.conn.execute(f"SELECT coalesce(max(rid), 0) FROM {_order(table).table}").fetchone()[0])


def page_at(db: sqlite_utils.Database, table: str, offset: int, limit: int) -> list[tuple[dict[str, Any], Key]]:
    o = _order(table)
    return _rows(db, _select(o) + _by(o) + " LIMIT ? OFFSET ?", (limit, max(0, offset)), len(o.keys))


def page_from_end(db: sqlite_utils.Database, table: str, offset: int, limit: int) -> list[tuple[dict[str, Any], Key]]:
    """`limit` rows ending `offset` rows before the end, in list order: the index read backwards, so a
    page near the end costs as little as one near the start."""
    o = _order(table)
    rows = _rows(db, _select(o) + _by(o, desc=True) + " LIMIT ? OFFSET ?", (limit, max(0, offset)), len(o.keys))
    rows.reverse()
    return rows


def page_after(db: sqlite_utils.Database, table: str, key: Key, limit: int, *, inclusive: bool = False
               ) -> list[tuple[dict[str, Any], Key]]:
    o = _order(table)
    where, params = _after(o, key, desc=False, inclusive=inclusive)
    return _rows(db, _select(o) + " WHERE " + where + _by(o) + " LIMIT ?", (*params, limit), len(o.keys))


def page_before(db: sqlite_utils.Database, table: str, key: Key, limit: int) -> list[tuple[dict[str, Any], Key]]:
    """The `limit` rows just before `key`, in list order."""
    o = _order(table)
    where, params = _after(o, key, desc=True)
    rows = _rows(db, _select(o) + " WHERE " + where + _by(o, desc=True) + " LIMIT ?", (*params, limit), len(o.keys))
    rows.reverse()
    return rows


def key_of(db: sqlite_utils.Database, table: str, record_id: str) -> Key | None:
    """The sort key of the record with this id (its unique index), or None if there is none."""
    o = _order(table)
    keys = ", ".join(o.keys)
    r = db.conn.execute(f"SELECT {keys}, rid FROM {o.table} WHERE id = ?", (record_id,)).fetchone()
    return tuple(r) if r else None


def rank(db: sqlite_utils.Database, table: str, key: Key) -> int:
    """How many rows sort before `key`: a count over the index range below its first key, plus the rows
    that share the first key and come earlier (a handful)."""
    o = _order(table)
    first, rest = o.keys[0], (*o.keys[1:], "rid")
    below = db.conn.execute(f"SELECT count(*) FROM {o.table} WHERE {first} < ?", (key[0],)).fetchone()[0]
    ties = db.conn.execute(f"SELECT count(*) FROM {o.table} WHERE {first} = ? AND ({', '.join(rest)}) < "
                           f"({', '.join('?' * len(rest))})", key).fetchone()[0]
    return int(below) + int(ties)


def interrupt(db: sqlite_utils.Database) -> None:
    """Abort the query running on `db` from another thread (the browser is closing).  A closed
    connection (of either driver, plain or SQLCipher) has nothing to abort."""
    try:
        db.conn.interrupt()
    except DB_ERRORS:
        pass
