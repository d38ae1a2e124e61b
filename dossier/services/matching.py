"""Matching rows without ids of ours (foreign formats) to existing records.

A foreign reader gives such a row a placeholder id (a slug of the name) and `Row.match`:
`{"name", "start", "end", "identifiers": [(scheme, value), ...]}`.

1. **Identifiers** (Wikidata QID, EveryPolitician UUID, the roster's own name key ...) found in the
   identifier table are exact: the row is that record.  A matched record is never overwritten by a
   foreign row: the row links to it (postings, identifiers, participants are added) and its own fields
   stay as they are (edit them in Dossier, or import a Dossier CSV with the record's id).
2. **Name + dates**: names are compared on `text.match_key` (case, invisible characters, spaces and
   hyphens folded) with rapidfuzz over people's names, sort names and aliases; a candidate whose known
   postings do not overlap the row's dates loses 10 points.  A match at 88 or above is *suggested*:
   it is listed in the change set as a match to confirm and, unless the import confirms matches
   (`Options.merge_matches`), the row is added as a new record under an unused id.  Never merged
   silently.

The same Matcher instance serves the plan and the apply pass (decisions are memoised per file and
line), so what the user reviewed is what is written.
"""

from __future__ import annotations

from typing import Any

import sqlite_utils
from rapidfuzz import fuzz, process

from dossier.domain.text import match_key
from dossier.exchange.dossier_csv import Options, Row
from dossier.storage import bulk, queries_match

THRESHOLD = 88


class Matcher:
    def __init__(self, db: sqlite_utils.Database, opts: Options):
        self.db = db
        self.opts = opts
        self.map: dict[tuple[str, str], str] = {}  # (file, placeholder) -> id used
        self.memo: dict[tuple[str, int, str], str] = {}
        self.reports: dict[tuple[str, int], dict[str, Any]] = {}
        self._names: tuple[list[str], list[str]] | None = None
        self.taken: set[str] = set()
        self._fresh_ids: dict[tuple[str, int, str], str] = {}

    def _index(self) -> tuple[list[str], list[str]]:
        if self._names is None:
            keys, ids = [], []
            for pid, name in queries_match.people_names(self.db):
                k = match_key(name)
                if k:
                    keys.append(k)
                    ids.append(pid)
            self._names = (keys, ids)
        return self._names

    def resolve(self, rows: list[Row], report: Any) -> None:
        if not self.map and not any(r.match is not None for r in rows):
            return  # nothing foreign in this chunk (the common case for Dossier CSV)
        for row in rows:
            if row.match is not None and "id" in row.values:
                self._resolve_one(row, report)
            self._rewrite_refs(row)

    def _rewrite_refs(self, row: Row) -> None:
        for col, val in list(row.values.items()):
            if col == "id" and row.match is not None:
                continue
            if isinstance(val, str) and (row.file, val) in self.map and col in row.kind.column_names \
                    and row.kind.column(col).type.startswith("ref:"):
                row.values[col] = self.map[(row.file, val)]

    def _resolve_one(self, row: Row, report: Any) -> None:
        placeholder = row.match.get("placeholder") or row.values["id"]
        row.match["placeholder"] = placeholder
        memo_key = (row.file, row.line, row.kind.name)
        if memo_key in self.memo:
            new_id, link_only = self.memo[memo_key]
        else:
            new_id, info = self._decide(row, placeholder)
            link_only = new_id != self._fresh_ids.get(memo_key)
            self.memo[memo_key] = (new_id, link_only)
            if info is not None:
                self.reports[(row.file, row.line)] = info
        if link_only:  # an existing record: the foreign row links to it, never overwrites its fields
            for col in list(row.values):
                if col != "id":
                    del row.values[col]
        row.values["id"] = new_id
        self.map[(row.file, placeholder)] = new_id
        info = self.reports.get((row.file, row.line))
        if info is not None and info not in report.matches:
            report.matches.append(info)

    def _decide(self, row: Row, placeholder: str) -> tuple[str, dict[str, Any] | None]:
        new_id, info = self._decide_inner(row, placeholder)
        return new_id, info

    def _decide_inner(self, row: Row, placeholder: str) -> tuple[str, dict[str, Any] | None]:
        m = row.match
        for scheme, value in m.get("identifiers") or []:
            ent = queries_match.entity_by_identifier(self.db, scheme, value)
            if ent is not None:
                return ent, None  # exact: the same record by an external id
        if row.kind.name != "people":
            return self._fresh(placeholder, row), None
        keys, ids = self._index()
        name = m.get("name") or ""
        best = None
        if keys:
            for _k, score, i in process.extract(match_key(name), keys, scorer=fuzz.token_sort_ratio,
                                                score_cutoff=THRESHOLD - 10, limit=5):
                how = f"name {score:.0f}%"
                span = queries_match.posting_span(self.db, ids[i])
                if span and m.get("start") is not None:
                    lo, hi = span
                    s = m["start"].earliest
                    e = m["end"].latest if m.get("end") is not None and hasattr(m["end"], "latest") else None
                    if (hi is not None and s > hi) or (e is not None and lo is not None and e < lo):
                        score -= 10
                        how += ", dates do not overlap"
                    else:
                        how += ", dates overlap"
                if score >= THRESHOLD and (best is None or score > best[1]):
                    best = (ids[i], score, how)
        if best is None:
            return self._fresh(placeholder, row), None
        info = {"file": row.file, "line": row.line, "kind": row.kind.name, "name": name, "record": best[0],
                "score": round(best[1]), "how": best[2]}
        if self.opts.merge_matches:
            info["status"] = "merged (confirmed)"
            return best[0], info  # the record stays as it is: only the link (and the file's identifiers)
        new_id = self._fresh(placeholder, row)
        info["status"] = f"match to confirm (added as new record {new_id})"
        return new_id, info

    def _fresh(self, placeholder: str, row: Row) -> str:
        cand = self._fresh_id(placeholder)
        self._fresh_ids[(row.file, row.line, row.kind.name)] = cand
        return cand

    def _fresh_id(self, placeholder: str) -> str:
        cand, n = placeholder, 1
        while cand in self.taken or bulk.existing_ids(self.db, "entity", {cand}) \
                or bulk.existing_ids(self.db, "event", {cand}):
            n += 1
            cand = f"{placeholder}-{n}"
        self.taken.add(cand)
        return cand
