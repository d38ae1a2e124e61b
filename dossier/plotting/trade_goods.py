"""The commodity view as stacked bars per year: what a pair trades, by HS chapter, for one flow (A's
exports to B, or A's imports from B).  Per year two stacks side by side, never added together: as
reported by A (solid) and as mirrored from B's own report (light, dashed).  The largest chapters
over the pair's years get their own colour; the rest are stacked as one "other chapters" block.

Goods named without a value (the article's "garments, footwear ...") cannot be drawn: they are
listed under the chart.  Hover shows a year's chapters with their exact values and sources."""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import QPoint, QPointF, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QVBoxLayout, QWidget

from dossier.domain.timeaxis import year_to_x
from dossier.services.trade_model import TradeView, fmt_money, fmt_short

TOP = 8  # chapters with their own colour
PALETTE = ["#1f77b4", "#e4761b", "#2f7d4f", "#7b4fa0", "#c8102e", "#8c6d31", "#17becf", "#bcbd22"]
OTHER_COLOUR = "#9a9a9a"
FLOWS = {"exports": "Exports", "imports": "Imports"}


class _MoneyAxis(pg.AxisItem):
    def tickStrings(self, values, scale, spacing):  # noqa: N802 - pyqtgraph API
        return [fmt_short(v * scale) for v in values]


def goods_stacks(view: TradeView, measure: str) -> tuple[list[int], list[str], dict[str, dict[str, np.ndarray]]]:
    """(years, chapters in stacking order (largest first, then 'other'), {reporter: {chapter: values per
    year}}) for A's `measure` ('exports' or 'imports') with B.  Values in the display currency; a
    chapter without a value in a year is 0 in its stack (the stack shows what was reported)."""
    c = view.commodities
    a, b = view.a, view.b
    # A's exports: A reports 'export'; B mirrors it as 'import'.  A's imports the other way round.
    want = {a: "export" if measure == "exports" else "import", b: "import" if measure == "exports" else "export"}
    if c.empty:
        return [], [], {}
    sel = c[((c["reporter"] == a) & (c["flow"] == want[a])) | ((c["reporter"] == b) & (c["flow"] == want[b]))]
    sel = sel[sel["value"].notna()]
    if sel.empty:
        return [], [], {}
    years = list(range(int(sel["year"].min()), int(sel["year"].max()) + 1))
    size = sel.groupby("commodity")["value"].sum().sort_values(ascending=False)
    top = list(size.index[:TOP])
    other = len(size) > TOP
    key = sel["commodity"].where(sel["commodity"].isin(top), "other")
    g = sel.assign(key=key).groupby(["reporter", "key", "year"])["value"].sum()
    order = top + (["other"] if other else [])
    out: dict[str, dict[str, np.ndarray]] = {}
    for rep in (a, b):
        per = {}
        for k in order:
            try:
                s = g.loc[(rep, k)]
            except KeyError:
                s = pd.Series(dtype=float)
            per[k] = s.reindex(years, fill_value=0.0).to_numpy(dtype=float)
        out[rep] = per
    return years, order, out


class GoodsChart(QWidget):
    hovered = Signal(str, QPoint)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("trade-goods-chart")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.glw = pg.GraphicsLayoutWidget(self)
        self.glw.setBackground("w")
        self.glw.setMinimumSize(200, 110)
        lay.addWidget(self.glw)
        self.title = self.glw.addLabel("", row=0, col=0, size="10pt", color="#222")
        self.legend = pg.LegendItem(colCount=3, labelTextColor="#222", labelTextSize="8pt")
        self.glw.addItem(self.legend, row=1, col=0)
        self.plot = self.glw.addPlot(row=2, col=0, axisItems={"bottom": pg.DateAxisItem(utcOffset=0),
                                                               "left": _MoneyAxis("left")})
        self.plot.getAxis("left").enableAutoSIPrefix(False)
        self.plot.getAxis("left").setStyle(maxTickLevel=0)
        self.plot.showGrid(x=False, y=True, alpha=0.25)
        for ax in ("left", "bottom"):
            self.plot.getAxis(ax).setTextPen("#222")
            self.plot.getAxis(ax).setPen("#888")
        self.notes = self.glw.addLabel("", row=3, col=0, size="9pt", color="#444", justify="left")
        self.glw.ci.layout.setRowStretchFactor(2, 10)
        self.items: list[pg.BarGraphItem] = []
        self.stacks: dict[str, dict[str, np.ndarray]] = {}
        self.years: list[int] = []
        self.order: list[str] = []
        self.view: TradeView | None = None
        self.measure = "exports"
        self.last_hover = ""
        self.glw.scene().sigMouseMoved.connect(self._mouse_moved)

    def set_goods(self, view: TradeView | None, measure: str = "exports") -> None:
        self.view, self.measure = view, measure
        for item in self.items:
            self.plot.removeItem(item)
        self.items = []
        self.legend.clear()
        if view is None:
            self.title.setText("No pair chosen")
            self.notes.setText("")
            return
        self.years, self.order, self.stacks = goods_stacks(view, measure)
        who_a, who_b = view.name(view.a), view.name(view.b)
        self.title.setText(html.escape(f"{FLOWS[measure]} of {who_a} {'to' if measure == 'exports' else 'from'} "
                                       f"{who_b} by HS chapter, {view.currency}", quote=False))
        self.plot.setLabel("left", html.escape(view.currency, quote=False))
        x0 = np.array([year_to_x(y) for y in self.years], dtype=float)
        span = np.array([year_to_x(y + 1) - year_to_x(y) for y in self.years], dtype=float)
        labels = dict(zip(view.commodities["commodity"], view.commodities["label"], strict=True))
        drawn: list[tuple[pg.BarGraphItem, str]] = []
        for slot, rep in enumerate((view.a, view.b)):
            per = self.stacks.get(rep, {})
            base = np.zeros(len(self.years))
            mirror = rep != view.a
            w = span * 0.4
            cx = x0 + span * 0.1 + w * (slot + 0.5)
            for i, k in enumerate(self.order):
                vals = per.get(k)
                if vals is None or not vals.any():
                    continue
                colour = QColor(PALETTE[i] if k != "other" else OTHER_COLOUR)
                item = pg.BarGraphItem(x=cx, y0=base.copy(), height=vals, width=w * 0.92,
                                       brush=pg.mkBrush(colour.lighter(150) if mirror else colour),
                                       pen=pg.mkPen(colour.darker(140), width=1,
                                                    style=Qt.PenStyle.DashLine if mirror else Qt.PenStyle.SolidLine))
                self.plot.addItem(item)
                self.items.append(item)
                drawn.append((item, k))
                base = base + vals
        # legend: one entry per chapter (its colour; the first stack it appears in)
        seen: set[str] = set()
        for item, k in drawn:
            if k not in seen:
                seen.add(k)
                name = "other chapters" if k == "other" else labels.get(k, k)
                self.legend.addItem(item, html.escape(name[:40], quote=False))
        notes = []
        if not self.items:
            notes.append("No commodity values stored for this flow.")
        else:
            notes.append(f"Left stack: as reported by {who_a}; right (light, dashed): mirror, reported by {who_b}. "
                         "Never added together.")
        named = sorted({g for rep, flow, g in view.named_goods})
        if named:
            notes.append("Named without a value (not drawn): " + ", ".join(named)[:160])
        self.notes.setText("<br>".join(html.escape(n, quote=False) for n in notes))
        if self.years:
            lo, hi = self.plot.vb.viewRange()[0]
            a, b = year_to_x(self.years[0]), year_to_x(self.years[-1] + 1)
            if hi < a or lo > b or self.plot.vb.linkedView(0) is None:
                pad = (b - a) * 0.05
                self.plot.setXRange(a - pad, b + pad, padding=0)
        self.plot.enableAutoRange(axis="y")

    def text_for_year(self, year: int) -> str:
        v = self.view
        if v is None or year not in self.years:
            return ""
        c = v.commodities
        want = {v.a: "export" if self.measure == "exports" else "import",
                v.b: "import" if self.measure == "exports" else "export"}
        lines = [f"{year} — {FLOWS[self.measure].lower()} of {v.name(v.a)} with {v.name(v.b)} by chapter"]
        for rep in (v.a, v.b):
            rows = c[(c["reporter"] == rep) & (c["flow"] == want[rep]) & (c["year"] == year)]
            who = f"reported by {v.name(rep)}" if rep == v.a else f"mirror, reported by {v.name(rep)}"
            if rows.empty:
                lines.append(f"{who}: none stored")
                continue
            lines.append(f"{who}:")
            for r in rows.sort_values("value", ascending=False).itertuples():
                val = fmt_money(r.value, v.currency) if r.value == r.value else f"no rate ({r.currency_orig})"
                lines.append(f"  {r.label}: {val}" + (f" — source: {r.sources}" if r.sources else ""))
        return "\n".join(lines)

    def _mouse_moved(self, pos: QPointF) -> None:
        import datetime as dt

        text = ""
        if self.plot.sceneBoundingRect().contains(pos):
            x = self.plot.vb.mapSceneToView(pos).x()
            try:
                text = self.text_for_year(dt.datetime.fromtimestamp(x, dt.UTC).year)
            except (OverflowError, OSError, ValueError):
                text = ""
        if text == self.last_hover:
            return
        self.last_hover = text
        self.hovered.emit(text, self.glw.mapToGlobal(self.glw.mapFromScene(pos)))
