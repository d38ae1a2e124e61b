"""The linked trade panel: under the timeline (or a bottom dock without one), with a pair picker, a display-currency picker, the trade chart
(on the timeline's time axis when there is a timeline) and a commodity tab.

Links: `window.year_highlighted(year)` highlights a year; `window.record_selected('event', id)` picks the
event's two countries and highlights its year; `record_selected('country', code)` makes that country
the partner.  A click on a year emits `window.events_selected([event ids of that year])`."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, QSize, Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QMessageBox,
    QSizePolicy,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from dossier.plotting.trade_chart import MODE_LABELS, TradeChart
from dossier.plotting.trade_goods import FLOWS, GoodsChart
from dossier.services.trade import TradeService
from dossier.services.trade_model import TradeView, fmt_money
from dossier.ui import plain
from dossier.ui.timeline_split import TimelineSplitter


class _ShrinkableCombo(QComboBox):
    """Prefers its whole contents, may shrink to a few characters."""

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt API
        h = super().minimumSizeHint()
        return QSize(min(h.width(), self.fontMetrics().horizontalAdvance("Total…") + 40), h.height())


class TradePanel(QWidget):
    def __init__(self, window, parent: QWidget | None = None):  # noqa: ANN001 - MainWindow (circular import)
        super().__init__(parent)
        self.setObjectName("trade-panel")
        self.window_ = window
        self.service = TradeService(window.session.db)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 2, 4, 2)
        bar = QHBoxLayout()
        self.a_box, self.b_box = QComboBox(self), QComboBox(self)
        self.a_box.setObjectName("trade-a")
        self.b_box.setObjectName("trade-b")
        self.currency_box = QComboBox(self)
        self.currency_box.setObjectName("trade-currency")
        self.mode_box = _ShrinkableCombo(self)
        for key, text in MODE_LABELS.items():
            self.mode_box.addItem(text, key)
        for box in (self.a_box, self.b_box, self.currency_box):
            # long country names must not force the window wider (the dock shrinks with the window)
            box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            box.setMinimumContentsLength(4)
        self.mode_box.setObjectName("trade-mode")
        # the mode's few fixed labels are shown whole (its preferred width is its longest label; the
        # country pickers give way first) yet it may shrink in a narrow window: it never sets the
        # window's minimum width
        self.mode_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.mode_box.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        bar.addWidget(plain.label("Trade of", self))
        bar.addWidget(self.a_box, 2)
        bar.addWidget(plain.label("with", self))
        bar.addWidget(self.b_box, 2)
        bar.addWidget(plain.label("in", self))
        bar.addWidget(self.currency_box)
        bar.addWidget(self.mode_box)
        lay.addLayout(bar)
        self.tabs = QTabWidget(self)
        self.chart = TradeChart(self)
        # the commodity tab: stacked bars per year by HS chapter (one flow), the table behind them below
        self.goods_tab = QWidget(self)
        gl = QVBoxLayout(self.goods_tab)
        gl.setContentsMargins(0, 2, 0, 0)
        row = QHBoxLayout()
        self.goods_flow = QComboBox(self.goods_tab)
        self.goods_flow.setObjectName("trade-goods-flow")
        for key, text in FLOWS.items():
            self.goods_flow.addItem(text, key)
        self.goods_flow.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        row.addWidget(plain.label("Flow", self.goods_tab))
        row.addWidget(self.goods_flow)
        row.addStretch(1)
        gl.addLayout(row)
        split = QSplitter(Qt.Orientation.Vertical, self.goods_tab)
        self.goods = GoodsChart(split)
        self.goods.plot.setXLink(self.chart.plot)  # the same time axis as the chart (and the timeline)
        self.commodities = QTableWidget(0, 6, split)
        self.commodities.setObjectName("trade-commodities")
        self.commodities.setHorizontalHeaderLabels(["Year", "Reported by", "Flow", "Commodity", "Value", "Sources"])
        self.commodities.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.commodities.setMinimumHeight(50)  # a few rows; the panel must not claim the timeline's height
        split.addWidget(self.goods)
        split.addWidget(self.commodities)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        gl.addWidget(split, 1)
        self.tabs.addTab(self.chart, "Chart")
        self.tabs.addTab(self.goods_tab, "Commodities")
        lay.addWidget(self.tabs, 1)
        self.status = plain.label("", self)
        self.status.setWordWrap(True)
        lay.addWidget(self.status)
        self.view: TradeView | None = None
        self._commodities_for: TradeView | None = None  # the view the commodity tab shows
        self._filling = False
        self._fill_pickers()
        for box in (self.a_box, self.b_box, self.currency_box, self.mode_box):
            box.currentIndexChanged.connect(self.refresh)
        self.chart.hovered.connect(lambda text, where: self._show_tip(self.chart.glw, text, where))
        self.tabs.currentChanged.connect(self._tab_changed)
        self.goods_flow.currentIndexChanged.connect(self._goods_flow_changed)
        self.goods.hovered.connect(lambda text, where: self._show_tip(self.goods.glw, text, where))
        self.chart.year_clicked.connect(self._year_clicked)
        self.refresh()

    # --- pickers ---------------------------------------------------------------------------------
    def _fill_pickers(self, keep_choice: bool = False) -> None:
        """Country and currency lists; with `keep_choice` the chosen pair and currency stay when they
        still exist, else the first pair with data and USD."""
        keep, keep_cur = self.pair() if keep_choice else (None, None), self.currency_box.currentData() if keep_choice else None
        self._filling = True
        try:
            countries = self.service.countries()
            ordered = [c for c in countries if c.has_trade] + [c for c in countries if not c.has_trade]
            for box in (self.a_box, self.b_box):
                box.clear()
                for c in ordered:
                    box.addItem(f"{c.name} ({c.code})", c.code)
            self.currency_box.clear()
            for cur in self.service.currencies():
                self.currency_box.addItem(cur, cur)
            pair = keep if all(keep) and self.a_box.findData(keep[0]) >= 0 and self.b_box.findData(keep[1]) >= 0 \
                else self.service.default_pair()
            if pair:
                self.set_pair(*pair, refresh=False)
            i = self.currency_box.findData(keep_cur) if keep_cur else -1
            i = i if i >= 0 else self.currency_box.findData("USD")
            if i >= 0:
                self.currency_box.setCurrentIndex(i)
        finally:
            self._filling = False

    def set_pair(self, a: str, b: str, refresh: bool = True) -> None:
        was = self._filling
        self._filling = True
        try:
            for box, code in ((self.a_box, a), (self.b_box, b)):
                i = box.findData(code)
                if i >= 0:
                    box.setCurrentIndex(i)
        finally:
            self._filling = was
        if refresh:
            self.refresh()

    def pair(self) -> tuple[str, str]:
        return self.a_box.currentData(), self.b_box.currentData()

    def set_currency(self, code: str) -> None:
        i = self.currency_box.findData(code)
        if i < 0:
            self.currency_box.addItem(code, code)
            i = self.currency_box.count() - 1
        self.currency_box.setCurrentIndex(i)

    # --- drawing ---------------------------------------------------------------------------------
    def refresh(self) -> None:
        if self._filling:
            return
        a, b = self.pair()
        if not a or not b or a == b:
            self.view = None
            self.chart.set_view(None)
            self.status.setText("Choose two different countries.")
            return
        # no data check per switch: on_database_changed checks when the window says data changed
        self.view = self.service.view(a, b, self.currency_box.currentData() or "USD", check=False)
        self.chart.set_view(self.view, self.mode_box.currentData())
        if self.tabs.currentWidget() is self.goods_tab:
            self._fill_commodities(self.view)
        msg = "; ".join(self.view.missing_rates) if self.view.missing_rates else self.view.axis_label()
        self.status.setText(msg)

    def _tab_changed(self) -> None:
        if self.tabs.currentWidget() is self.goods_tab and self.view is not None:
            self._fill_commodities(self.view)

    def _goods_flow_changed(self) -> None:
        if self.view is not None and self.tabs.currentWidget() is self.goods_tab:
            self.goods.set_goods(self.view, self.goods_flow.currentData())

    def _fill_commodities(self, v: TradeView) -> None:
        """The commodity tab, filled when shown (a pair with 97 chapters has ~3,000 rows; the chart
        does not need them, so a pair switch with the chart showing does not compute them)."""
        if self._commodities_for is v:
            return
        self._commodities_for = v
        self.goods.set_goods(v, self.goods_flow.currentData())
        rows = [(str(r.year), v.name(r.reporter), r.flow, r.label,
                 fmt_money(r.value, v.currency) if r.value == r.value else f"no rate ({r.currency_orig})",
                 r.sources) for r in v.commodities.itertuples()]
        rows += [("", v.name(rep), flow, good, "named without a value", "") for rep, flow, good in v.named_goods]
        self.commodities.setRowCount(len(rows))
        for i, row in enumerate(rows):
            for j, text in enumerate(row):
                it = QTableWidgetItem(text)
                it.setToolTip(plain.tooltip(text))
                self.commodities.setItem(i, j, it)
        if not rows:
            self.commodities.setRowCount(1)
            self.commodities.setItem(0, 3, QTableWidgetItem("No commodity breakdown stored for this pair."))

    # --- links -----------------------------------------------------------------------------------
    @staticmethod
    def _show_tip(glw, text: str, where: QPoint) -> None:
        """Hover text of a chart (the figures and their sources), as plain text."""
        tip = plain.tooltip(text) if text else ""
        glw.setToolTip(tip)
        if text:
            QToolTip.showText(where, tip, glw)
        else:
            QToolTip.hideText()

    def _year_clicked(self, year: int) -> None:
        if self.view is None:
            return
        self.window_.events_selected.emit(self.view.events_in_year(year))

    def on_year_highlighted(self, year: int) -> None:
        self.chart.highlight_year(year)

    def on_record_selected(self, table: str, rid: str) -> None:
        if table == "event":
            codes = self.service.event_pair(rid)
            if len(codes) >= 2:
                cur = set(self.pair())
                if not set(codes[:2]) <= cur and not (len(codes) > 2 and cur <= set(codes)):
                    self.set_pair(codes[0], codes[1])
            years = self.service.event_years(rid)
            if years:
                self.chart.highlight_year(years[0])
        elif table == "country":
            a, b = self.pair()
            if rid not in (a, b):
                self.set_pair(a, rid)

    def on_database_changed(self) -> None:
        """Another database: a new service.  The same one changed (import, edit, undo): the service
        drops only what changed (statistics when trade rows or rates changed; otherwise only the
        quoted figures and events are re-read).  Pickers are refilled only for another database or
        changed statistics (the country and currency lists come from them)."""
        same = self.window_.session.db is self.service.db
        if not same:
            self.service = TradeService(self.window_.session.db)
        changed = self.service.check()
        if changed:
            self._fill_pickers(keep_choice=same)
        self.refresh()

    # --- export ----------------------------------------------------------------------------------
    def export_png(self, path: str | Path) -> None:
        from dossier.plotting.trade_export import render_trade_image

        if self.view is None:
            raise ValueError("no pair chosen")
        rng = self.chart.plot.vb.viewRange()[0]
        img = render_trade_image(self.view, mode=self.mode_box.currentData(), x_range=(rng[0], rng[1]))
        if not img.save(str(path), "PNG"):
            raise OSError(f"cannot write {path}")

    def export_csv(self, path: str | Path) -> int:
        if self.view is None:
            raise ValueError("no pair chosen")
        return self.view.write_csv(path)

    def export_dialog(self, kind: str) -> None:
        if self.view is None:
            plain.message(self, "Export trade", "Choose two countries first.").exec()
            return
        a, b = self.pair()
        filt = "PNG images (*.png)" if kind == "png" else "CSV files (*.csv)"
        path, _ = QFileDialog.getSaveFileName(self, "Export trade chart" if kind == "png" else "Export trade table",
                                              f"trade-{a}-{b}.{kind}", filt)
        if not path:
            return
        try:
            self.export_png(path) if kind == "png" else self.export_csv(path)
        except OSError as e:
            plain.message(self, "Export failed", str(e)).exec()
            return
        plain.message(self, "Exported", f"Wrote {path}", QMessageBox.Icon.Information).exec()


def install(window) -> TradePanel:  # noqa: ANN001 - MainWindow
    """Place the panel directly under the timeline (a vertical splitter in the central area, so both
    plots have the same width and the same time range); without a timeline, a bottom dock."""
    panel = TradePanel(window)
    window.trade_panel = panel
    window.trade_dock = None
    if not _place_under_timeline(window, panel):
        window.trade_dock = window.add_feature_dock("Trade", panel, Qt.DockWidgetArea.BottomDockWidgetArea)
        window.trade_dock.setObjectName("dock-trade")
        window.trade_toggle = window.trade_dock.toggleViewAction()
        if not window.settings.get("window/state"):
            window.resizeDocks([window.trade_dock], [max(380, window.height() // 2)], Qt.Orientation.Vertical)
    link_to_timeline(window, panel)
    QTimer.singleShot(0, lambda: link_to_timeline(window, panel))  # the timeline may be installed after us
    window.year_highlighted.connect(panel.on_year_highlighted)
    window.record_selected.connect(panel.on_record_selected)
    window.database_changed.connect(panel.on_database_changed)
    window.add_action("file", "Export trade chart as PNG…", lambda: panel.export_dialog("png"))
    window.add_action("file", "Export trade table as CSV…", lambda: panel.export_dialog("csv"))
    return panel


def _place_under_timeline(window, panel: TradePanel) -> bool:  # noqa: ANN001 - MainWindow
    timeline = getattr(window, "timeline", None)
    if timeline is None or window.centralWidget() is not timeline:
        return False
    central = window.takeCentralWidget()  # not deleted: it moves into the splitter
    # the timeline is the main view: it keeps most of the height (a remembered share, ui.timeline_split)
    split = TimelineSplitter(window.settings, window)
    split.addWidget(central)
    split.addWidget(panel)
    window.setCentralWidget(split)
    window.trade_splitter = split
    # the timeline's lane column and the chart's left axis get the same width: same x range on screen
    lane_w = timeline.plot_item.getAxis("left").width()
    for p in (panel.chart.plot, panel.chart.growth):
        p.getAxis("left").setWidth(int(lane_w))
    toggle = QAction("Trade panel", window)
    toggle.setCheckable(True)
    toggle.setChecked(True)
    toggle.toggled.connect(panel.setVisible)
    window.view_menu.addAction(toggle)
    window.trade_toggle = toggle
    return True


def link_to_timeline(window, panel: TradePanel) -> bool:  # noqa: ANN001 - MainWindow
    """Share the timeline's x axis (pan or zoom one, the other follows).  True when linked."""
    timeline = getattr(window, "timeline", None)
    plot_item = getattr(timeline, "plot_item", None)
    if plot_item is None:
        return False
    if panel.chart.linked_to is not plot_item:
        panel.chart.plot.setXLink(plot_item)
        panel.chart.linked_to = plot_item
    return True
