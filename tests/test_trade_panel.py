"""The trade panel in the window: what is drawn, hover text with sources, linking both ways."""

from __future__ import annotations

import html
import sys
from pathlib import Path

import pyqtgraph as pg
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor

sys.path.insert(0, str(Path(__file__).parent))
from trade_files import MYR_RATES, khm_kor_v1, write_rates  # noqa: E402

from dossier.app import build_window  # noqa: E402
from dossier.domain.timeaxis import year_to_x  # noqa: E402


@pytest.fixture
def window(qtbot, sample_db_path):
    w = build_window(sample_db_path, False)
    qtbot.addWidget(w)
    w.resize(1400, 1000)
    w.show()
    qtbot.waitExposed(w)
    return w


def _mid(year: int) -> float:
    return (year_to_x(year) + year_to_x(year + 1)) / 2


def _scene_pos(chart, x: float, y: float) -> QPointF:
    return chart.plot.vb.mapViewToScene(QPointF(x, y))


def test_sample_2018_quote_is_drawn_with_its_source(window, qtbot):
    panel = window.trade_panel
    assert panel.pair() == ("KHM", "KOR")
    chart = panel.chart
    xs, ys = chart.quoted_item.getData()
    assert list(ys) == [756e6] and year_to_x(2018) < xs[0] < year_to_x(2019)
    qtbot.wait(50)
    # pixels: the star's red is on screen where the point maps to
    pos = chart.glw.mapFromScene(_scene_pos(chart, xs[0], ys[0]))
    img = chart.glw.grab().toImage()
    dpr = img.devicePixelRatio()
    reds = [(dx, dy) for dx in range(-6, 7) for dy in range(-6, 7)
            if (c := QColor(img.pixel(int((pos.x() + dx) * dpr), int((pos.y() + dy) * dpr)))).red() > 150
            and c.green() < 80 and c.blue() < 100]
    assert len(reds) > 10
    # hover over 2018: the tooltip names the figure, its sources and their quote, as escaped plain text
    chart._mouse_moved(_scene_pos(chart, xs[0], ys[0] / 2))
    tip = chart.glw.toolTip()
    assert "about US$756 million" in tip and "seed-article" in tip and "khmer-times" in tip
    assert "14.7 per cent (base year 2017)" in tip
    from dossier.ui import plain
    assert tip == plain.tooltip(chart.view.year_text(2018))  # escaped plain text, not markup
    assert "not reported by Cambodia" in tip  # no statistics: said, not drawn as zero


def test_mirror_and_reporter_bars_and_gap(window, qtbot, tmp_path):
    from dossier.services.importing import import_files

    assert import_files(window.session.db, [khm_kor_v1(tmp_path / "t.csv")]).ok
    window.database_changed.emit()
    panel = window.trade_panel
    panel.mode_box.setCurrentIndex(panel.mode_box.findData("flows"))
    chart = panel.chart
    rep = chart.bars[("exports", "KHM")].opts
    mir = chart.bars[("exports", "KOR")].opts
    assert list(rep["height"]) == [200e6, 260e6, 300e6]  # 2016 missing: a gap, no zero-height bar
    assert list(mir["height"]) == [190e6, 215e6, 240e6, 275e6]
    assert not set(rep["x"]) & set(mir["x"])  # side by side, never stacked
    assert (2016, "exports", "KHM") in chart.gap_points
    gx, gy = chart.gap_item.getData()
    assert any(year_to_x(2016) < x < year_to_x(2017) for x in gx)
    legend = [item[1].text for item in chart.legend.items]
    assert any("Exports, reported by Cambodia (FOB)" in t for t in legend)
    assert any("mirror: reported by Republic of Korea (CIF)" in t for t in legend)
    chart._mouse_moved(_scene_pos(chart, _mid(2016), 1e8))
    assert "not reported by Cambodia (its exports): a gap, not zero" in chart.glw.toolTip()
    panel.set_currency("MYR")  # only the article's late-2019 rate: no rate dated 2015-2018
    assert "no rate for USD->MYR in 2015–2018" in html.unescape(chart.plot.getAxis("left").labelText)
    assert len(chart.bars[("exports", "KHM")].opts["height"]) == 0
    assert import_files(window.session.db, [write_rates(tmp_path / "r.csv", MYR_RATES)]).ok
    window.database_changed.emit()
    axis = html.unescape(chart.plot.getAxis("left").labelText)
    assert axis.split("<br>") == ["MYR at dated rates per USD:", "4.29 of 2015-12-31", "4.28 of 2017-06"]
    notes = html.unescape(chart.notes.text)
    assert "rate of 2015-12-31, source: seed-article; used for 2015–2016" in notes and "used for 2017–2018" in notes
    assert list(chart.bars[("exports", "KHM")].opts["height"]) == pytest.approx([200e6 * 4.29, 260e6 * 4.28,
                                                                                300e6 * 4.28])
    chart._mouse_moved(_scene_pos(chart, _mid(2018), 1e8))
    assert "at 4.28 MYR per USD, rate of 2017-06" in chart.glw.toolTip()
    panel.set_currency("EUR")
    assert len(chart.bars[("exports", "KHM")].opts["height"]) == 0
    assert "no stored rate" in panel.status.text()


def test_linking_both_ways(window, qtbot):
    panel = window.trade_panel
    chart = panel.chart
    window.year_highlighted.emit(2018)
    lo, hi = chart.highlight.getRegion()
    assert (lo, hi) == (year_to_x(2018), year_to_x(2019))
    # selecting an event between two states picks the pair and highlights its year
    window.record_selected.emit("event", "ri-sokhonn-meeting-2019")
    assert set(panel.pair()) == {"KHM", "PRK"}
    assert chart.highlight.getRegion()[0] == year_to_x(2019)
    window.record_selected.emit("event", "khm-kor-fta-study-signing")
    assert set(panel.pair()) == {"KHM", "KOR"}
    # a click on 2019 in the chart selects that year's events between the pair on the timeline
    qtbot.wait(50)
    p = chart.glw.mapFromScene(_scene_pos(chart, _mid(2019), 1e8))
    with qtbot.waitSignal(window.events_selected, timeout=2000) as sig:
        qtbot.mouseClick(chart.glw.viewport(), Qt.MouseButton.LeftButton, pos=p)
    assert set(sig.args[0]) == {"khm-kor-fta-study-signing", "asean-rok-summit-2019"}


def test_shares_the_timeline_x_axis_when_there_is_one(window, qtbot):
    from dossier.ui.trade_panel import link_to_timeline

    class FakeTimeline:
        def __init__(self):
            self.widget = pg.PlotWidget()
            self.plot_item = self.widget.getPlotItem()

    window.timeline = FakeTimeline()
    window.add_feature_dock("Timeline", window.timeline.widget, Qt.DockWidgetArea.TopDockWidgetArea)
    qtbot.wait(50)
    assert link_to_timeline(window, window.trade_panel)
    qtbot.wait(20)
    # pyqtgraph aligns linked views by screen position (the fake timeline has another geometry), so
    # check that the range follows, not that it is numerically identical
    before = window.trade_panel.chart.plot.vb.viewRange()[0]
    window.timeline.plot_item.setXRange(year_to_x(2000), year_to_x(2010), padding=0)
    lo, hi = window.trade_panel.chart.plot.vb.viewRange()[0]
    assert (lo, hi) != tuple(before) and year_to_x(1999) < (lo + hi) / 2 < year_to_x(2011)
    window.trade_panel.chart.plot.setXRange(year_to_x(2030), year_to_x(2040), padding=0)
    tlo, thi = window.timeline.plot_item.vb.viewRange()[0]
    assert year_to_x(2029) < (tlo + thi) / 2 < year_to_x(2041)


def test_dock_hideable_and_exports(window, qtbot, tmp_path):
    assert window.trade_panel.isVisible()
    window.trade_toggle.trigger()
    assert not window.trade_panel.isVisible()
    window.trade_toggle.trigger()
    assert window.trade_panel.isVisible()
    png, csv_ = tmp_path / "c.png", tmp_path / "c.csv"
    window.trade_panel.export_png(png)
    from PySide6.QtGui import QImage
    assert QImage(str(png)).width() == 2000
    assert window.trade_panel.export_csv(csv_) > 0
    assert "about US$756 million" in csv_.read_text(encoding="utf-8-sig")
    texts = [a.text() for a in window.menus["file"].actions()]
    assert "Export trade chart as PNG…" in texts and "Export trade table as CSV…" in texts
