"""The browser: tabs of people, organisations and events, and a Search tab over names in every script.

Each tab is a list view over a `RecordListModel` that holds a few pages of rows, never the whole table,
so a database of a million events opens as fast as the sample.  A small table (a few thousand rows) is
read at once on the UI thread; a big one is counted and paged by a `BrowserWorker` (its own
connection), and the window stays responsive meanwhile.  `select(table, id)` asks storage for the
record's place in the list (an index count, not a scan) and scrolls there."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, QPoint, QRect, Qt, QTimer, Signal
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLineEdit, QTableView, QTabWidget, QVBoxLayout, QWidget

from dossier.services import browse_list
from dossier.services.browse_list import PAGE, Row
from dossier.ui.browser_model import ROLE_REF, RecordListModel
from dossier.ui.browser_worker import BrowserWorker, Skipped

TITLES = (("person", "People"), ("organization", "Organisations"), ("event", "Events"), ("search", "Search"))


class RowItem:
    """A row as the QListWidget-style accessors of `BrowserList` return it (text, tooltip, record)."""

    def __init__(self, view: BrowserList, row: int):
        self.row = row
        self._index = view.model().index(row)

    def text(self) -> str:
        return self._index.data(Qt.ItemDataRole.DisplayRole)

    def toolTip(self) -> str:  # noqa: N802 - QListWidgetItem's name
        return self._index.data(Qt.ItemDataRole.ToolTipRole)

    def data(self, role: int) -> Any:
        return self._index.data(role)


class BrowserList(QTableView):
    """A list over a paged model, with the few QListWidget accessors that scripts, tests and the
    context menu use (`count`, `item`, `itemAt`, `setCurrentRow`, `currentRow`, `visualItemRect`).
    `item(row)` reads the row's page at once if it is not cached (the view itself never waits).

    A one-column table without headers or grid rather than a QListView: QListView lays out every row
    (2 s for a million, measured, even with uniform item sizes); a table with fixed row heights
    computes positions arithmetically and touches only the rows on screen."""

    def __init__(self, model: RecordListModel, parent: QWidget | None = None):
        super().__init__(parent)
        self.setModel(model)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setCornerButtonEnabled(False)
        self.setTabKeyNavigation(False)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        h, v = self.horizontalHeader(), self.verticalHeader()
        h.hide()
        h.setStretchLastSection(True)
        v.hide()
        v.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        v.setDefaultSectionSize(self.fontMetrics().height() + 6)
        self.read_now: Callable[[RecordListModel, int], list[Row]] | None = None  # sync page read

    def model(self) -> RecordListModel:  # type: ignore[override]
        return super().model()  # type: ignore[return-value]

    def count(self) -> int:
        return self.model().rowCount()

    def item(self, row: int) -> RowItem | None:
        m = self.model()
        if not 0 <= row < m.total:
            return None
        if m.row(row) is None and self.read_now is not None:
            m.put(m.generation, row // PAGE, self.read_now(m, row // PAGE))
        return RowItem(self, row)

    def itemAt(self, pos: QPoint) -> RowItem | None:  # noqa: N802 - QListWidget's name
        idx = self.indexAt(pos)
        return RowItem(self, idx.row()) if idx.isValid() and self.model().row(idx.row()) else None

    def setCurrentRow(self, row: int) -> None:  # noqa: N802 - QListWidget's name
        self.setCurrentIndex(self.model().index(row))

    def currentRow(self) -> int:  # noqa: N802 - QListWidget's name
        return self.currentIndex().row()

    def visualItemRect(self, item: RowItem) -> QRect:  # noqa: N802 - QListWidget's name
        return self.visualRect(self.model().index(item.row))

    def visible_rows(self) -> tuple[int, int]:
        first = max(self.rowAt(1), 0)
        last = self.rowAt(self.viewport().height() - 2)
        return first, (last if last >= 0 else max(first, self.model().total - 1))


class BrowserPanel(QWidget):
    """Tabs of people, organisations and events, with a search box over names in every script."""

    selected = Signal(str, str)  # table, id
    counted = Signal()  # a list's row count became known (`counts`)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search names (any script), titles, places…")
        self.search.setClearButtonEnabled(True)
        lay.addWidget(self.search)
        self.tabs = QTabWidget(self)
        self.lists: dict[str, BrowserList] = {}
        for table, title in TITLES:
            m = RecordListModel(table, self)
            lv = BrowserList(m, self)
            lv.setObjectName(f"browser-{table}")
            lv.read_now = self._read_now
            lv.selectionModel().currentChanged.connect(lambda cur, _prev, t=table: self._current(t, cur))
            lv.activated.connect(lambda idx, t=table: self._current(t, idx))
            lv.verticalScrollBar().valueChanged.connect(lambda _v, t=table: self._track(t))
            m.page_arrived.connect(lambda n, t=table: self._arrived(t, n))
            self.lists[table] = lv
            self.tabs.addTab(lv, title)
        lay.addWidget(self.tabs)
        self.session: Any = None  # services.session.Session
        self.worker: BrowserWorker | None = None
        self.small: dict[str, bool] = {}
        self.counts: dict[str, int | None] = {}  # None: still counting (or the count failed)
        self.errors: dict[str, str] = {}
        self._visible: dict[str, list[int]] = {t: [0, PAGE] for t, _ in TITLES}  # read by page jobs
        self._awaiting: dict[str, int] = {}  # current row whose page is on its way: selected when it comes
        self._callbacks: dict[int, Callable[[Any, str], None]] = {}
        self._target: tuple[str, str] | None = None  # the latest select() on a big list
        self._quiet = False

    # --- loading --------------------------------------------------------------------------------
    def load(self, session: Any) -> None:
        """Show the lists of `session`'s database (again: after an edit, an import, another file)."""
        self.stop()  # a fresh reader each time: its connection sees this file as it is now (even restored)
        self.worker = BrowserWorker(session, self)
        self.worker.done.connect(self._done)
        self.session = session
        self._target = None
        self._awaiting.clear()
        db = session.db
        for table in browse_list.TABLES:
            m = self.lists[table].model()
            self.small[table] = browse_list.is_small(db, table)
            self.errors.pop(table, None)
            if self.small[table]:
                rows = browse_list.page_rows(db, table)
                m.loader = self._load_soon
                m.reset(len(rows), rows)
                self.counts[table] = len(rows)
            else:
                m.loader = self._load_in_background
                m.reset(0)
                self.counts[table] = None
                gen = m.generation
                self._submit(lambda db, t=table: (browse_list.count(db, t), browse_list.page(db, t, 0)),
                             lambda res, err, m=m, gen=gen: self._counted(m, gen, res, err))
        self.counted.emit()

    def _submit(self, fn: Callable[[Any], Any], then: Callable[[Any, str], None], **kw: Any) -> None:
        assert self.worker is not None
        ticket = self.worker.submit(fn, **kw)
        if ticket:
            self._callbacks[ticket] = then

    def _done(self, ticket: int, result: object, error: str) -> None:
        then = self._callbacks.pop(ticket, None)
        if then is not None:
            then(result, error)

    def _counted(self, m: RecordListModel, gen: int, res: Any, err: str) -> None:
        if gen != m.generation:
            return
        if err:
            self.errors[m.table] = err
        else:
            total, first = res
            m.populate(total, first)
            self.counts[m.table] = total
        self.counted.emit()

    def _read_now(self, m: RecordListModel, n: int) -> list[Row]:
        after, before = m.neighbours(n)
        return browse_list.page(self.session.db, m.table, n, after=after, before=before, total=m.total)

    def _load_soon(self, m: RecordListModel, n: int) -> None:
        """A small list's page that left the cache: read on the UI thread, after the paint that asked."""
        gen = m.generation
        QTimer.singleShot(0, self, lambda: m.put(gen, n, self._read_now(m, n) if gen == m.generation else None))

    def _load_in_background(self, m: RecordListModel, n: int) -> None:
        after, before = m.neighbours(n)
        gen, table, total = m.generation, m.table, m.total
        self._track(table)
        vis = self._visible[table]

        def job(db: Any) -> list[Row]:
            if not vis[0] - 2 * PAGE <= n * PAGE <= vis[1] + 2 * PAGE:
                raise Skipped  # scrolled away meanwhile
            return browse_list.page(db, table, n, after=after, before=before, total=total)

        self._submit(job, lambda rows, err: m.put(gen, n, None if err else rows), page=True)

    def _track(self, table: str) -> None:
        self._visible[table][:] = self.lists[table].visible_rows()

    # --- selection ------------------------------------------------------------------------------
    def _current(self, table: str, index: QModelIndex) -> None:
        if self._quiet or not index.isValid():
            return
        row = self.lists[table].model().row(index.row())
        if row is None:
            self._awaiting[table] = index.row()  # its page is on its way
            return
        self._awaiting.pop(table, None)
        self.selected.emit(row.table, row.id)

    def _arrived(self, table: str, n: int) -> None:
        r = self._awaiting.get(table)
        if r is not None and r // PAGE == n and self.lists[table].currentIndex().row() == r:
            self._current(table, self.lists[table].currentIndex())

    def select(self, table: str, rid: str) -> bool:
        """Show the record in its list, scrolled into view, and emit `selected`.  False if there is no
        such record."""
        lv = self.lists.get(table)
        if lv is None or self.session is None or table not in browse_list.TABLES:
            return False
        db = self.session.db
        if self.small.get(table, True):
            pos = browse_list.position(db, table, rid)
            if pos is None:
                return False
            self.tabs.setCurrentWidget(lv)
            if lv.currentRow() == pos:
                self.selected.emit(table, rid)
            lv.setCurrentRow(pos)
            lv.scrollTo(lv.currentIndex())
            return True
        if not browse_list.exists(db, table, rid):
            return False
        self.tabs.setCurrentWidget(lv)
        self.selected.emit(table, rid)  # the details at once; the list follows when its place is known
        target, m = (table, rid), lv.model()
        self._target, gen = target, m.generation

        self._submit(lambda db: browse_list.locate(db, table, rid),
                     lambda res, err: self._place(lv, gen, target, res, err))
        return True

    def _place(self, lv: BrowserList, gen: int, target: tuple[str, str], res: Any, err: str) -> None:
        m = lv.model()
        if err or res is None or self._target != target or gen != m.generation:
            return
        pos, rows = res
        if pos >= m.total:  # the list changed under us (its count is older): nothing to point at
            return
        m.put(gen, pos // PAGE, rows)
        self._quiet = True
        try:
            lv.setCurrentRow(pos)
        finally:
            self._quiet = False
        lv.scrollTo(lv.currentIndex(), QAbstractItemView.ScrollHint.PositionAtCenter)
        self._target = None

    # --- search and direct filling --------------------------------------------------------------
    def run_search(self, text: str) -> None:
        """Hits for `text` in the Search tab: at once on a small database, else in the background
        (the latest text wins)."""
        if not text.strip() or self.session is None:
            self.show_rows("search", [])
            return
        if all(self.small.values()):
            self.show_rows("search", browse_list.search(self.session.db, text))
            return

        def shown(rows: Any, err: str) -> None:
            if not err and self.search.text() == text:
                self.show_rows("search", rows)

        self._submit(lambda db: browse_list.search(db, text), shown, replace="search")

    def show_rows(self, table: str, rows: list[Row]) -> None:
        m = self.lists[table].model()
        m.loader = None
        m.reset(len(rows), rows)

    def fill(self, table: str, rows: list[tuple[str, str, str]]) -> None:
        """rows: (id, label, tooltip); for "search", tooltip is "table\\x1flabel".  A whole list in
        memory: for short lists (search hits), the big ones page themselves (`load`)."""
        self.show_rows(table, [Row(table if table != "search" else tip.split("\x1f")[0], rid, text,
                                   tip.split("\x1f")[-1]) for rid, text, tip in rows])

    def stop(self) -> None:
        """End the background reader (the window closes or another database opens)."""
        if self.worker is not None:
            self.worker.stop()
            self.worker.done.disconnect(self._done)
            self.worker.deleteLater()
            self.worker = None
        self._callbacks.clear()
