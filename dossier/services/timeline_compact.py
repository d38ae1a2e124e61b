"""Compact lanes (Qt-free): zoomed out, a busy lane is a density strip, and a strip needs one row, not
the sub-rows its items need when drawn one by one.  So a layout has two y geometries:

* full: every lane as tall as its sub-rows (what `timeline.layout` computes);
* compact: every *compressible* lane (at least `COMPACT_MIN_ITEMS` dated items and more than one
  sub-row) one row tall, always drawn as density; the other lanes as in the full geometry.

`set_compact(lay, on)` switches in place (lane tops and heights, row y, total height), so everything
that reads the layout follows; row indices do not change.  `timeline_view.wants_compact` decides from
the visible time window (with hysteresis), the plot switches.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from dossier.services.timeline import Layout

COMPACT_MIN_ITEMS = 100


def prepare(lay: Layout) -> None:
    """Compute both geometries of a fresh (full) layout."""
    tops = np.array([ln.top for ln in lay.lanes], dtype=np.float64)
    rows = np.array([ln.rows for ln in lay.lanes], dtype=np.float64)
    counts = np.array([ln.count for ln in lay.lanes], dtype=np.int64)
    groups = np.array([ln.kind == "group" for ln in lay.lanes], dtype=bool)
    compressed = ~groups & (rows > 1) & (counts >= COMPACT_MIN_ITEMS)
    rows_c = np.where(compressed, 1.0, rows)
    tops_c = np.concatenate(([0.0], np.cumsum(rows_c)[:-1])) if len(rows_c) else rows_c
    r_y_c = tops_c[lay.r_lane] + np.where(compressed[lay.r_lane], 0.0, lay.r_y - tops[lay.r_lane])
    lay.lane_compressed = compressed
    lay.geometry = {
        False: (tops, rows, lay.r_y, float(lay.total_rows)),
        True: (tops_c, rows_c, r_y_c, float(rows_c.sum())),
    }
    lay.compact = False


def has_compact(lay: Layout) -> bool:
    return bool(len(lay.lane_compressed) and lay.lane_compressed.any())


def set_compact(lay: Layout, on: bool) -> bool:
    """Switch `lay` to the compact (or full) geometry; True when something changed."""
    on = bool(on) and has_compact(lay)
    if on == lay.compact or not lay.geometry:
        return False
    tops, rows, r_y, total = lay.geometry[on]
    for ln, t, r in zip(lay.lanes, tops.tolist(), rows.tolist(), strict=True):
        ln.top, ln.rows = t, int(r)
    lay.lane_top = tops
    lay.r_y = r_y
    lay.total_rows = total
    lay.compact = on
    return True
