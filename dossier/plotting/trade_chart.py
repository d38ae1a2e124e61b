"""The trade chart: bars per year on the shared time axis (x = seconds since 1970 UTC), the reporter's
figures and the partner's mirror figures side by side, gaps marked where nothing was reported, quoted
press figures as sourced star markers, events between the two states as vertical markers, and a
growth strip below.  Hover shows the exact figures with their sources; a click on a year emits it.

All text from data reaches the scene escaped (pyqtgraph labels are HTML) or as plain TextItem text."""

from __future__ import annotations

import html
import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPoint, QPointF, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QVBoxLayout, QWidget

from dossier.domain.timeaxis import ordinal_to_x, year_to_x
from dossier.services.trade_model import MEASURE_LABELS, TradeView, fmt_short

MODES = {"total": ("total",), "flows": ("exports", "imports"), "balance": ("balance",)}
MODE_LABELS = {"total": "Total trade", "flows": "Exports and imports", "balance": "Balance (exports − imports)"}
COLOURS = {"exports": "#1f77b4", "imports": "#e4761b", "total": "#2f7d4f", "balance": "#7b4fa0"}
QUOTE_COLOUR = "#c8102e"
EVENT_COLOUR = "#555555"


class MoneyAxis(pg.AxisItem):
    def tickStrings(self, values, scale, spacing):  # noqa: N802 - pyqtgraph API
        return [fmt_short(v * scale) for v in values]


def _esc(s: str) -> str:
    return html.escape(s, quote=False)


class TradeChart(QWidget):
    year_clicked = Signal(int)
    hovered = Signal(str, QPoint)  # exact figures and sources of the year under the mouse

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("trade-chart")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.glw = pg.GraphicsLayoutWidget(self)
        self.glw.setBackground("w")
        self.glw.setMouseTracking(True)
        self.glw.setMinimumSize(200, 220)
        lay.addWidget(self.glw)
        self.title = self.glw.addLabel("", row=0, col=0, size="11pt", color="#222")
        self.legend = pg.LegendItem(colCount=3, labelTextColor="#222", labelTextSize="8pt")
        self.glw.addItem(self.legend, row=1, col=0)
        self.legend.setMaximumHeight(48)
        self.plot = self.glw.addPlot(row=2, col=0, axisItems={"bottom": pg.DateAxisItem(utcOffset=0),
                                                               "left": MoneyAxis("left")})
        self.plot.showGrid(x=False, y=True, alpha=0.25)
        self.plot.getAxis("left").enableAutoSIPrefix(False)
        self.growth = self.glw.addPlot(row=3, col=0, axisItems={"bottom": pg.DateAxisItem(utcOffset=0)})
        self.growth.setXLink(self.plot)
        self.growth.setMaximumHeight(110)
        self.growth.setMinimumHeight(80)
        self.plot.setMinimumHeight(160)
        self.growth.setLabel("left", "growth y/y, %")
        self.growth.showGrid(x=False, y=True, alpha=0.25)
        self.growth.addLine(y=0, pen=pg.mkPen("#999", width=1))
        self.notes = self.glw.addLabel("", row=4, col=0, size="9pt", color="#444", justify="left")
        for p in (self.plot, self.growth):
            for ax in ("left", "bottom"):
                p.getAxis(ax).setTextPen("#222")
                p.getAxis(ax).setPen("#888")
        self.glw.ci.layout.setRowStretchFactor(2, 10)
        self.glw.ci.layout.setRowStretchFactor(3, 3)
        self.view: TradeView | None = None
        self.mode = "total"
        self.bars: dict[tuple[str, str], pg.BarGraphItem] = {}
        self.gap_item: pg.ScatterPlotItem | None = None
        self.gap_points: list[tuple[int, str, str]] = []  # (year, measure, reporter) drawn as gaps
        self.quoted_item: pg.ScatterPlotItem | None = None
        self.quoted_growth_item: pg.ScatterPlotItem | None = None
        self.growth_items: list[pg.PlotDataItem] = []
        self.event_items: list[pg.GraphicsObject] = []
        self.highlight: pg.LinearRegionItem | None = None
        self.highlighted_year: int | None = None
        self.last_hover = ""
        self.linked_to = None  # another plot (the timeline) whose x range this chart follows
        self.glw.scene().sigMouseMoved.connect(self._mouse_moved)
        self.glw.scene().sigMouseClicked.connect(self._mouse_clicked)

    # --- drawing ---------------------------------------------------------------------------------
    def set_view(self, view: TradeView | None, mode: str | None = None) -> None:
        self.view = view
        if mode:
            self.mode = mode
        self._clear()
        if view is None:
            self.title.setText("No pair chosen")
            return
        self.title.setText(_esc(f"{view.name(view.a)} – {view.name(view.b)}: {MODE_LABELS[self.mode]} "
                                f"(as {view.name(view.a)}'s trade), {view.currency}"))
        self.plot.setLabel("left", _esc(self._axis_text(view)))
        self._draw_bars(view)
        self._draw_quoted(view)
        self._draw_growth(view)
        self._draw_events(view)
        self._draw_notes(view)
        if view.years and self.linked_to is None:
            x0, x1 = year_to_x(view.years[0]), year_to_x(view.years[-1] + 1)
            pad = (x1 - x0) * 0.03
            self.plot.setXRange(x0 - pad, x1 + pad, padding=0)
        self.plot.enableAutoRange(axis="y")
        if self.highlighted_year is not None:
            self.highlight_year(self.highlighted_year)

    @staticmethod
    def _axis_text(view: TradeView) -> str:
        if view.missing_rates:
            return f"{view.currency} (no stored rate for " + ", ".join(m.split(':')[0] for m in view.missing_rates) + ")"
        if view.conversions:
            parts = [f"{c.rate:.5g} per {c.frm}, {c.date}" for c in view.conversions.values()]
            return f"{view.currency} (at " + "; ".join(parts) + ")"
        return f"{view.currency} (as reported)"

    def _clear(self) -> None:
        for item in list(self.bars.values()) + self.event_items:
            self.plot.removeItem(item)
        for item in self.growth_items:
            self.growth.removeItem(item)
        self.legend.clear()
        for it in (self.gap_item, self.quoted_item):
            if it is not None:
                self.plot.removeItem(it)
        if self.quoted_growth_item is not None:
            self.growth.removeItem(self.quoted_growth_item)
        self.bars, self.growth_items, self.event_items = {}, [], []
        self.gap_item = self.quoted_item = self.quoted_growth_item = None
        self.gap_points = []

    def slots(self) -> list[tuple[str, str]]:
        v = self.view
        if v is None:
            return []
        return [(m, r) for m in MODES[self.mode] for r in (v.a, v.b)]

    def slot_x(self, year: int, index: int) -> tuple[float, float]:
        """(centre, width) of a bar slot within a year's span."""
        n = len(self.slots())
        x0, x1 = year_to_x(year), year_to_x(year + 1)
        span = x1 - x0
        w = span * 0.8 / n
        return x0 + span * 0.1 + w * (index + 0.5), w * 0.92

    def _draw_bars(self, view: TradeView) -> None:
        gaps_x: list[float] = []
        for i, (measure, rep) in enumerate(self.slots()):
            s = view.series(measure, rep)
            colour = QColor(COLOURS[measure])
            mirror = rep != view.a
            brush = pg.mkBrush(colour.lighter(150) if mirror else colour)
            xs, hs, ws = [], [], []
            for y, val in zip(s["year"], s["value"], strict=True):
                cx, w = self.slot_x(int(y), i)
                if val is None or (isinstance(val, float) and math.isnan(val)):
                    gaps_x.append(cx)
                    self.gap_points.append((int(y), measure, rep))
                    continue
                xs.append(cx)
                hs.append(float(val))
                ws.append(w)
            item = pg.BarGraphItem(x=np.array(xs, dtype=float), height=np.array(hs, dtype=float),
                                   width=np.array(ws, dtype=float) if ws else 1.0, brush=brush,
                                   pen=pg.mkPen(colour.darker(130), width=1, style=Qt.PenStyle.DashLine if mirror
                                                else Qt.PenStyle.SolidLine))
            self.plot.addItem(item)
            self.bars[(measure, rep)] = item
            self.legend.addItem(item, _esc(view.series_label(measure, rep)))
        if gaps_x:
            self.gap_item = pg.ScatterPlotItem(x=gaps_x, y=[0.0] * len(gaps_x), symbol="x", size=11,
                                               pen=pg.mkPen("#888", width=1.5), brush=pg.mkBrush("#888"))
            self.plot.addItem(self.gap_item)
            self.legend.addItem(self.gap_item, "not reported (a gap, not zero)")

    def _draw_quoted(self, view: TradeView) -> None:
        wanted = set(MODES[self.mode])
        pts = [(year_to_x(q.year) + (year_to_x(q.year + 1) - year_to_x(q.year)) / 2, q.value, q)
               for q in view.quoted if q.measure in wanted and q.value is not None]
        if pts:
            self.quoted_item = pg.ScatterPlotItem(x=[p[0] for p in pts], y=[p[1] for p in pts], data=[p[2].id for p in pts],
                                                  symbol="star", size=20, pen=pg.mkPen("#7a0010", width=1.2),
                                                  brush=pg.mkBrush(QUOTE_COLOUR))
            self.quoted_item.setZValue(100)  # above event lines and their labels
            self.plot.addItem(self.quoted_item)
            self.legend.addItem(self.quoted_item, "quoted by the press (sourced; not a statistic)")
        g = [q for q in view.quoted if q.measure == "growth" and q.value is not None]
        if g:
            self.quoted_growth_item = pg.ScatterPlotItem(
                x=[year_to_x(q.year) + 0.5 * (year_to_x(q.year + 1) - year_to_x(q.year)) for q in g],
                y=[q.value for q in g], data=[q.id for q in g], symbol="star", size=16,
                pen=pg.mkPen("#7a0010"), brush=pg.mkBrush(QUOTE_COLOUR))
            self.growth.addItem(self.quoted_growth_item)

    def _draw_growth(self, view: TradeView) -> None:
        for rep in (view.a, view.b):
            g = view.growth[view.growth["reporter"] == rep]
            if g.empty or g["growth"].isna().all():
                continue
            xs = np.array([year_to_x(int(y)) + 0.5 * (year_to_x(int(y) + 1) - year_to_x(int(y))) for y in g["year"]])
            ys = g["growth"].to_numpy(dtype=float)
            mirror = rep != view.a
            item = pg.PlotDataItem(xs, ys, connect="finite", symbol="o", symbolSize=5,
                                   pen=pg.mkPen(COLOURS["total"], width=2,
                                                style=Qt.PenStyle.DashLine if mirror else Qt.PenStyle.SolidLine),
                                   symbolBrush=COLOURS["total"])
            self.growth.addItem(item)
            self.growth_items.append(item)

    def _draw_events(self, view: TradeView) -> None:
        for i, e in enumerate(view.events):
            x0, x1 = ordinal_to_x(e.lo), ordinal_to_x(e.hi + 1)
            if e.hi - e.lo > 2:  # an imprecise date: the span it may fall in, faint
                region = pg.LinearRegionItem((x0, x1), movable=False, brush=pg.mkBrush(85, 85, 85, 40),
                                             pen=pg.mkPen(None))
                self.plot.addItem(region)
                self.event_items.append(region)
            title = e.title[:38] + ("…" if len(e.title) > 38 else "")
            line = pg.InfiniteLine(pos=(x0 + x1) / 2, angle=90, movable=False,
                                   pen=pg.mkPen(EVENT_COLOUR, width=1.5, style=Qt.PenStyle.DashLine),
                                   # InfLineLabel runs str.format on its text: braces from data are doubled
                                   label=f"{e.start} {title}".replace("{", "{{").replace("}", "}}"),
                                   labelOpts={"position": 0.95 - 0.09 * (i % 6), "color": "#333",
                                              "anchors": [(1, 0.5), (1, 0.5)], "fill": (255, 255, 255, 200)})
            self.plot.addItem(line)
            self.event_items.append(line)

    def _draw_notes(self, view: TradeView) -> None:
        lines = list(view.notes) + [f"No stored exchange rate: {m}" for m in view.missing_rates]
        for c in view.conversions.values():
            lines.append(f"Converted at a stored rate: {c.describe()}")
        gaps = sorted({(m, r) for _y, m, r in self.gap_points})
        if gaps and not view.notes:
            for m, r in gaps:
                yrs = sorted(y for y, mm, rr in self.gap_points if (mm, rr) == (m, r))
                lines.append(f"Not reported: {MEASURE_LABELS[m].lower()} by {view.name(r)} in {_years(yrs)} "
                             "(gaps, not zero)")
        lines.append("Solid bars: as reported by " + view.name(view.a) + "; light dashed bars: mirror figures "
                     "reported by " + view.name(view.b) + ". Never added together.")
        self.notes.setText("<br>".join(_esc(s) for s in lines[:8]))

    # --- linking and hover ---------------------------------------------------------------------------
    def highlight_year(self, year: int | None) -> None:
        self.highlighted_year = year
        if self.highlight is not None:
            self.plot.removeItem(self.highlight)
            self.highlight = None
        if year is None:
            return
        self.highlight = pg.LinearRegionItem((year_to_x(year), year_to_x(year + 1)), movable=False,
                                             brush=pg.mkBrush(255, 200, 0, 60), pen=pg.mkPen("#d4a000"))
        self.highlight.setZValue(-10)
        self.plot.addItem(self.highlight)

    def year_at(self, scene_pos: QPointF) -> int | None:
        for p in (self.plot, self.growth):
            if p.sceneBoundingRect().contains(scene_pos):
                x = p.vb.mapSceneToView(scene_pos).x()
                import datetime as dt
                try:
                    return dt.datetime.fromtimestamp(x, dt.UTC).year
                except (OverflowError, OSError, ValueError):
                    return None
        return None

    def text_for_year(self, year: int) -> str:
        return self.view.year_text(year) if self.view is not None and year in self.view.years else ""

    def _mouse_moved(self, pos: QPointF) -> None:
        """Emits `hovered(text, global position)`; the UI shows it as a plain-text tooltip."""
        year = self.year_at(pos)
        text = self.text_for_year(year) if year is not None else ""
        if text == self.last_hover:
            return
        self.last_hover = text
        self.hovered.emit(text, self.glw.mapToGlobal(self.glw.mapFromScene(pos)))

    def _mouse_clicked(self, ev) -> None:  # noqa: ANN001 - pyqtgraph event
        if ev.button() != Qt.MouseButton.LeftButton:
            return
        year = self.year_at(ev.scenePos())
        if year is not None and self.view is not None and year in self.view.years:
            self.highlight_year(year)
            self.year_clicked.emit(year)


def _years(ys: list[int]) -> str:
    out, start, prev = [], None, None
    for y in ys + [None]:
        if start is None:
            start = prev = y
        elif y == prev + 1:
            prev = y
        else:
            out.append(str(start) if start == prev else f"{start}–{prev}")
            start = prev = y
    return ", ".join(out)
