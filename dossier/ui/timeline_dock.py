"""The timeline as the main view: toolbar (search, filters, grouping, order, fit, go to date), the plot,
and the wiring to the window's selection signals.  `install(window)` is registered in app.py."""

from __future__ import annotations

import datetime as _dt
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QSizePolicy,
    QToolButton,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from dossier.domain import dates
from dossier.domain.timeaxis import ordinal_to_x
from dossier.plotting.timeline_plot import TimelinePlot
from dossier.services import timeline as tl
from dossier.services.timeline_text import Labels, describe, event_keys, key_of
from dossier.ui import plain
from dossier.ui.timeline_loader import LoadingRow, TimelineLoader

GRADES = [("any grade", 0), ("A only", 1), ("A–B", 2), ("A–C", 3), ("A–D", 4), ("A–E", 5)]


class TimelinePanel(QWidget):
    def __init__(self, window):
        super().__init__(window)
        self.window_ = window
        self.setObjectName("timeline")
        self.options = tl.Options()
        self.data: tl.Data | None = None
        self.layout_: tl.Layout | None = None
        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        bar = QHBoxLayout()
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Find on timeline (names in any script, titles, places)…")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._search)
        bar.addWidget(self.search, 2)
        self.kinds_button = QToolButton(self)
        self.kinds_button.setText("Kinds")
        self.kinds_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.kind_menu = QMenu(self)
        self.kind_actions: dict[str, QAction] = {}
        for k in tl.KINDS:
            a = self.kind_menu.addAction(k)
            a.setCheckable(True)
            a.setChecked(True)
            a.toggled.connect(self._filters_changed)
            self.kind_actions[k] = a
        self.kinds_button.setMenu(self.kind_menu)
        bar.addWidget(self.kinds_button)
        self.country = QComboBox(self)
        self.country.setObjectName("timeline-country")
        self.country.currentIndexChanged.connect(self._filters_changed)
        bar.addWidget(self.country)
        self.lane_text = QLineEdit(self)
        self.lane_text.setPlaceholderText("Lanes: person / organisation…")
        self.lane_text.textChanged.connect(self._filters_changed)
        bar.addWidget(self.lane_text, 1)
        self.grade = QComboBox(self)
        for text, _g in GRADES:
            self.grade.addItem(text)
        self.grade.currentIndexChanged.connect(self._filters_changed)
        bar.addWidget(self.grade)
        self.date_from = QLineEdit(self)
        self.date_from.setPlaceholderText("from (YYYY[-MM[-DD]])")
        self.date_to = QLineEdit(self)
        self.date_to.setPlaceholderText("to")
        for w in (self.date_from, self.date_to):
            w.setMaximumWidth(120)
            w.editingFinished.connect(self._filters_changed)
            bar.addWidget(w)
        self.grouping = QComboBox(self)
        self.grouping.addItems(["Group: people / organisations / states", "Group: by country"])
        self.grouping.currentIndexChanged.connect(self._options_changed)
        bar.addWidget(self.grouping)
        self.order = QComboBox(self)
        self.order.addItems(["Order: name", "Order: first date", "Order: activity"])
        self.order.currentIndexChanged.connect(self._options_changed)
        bar.addWidget(self.order)
        lay.addLayout(bar)
        for w in self.findChildren(QComboBox):
            w.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            w.setMinimumContentsLength(5)
        for i in range(bar.count()):  # the bar may shrink with the window (widgets get narrower)
            w = bar.itemAt(i).widget()
            w.setSizePolicy(QSizePolicy.Policy.Ignored, w.sizePolicy().verticalPolicy())
            bar.setStretch(i, 4 if w is self.search else 2 if isinstance(w, QComboBox | QLineEdit) else 1)
        self.hits = QListWidget(self)
        self.hits.setMaximumHeight(110)
        self.hits.hide()
        self.hits.itemActivated.connect(self._jump)
        self.hits.currentItemChanged.connect(lambda it, _p: self._jump(it) if it else None)
        lay.addWidget(self.hits)
        self.loading = LoadingRow(self)
        self.load_label, self.load_progress, self.load_cancel = self.loading.label, self.loading.bar, self.loading.button
        self.load_cancel.clicked.connect(self._cancel_or_restart)
        lay.addWidget(self.loading)
        self.loader: TimelineLoader | None = None
        self._loaded_path = None
        self.plot = TimelinePlot(None, self)
        self.plot_item = self.plot.plot_item
        lay.addWidget(self.plot, 1)
        self.plot.row_selected.connect(self._row_selected)
        self.plot.lane_clicked.connect(self._lane_clicked)
        self.plot.scene().sigMouseMoved.connect(self._hover)
        self._echo = False
        self.reload()

    # --- data -----------------------------------------------------------------------------------
    def reload(self) -> None:
        """Read the database again: at once when small, otherwise off the UI thread (the current view
        stays until the new one is ready)."""
        session = self.window_.session
        db = session.db
        self.labels = Labels(db)
        self.plot.items.labels = self.labels
        if self.loader is not None:
            self.loader.cancel()
            self.loader = None
        if tl.load_in_background(db):
            if self._loaded_path != session.path:  # another database: the old items are gone
                self.data = None
                self.layout_ = tl.layout(tl.empty_data())
                self.plot.set_layout(self.layout_)
            self._start_loader(session)
            return
        self.loading.hide()
        data = tl.load(db)
        self._loaded(data, None, keep_view=False)

    def _start_loader(self, session) -> None:  # noqa: ANN001 - services.session.Session
        loader = TimelineLoader(session, self.options)
        # bound methods of this widget: Qt drops the connections if the panel goes away first
        loader.progressed.connect(self._progressed)
        loader.loaded.connect(self._background_done)
        loader.cancelled.connect(self._background_cancelled)
        loader.failed.connect(self._background_failed)
        self.loader = loader
        self.load_label.setText("Loading the timeline…")
        self.load_progress.setValue(0)
        self.load_progress.show()
        self.load_cancel.setText("Cancel")
        self.loading.show()
        loader.start()

    def _progressed(self, percent: int, what: str) -> None:
        if self.sender() is self.loader:
            self.load_progress.setValue(percent)
            self.load_label.setText(f"Loading the timeline: {what}…")

    def _background_done(self, data: tl.Data, lay: tl.Layout) -> None:
        loader = self.sender()
        if loader is None or loader is not self.loader:  # superseded by a later reload
            return
        self.loader = None
        self.loading.hide()
        self._loaded(data, lay if loader.options == self.options else None,
                     keep_view=self._loaded_path == self.window_.session.path)

    def _background_cancelled(self) -> None:
        self._background_stopped(self.sender(), "Loading the timeline was cancelled.")

    def _background_failed(self, message: str) -> None:
        self._background_stopped(self.sender(), f"Could not load the timeline: {message}")

    def _background_stopped(self, loader, message: str) -> None:  # noqa: ANN001 - TimelineLoader
        if loader is None or loader is not self.loader:
            return
        self.loader = None
        self.load_label.setText(message)
        self.load_progress.hide()
        self.load_cancel.setText("Load again")
        self.window_.statusBar().showMessage(message)

    def _cancel_or_restart(self) -> None:
        if self.loader is not None:
            self.loader.cancel()
        else:
            self.reload()

    def _loaded(self, data: tl.Data, lay: tl.Layout | None, *, keep_view: bool) -> None:
        self.data = data
        self._loaded_path = self.window_.session.path
        countries = self.data.countries()
        self.country.blockSignals(True)
        current = self.country.currentData()
        self.country.clear()
        self.country.addItem("all countries", None)
        for c in countries:
            self.country.addItem(c, c)
        if current in countries:
            self.country.setCurrentIndex(countries.index(current) + 1)
        self.country.blockSignals(False)
        if lay is not None:
            self.layout_ = lay
            self.plot.set_layout(lay, keep_view=keep_view)
        else:
            self.relayout(keep_view=keep_view)

    def relayout(self, keep_view: bool = True) -> None:
        if self.data is None:  # still loading: the options apply when the data arrives
            return
        self.layout_ = tl.layout(self.data, self.options)
        self.plot.set_layout(self.layout_, keep_view=keep_view)

    def _options_changed(self) -> None:
        self.options.grouping = tl.GROUPINGS[self.grouping.currentIndex()]
        self.options.order = tl.ORDERS[self.order.currentIndex()]
        self.relayout()

    def _filters_changed(self) -> None:
        f = tl.Filter()
        kinds = {k for k, a in self.kind_actions.items() if a.isChecked()}
        f.kinds = None if len(kinds) == len(tl.KINDS) else kinds
        c = self.country.currentData()
        f.countries = {c} if c else None
        f.lane_text = self.lane_text.text()
        f.max_grade = GRADES[self.grade.currentIndex()][1]
        f.window = self._window()
        self.options.filter = f
        self.relayout(keep_view=f.window is None)
        if f.window:
            self.plot.vb.setXRange(ordinal_to_x(f.window[0]), ordinal_to_x(f.window[1] + 1), padding=0.02)

    def _window(self) -> tuple[int, int] | None:
        a, b = self.date_from.text().strip(), self.date_to.text().strip()
        if not a and not b:
            return None
        try:
            lo = dates.parse_date(a).earliest if a else _dt.date(1, 1, 1).toordinal()
            hi = dates.parse_date(b).latest if b else _dt.date(9999, 12, 31).toordinal()
        except dates.DateError as e:
            self.window_.statusBar().showMessage(f"Date window: {e}")
            return None
        return lo, hi

    # --- selection ------------------------------------------------------------------------------
    def _row_selected(self, row: int) -> None:
        lay = self.layout_
        if row < 0 or lay is None:
            return
        key = int(lay.data.key[lay.r_item[row]])
        info = describe(self.window_.session.db, key)
        if info is None:
            return
        self._echo = True
        try:
            self.window_.select_record(info["table"], info["id"])
        finally:
            self._echo = False
        if info["table"] == "event":
            self.window_.year_highlighted.emit(int(_dt.date.fromordinal(int(lay.data.s_lo[lay.r_item[row]])).year))

    def select_key(self, key: int, *, emit: bool = True) -> bool:
        lay = self.layout_
        i = lay.data.index_of_key(key) if lay else None
        if i is None:
            return False
        rows = lay.rows_of_item(i)
        if not len(rows):
            return False
        self.plot.select_row(int(rows[0]), emit=emit)
        return True

    def on_record_selected(self, table: str, rid: str) -> None:
        if self._echo or self.layout_ is None:
            return
        if table in ("person", "organization"):
            lane = self.layout_.lane_of_entity(rid)
            if lane is not None:
                self.plot.scroll_to_lane(lane)
            return
        key = key_of(self.window_.session.db, table, rid)
        if key is not None:
            self.select_key(key, emit=False)

    def on_events_selected(self, ids: list) -> None:
        lay = self.layout_
        if lay is None:
            return
        keys = event_keys(self.window_.session.db, [str(i) for i in ids])
        rows: set[int] = set()
        for k in keys:
            i = lay.data.index_of_key(k)
            if i is not None:
                rows |= {int(r) for r in lay.rows_of_item(i)}
        if rows:
            first = min(rows, key=lambda r: lay.x0[r])
            self.plot.select_row(first, emit=False)
            self.plot.items.selected_rows = rows
            self.plot.items.update()

    def _lane_clicked(self, lane: int) -> None:
        ln = self.layout_.lanes[lane]
        if ln.kind == "group":
            self.options.collapsed ^= {ln.entity}
            self.relayout()
        else:
            self._echo = True
            try:
                self.window_.select_record(ln.kind, ln.entity) if ln.kind != "country" else None
            finally:
                self._echo = False

    def _hover(self, scene_pos) -> None:
        row = self.plot.row_at(scene_pos)
        if row is None:
            # the lane column: the lane's whole name (labels are shortened, or left out on thin lanes)
            name = self.plot.lane_axis.label_at(scene_pos)
            view = self.plot
            if name:
                QToolTip.showText(view.mapToGlobal(view.mapFromScene(scene_pos)), plain.tooltip(name), view)
            else:
                QToolTip.hideText()
            return
        key = int(self.layout_.data.key[self.layout_.r_item[row]])
        info = describe(self.window_.session.db, key)
        if info:
            view = self.plot
            QToolTip.showText(view.mapToGlobal(view.mapFromScene(scene_pos)), plain.tooltip(info["tooltip"]), view)

    # --- search ---------------------------------------------------------------------------------
    def _search(self, text: str) -> None:
        hits = self.window_.session.search(text) if text.strip() else []
        self.hits.clear()
        for h in hits:
            it = QListWidgetItem(f"{h['label']}  ({h['table']})")
            it.setData(Qt.ItemDataRole.UserRole, (h["table"], h["id"]))
            self.hits.addItem(it)
        self.hits.setVisible(bool(hits))

    def _jump(self, item: QListWidgetItem) -> None:
        table, rid = item.data(Qt.ItemDataRole.UserRole)
        if table in ("person", "organization"):
            self.on_record_selected(table, rid)
            self.window_.select_record(table, rid)
        else:
            self.on_record_selected(table, rid)
            self._row_selected(self.plot.selected_row if self.plot.selected_row is not None else -1)

    # --- actions --------------------------------------------------------------------------------
    def go_to_date(self) -> None:
        text, ok = QInputDialog.getText(self, "Go to date", "Date (YYYY, YYYY-MM or YYYY-MM-DD):")
        if ok and text.strip():
            try:
                d = dates.parse_date(text)
            except dates.DateError as e:
                plain.message(self, "Go to date", str(e)).exec()
                return
            self.plot.zoom_to(ordinal_to_x(d.earliest), ordinal_to_x(d.latest + 1))

    def export_view(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export view as image", "timeline.png", "PNG images (*.png)")
        if path:
            img = self.plot.grab().toImage()
            if not img.save(str(Path(path))):
                plain.message(self, "Export view", f"Could not write {path}").exec()


def install(window) -> None:
    """The timeline becomes the central view; the details panel moves into a right-hand dock."""
    panel = TimelinePanel(window)
    details = window.takeCentralWidget()
    window.setCentralWidget(panel)
    window.details_dock = window.add_feature_dock("Details", details, Qt.DockWidgetArea.RightDockWidgetArea)
    window.timeline = panel
    window.record_selected.connect(panel.on_record_selected)
    window.events_selected.connect(panel.on_events_selected)
    window.database_changed.connect(panel.reload)
    window.add_action("view", "&Fit timeline", panel.plot.fit_all, "Ctrl+0")
    window.add_action("view", "&Go to date…", panel.go_to_date, "Ctrl+G")
    window.add_action("view", "Zoom to &selection", panel.plot.zoom_to_selection, "Ctrl+Alt+Z")  # Ctrl+Shift+Z is Redo
    window.add_action("file", "Export &view as image…", panel.export_view)
    window.resizeDocks([window.details_dock], [380], Qt.Orientation.Horizontal)
