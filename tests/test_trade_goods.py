"""The commodity tab's stacked bars: per year by HS chapter, reporter and mirror side by side (never
added), the largest chapters coloured and the rest as 'other chapters', hover with exact values."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor

sys.path.insert(0, str(Path(__file__).parent))
from trade_files import khm_kor_v1, v1_row, write_v1  # noqa: E402

from dossier.app import build_window  # noqa: E402
from dossier.domain.timeaxis import year_to_x  # noqa: E402
from dossier.plotting.trade_goods import PALETTE, TOP, goods_stacks  # noqa: E402
from dossier.services.importing import import_files  # noqa: E402
from dossier.services.trade import TradeService  # noqa: E402

CHAPTERS = ["61", "62", "64", "42", "85", "10", "40", "44", "03", "08", "09"]  # 11 > TOP


def _many_chapters(path: Path) -> Path:
    """Cambodia's exports to Korea in 2019 over 11 chapters (value = 10m x rank), and Korea's mirror
    report of chapter 61 in 2018 and 2019.  Invented values."""
    rows = [v1_row(2019, "KHM", "KOR", "X", ch, str((len(CHAPTERS) - i) * 10_000_000)) for i, ch in enumerate(CHAPTERS)]
    rows += [v1_row(y, "KOR", "KHM", "M", "61", "70000000") for y in (2018, 2019)]
    rows += [v1_row(2019, "KOR", "KHM", "M", "6109", "1000000")]  # a heading under a chapter it has: not added
    return write_v1(path, rows)


def test_stacks_keep_reporter_and_mirror_apart_and_group_the_rest(sample_db, tmp_path):
    assert import_files(sample_db, [_many_chapters(tmp_path / "g.csv")]).ok
    v = TradeService(sample_db).view("KHM", "KOR")
    years, order, stacks = goods_stacks(v, "exports")
    assert years == [2018, 2019]
    assert order[:3] == ["61", "62", "64"] and order[-1] == "other" and len(order) == TOP + 1
    khm, kor = stacks["KHM"], stacks["KOR"]
    assert list(khm["61"]) == [0.0, 110e6]
    assert list(khm["other"]) == [0.0, (3 + 2 + 1) * 10e6]  # 08, 09 and 03: the three smallest
    assert list(kor["61"]) == [70e6, 70e6]  # Korea's imports from Cambodia, the mirror: its chapter row only
    assert sum(khm[k][1] for k in order) == sum((len(CHAPTERS) - i) * 10e6 for i in range(len(CHAPTERS)))
    assert goods_stacks(v, "imports") == ([], [], {})  # nothing stored for that flow


@pytest.fixture
def window(qtbot, sample_db_path, tmp_path):
    w = build_window(sample_db_path, False)
    qtbot.addWidget(w)
    w.resize(1400, 1000)
    w.show()
    qtbot.waitExposed(w)
    assert import_files(w.session.db, [khm_kor_v1(tmp_path / "t.csv"), _many_chapters(tmp_path / "g.csv")]).ok
    w.database_changed.emit()
    return w


def test_goods_tab_draws_stacked_bars_with_hover(window, qtbot):
    panel = window.trade_panel
    panel.tabs.setCurrentWidget(panel.goods_tab)
    goods = panel.goods
    goods.plot.setXRange(year_to_x(2017), year_to_x(2021), padding=0)  # zoomed in (the chart and timeline follow)
    qtbot.wait(30)
    assert "Exports of Cambodia to Republic of Korea by HS chapter" in goods.title.text
    first, second = goods.items[0], goods.items[1]  # Cambodia's stack: 61 at the bottom, 62 on top of it
    assert list(first.opts["height"]) == [120e6, 110e6]  # 2018 (the Comtrade file), 2019
    assert list(second.opts["y0"]) == list(first.opts["height"])
    legend = [item[1].text for item in goods.legend.items]
    assert "HS 61 Knitted apparel" in legend and "other chapters" in legend
    # pixels: the first chapter's colour is on screen
    img = goods.glw.grab().toImage()
    want = QColor(PALETTE[0]).rgb()
    assert sum(img.pixel(x, y) == want for x in range(0, img.width(), 2) for y in range(0, img.height(), 2)) > 20
    # hover over 2019: exact chapter values and sources, reporter and mirror named
    goods._mouse_moved(goods.plot.vb.mapViewToScene(QPointF((year_to_x(2019) + year_to_x(2020)) / 2, 1e7)))
    tip = goods.glw.toolTip()
    assert "HS 61 Knitted apparel: USD 110,000,000 — source: comtrade" in tip
    assert "mirror, reported by Republic of Korea:" in tip and "HS 61 Knitted apparel: USD 70,000,000" in tip
    # the other flow
    panel.goods_flow.setCurrentIndex(panel.goods_flow.findData("imports"))
    assert "Imports of Cambodia from Republic of Korea" in goods.title.text
    assert [item[1].text for item in goods.legend.items] == ["HS 87 Vehicles"]
    assert np.allclose(goods.items[0].opts["height"], [90e6])
