"""The trade panel's fast pair switch: reused plot items must draw exactly the new pair (no stale bars,
event lines or legend names), the commodity tab is filled when shown, an import that does not touch
trade rows or rates keeps the statistics cache, and the mode picker shows its whole text."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QColor

sys.path.insert(0, str(Path(__file__).parent))
from trade_files import khm_kor_v1  # noqa: E402

from dossier.app import build_window  # noqa: E402
from dossier.domain.timeaxis import year_to_x  # noqa: E402
from dossier.plotting.trade_chart import COLOURS, _year_x  # noqa: E402
from dossier.services.importing import import_files  # noqa: E402
from dossier.services.trade import TradeService  # noqa: E402


def _event_files(d: Path) -> list[Path]:
    (d / "events.csv").write_text("id,kind,title,start,country,source\n"
                                  "khm-kor-trade-talks-2017,meeting,Trade talks in Seoul,2017-05-02,KOR,seed-article\n",
                                  encoding="utf-8")
    (d / "participants.csv").write_text("event,participant,role,source\n"
                                        "khm-kor-trade-talks-2017,KHM,participant,seed-article\n"
                                        "khm-kor-trade-talks-2017,KOR,participant,seed-article\n", encoding="utf-8")
    return [d / "events.csv", d / "participants.csv"]


@pytest.fixture
def window(qtbot, sample_db_path, tmp_path):
    w = build_window(sample_db_path, False)
    qtbot.addWidget(w)
    w.resize(1400, 1000)
    w.show()
    qtbot.waitExposed(w)
    assert import_files(w.session.db, [khm_kor_v1(tmp_path / "t.csv")]).ok
    w.database_changed.emit()
    p = w.trade_panel
    p.mode_box.setCurrentIndex(p.mode_box.findData("flows"))
    return w


def _colour_pixels(chart, colour: str) -> int:
    """Pixels of exactly `colour` inside the bar plot's view box, as painted on screen."""
    img = chart.glw.grab().toImage()
    dpr = img.devicePixelRatio()
    r = chart.glw.mapFromScene(chart.plot.vb.sceneBoundingRect()).boundingRect()
    want = QColor(colour).rgb()
    n = 0
    for x in range(max(0, int(r.left() * dpr)), min(img.width(), int(r.right() * dpr))):
        for y in range(max(0, int(r.top() * dpr)), min(img.height(), int(r.bottom() * dpr)), 2):
            n += img.pixel(x, y) == want
    return n


def _visible_event_labels(chart) -> list[str]:
    return [ln.label.toPlainText() for ln in chart.events.lines if ln.isVisible()]


def test_switching_pairs_reuses_items_and_draws_only_the_new_pair(window, qtbot):
    panel, chart = window.trade_panel, window.trade_panel.chart
    pool = list(chart._bar_pool)
    chart.plot.setXRange(year_to_x(2014), year_to_x(2021), padding=0)  # zoomed in (the timeline follows)
    qtbot.wait(20)
    assert _colour_pixels(chart, COLOURS["exports"]) > 20  # Cambodia's own export bars, on screen
    assert sorted(lbl.split(" ", 1)[1][:20] for lbl in _visible_event_labels(chart)) == [
        "ASEAN-Republic of Ko", "Cambodia-Korea FTA j"]

    panel.set_pair("KHM", "PRK")  # no statistics at all, one event
    qtbot.wait(20)
    assert chart._bar_pool == pool and all(b.scene() is chart.glw.scene() for b in pool)  # reused, not remade
    assert all(len(chart.bars[s].opts["height"]) == 0 for s in chart.slots())
    assert _colour_pixels(chart, COLOURS["exports"]) == 0  # no stale Korea bars left on screen
    gx, _ = chart.gap_item.getData()
    assert len(gx) == len(chart.gap_points) == 4 * len(panel.view.years)  # every year a gap, every series
    labels = _visible_event_labels(chart)
    assert len(labels) == len(panel.view.events) >= 1 and all("FTA" not in t for t in labels)
    legend = [item[1].text for item in chart.legend.items]
    prk = panel.view.name("PRK")
    assert any(f"mirror: reported by {prk}" in t for t in legend)
    assert not any("Republic of Korea (CIF)" in t and prk not in t for t in legend)

    panel.set_pair("KHM", "FRA")  # nothing at all between them: no lines, no stale labels
    assert panel.view.events == [] and _visible_event_labels(chart) == []

    panel.set_pair("KHM", "KOR")
    qtbot.wait(20)
    assert list(chart.bars[("exports", "KHM")].opts["height"]) == [200e6, 260e6, 300e6]
    assert len(_visible_event_labels(chart)) == 2
    assert any("mirror: reported by Republic of Korea (CIF)" in item[1].text for item in chart.legend.items)
    assert _colour_pixels(chart, COLOURS["exports"]) > 20


def test_switching_mode_with_the_same_pair_redraws_slots(window, qtbot):
    panel, chart = window.trade_panel, window.trade_panel.chart
    panel.mode_box.setCurrentIndex(panel.mode_box.findData("total"))
    assert set(chart.bars) == {("total", "KHM"), ("total", "KOR")}
    assert sum(b.isVisible() for b in chart._bar_pool) == 2
    xs, ys = chart.quoted_item.getData()
    assert list(ys) == [756e6] and chart.quoted_item.isVisible()  # the press figure in total mode
    panel.mode_box.setCurrentIndex(panel.mode_box.findData("flows"))
    assert sum(b.isVisible() for b in chart._bar_pool) == 4
    assert not chart.quoted_item.isVisible()  # a quoted total is not an export or import figure


def test_commodity_tab_is_filled_when_shown(window, qtbot):
    panel = window.trade_panel
    table = panel.commodities
    panel.set_pair("KHM", "PRK")
    panel.set_pair("KHM", "KOR")
    assert panel._commodities_for is None  # the chart was showing: nothing computed for the table
    panel.tabs.setCurrentWidget(panel.goods_tab)
    shown = {table.item(i, 3).text() for i in range(table.rowCount()) if table.item(i, 3)}
    assert "HS 61 Knitted apparel" in shown
    panel.set_pair("KHM", "PRK")  # with the tab showing, a switch fills it at once
    assert table.item(0, 3).text() == "No commodity breakdown stored for this pair."


def test_unrelated_import_keeps_the_statistics_cache(window, qtbot, tmp_path):
    panel, chart = window.trade_panel, window.trade_panel.chart
    svc = panel.service
    panel.set_currency("MYR")
    stats = svc.stats_builds
    assert import_files(window.session.db, _event_files(tmp_path)).ok
    window.database_changed.emit()
    assert panel.service is svc and svc.stats_builds == stats  # statistics not recomputed
    assert panel.pair() == ("KHM", "KOR") and panel.currency_box.currentData() == "MYR"  # the choice stays
    assert any(t.startswith("2017-05-02 Trade talks") for t in _visible_event_labels(chart))  # the new event
    # a trade import does recompute
    rows = "reporter,partner,year,flow,value,currency,basis,source\nKHM,KOR,2016,export,230000000,USD,fob,seed-article\n"
    (tmp_path / "trade.csv").write_text(rows, encoding="utf-8")
    assert import_files(window.session.db, [tmp_path / "trade.csv"]).ok
    window.database_changed.emit()
    assert svc.stats_builds == stats + 1
    # 2016 is reported now; with no USD->MYR rate dated 2016 or earlier it is marked "no rate", not a gap
    assert (2016, "exports", "KHM") not in chart.gap_points and (2016, "exports", "KHM") in chart.norate_points
    assert any("no exchange rate dated by then" in item[1].text for item in chart.legend.items)
    panel.set_currency("USD")
    assert (2016, "exports", "KHM") not in chart.gap_points + chart.norate_points
    assert 230e6 in list(chart.bars[("exports", "KHM")].opts["height"])


def test_service_check_names_what_changed(sample_db, tmp_path):
    svc = TradeService(sample_db)
    v = svc.view("KHM", "KOR")
    assert svc.check() == set() and svc.view("KHM", "KOR", check=False) is v
    assert import_files(sample_db, _event_files(tmp_path)).ok
    assert svc.check() == {"annotations"}
    v2 = svc.view("KHM", "KOR", check=False)
    assert v2 is not v and svc.stats_builds == 1 and len(v2.events) == len(v.events) + 1
    assert import_files(sample_db, [khm_kor_v1(tmp_path / "t.csv")]).ok
    assert "statistics" in svc.check()
    assert svc.view("KHM", "KOR").table["value"].notna().any() and svc.stats_builds == 2


def test_commodities_are_computed_on_first_use(sample_db, tmp_path):
    assert import_files(sample_db, [khm_kor_v1(tmp_path / "t.csv")]).ok
    v = TradeService(sample_db).view("KHM", "KOR")
    assert v._goods is None
    assert set(v.commodities["commodity"]) == {"61", "09", "87"} and v._goods is not None


def test_mode_picker_shows_its_whole_text(window, qtbot):
    box = window.trade_panel.mode_box
    fm = box.fontMetrics()
    widest = max(fm.horizontalAdvance(box.itemText(i)) for i in range(box.count()))
    for i in range(box.count()):
        box.setCurrentIndex(i)
        qtbot.wait(5)
        assert box.width() >= box.sizeHint().width() > widest
    assert box.minimumSizeHint().width() < widest  # it does not hold a narrow window open


def test_vectorised_year_x_matches_the_time_axis():
    years = np.array([1066, 1899, 1969, 1970, 1971, 2000, 2024, 2100])
    assert list(_year_x(years)) == [year_to_x(int(y)) for y in years]
