"""Zoomed out, busy lanes are one row tall density strips (many lanes fit); zoomed in, they expand
back to their sub-rows and items; quiet lanes never change."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor

from dossier.domain.timeaxis import ordinal_to_x
from dossier.plotting.timeline_plot import TimelinePlot
from dossier.services import timeline as tl
from dossier.services import timeline_compact as tc
from dossier.services import timeline_view as tv


def _o(y, m=1, d=1):
    return dt.date(y, m, d).toordinal()


def _layout(busy_lanes=30, per_lane=3000, quiet_lanes=2, seed=5):
    """Busy lanes full of overlapping points and bars; two quiet lanes with one item each."""
    rng = np.random.default_rng(seed)
    n = busy_lanes * per_lane + quiet_lanes
    s = rng.integers(_o(1980), _o(2020), n).astype(float)
    e = s.copy()
    kind = np.full(n, tl.KIND_INDEX["meeting"], np.int8)
    bars = rng.random(n) < 0.2
    e[bars] += rng.integers(30, 900, int(bars.sum()))
    kind[bars] = tl.KIND_INDEX["posting"]
    lanes = np.r_[np.repeat(np.arange(busy_lanes), per_lane), busy_lanes + np.arange(quiet_lanes)]
    ents = [dict(id=f"p{i:03d}", kind="person", name=f"P {i:03d}", sort_name=f"P {i:03d}", country=None)
            for i in range(busy_lanes + quiet_lanes)]
    d = tl.Data(np.arange(n, dtype=np.int64) * 4 + 1, kind, s, s, e, e, np.zeros(n, np.int8), np.zeros(n, np.int8),
                np.zeros(n, np.int64), np.arange(n, dtype=np.int64), lanes.astype(np.int64), ents, [])
    return tl.layout(d)


def test_compact_geometry_switches_in_place():
    lay = _layout()
    full_rows = [ln.rows for ln in lay.lanes]
    assert max(full_rows) > 1
    busy = lay.lane_compressed
    assert busy.sum() == 30 and not busy[0]  # the group header and the quiet lanes are not compressed
    r_y_full = lay.r_y.copy()
    assert tc.set_compact(lay, True) and lay.compact
    assert all(ln.rows == 1 for ln, b in zip(lay.lanes, busy, strict=True) if b)
    assert lay.total_rows == 1 + 30 + sum(full_rows[-2:])
    tops = np.array([ln.top for ln in lay.lanes])
    assert (np.diff(tops) > 0).all() and (lay.lane_top == tops).all()
    assert (lay.r_y == tops[lay.r_lane])[busy[lay.r_lane]].all()  # every row of a busy lane on its one row
    fr = tv.frame(lay, ordinal_to_x(_o(2000)), ordinal_to_x(_o(2000, 2)), 0, lay.total_rows, 1500)
    shown = np.arange(fr.lane_lo, fr.lane_hi)
    assert fr.dense[busy[shown] & (fr.counts > 0)].all()  # compressed lanes are density only
    assert not tc.set_compact(lay, True)
    assert tc.set_compact(lay, False) and [ln.rows for ln in lay.lanes] == full_rows
    assert (lay.r_y == r_y_full).all()


def test_wants_compact_follows_the_window_with_hysteresis():
    lay = _layout()
    whole = (ordinal_to_x(_o(1980)), ordinal_to_x(_o(2020)))
    month = (ordinal_to_x(_o(2000)), ordinal_to_x(_o(2000, 2)))
    assert tv.wants_compact(lay, *whole, 1500)
    assert not tv.wants_compact(lay, *month, 1500)
    # between the two thresholds the current mode stays
    span = whole[1] - whole[0]
    per_year = 3000 / 40
    between = (whole[0], whole[0] + span * (1500 / tv.MIN_PX_PER_ITEM * 0.75) / (per_year * 40))
    lay.compact = False
    assert not tv.wants_compact(lay, *between, 1500)
    lay.compact = True
    assert tv.wants_compact(lay, *between, 1500)


def test_fit_shows_many_compact_lanes_and_zoom_expands_them(qtbot):
    lay = _layout()
    plot = TimelinePlot()
    qtbot.addWidget(plot)
    plot.resize(1400, 800)
    plot.set_layout(lay)
    plot.show()
    qtbot.waitExposed(plot)
    plot.fit_all()
    qtbot.wait(30)
    assert lay.compact
    img = plot.grab().toImage()
    fr = plot.items.last_frame
    assert fr.lane_hi - fr.lane_lo >= 30  # all the busy lanes fit (6 sub-rows each would show ~6)
    assert fr.dense[1:31].all()
    assert set(lay.r_lane[fr.rows].tolist()) == {31, 32}  # only the quiet lanes' items, one by one
    # a busy lane's row is a density strip: bluish in the middle of the plot, lane background above
    lane = lay.lanes[5]
    mid = plot.mapFromScene(plot.vb.mapViewToScene(QPointF(ordinal_to_x(_o(2000)), lane.top + 0.5)))
    c = QColor(img.pixel(mid.x(), mid.y()))
    assert c.blue() > c.red() + 40, c.name()
    gap = plot.mapFromScene(plot.vb.mapViewToScene(QPointF(ordinal_to_x(_o(2000)), lane.top + 0.99)))
    assert QColor(img.pixel(gap.x(), gap.y())).red() > 220  # the pixel row between two strips
    # zoomed to a month, the lanes expand (the top lane stays at the top) and items are drawn
    top_before = plot.vb.viewRange()[1][0]
    plot.vb.setXRange(ordinal_to_x(_o(2000)), ordinal_to_x(_o(2000, 2)), padding=0)
    qtbot.wait(30)
    plot.grab()
    assert not lay.compact
    assert plot.vb.viewRange()[1][0] == pytest.approx(top_before, abs=0.5)
    fr = plot.items.last_frame
    assert len(fr.rows) > 0 and not fr.dense.any()
    assert max(ln.rows for ln in lay.lanes) > 1
    # Home fits all again: compact
    plot.fit_all()
    assert lay.compact


def test_sample_lanes_never_compress(sample_db):
    lay = tl.layout(tl.load(sample_db))
    assert not tc.has_compact(lay)
    assert not tc.set_compact(lay, True) and not lay.compact
