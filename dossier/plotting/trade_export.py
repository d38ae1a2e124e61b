"""The trade chart as an image for reports and `dossier export trade`, drawn by the same code as the
screen (pyqtgraph ImageExporter).  Needs a QApplication (offscreen is fine)."""

from __future__ import annotations

from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from dossier.plotting.trade_chart import TradeChart
from dossier.services.trade_model import TradeView


def render_trade_image(view: TradeView, *, width: int = 2000, height: int = 1000, mode: str = "total",
                       x_range: tuple[float, float] | None = None) -> QImage:
    """`view` from `dossier.services.trade.TradeService(db).view(a, b, currency)`; `mode` is 'total',
    'flows' (exports and imports) or 'balance'; `x_range` (seconds since 1970 UTC) defaults to the
    view's years.  Returns a QImage `width` pixels wide."""
    from pyqtgraph.exporters import ImageExporter

    if QApplication.instance() is None:
        raise RuntimeError("render_trade_image needs a QApplication (QT_QPA_PLATFORM=offscreen works)")
    chart = TradeChart()
    chart.resize(width * 2 // 3, height * 2 // 3)
    chart.set_view(view, mode)
    if x_range is not None:
        chart.plot.setXRange(*x_range, padding=0)
    QApplication.processEvents()
    exporter = ImageExporter(chart.glw.ci)
    exporter.parameters()["width"] = width
    img = exporter.export(toBytes=True)
    chart.deleteLater()
    return img
