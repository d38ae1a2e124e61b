"""A list of records that never holds them all: a Qt list model over pages of rows (`services.
browse_list.Row`) kept in a small least-recently-used cache.  The row count comes first; a page is read
when the view first asks for one of its rows (shown as "…" until it arrives), through a loader the
panel provides (on a background connection for big tables).  Every string shown is data, and plain:
the list view draws DisplayRole as text, and tooltips go through `plain.tooltip`."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from dossier.services.browse_list import PAGE, Row
from dossier.ui import plain

ROLE_REF = Qt.ItemDataRole.UserRole + 1  # (table, id) of the record a row stands for
PENDING = "…"  # what a row shows until its page has been read
MAX_PAGES = 64  # pages kept (16k rows): memory stays flat however far the user scrolls

Index = QModelIndex | QPersistentModelIndex


class RecordListModel(QAbstractListModel):
    page_arrived = Signal(int)  # page number

    def __init__(self, table: str, parent: Any = None):
        super().__init__(parent)
        self.table = table
        self.total = 0
        self.generation = 0  # bumped by every reset: late pages of an older list are dropped
        self.pages: OrderedDict[int, list[Row]] = OrderedDict()
        self.pending: set[int] = set()
        self.loader: Callable[[RecordListModel, int], None] | None = None  # asked for a missing page

    # --- Qt model API ---------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008,N802 - Qt API
        return 0 if parent.isValid() else self.total

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.row(index.row())
        if row is None:
            if role == Qt.ItemDataRole.DisplayRole:
                self.want(index.row() // PAGE)
                return PENDING
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return row.label
        if role == Qt.ItemDataRole.ToolTipRole:
            return plain.tooltip(row.tooltip)
        if role == ROLE_REF:
            return (row.table, row.id)
        return None

    # --- the cache ------------------------------------------------------------------------------
    def row(self, r: int) -> Row | None:
        """The row if its page is here (it becomes the most recently used), else None."""
        n, i = divmod(r, PAGE)
        page = self.pages.get(n)
        if page is None or i >= len(page):
            return None
        self.pages.move_to_end(n)
        return page[i]

    def neighbours(self, n: int) -> tuple[Any, Any]:
        """Sort keys bounding page n from the pages around it, if cached: (key of the row just before
        the page, key of the row just after it).  Either turns reading the page into an index seek."""
        prev, nxt = self.pages.get(n - 1), self.pages.get(n + 1)
        after = prev[-1].key if prev is not None and len(prev) == PAGE else None
        before = nxt[0].key if nxt else None
        return after, before

    def want(self, n: int) -> None:
        if n in self.pages or n in self.pending or self.loader is None or n * PAGE >= self.total:
            return
        self.pending.add(n)
        self.loader(self, n)

    def put(self, generation: int, n: int, rows: list[Row] | None) -> None:
        """A page has been read (None: it was not, e.g. skipped because the user scrolled away)."""
        if generation != self.generation:
            return
        self.pending.discard(n)
        if rows is None:
            return
        self.pages[n] = rows
        self.pages.move_to_end(n)
        while len(self.pages) > MAX_PAGES:
            self.pages.popitem(last=False)
        if rows:
            self.dataChanged.emit(self.index(n * PAGE), self.index(min(self.total, n * PAGE + len(rows)) - 1))
        self.page_arrived.emit(n)

    def reset(self, total: int, rows: list[Row] | None = None) -> None:
        """A new list of `total` rows; `rows`: its first rows, if already read (all of a small list)."""
        self.beginResetModel()
        self.generation += 1
        self.total = total
        self.pages.clear()
        self.pending.clear()
        for k in range(0, len(rows or ()), PAGE):
            self.pages[k // PAGE] = list(rows[k:k + PAGE])  # type: ignore[index]
        self.endResetModel()

    def populate(self, total: int, first: list[Row]) -> None:
        """The count (and first page) of the list being loaded arrived: same list, now with rows."""
        self.beginResetModel()
        self.total = total
        self.pages.clear()
        self.pending.clear()
        if first:
            self.pages[0] = list(first)
        self.endResetModel()

    def cached(self) -> list[tuple[int, Row]]:
        """(row number, row) of every row in the cache."""
        return [(n * PAGE + i, r) for n, page in sorted(self.pages.items()) for i, r in enumerate(page)]
