"""The timeline is the main view: it keeps most of the height above the trade panel (a share remembered
in the settings), and its lane labels never draw over each other, at any window size."""

from __future__ import annotations

import itertools

import pytest

from dossier.app import build_window
from dossier.ui.settings import Settings
from dossier.ui.timeline_split import DEFAULT_SHARE, SETTING

SIZES = [(1400, 950), (1280, 800), (1024, 700), (900, 560)]


def _open(qtbot, db_path, size):
    w = build_window(db_path, False)
    qtbot.addWidget(w)
    w.resize(*size)
    w.show()
    qtbot.waitExposed(w)
    qtbot.wait(60)
    return w


def _drawn_labels(w):
    """The lane labels as painted (text and scene rectangle) after a real paint of the window."""
    w.grab()  # paints the lane column: its draw specs are what was drawn
    axis = w.timeline.plot.lane_axis
    return [(text, axis.mapRectToScene(rect)) for rect, text in axis.drawn_labels]


@pytest.mark.parametrize("size", SIZES[:3])
def test_timeline_gets_more_height_than_the_trade_panel(qtbot, sample_db_path, size):
    w = _open(qtbot, sample_db_path, size)
    split = w.trade_splitter
    top, bottom = split.sizes()
    assert split.widget(0) is w.timeline and split.widget(1) is w.trade_panel
    assert w.timeline.height() > w.trade_panel.height() and top > bottom, (size, top, bottom)
    # the trade panel still has room for its chart
    assert w.trade_panel.chart.height() >= 150


def test_shrinking_the_window_keeps_the_proportion(qtbot, sample_db_path):
    w = _open(qtbot, sample_db_path, (1400, 950))
    w.resize(1024, 700)
    qtbot.wait(60)
    top, bottom = w.trade_splitter.sizes()
    assert top > bottom


@pytest.mark.parametrize("size", SIZES)
def test_lane_labels_never_overlap(qtbot, sample_db_path, size):
    w = _open(qtbot, sample_db_path, size)
    labels = _drawn_labels(w)
    texts = [t for t, _r in labels]
    assert len(labels) >= 4, texts
    assert any(t.endswith("PEOPLE") for t in texts), texts  # group headers are shown
    for (ta, ra), (tb, rb) in itertools.combinations(labels, 2):
        assert not ra.intersects(rb), f"{ta!r} {ra} overlaps {tb!r} {rb} at {size}"


def test_labels_of_squeezed_lanes_are_left_out_not_overprinted(qtbot, sample_db_path):
    """Even when the view is forced to show every lane in a few pixels each, no two labels touch; the
    names left out are the lane's tooltip."""
    w = _open(qtbot, sample_db_path, (1024, 560))
    plot = w.timeline.plot
    lay = plot.layout_
    plot.vb.setYRange(-0.2, lay.total_rows + 0.2, padding=0)  # all 23 rows in ~200 px
    qtbot.wait(30)
    labels = _drawn_labels(w)
    assert 2 <= len(labels) < len(lay.lanes)
    for (ta, ra), (tb, rb) in itertools.combinations(labels, 2):
        assert not ra.intersects(rb), f"{ta!r} overlaps {tb!r}"
    # a lane whose label is not drawn: its name is what the lane column says under the pointer
    drawn = {t for t, _r in labels}
    hidden = next(ln for ln in lay.lanes if ln.kind != "group" and ln.name[:20] not in " ".join(drawn))
    pos = plot.vb.mapViewToScene(plot.vb.mapSceneToView(plot.lane_axis.sceneBoundingRect().center()))
    pos.setY(plot.vb.mapViewToScene(plot.vb.mapSceneToView(pos)).y())
    from PySide6.QtCore import QPointF

    y_scene = plot.vb.mapViewToScene(QPointF(0, hidden.center)).y()
    at = QPointF(plot.lane_axis.sceneBoundingRect().center().x(), y_scene)
    assert plot.lane_axis.label_at(at) == hidden.name


def test_rows_keep_a_readable_height_when_the_window_shrinks(qtbot, sample_db_path):
    from dossier.plotting.timeline_plot import MIN_ROW_PX

    w = _open(qtbot, sample_db_path, (1400, 950))
    w.resize(1024, 560)
    qtbot.wait(60)
    vb = w.timeline.plot.vb
    _, (y0, y1) = vb.viewRange()
    assert vb.height() / abs(y1 - y0) >= MIN_ROW_PX - 0.01


def test_split_share_is_remembered_across_sessions(qtbot, sample_db_path):
    w = _open(qtbot, sample_db_path, (1280, 800))
    split = w.trade_splitter
    assert abs(split.sizes()[0] / sum(split.sizes()) - DEFAULT_SHARE) < 0.02
    total = sum(split.sizes())
    split.moveSplitter(int(total * 0.45), 1)  # as a drag of the handle does
    assert Settings().get(SETTING) is None  # a drag's write waits for the drag to end...
    w.close()  # ...or for the window to close
    stored = Settings().get(SETTING)
    assert abs(float(stored) - 0.45) < 0.02
    text = Settings().path.read_text(encoding="utf-8")
    assert "timeline_share" in text and "Cambodia" not in text and "Ri Kil" not in text
    w2 = _open(qtbot, sample_db_path, (1280, 800))
    top, bottom = w2.trade_splitter.sizes()
    assert abs(top / (top + bottom) - 0.45) < 0.02
    w2.close()
    # a damaged value falls back to the default instead of failing
    Settings().set(SETTING, "not a number")
    w3 = _open(qtbot, sample_db_path, (1280, 800))
    top, bottom = w3.trade_splitter.sizes()
    assert abs(top / (top + bottom) - DEFAULT_SHARE) < 0.02


def test_a_short_trade_chart_leaves_out_the_growth_strip(qtbot, sample_db_path):
    """Under the timeline in a small window the chart keeps its main plot readable; with room (a taller
    panel, or the exported image) the growth strip is back."""
    w = _open(qtbot, sample_db_path, (1280, 800))
    chart = w.trade_panel.chart
    assert chart.height() < chart.SHORT_BELOW and chart.compact and not chart.growth.isVisible()
    assert chart.plot.getViewBox().height() >= 80  # the main plot keeps the room
    split = w.trade_splitter
    split.moveSplitter(int(sum(split.sizes()) * 0.3), 1)
    qtbot.wait(30)
    assert chart.height() >= chart.SHORT_BELOW and not chart.compact and chart.growth.isVisible()
    assert chart.growth.getViewBox().height() > 20
