"""Merged ids keep pointing at their survivor (migration 0008): rows of an import or edit that still use
an old id are rewritten to the survivor before they are checked and looked up, so a later CSV update
of a merged record lands on the record it was merged into.  Each rewrite is reported as a warning."""

from __future__ import annotations

from typing import Any

import sqlite_utils

from dossier.exchange.csvio import Problem
from dossier.exchange.dossier_csv import Row
from dossier.storage import editing as st

_ENTITY_KINDS = ("people", "organizations")
_REF_TYPES = ("ref:people", "ref:organizations", "ref:entity")


_CANDIDATES: dict[str, tuple[str, ...]] = {}


def _columns(row: Row) -> list[str]:
    cand = _CANDIDATES.get(row.kind.name)
    if cand is None:
        cand = tuple(c.name for c in row.kind.columns if c.type in _REF_TYPES)
        if row.kind.name in _ENTITY_KINDS:
            cand += ("id",)
        _CANDIDATES[row.kind.name] = cand
    v = row.values
    return [c for c in cand if c in v]


def any_merges(db: sqlite_utils.Database) -> bool:
    return st.has_merges(db)


def follow(db: sqlite_utils.Database, rows: list[Row], warnings: list[Problem] | None = None) -> int:
    """Rewrite merged ids in `rows` (in place) to their survivors; returns how many cells changed."""
    wanted: list[str] = []
    for r in rows:
        wanted += [r.values[c] for c in _columns(r) if isinstance(r.values[c], str)]
    if not wanted:
        return 0
    to = st.merged_targets(db, wanted)
    if not to:
        return 0
    n = 0
    for r in rows:
        for c in _columns(r):
            v: Any = r.values[c]
            if isinstance(v, str) and v in to:
                r.values[c] = to[v]
                n += 1
                if warnings is not None:
                    warnings.append(Problem(r.file, r.line, c, f"{v!r} was merged into {to[v]!r}; "
                                                               f"this row now refers to {to[v]!r}", "warning"))
    return n
