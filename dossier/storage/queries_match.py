"""Reads the matcher needs: every person's names (name, sort name, aliases), entity by identifier,
and the span of a person's postings (earliest start, latest end as day ordinals)."""

from __future__ import annotations

from collections.abc import Iterator

import sqlite_utils


def people_names(db: sqlite_utils.Database) -> Iterator[tuple[str, str]]:
    yield from db.conn.execute(
        "SELECT id, name FROM person UNION ALL SELECT id, sort_name FROM person WHERE sort_name <> '' "
        "UNION ALL SELECT a.entity, a.name FROM alias a JOIN person p ON p.id = a.entity")


def entity_by_identifier(db: sqlite_utils.Database, scheme: str, value: str) -> str | None:
    r = db.conn.execute("SELECT entity FROM identifier WHERE scheme = ? AND value = ?", (scheme, value)).fetchone()
    return r[0] if r else None


def posting_span(db: sqlite_utils.Database, person: str) -> tuple[int | None, int | None] | None:
    r = db.conn.execute("SELECT min(start_lo), max(coalesce(end_hi, start_hi)) FROM posting WHERE person = ?",
                        (person,)).fetchone()
    if r is None or (r[0] is None and r[1] is None):
        return None
    return r[0], r[1]
