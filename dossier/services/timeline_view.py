"""What one frame of the timeline shows (Qt-free, numpy): visible lanes, per-lane level of detail,
the rows to draw as items, the density strips for the rest; hit tests and keyboard neighbours.

Cost per frame is independent of the number of items outside the view: visible lanes come from a
binary search on lane tops, per-lane counts from prefix sums (`Layout.starts_cum/ends_cum`), the
visible rows from binary searches on the (lane, long, start) sort key.  A lane whose view holds more
than `lane_cap` items is drawn as a density strip; the rest as items.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dossier.domain.timeaxis import DAY, EPOCH_ORDINAL
from dossier.services.timeline import SHORT_DAYS, Layout

MIN_PX_PER_ITEM = 6.0  # a lane shows items while each has at least this many pixels on average
MAX_ITEMS = 4000  # items drawn individually per frame, at most


@dataclass
class Frame:
    lane_lo: int  # visible lanes [lane_lo, lane_hi)
    lane_hi: int
    counts: np.ndarray  # items overlapping the view per visible lane
    dense: np.ndarray  # bool per visible lane: drawn as density
    rows: np.ndarray  # row indices drawn as items
    density: np.ndarray | None  # (visible lanes, columns) counts for dense lanes (0 elsewhere)
    columns: int

    @property
    def n_items(self) -> int:
        return int(self.counts.sum())


def _x_to_day(x: float) -> float:
    return x / DAY + EPOCH_ORDINAL


def visible_lanes(lay: Layout, y0: float, y1: float) -> tuple[int, int]:
    if not lay.lanes:
        return 0, 0
    lo = max(0, int(np.searchsorted(lay.lane_top, y0, side="right")) - 1)
    hi = int(np.searchsorted(lay.lane_top, y1, side="left"))
    return lo, min(max(hi, lo), len(lay.lanes))


def lane_counts(lay: Layout, lanes: np.ndarray, x0: float, x1: float) -> np.ndarray:
    nb = lay.starts_cum.shape[1] - 1
    b0 = int(np.clip((_x_to_day(x0) - lay.day0) // lay.res, 0, nb))
    b1 = int(np.clip((_x_to_day(x1) - lay.day0) // lay.res + 1, 0, nb))
    return lay.starts_cum[lanes, b1] - lay.ends_cum[lanes, b0]


def _ranges_to_index(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Concatenate arange(lo[i], hi[i]) for all i, vectorised."""
    n = hi - lo
    keep = n > 0
    lo, n = lo[keep], n[keep]
    if not len(n):
        return np.zeros(0, np.int64)
    total = int(n.sum())
    starts = np.repeat(lo - np.concatenate(([0], np.cumsum(n)[:-1])), n)
    return starts + np.arange(total)


def rows_in_window(lay: Layout, lanes: np.ndarray, x0: float, x1: float) -> np.ndarray:
    """Row indices of the given lanes that overlap [x0, x1] (seconds), by binary search."""
    if not len(lanes) or not len(lay.r_key):
        return np.zeros(0, np.int64)
    d0 = int(np.floor(_x_to_day(x0))) - lay.day0
    d1 = int(np.ceil(_x_to_day(x1))) - lay.day0
    short_base = (lanes * 2) << 32
    long_base = (lanes * 2 + 1) << 32
    lo_s = np.searchsorted(lay.r_key, short_base + max(d0 - SHORT_DAYS - 1, -(1 << 31)))
    hi_s = np.searchsorted(lay.r_key, short_base + d1, side="right")
    reach = lay.long_reach[lanes].astype(np.int64)
    lo_l = np.searchsorted(lay.r_key, long_base + np.maximum(d0 - reach - 1, -(1 << 31)))
    hi_l = np.searchsorted(lay.r_key, long_base + d1, side="right")
    idx = np.concatenate((_ranges_to_index(lo_s, hi_s), _ranges_to_index(lo_l, hi_l)))
    return idx[(lay.x1[idx] >= x0) & (lay.x0[idx] <= x1)]


def frame(lay: Layout, x0: float, x1: float, y0: float, y1: float, width_px: float) -> Frame:
    lo, hi = visible_lanes(lay, y0, y1)
    lanes = np.arange(lo, hi, dtype=np.int64)
    if not len(lanes):
        z = np.zeros(0, np.int64)
        return Frame(lo, hi, z, np.zeros(0, bool), z, None, 0)
    counts = lane_counts(lay, lanes, x0, x1)
    cap = max(1.0, min(width_px / MIN_PX_PER_ITEM, MAX_ITEMS / max(1, len(lanes))))
    dense = counts > cap
    if lay.compact:  # a compressed lane has one row: density only
        dense |= lay.lane_compressed[lanes] & (counts > 0)
    rows = rows_in_window(lay, lanes[~dense], x0, x1)
    density = None
    cols = 0
    if dense.any():
        cols = int(max(16, min(width_px / 2, 1200)))
        edges_x = np.linspace(x0, x1, cols + 1)
        nb = lay.starts_cum.shape[1] - 1
        b = np.clip(((edges_x / DAY + EPOCH_ORDINAL) - lay.day0) // lay.res, 0, nb).astype(np.int64)
        dl = lanes[dense]
        s = lay.starts_cum[dl[:, None], np.minimum(b[1:] + 1, nb)[None, :]]  # only the cells needed
        e = lay.ends_cum[dl[:, None], b[:-1][None, :]]
        density = np.zeros((len(lanes), cols), np.int32)
        density[dense] = np.maximum(s - e, 0)
    return Frame(lo, hi, counts, dense, rows, density, cols)


def wants_compact(lay: Layout, x0: float, x1: float, width_px: float) -> bool:
    """Whether the compressible lanes should be compact for the time window [x0, x1]: when most of
    them hold more items there than fit legibly (leaving compact mode only at half that, so that a
    zoom around the threshold does not flip the lanes back and forth)."""
    lanes = np.flatnonzero(lay.lane_compressed)
    if not len(lanes) or width_px <= 0:
        return False
    cap = max(1.0, width_px / MIN_PX_PER_ITEM)
    typical = float(np.median(lane_counts(lay, lanes, x0, x1)))
    return typical > (cap * 0.5 if lay.compact else cap)


def hit_test(lay: Layout, fr: Frame, x: float, y: float, px_per_sec: float, tol_px: float = 5.0) -> int | None:
    """The row under (x seconds, y rows), markers counting `tol_px` wide; None when nothing."""
    if not len(fr.rows):
        return None
    rows = fr.rows
    ry = lay.r_y[rows]
    in_row = (y >= ry) & (y < ry + 1)
    tol = tol_px / max(px_per_sec, 1e-12)
    near = in_row & (lay.x0[rows] - tol <= x) & (lay.x1[rows] + tol >= x)
    cand = rows[near]
    if not len(cand):
        return None
    mid = (lay.x0[cand] + lay.x1[cand]) / 2
    width = lay.x1[cand] - lay.x0[cand]
    # the narrowest, nearest item wins (a marker over a long bar)
    return int(cand[np.lexsort((np.abs(mid - x), width))[0]])


def neighbour(lay: Layout, row: int, direction: str) -> int | None:
    """The row next to `row`: 'next'/'prev' in time in the same lane, 'up'/'down' the nearest in
    time in the lane above/below (skipping lanes without rows)."""
    lane = lay.r_lane[row]
    if direction in ("next", "prev"):
        same = np.flatnonzero(lay.r_lane == lane)
        order = same[np.argsort(lay.x0[same], kind="stable")]
        k = int(np.flatnonzero(order == row)[0])
        k += 1 if direction == "next" else -1
        return int(order[k]) if 0 <= k < len(order) else None
    step = 1 if direction == "down" else -1
    target = lane + step
    while 0 <= target < len(lay.lanes):
        cand = np.flatnonzero(lay.r_lane == target)
        if len(cand):
            mid = (lay.x0[row] + lay.x1[row]) / 2
            return int(cand[np.argmin(np.abs((lay.x0[cand] + lay.x1[cand]) / 2 - mid))])
        target += step
    return None
