"""Reading the timeline's items into numpy columns (see `timeline.load`, which calls `read`): a few
aggregate queries from `storage.timeline_queries` whose comma-separated integer columns numpy parses,
the best source grade per item joined by binary search, lane memberships joined by entity rowid; no
Python object per item, no per-row date parsing."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import sqlite_utils

from dossier.services.timeline import END_UNKNOWN, KIND_INDEX, ONGOING, UNCERTAIN, Data
from dossier.storage import timeline_queries as tq


def _ints(text: str | None) -> np.ndarray:
    """A comma-separated integer column from storage as an int64 array."""
    if not text:
        return np.zeros(0, np.int64)
    return np.fromstring(text, dtype=np.int64, sep=",")


def _day_pairs(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unpack `lo << DAY_BITS | hi` day pairs (0: NULL) into two float arrays with NaN for NULL."""
    lo = (a >> tq.DAY_BITS).astype(np.float64)
    hi = (a & ((1 << tq.DAY_BITS) - 1)).astype(np.float64)
    lo[lo == 0] = np.nan
    hi[hi == 0] = np.nan
    return lo, hi


def _lookup(sorted_keys: np.ndarray, sorter: np.ndarray, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions (in the unsorted array) of `wanted` values, and which were found."""
    if not len(sorted_keys):
        return np.zeros(len(wanted), np.int64), np.zeros(len(wanted), bool)
    pos = np.minimum(np.searchsorted(sorted_keys, wanted), len(sorted_keys) - 1)
    return sorter[pos], sorted_keys[pos] == wanted


def read(db: sqlite_utils.Database, window: tuple[int, int] | None, step: Callable[[float, str], None],
         today: int) -> Data:
    """`timeline.load` without the translation of an interrupt into `Cancelled`."""
    step(0.0, "reading items")
    cols: dict[str, list[np.ndarray]] = {}
    for part in tq.item_columns(db, KIND_INDEX, KIND_INDEX["other"], window):
        rid = _ints(part["rid"])
        arrays = {name: _ints(part[name]) for name in ("start", "end", "kind_flags", "country")}
        if any(len(a) != len(rid) for a in arrays.values()):
            raise ValueError(f"timeline columns of {tq.TABLES[part['code']]} do not line up")
        grade = np.zeros(len(rid), np.int8)
        g_rid, g = tq.best_grades(db, tq.TABLES[part["code"]])
        g_rid, g = _ints(g_rid), _ints(g)
        if len(g_rid) and len(rid):
            sorter = np.argsort(rid, kind="stable")
            at, found = _lookup(rid[sorter], sorter, g_rid)
            grade[at[found]] = g[found]
        arrays["grade"] = grade
        arrays["key"] = rid * 4 + part["code"]
        for name, a in arrays.items():
            cols.setdefault(name, []).append(a)
        step(0.5 * (part["code"] + 1) / 3, "reading items")
    c = {name: np.concatenate(parts) for name, parts in cols.items()}
    f = (c["kind_flags"] & 15).astype(np.int8)
    kind_ix = (c["kind_flags"] >> 4).astype(np.int8)
    (s_lo_a, s_hi_a), (e_lo_a, e_hi_a) = _day_pairs(c["start"]), _day_pairs(c["end"])
    del cols, c["start"], c["end"], c["kind_flags"]
    # only an end known: the start is unknown, draw from the end (it is flagged as a dated item)
    only_end = np.isnan(s_lo_a) & ~np.isnan(e_lo_a)
    s_lo_a[only_end], s_hi_a[only_end] = e_lo_a[only_end], e_lo_a[only_end]
    f[only_end] |= UNCERTAIN
    # an event without an end is a single (possibly imprecise) date
    point = np.isnan(e_lo_a) & ((f & (END_UNKNOWN | ONGOING)) == 0)
    e_lo_a[point], e_hi_a[point] = s_lo_a[point], s_hi_a[point]
    ongoing = (f & ONGOING) != 0
    e_lo_a[ongoing] = np.maximum(today, s_hi_a[ongoing])
    e_hi_a[ongoing] = e_lo_a[ongoing]
    unknown = (f & END_UNKNOWN) != 0
    e_lo_a[unknown], e_hi_a[unknown] = s_hi_a[unknown], s_hi_a[unknown]
    keys = c["key"]
    step(0.55, "reading lanes")
    entities = tq.lane_entities(db)
    m_keys, m_ents = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
    for k, (keys_text, ents_text) in enumerate(tq.membership_columns(db, window)):
        m_keys.append(_ints(keys_text))
        m_ents.append(_ints(ents_text))
        if len(m_keys[-1]) != len(m_ents[-1]):
            raise ValueError("timeline lane memberships do not line up")
        step(0.6 + 0.3 * (k + 1) / 5, "reading lane memberships")
    m_key, m_ent = np.concatenate(m_keys), np.concatenate(m_ents)
    step(0.9, "joining lanes")
    k_sorter = np.argsort(keys, kind="stable")
    mi, ok_i = _lookup(keys[k_sorter], k_sorter, m_key)
    erids = np.array([e["erid"] for e in entities], dtype=np.int64)
    e_sorter = np.argsort(erids, kind="stable")
    ml, ok_l = _lookup(erids[e_sorter], e_sorter, m_ent)
    ok = ok_i & ok_l
    n_ent = max(1, len(entities))
    pairs = np.sort(mi[ok] * n_ent + ml[ok])
    pairs = pairs[np.r_[True, pairs[1:] != pairs[:-1]]] if len(pairs) else pairs  # one per (item, lane)
    eras = tq.eras(db, window)
    step(1.0, "done")
    return Data(keys, kind_ix, s_lo_a, s_hi_a, e_lo_a, e_hi_a, f, c["grade"], c["country"],
                pairs // n_ent, pairs % n_ent, entities, eras, today)
