"""The browser's lists without Qt: pages of rows (label, tooltip, the record they stand for, the sort
key that locates the next page), the row count, a record's place in the list, and search hits in the
same shape.  What the ui's list model shows; the SQL is in storage/browse_queries.py."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlite_utils

from dossier.storage import browse_queries as bq
from dossier.storage import queries

TABLES = ("person", "organization", "event")
PAGE = 256  # rows per page: a few screens of list
SMALL = 5_000  # a table with at most this many rids is read whole on the UI thread (a few ms)


@dataclass(frozen=True)
class Row:
    table: str  # the record's table (search hits mix tables)
    id: str
    label: str
    tooltip: str
    key: bq.Key | None = None  # sort key in its list (None for search hits)


def _label(table: str, c: dict[str, Any]) -> tuple[str, str]:
    """What the browser has always shown (main_window.refresh before the lists were paged)."""
    if table == "person":
        return (c["name"] + (f"  {c['native_name']}" if c["native_name"] else ""),
                f"{c['name']} ({c['nationality'] or '?'})")
    if table == "organization":
        return c["name"], f"{c['name']} [{c['kind']}]"
    return f"{c['start'] or '?'}  {c['title']}", f"{c['title']} [{c['kind']}]"


def _out(table: str, rows: list[tuple[dict[str, Any], bq.Key]]) -> list[Row]:
    return [Row(table, c["id"], *_label(table, c), key) for c, key in rows]


def is_small(db: sqlite_utils.Database, table: str) -> bool:
    """Cheap to list on the UI thread: one b-tree descent tells (the largest rid bounds the count)."""
    return bq.max_rid(db, table) <= SMALL


def count(db: sqlite_utils.Database, table: str) -> int:
    return bq.count(db, table)


def page(db: sqlite_utils.Database, table: str, number: int, *, after: bq.Key | None = None,
         before: bq.Key | None = None, total: int | None = None) -> list[Row]:
    """Page `number` (PAGE rows from number * PAGE).  With the key of the row just before the page
    (`after`) or just after it (`before`) it is an index seek; without, an OFFSET, whose cost grows
    with it: from the nearer end of the list when its `total` is known."""
    if after is not None:
        return _out(table, bq.page_after(db, table, after, PAGE))
    if before is not None:
        return _out(table, bq.page_before(db, table, before, PAGE))
    start = number * PAGE
    if total is not None and start > total // 2:
        end = min(total, start + PAGE)
        return _out(table, bq.page_from_end(db, table, total - end, end - start))
    return _out(table, bq.page_at(db, table, start, PAGE))


def page_rows(db: sqlite_utils.Database, table: str, limit: int = SMALL) -> list[Row]:
    """The first `limit` rows of a list at once (a small table: all of it)."""
    return _out(table, bq.page_at(db, table, 0, limit))


def position(db: sqlite_utils.Database, table: str, record_id: str) -> int | None:
    """The record's row in its list, or None if there is no such record."""
    key = bq.key_of(db, table, record_id)
    return None if key is None else bq.rank(db, table, key)


def locate(db: sqlite_utils.Database, table: str, record_id: str) -> tuple[int, list[Row]] | None:
    """The record's row in its list and the page holding it (read by index seeks around the record's
    key, not by OFFSET), or None if there is no such record."""
    key = bq.key_of(db, table, record_id)
    if key is None:
        return None
    pos = bq.rank(db, table, key)
    i = pos % PAGE
    rows = (bq.page_before(db, table, key, i) if i else []) + bq.page_after(db, table, key, PAGE - i, inclusive=True)
    return pos, _out(table, rows)


def exists(db: sqlite_utils.Database, table: str, record_id: str) -> bool:
    return bq.key_of(db, table, record_id) is not None


def search(db: sqlite_utils.Database, text: str) -> list[Row]:
    """Search hits as rows of the Search tab: the label names the table, the tooltip the label."""
    return [Row(h["table"], h["id"], f"{h['label']}  ({h['table']})", h["label"]) for h in queries.search(db, text)]


def interrupt(db: sqlite_utils.Database) -> None:
    """Abort a list query running on `db` in another thread."""
    bq.interrupt(db)
