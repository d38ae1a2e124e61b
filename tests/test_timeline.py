"""The timeline: model, drawing (pixels), interaction, filters, level of detail, image export."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt

from dossier.app import build_window
from dossier.domain.timeaxis import ordinal_to_x
from dossier.services import timeline as tl
from dossier.services import timeline_view as tv


def _o(y, m=1, d=1):
    return dt.date(y, m, d).toordinal()


@pytest.fixture
def window(qtbot, sample_db_path):
    w = build_window(sample_db_path, False)
    qtbot.addWidget(w)
    w.resize(1500, 900)
    w.show()
    qtbot.waitExposed(w)
    qtbot.wait(50)
    return w


def test_model_has_ri_lane_with_posting_2004_2008(sample_db):
    lay = tl.layout(tl.load(sample_db))
    lane = lay.lane_of_entity("ri-kil-song")
    assert lane is not None
    rows = np.flatnonzero(lay.r_lane == lane)
    postings = [r for r in rows if lay.data.kind[lay.r_item[r]] == tl.KIND_INDEX["posting"]]
    assert len(postings) == 1
    r = postings[0]
    # honest dates: possible start spans 2004, certain part 2005-01-01 .. 2008-01-01, possible end spans 2008
    assert lay.x0[r] == ordinal_to_x(_o(2004)) and lay.x0s[r] == ordinal_to_x(_o(2005))
    assert lay.x1s[r] == ordinal_to_x(_o(2008)) and lay.x1[r] == ordinal_to_x(_o(2009))
    # the meeting is one item connecting Ri's and Sokhonn's lanes (and both states)
    key = lay.data.key[lay.r_item[rows]]
    meeting = [i for i in range(len(lay.data.key)) if lay.data.kind[i] == tl.KIND_INDEX["meeting"]][0]
    lanes = {lay.lanes[lay.r_lane[r]].entity for r in lay.rows_of_item(meeting)}
    assert lanes == {"ri-kil-song", "prak-sokhonn", "KHM", "PRK"}
    assert len(key)


def test_window_read_uses_the_index(sample_db):
    from dossier.storage import timeline_queries as tq

    plan = " ".join(tq.explain_window(sample_db, (_o(2019), _o(2019, 12, 31))))
    assert "SEARCH timeline_span USING COVERING INDEX timeline_span_reach_lo" in plan and "SCAN" not in plan
    d = tl.load(sample_db, (_o(2005), _o(2006)))
    assert sorted(tl.KINDS[k] for k in d.kind) == ["posting", "relation"]


def test_sample_png_has_the_bar_where_the_dates_say(qapp, sample_db):
    from dossier.plotting.timeline_export import render_timeline_image

    img = render_timeline_image(sample_db, lanes=["ri-kil-song"], start=_o(2000), end=_o(2012, 12, 31),
                                width=1300, height=200)
    assert img.width() == 1300
    colours = {img.pixel(x, y) for x in range(0, img.width(), 5) for y in range(0, img.height(), 5)}
    assert len(colours) > 10  # not blank
    # the x pixel of a date: the plot spans 2000-01-01 .. 2013-01-01 linearly inside the view box
    from PySide6.QtGui import QColor

    bar = QColor("#3b6ea8").rgb()
    ys = [y for y in range(img.height()) if any(img.pixel(x, y) == bar for x in range(img.width()))]
    assert ys, "no solid posting bar drawn"
    y = ys[len(ys) // 2]
    xs = [x for x in range(img.width()) if img.pixel(x, y) == bar]
    left, right = min(xs), max(xs)
    # find the plot's x scale from the solid part: 2005-01-01 .. 2008-01-01 (3 years)
    per_day = (right - left + 1) / (_o(2008) - _o(2005))
    x2000 = left - (_o(2005) - _o(2000)) * per_day
    assert 150 < x2000 < 350  # the lane column is on the left, then 2000 starts the plot
    # the possible start (2004) fades: lighter than the bar, but not background
    mid2004 = int(left - 182 * per_day)
    c = QColor(img.pixel(mid2004, y))
    assert c.rgb() != bar and c.blue() > c.red()
    # nothing of the bar after 2009
    assert QColor(img.pixel(int(right + 400 * per_day), y)).rgb() != bar


def test_click_bar_fills_details_and_keyboard_navigates(window, qtbot):
    tlp = window.timeline
    plot = tlp.plot
    lay = tlp.layout_
    lane = lay.lane_of_entity("ri-kil-song")
    r = [r for r in np.flatnonzero(lay.r_lane == lane) if lay.data.kind[lay.r_item[r]] == tl.KIND_INDEX["posting"]][0]
    plot.vb.setRange(xRange=(ordinal_to_x(_o(2000)), ordinal_to_x(_o(2012))), padding=0)
    plot.scroll_to_row(float(lay.r_y[r]))
    qtbot.wait(30)
    scene = plot.vb.mapViewToScene(QPointF(ordinal_to_x(_o(2006, 6, 1)), float(lay.r_y[r]) + 0.5))
    pos = plot.mapFromScene(scene)
    qtbot.mouseClick(plot.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    qtbot.waitUntil(lambda: window.details.current is not None)
    assert window.details.current.table == "posting"
    assert "2004 – 2008: Advisor" in window.details.text() and "[B2]" in window.details.text()
    assert window.details.findItems("year precision", Qt.MatchFlag.MatchContains | Qt.MatchFlag.MatchRecursive)
    # Ctrl+Up reaches an item in the lane above; the details follow
    with qtbot.waitSignal(window.record_selected):
        qtbot.keyClick(plot, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)
    assert plot.selected_row is not None and lay.r_lane[plot.selected_row] < lane
    years = []
    window.year_highlighted.connect(years.append)
    sel = plot.selected_row
    qtbot.keyClick(plot, Qt.Key.Key_Down, Qt.KeyboardModifier.ControlModifier)
    assert plot.selected_row != sel
    # Home fits all; + zooms in
    qtbot.keyClick(plot, Qt.Key.Key_Home)
    (a, b), _ = plot.vb.viewRange()
    qtbot.keyClick(plot, Qt.Key.Key_Plus)
    (c, d), _ = plot.vb.viewRange()
    assert (d - c) == pytest.approx((b - a) / 2, rel=0.01)


def test_selecting_event_highlights_year(window, qtbot):
    years = []
    window.year_highlighted.connect(years.append)
    lay = window.timeline.layout_
    meeting = [i for i in range(len(lay.data.key)) if lay.data.kind[i] == tl.KIND_INDEX["summit"]][0]
    window.timeline.plot.select_row(int(lay.rows_of_item(meeting)[0]))
    assert years == [2019]
    assert window.details.current.id == "asean-rok-summit-2019"


def test_wheel_zoom_keeps_the_point_under_the_pointer(window, qtbot):
    plot = window.timeline.plot
    plot.vb.setRange(xRange=(ordinal_to_x(_o(1990)), ordinal_to_x(_o(2020))), padding=0)
    qtbot.wait(20)
    vb_rect = plot.vb.sceneBoundingRect()
    scene_pt = QPointF(vb_rect.left() + vb_rect.width() * 0.25, vb_rect.center().y())
    before = plot.vb.mapSceneToView(scene_pt).x()
    (a, b), _ = plot.vb.viewRange()
    from PySide6.QtGui import QWheelEvent

    vp = plot.mapFromScene(scene_pt)
    ev = QWheelEvent(QPointF(vp), QPointF(plot.viewport().mapToGlobal(vp)), QPoint(0, 0), QPoint(0, 240),
                     Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    from PySide6.QtWidgets import QApplication

    QApplication.sendEvent(plot.viewport(), ev)
    qtbot.wait(20)
    (c, d), _ = plot.vb.viewRange()
    assert d - c < (b - a) * 0.9  # zoomed in
    after = plot.vb.mapSceneToView(scene_pt).x()
    assert after == pytest.approx(before, abs=(b - a) * 0.01)  # around the pointer
    assert c > a  # not around the left edge or the centre


def test_filters_hide_items_and_browser_scrolls_to_lane(window, qtbot):
    tlp = window.timeline
    n_all = len(tlp.layout_.r_item)
    tlp.kind_actions["relation"].setChecked(False)
    assert len(tlp.layout_.r_item) == n_all - 2
    assert all(tl.KINDS[k] != "relation" for k in tlp.layout_.data.kind[tlp.layout_.r_item])
    tlp.kind_actions["relation"].setChecked(True)
    tlp.lane_text.setText("sokhonn")
    assert [ln.entity for ln in tlp.layout_.lanes if ln.kind != "group"] == ["prak-sokhonn"]
    tlp.lane_text.setText("")
    tlp.grade.setCurrentIndex(1)  # A only: the summit's dates come from a grade-A record
    kinds = {tl.KINDS[k] for k in tlp.layout_.data.kind[tlp.layout_.r_item]}
    assert kinds == {"summit"}
    tlp.grade.setCurrentIndex(0)
    # browser selection scrolls to the lane
    plot = tlp.plot
    plot.vb.setYRange(30, 40, padding=0)
    window.browser.select("person", "ri-kil-song")
    lane = tlp.layout_.lanes[tlp.layout_.lane_of_entity("ri-kil-song")]
    (_x, (y0, y1)) = plot.vb.viewRange()
    assert min(y0, y1) <= lane.top and lane.top + lane.rows <= max(y0, y1)


def test_search_box_jumps_to_event(window, qtbot):
    tlp = window.timeline
    tlp.search.setText("Busan")
    assert tlp.hits.count() >= 1
    tlp.hits.setCurrentRow(0)
    assert tlp.plot.selected_row is not None
    assert window.details.current is not None and window.details.current.table == "event"


def _synthetic_layout(n_items, lanes=10, seed=1):
    rng = np.random.default_rng(seed)
    s = rng.integers(_o(1980), _o(2020), n_items).astype(float)
    d = tl.Data(np.arange(n_items, dtype=np.int64) * 4 + 1, np.full(n_items, 1, np.int8), s, s, s, s,
                np.zeros(n_items, np.int8), np.zeros(n_items, np.int8), np.full(n_items, None, object),
                np.arange(n_items, dtype=np.int64), rng.integers(0, lanes, n_items).astype(np.int64),
                [dict(id=f"p{i}", kind="person", name=f"P {i}", sort_name=f"P {i:03d}", country=None)
                 for i in range(lanes)], [])
    return tl.layout(d)


def test_level_of_detail_switches_at_threshold():
    lay = _synthetic_layout(20000)
    x0, x1 = ordinal_to_x(_o(1980)), ordinal_to_x(_o(2020))
    fr = tv.frame(lay, x0, x1, 0, lay.total_rows, 1200)
    assert lay.lanes[0].kind == "group" and fr.counts[0] == 0 and not fr.dense[0]
    assert fr.dense[1:].all() and fr.density is not None and fr.density.sum() > 0 and len(fr.rows) == 0
    # zoomed to a month: few items per lane, drawn individually
    a, b = ordinal_to_x(_o(2000, 3, 1)), ordinal_to_x(_o(2000, 4, 1))
    fr2 = tv.frame(lay, a, b, 0, lay.total_rows, 1200)
    assert not fr2.dense.any() and len(fr2.rows) == fr2.n_items > 0
    assert ((lay.x1[fr2.rows] >= a) & (lay.x0[fr2.rows] <= b)).all()
    # the threshold: a lane shows items up to width / MIN_PX_PER_ITEM items
    cap = 1200 / tv.MIN_PX_PER_ITEM
    fr3 = tv.frame(lay, a, ordinal_to_x(_o(2002)), 0, lay.total_rows, 1200)
    assert ((fr3.counts > cap) == fr3.dense).all()


def test_exact_visible_rows_match_brute_force():
    lay = _synthetic_layout(5000, lanes=7, seed=3)
    a, b = ordinal_to_x(_o(1995)), ordinal_to_x(_o(1996, 6, 1))
    got = set(tv.rows_in_window(lay, np.arange(len(lay.lanes)), a, b).tolist())
    want = set(np.flatnonzero((lay.x1 >= a) & (lay.x0 <= b)).tolist())
    assert got == want


def test_cli_export_image(qapp, sample_db_path, tmp_path):
    from PySide6.QtGui import QImage

    from dossier.cli.main import main

    out = tmp_path / "t.png"
    assert main(["export", "image", "--db", str(sample_db_path), "-o", str(out), "--from", "2003", "--to", "2010",
                 "--lanes", "ri-kil-song", "--size", "900x160"]) == 0
    img = QImage(str(out))
    assert (img.width(), img.height()) == (900, 160)
    assert len({img.pixel(x, y) for x in range(0, 900, 9) for y in range(0, 160, 4)}) > 8
    assert main(["export", "image", "--db", str(sample_db_path), "-o", str(out), "--size", "big"]) == 1
