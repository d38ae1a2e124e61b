"""The trade chart: bars per year on the shared time axis (x = seconds since 1970 UTC), the reporter's
figures and the partner's mirror figures side by side, gaps marked where nothing was reported, quoted
press figures as sourced star markers, events between the two states as vertical markers, and a
growth strip below.  Hover shows the exact figures with their sources; a click on a year emits it.

All text from data reaches the scene escaped (pyqtgraph labels are HTML) or as plain TextItem text."""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPoint, QPointF, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QVBoxLayout, QWidget

from dossier.domain.timeaxis import year_to_x
from dossier.plotting.trade_events import EventMarkers
from dossier.services.trade_model import MEASURE_LABELS, TradeView, fmt_short, years_text

MODES = {"total": ("total",), "flows": ("exports", "imports"), "balance": ("balance",)}
MODE_LABELS = {"total": "Total trade", "flows": "Exports and imports", "balance": "Balance (exports − imports)"}
COLOURS = {"exports": "#1f77b4", "imports": "#e4761b", "total": "#2f7d4f", "balance": "#7b4fa0"}
QUOTE_COLOUR = "#c8102e"


class MoneyAxis(pg.AxisItem):
    def tickStrings(self, values, scale, spacing):  # noqa: N802 - pyqtgraph API
        return [fmt_short(v * scale) for v in values]


def _small_font():  # noqa: ANN202
    from PySide6.QtGui import QFont

    f = QFont()
    f.setPointSizeF(7.5)
    return f


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
        self.glw.setMinimumSize(200, 170)  # the timeline above keeps most of the height
        lay.addWidget(self.glw)
        self.title = self.glw.addLabel("", row=0, col=0, size="11pt", color="#222")
        self.legend = pg.LegendItem(colCount=2, labelTextColor="#222", labelTextSize="8pt")
        self.glw.addItem(self.legend, row=1, col=0)
        self.legend.setMaximumHeight(66)  # up to three rows of two entries
        self.plot = self.glw.addPlot(row=2, col=0, axisItems={"bottom": pg.DateAxisItem(utcOffset=0),
                                                               "left": MoneyAxis("left")})
        self.plot.showGrid(x=False, y=True, alpha=0.25)
        self.plot.getAxis("left").enableAutoSIPrefix(False)
        self.plot.getAxis("left").label.setFont(_small_font())  # the label names the rates: room for it
        self.growth = self.glw.addPlot(row=3, col=0, axisItems={"bottom": pg.DateAxisItem(utcOffset=0)})
        self.growth.setXLink(self.plot)
        self.growth.setMaximumHeight(110)
        self.growth.setMinimumHeight(56)
        self.plot.setMinimumHeight(90)
        self.growth.setLabel("left", "growth y/y, %")
        self.growth.showGrid(x=False, y=True, alpha=0.25)
        self.growth.addLine(y=0, pen=pg.mkPen("#999", width=1))
        self.notes = self.glw.addLabel("", row=4, col=0, size="9pt", color="#444", justify="left")
        for p in (self.plot, self.growth):
            for ax in ("left", "bottom"):
                p.getAxis(ax).setTextPen("#222")
                p.getAxis(ax).setPen("#888")
            # grid lines at the labelled ticks only: the minor levels' translucent lines were half the
            # cost of a repaint (about 15 ms of 30 at 1400 px)
            p.getAxis("left").setStyle(maxTickLevel=0)
        self.glw.ci.layout.setRowStretchFactor(2, 10)
        self.glw.ci.layout.setRowStretchFactor(3, 3)
        self.view: TradeView | None = None
        self.mode = "total"
        # Plot items are made once and reused: a pair switch sets their data (setOpts / setData), it
        # does not remove and recreate items (each add/remove re-parents, re-ranges and re-lays out).
        self._bar_pool = [pg.BarGraphItem(x=np.zeros(0), height=np.zeros(0), width=1.0) for _ in range(4)]
        for item in self._bar_pool:
            self.plot.addItem(item)
        self.bars: dict[tuple[str, str], pg.BarGraphItem] = {}  # the slots of the current mode
        self.gap_item = pg.ScatterPlotItem(symbol="x", size=11, pen=pg.mkPen("#888", width=1.5),
                                           brush=pg.mkBrush("#888"))
        self.plot.addItem(self.gap_item)
        self.gap_points: list[tuple[int, str, str]] = []  # (year, measure, reporter) drawn as gaps
        self.norate_item = pg.ScatterPlotItem(symbol="t1", size=10, pen=pg.mkPen("#b35c00", width=1.5),
                                              brush=pg.mkBrush(None))
        self.plot.addItem(self.norate_item)
        self.norate_points: list[tuple[int, str, str]] = []  # reported, no rate to convert: not drawn
        self.quoted_item = pg.ScatterPlotItem(symbol="star", size=20, pen=pg.mkPen("#7a0010", width=1.2),
                                              brush=pg.mkBrush(QUOTE_COLOUR))
        self.quoted_item.setZValue(100)  # above event lines and their labels
        self.plot.addItem(self.quoted_item)
        self.quoted_growth_item = pg.ScatterPlotItem(symbol="star", size=16, pen=pg.mkPen("#7a0010"),
                                                     brush=pg.mkBrush(QUOTE_COLOUR))
        self.growth.addItem(self.quoted_growth_item)
        self._growth_pool = []
        for dash in (False, True):
            item = pg.PlotDataItem([], [], connect="finite", symbol="o", symbolSize=5, symbolBrush=COLOURS["total"],
                                   pen=pg.mkPen(COLOURS["total"], width=2, style=Qt.PenStyle.DashLine if dash
                                                else Qt.PenStyle.SolidLine))
            self.growth.addItem(item)
            self._growth_pool.append(item)
        self.growth_items: list[pg.PlotDataItem] = []  # the growth lines shown
        self.events = EventMarkers(self.plot)
        self._legend_entries: list[tuple[object, str]] = []
        self._texts: dict[str, str] = {}  # title, axis, notes as last set (setting a label re-lays out)
        self._x_years: tuple[int, int] | None = None
        self.highlight: pg.LinearRegionItem | None = None
        self.highlighted_year: int | None = None
        self.last_hover = ""
        self.linked_to = None  # another plot (the timeline) whose x range this chart follows
        self.glw.scene().sigMouseMoved.connect(self._mouse_moved)
        self.glw.scene().sigMouseClicked.connect(self._mouse_clicked)

    # --- drawing ---------------------------------------------------------------------------------
    @property
    def event_items(self) -> list[pg.GraphicsObject]:
        return self.events.shown

    # --- a short chart (the panel under the timeline in a small window) ----------------------------
    SHORT_BELOW = 330  # px: a chart lower than this leaves out the growth strip, the main plot keeps the room
    compact = False

    def resizeEvent(self, ev) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(ev)
        self._fit_height()

    def _fit_height(self) -> None:
        short = 0 < self.height() < self.SHORT_BELOW
        if short == self.compact:
            return
        self.compact = short
        self.growth.setMinimumHeight(0 if short else 56)
        self.growth.setMaximumHeight(0 if short else 110)
        self.growth.setVisible(not short)

    def set_view(self, view: TradeView | None, mode: str | None = None) -> None:
        self.view = view
        if mode:
            self.mode = mode
        if view is None:
            self._set_text("title", "No pair chosen")
            self._set_text("axis", "")
            self._set_text("notes", "")
            self._draw_bars(None)
            self._draw_quoted(None)
            self._draw_growth(None)
            self.events.set_events([])
            self._set_legend([])
            return
        self._set_text("title", _esc(f"{view.name(view.a)} – {view.name(view.b)}: {MODE_LABELS[self.mode]} "
                                     f"(as {view.name(view.a)}'s trade), {view.currency}"))
        self._set_text("axis", self._axis_text(view))  # escaped line by line
        legend = self._draw_bars(view)
        legend += self._draw_quoted(view)
        self._draw_growth(view)
        self.events.set_events(view.events)
        self._set_legend(legend)
        self._draw_notes(view)
        if view.years:
            x0, x1 = year_to_x(view.years[0]), year_to_x(view.years[-1] + 1)
            lo, hi = self.plot.vb.viewRange()[0]
            # alone: fit the pair's years; on the timeline's axis: follow the timeline, unless it shows
            # none of the pair's years (an empty chart is no use; the timeline then follows)
            fit = self._x_years != (view.years[0], view.years[-1]) if self.linked_to is None else (hi < x0 or lo > x1)
            if fit:
                self._x_years = (view.years[0], view.years[-1])
                pad = (x1 - x0) * 0.03
                self.plot.setXRange(x0 - pad, x1 + pad, padding=0)
        self.plot.enableAutoRange(axis="y")
        if self.highlighted_year is not None:
            self.highlight_year(self.highlighted_year)

    def _set_text(self, which: str, text: str) -> None:
        if self._texts.get(which) == text:
            return
        self._texts[which] = text
        if which == "title":
            self.title.setText(text)
        elif which == "axis":
            self.plot.setLabel("left", text)
        else:
            self.notes.setText(text)

    def _set_legend(self, entries: list[tuple[object, str]]) -> None:
        """Same items as shown: only changed labels are re-set; otherwise the legend is rebuilt."""
        if [e[0] for e in entries] == [e[0] for e in self._legend_entries]:
            for (item, text), (_, old) in zip(entries, self._legend_entries, strict=True):
                if text != old:
                    self.legend.getLabel(item).setText(text)
        else:
            self.legend.clear()
            for item, text in entries:
                self.legend.addItem(item, text)
        self._legend_entries = entries

    @staticmethod
    def _axis_text(view: TradeView) -> str:
        """The display currency and the dated rate(s) used, one per line (rotated, the lines stack across
        the axis's width); years without a rate named.  The notes below the chart and the hover give
        each year's rate with its source."""
        convs = [c for cs in view.conversions.values() for c in cs]
        frm = "/".join(sorted({c.frm for c in convs}))
        if len(convs) == 1:
            lines = [f"{view.currency} at {convs[0].rate:.5g} per {frm}", f"rate of {convs[0].date}"]
        elif 1 < len(convs) <= 3:
            lines = [f"{view.currency} at dated rates per {frm}:"] + [f"{c.rate:.5g} of {c.date}" for c in convs]
        elif convs:
            lines = [f"{view.currency} at {len(convs)} dated rates", "(one per year, see notes)"]
        else:
            lines = [f"{view.currency} (as reported)" if not view.missing_rates else view.currency]
        if view.missing_rates:
            lines.append("no rate for " + ", ".join(m.split(":")[0] for m in view.missing_rates) + _missing_years(view))
        return "<br>".join(_esc(line) for line in lines)

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

    def _draw_bars(self, view: TradeView | None) -> list[tuple[object, str]]:
        """Bars per slot (measure x reporter), gaps as grey crosses on zero. Returns legend entries."""
        self.bars, self.gap_points = {}, []
        legend: list[tuple[object, str]] = []
        gaps_x: list[np.ndarray] = []
        norate_x: list[np.ndarray] = []
        self.norate_points: list[tuple[int, str, str]] = []
        slots = self.slots()
        n = max(len(slots), 1)
        for i, item in enumerate(self._bar_pool):
            if i >= len(slots) or view is None:
                item.setVisible(False)
                continue
            measure, rep = slots[i]
            years, values = view.arrays(measure, rep)
            x0 = _year_x(years)
            span = _year_x(years + 1) - x0
            w = span * 0.8 / n
            cx = x0 + span * 0.1 + w * (i + 0.5)
            ok = ~np.isnan(values)
            colour = QColor(COLOURS[measure])
            mirror = rep != view.a
            item.setOpts(x=cx[ok], height=values[ok], width=(w * 0.92)[ok] if ok.any() else 1.0,
                         brush=pg.mkBrush(colour.lighter(150) if mirror else colour),
                         pen=pg.mkPen(colour.darker(130), width=1,
                                      style=Qt.PenStyle.DashLine if mirror else Qt.PenStyle.SolidLine))
            item.setVisible(True)
            self.bars[(measure, rep)] = item
            legend.append((item, _esc(view.series_label(measure, rep))))
            if not ok.all():
                # reported but not convertible (no rate dated that year or earlier) is not "not reported"
                reported = ~np.isnan(view.arrays(measure, rep, "value_orig")[1])
                gap, norate = ~ok & ~reported, ~ok & reported
                gaps_x.append(cx[gap])
                norate_x.append(cx[norate])
                self.gap_points += [(int(y), measure, rep) for y in years[gap]]
                self.norate_points += [(int(y), measure, rep) for y in years[norate]]
        for item, xs, text in ((self.gap_item, gaps_x, "not reported (a gap, not zero)"),
                               (self.norate_item, norate_x, "reported; no exchange rate dated by then")):
            x = np.concatenate(xs) if xs else np.zeros(0)
            item.setData(x=x, y=np.zeros(len(x)))
            item.setVisible(len(x) > 0)
            if len(x):
                legend.append((item, text))
        return legend

    def _draw_quoted(self, view: TradeView | None) -> list[tuple[object, str]]:
        wanted = set(MODES[self.mode])
        qs = [q for q in view.quoted if q.measure in wanted and q.value is not None] if view else []
        gs = [q for q in view.quoted if q.measure == "growth" and q.value is not None] if view else []
        for item, pts in ((self.quoted_item, qs), (self.quoted_growth_item, gs)):
            item.setData(x=[_mid_x(q.year) for q in pts], y=[q.value for q in pts], data=[q.id for q in pts])
            item.setVisible(bool(pts))
        return [(self.quoted_item, "quoted by the press (sourced; not a statistic)")] if qs else []

    def _draw_growth(self, view: TradeView | None) -> None:
        self.growth_items = []
        for rep, item in zip((view.a, view.b) if view else ("", ""), self._growth_pool, strict=True):
            years, growth = view.growth_arrays(rep) if view else (np.zeros(0, dtype=np.int64), np.zeros(0))
            if np.isnan(growth).all():  # also when empty
                item.setData([], [])
                item.setVisible(False)
                continue
            item.setData(_year_x(years) + _half_year(years), growth)
            item.setVisible(True)
            self.growth_items.append(item)

    def _draw_notes(self, view: TradeView) -> None:
        lines = list(view.notes) + list(view.missing_rates)  # each names the currencies and years
        for line in view.rates_used():
            lines.append(f"Converted at a stored rate: {line}")
        gaps = sorted({(m, r) for _y, m, r in self.gap_points})
        if gaps and not view.notes:
            for m, r in gaps:
                yrs = sorted(y for y, mm, rr in self.gap_points if (mm, rr) == (m, r))
                lines.append(f"Not reported: {MEASURE_LABELS[m].lower()} by {view.name(r)} in {years_text(yrs)} "
                             "(gaps, not zero)")
        lines.append("Solid bars: as reported by " + view.name(view.a) + "; light dashed bars: mirror figures "
                     "reported by " + view.name(view.b) + ". Never added together.")
        self._set_text("notes", "<br>".join(_esc(s) for s in lines[:8]))

    # --- linking and hover ---------------------------------------------------------------------------
    def highlight_year(self, year: int | None) -> None:
        """A band over the year (moved, not recreated, when another year is highlighted)."""
        self.highlighted_year = year
        if year is None:
            if self.highlight is not None:
                self.plot.removeItem(self.highlight)
                self.highlight = None
            return
        region = (year_to_x(year), year_to_x(year + 1))
        if self.highlight is None:
            self.highlight = pg.LinearRegionItem(region, movable=False, brush=pg.mkBrush(255, 200, 0, 60),
                                                 pen=pg.mkPen("#d4a000"))
            self.highlight.setZValue(-10)
            self.plot.addItem(self.highlight)
        elif tuple(self.highlight.getRegion()) != region:
            self.highlight.setRegion(region)

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


def _year_x(years: np.ndarray) -> np.ndarray:
    """x (seconds since 1970 UTC) of 1 January of each year, vectorised (= year_to_x)."""
    return (np.asarray(years, dtype=np.int64) - 1970).astype("datetime64[Y]").astype("datetime64[D]").astype(
        np.int64) * 86400.0


def _half_year(years: np.ndarray) -> np.ndarray:
    return (_year_x(years + 1) - _year_x(years)) / 2


def _mid_x(year: int) -> float:
    return year_to_x(year) + (year_to_x(year + 1) - year_to_x(year)) / 2


def _missing_years(view: TradeView) -> str:
    """' in 2015–2018': the years with values that could not be converted (no rate dated then or earlier)."""
    t = view.table
    years = sorted({int(y) for y in t.loc[t["value"].isna() & t["value_orig"].notna(), "year"]})
    return f" in {years_text(years)}" if years else ""
