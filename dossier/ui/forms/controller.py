"""Editing in the app: the forms, undo and redo, history, as-of and merge, wired into the window.

`install(window)` (registered in app.py) adds the Edit menu (Undo / Redo with Ctrl+Z / Ctrl+Shift+Z,
History of edits, New … for every kind, Edit / Delete / Merge / History of the selected record), View >
Show data as of…, context menus on the browser and the details panel, buttons above the details, and
the timeline's editing gestures (double-click an empty spot of a lane, drag a bar's start or end).

Every change is a batch in the database (services.editing) and one QUndoCommand here, whose undo is
the journal's exact undo of that batch and whose redo applies the same change again (a new batch).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence, QUndoCommand, QUndoStack
from PySide6.QtWidgets import (
    QListWidget,
    QMenu,
    QMessageBox,
    QToolBar,
    QUndoView,
    QVBoxLayout,
    QWidget,
)

from dossier.services import editing, history
from dossier.services.session import Session
from dossier.ui import plain
from dossier.ui.forms.as_of import AsOfViewing
from dossier.ui.forms.dialogs import EditListDialog, HistoryDialog, MergeDialog
from dossier.ui.forms.timeline_edit import TimelineEditing
from dossier.ui.forms.record_form import SINGULAR, RecordDialog

KIND_OF = {"person": "people", "organization": "organizations", "event": "events", "posting": "postings",
           "relation": "relations", "statement": "statements", "figure": "figures", "source": "sources",
           "fx_rate": "rates"}
NEW_ITEMS = (("people", "New &person…"), ("organizations", "New &organisation…"), ("postings", "New po&sting…"),
             ("events", "New &event…"), ("relations", "New &relation…"), ("statements", "New s&tatement…"),
             ("figures", "New &quoted figure…"), ("trade", "New trade &row…"), ("sources", "New so&urce…"))
MERGEABLE = ("person", "organization")


class BatchCommand(QUndoCommand):
    """One change (edit, delete, merge, import): undo = the journal's undo of its batch; redo = do it again."""

    def __init__(self, ctl: EditController, text: str, do: Callable[[], int | None], batch: int | None,
                 select: tuple[str, str] | None = None):
        super().__init__(text)
        self.ctl, self.do, self.batch, self.select = ctl, do, batch, select
        self._done_already = True

    def redo(self) -> None:
        if self._done_already:  # pushed right after the change was made
            self._done_already = False
            return
        try:
            self.batch = self.do()
        except Exception as e:  # noqa: BLE001 - shown to the user, the stack is reset
            self.ctl.failed("Redo", e)
            return
        self.ctl.after_change(self.select)

    def undo(self) -> None:
        try:
            if self.batch is not None:
                editing.undo(self.ctl.db, self.batch)
        except Exception as e:  # noqa: BLE001
            self.ctl.failed("Undo", e)
            return
        self.ctl.after_change(None)


class EditController(TimelineEditing, AsOfViewing, QObject):
    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.stack = QUndoStack(self)
        self.stack.setUndoLimit(0)  # unlimited within a session
        self.session = window.session
        self.real_session: Session | None = None  # while showing the data "as of" a past moment
        self.dialog: QWidget | None = None  # the open form or dialog (tests drive it)
        self.edit_actions: list[QAction] = []

    @property
    def db(self):
        return self.window.session.db

    # --- applying changes -----------------------------------------------------------------------
    def save_rows(self, rows: list[editing.EditRow], note: str, select: tuple[str, str] | None = None) -> int | None:
        """Apply an edit (raises editing.EditRejected, nothing written) and push it on the undo stack."""
        batch = editing.apply(self.db, rows, note)
        if batch is None:
            return None
        self.stack.push(BatchCommand(self, note, lambda: editing.apply(self.db, rows, note), batch, select))
        self.after_change(select)
        return batch

    def merge(self, table: str, survivor: str, other: str) -> int:
        note = f"merge {SINGULAR[KIND_OF[table]]} {other} into {survivor}"
        batch = editing.merge(self.db, table, survivor, other, note)
        self.stack.push(BatchCommand(self, note, lambda: editing.merge(self.db, table, survivor, other, note), batch,
                                     (table, survivor)))
        self.after_change((table, survivor))
        return batch

    def push_import(self, batch: int, paths: list, opts, text: str, *, refresh: bool = True) -> None:
        """An import applied in the GUI (issue 5's File > Import CSV…): one step; undo = the journal's undo
        of its batch, redo = the same files imported again with the same options."""
        def again() -> int | None:
            from dossier.services.importing import import_files

            r = import_files(self.db, paths, opts, backup=False)
            if not r.applied:
                raise RuntimeError("; ".join(str(e) for e in r.errors[:3]) or "the files no longer change anything")
            return r.batch

        self.stack.push(BatchCommand(self, text, again, batch))
        if refresh:
            self.after_change(None)

    def hook_import(self, feature) -> None:
        """Every import applied through the import feature's review dialog becomes a step here; an import
        undone outside the stack (Edit > Undo last import) clears the steps, which no longer hold."""
        review, undone = feature.review, feature._undone

        def review_with_step(files):
            dlg = review(files)
            dlg.applied.connect(lambda report, files=list(files), dlg=dlg: self.push_import(
                report.batch, files, dlg._current_opts(), "import " + ", ".join(p.name for p in files),
                refresh=False))
            return dlg

        def undone_outside(result):
            undone(result)
            if self.stack.count():
                self.stack.clear()
                self.window.statusBar().showMessage(f"Undid import batch {result[0]}; the list of edit steps "
                                                    "was cleared (it no longer matches the data)")

        feature.review = review_with_step
        feature._undone = undone_outside  # undo_last() connects the worker to it when it runs

    def failed(self, what: str, e: Exception) -> None:
        plain.message(self.window, f"{what} failed", f"{e}\n\nThe list of steps was cleared; the database is as "
                      "the last successful step left it.").exec()
        QTimer.singleShot(0, self.stack.clear)
        self.after_change(None)

    def after_change(self, select: tuple[str, str] | None) -> None:
        w = self.window
        w.refresh()
        cur = w.details.current
        target = select or ((cur.table, cur.id) if cur else None)
        if target and w.session.details(*target) is not None:
            w.select_record(*target)
        else:
            w.details.show_details(None)
        w.database_changed.emit()

    def _database_changed(self) -> None:
        if self.window.session is not self.session and self.real_session is None:
            self.session = self.window.session  # another database was opened: its own history
            self.stack.clear()

    # --- the selected record --------------------------------------------------------------------
    def selected(self) -> tuple[str, str] | None:
        cur = self.window.details.current
        return (cur.table, cur.id) if cur is not None else None

    def _need_selection(self) -> tuple[str, str] | None:
        sel = self.selected()
        if sel is None:
            self.window.statusBar().showMessage("Select a record first (browser, timeline or search).")
        return sel

    # --- forms ----------------------------------------------------------------------------------
    def _show(self, dlg: QWidget) -> QWidget:
        self.dialog = dlg
        dlg.setModal(True)
        dlg.show()
        return dlg

    def new_record(self, kind: str, preset: dict | None = None) -> RecordDialog | None:
        if self._read_only():
            return None
        dlg = RecordDialog(self.db, kind, preset=preset, parent=self.window)
        dlg.on_save = lambda rows, note: self.save_rows(rows, note, self._select_of(kind, dlg))
        return self._show(dlg)

    def edit_record(self, table: str, record_id: str) -> RecordDialog | None:
        if self._read_only():
            return None
        kind = KIND_OF.get(table)
        existing = editing.record(self.db, kind, (record_id,)) if kind else None
        if existing is None:
            self.window.statusBar().showMessage(f"{table} {record_id} cannot be edited here")
            return None
        dlg = RecordDialog(self.db, kind, existing=existing, parent=self.window)
        dlg.on_save = lambda rows, note: self.save_rows(rows, note, (table, record_id))
        return self._show(dlg)

    @staticmethod
    def _select_of(kind: str, dlg: RecordDialog) -> tuple[str, str] | None:
        table = {v: k for k, v in KIND_OF.items()}.get(kind)
        if table in ("person", "organization", "event", "posting", "relation") and dlg.values.get("id"):
            return table, dlg.values["id"]
        return None

    def delete_record(self, table: str, record_id: str, *, confirm: bool = True) -> int | None:
        if self._read_only():
            return None
        kind = KIND_OF.get(table)
        if kind is None:
            return None
        if confirm:
            box = plain.message(self.window, "Delete", f"Delete {SINGULAR[kind]} {record_id} and what hangs on it "
                                "(its postings, participations, names)? Edit > Undo brings it back.",
                                QMessageBox.Icon.Question)
            box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel)
            if box.exec() != QMessageBox.StandardButton.Yes:
                return None
        try:
            return self.save_rows([editing.EditRow(kind, {"id": record_id}, deleted=True)],
                                  f"delete {SINGULAR[kind]} {record_id}")
        except editing.EditRejected as e:
            plain.message(self.window, "Delete", str(e)).exec()
            return None

    def merge_dialog(self, table: str, record_id: str) -> MergeDialog | None:
        if self._read_only() or table not in MERGEABLE:
            return None
        kind = KIND_OF[table]
        cands = [(k, lbl) for k, lbl in editing.choices(self.db, kind) if k != record_id]
        label = dict(editing.choices(self.db, kind)).get(record_id, record_id)
        dlg = MergeDialog(SINGULAR[kind], label, cands, editing.duplicates(self.db, table, record_id), self.window)
        dlg.accepted.connect(lambda: self._merge_chosen(table, record_id, dlg.chosen()))
        return self._show(dlg)

    def _merge_chosen(self, table: str, survivor: str, other: str) -> None:
        if not other or other == survivor:
            return
        try:
            self.merge(table, survivor, other)
        except ValueError as e:
            plain.message(self.window, "Merge", str(e)).exec()

    def history_dialog(self, table: str, record_id: str) -> HistoryDialog | None:
        try:
            entries = history.record_history(self.db, table, record_id)
        except history.HistoryError as e:
            plain.message(self.window, "History", str(e)).exec()
            return None
        return self._show(HistoryDialog(f"{SINGULAR.get(KIND_OF.get(table, ''), table)} {record_id}", entries,
                                        self.window))

    def edits_dialog(self) -> EditListDialog:
        view = QUndoView(self.stack)
        view.setObjectName("undo-view")
        view.setEmptyLabel("(database as opened)")
        return self._show(EditListDialog(view, history.batch_lines(self.db), self.window))

    # --- menus ----------------------------------------------------------------------------------
    def record_menu(self, parent: QWidget, target: tuple[str, str] | None) -> QMenu:
        m = QMenu(parent)
        if target is None:
            return m
        table, rid = target
        m.addAction("Edit…", lambda: self.edit_record(table, rid)).setEnabled(table in KIND_OF)
        m.addAction("History…", lambda: self.history_dialog(table, rid)).setEnabled(table in KIND_OF)
        if table in MERGEABLE:
            m.addAction("Merge another record into this one…", lambda: self.merge_dialog(table, rid))
        m.addSeparator()
        m.addAction("Delete…", lambda: self.delete_record(table, rid)).setEnabled(table in KIND_OF)
        return m


def install(window) -> EditController:
    from dossier.ui.main_window import ROLE_REF

    ctl = EditController(window)
    window.editing = ctl
    window.installEventFilter(ctl)
    edit = window.menus["edit"]
    undo = ctl.stack.createUndoAction(window, "&Undo")
    undo.setShortcut(QKeySequence("Ctrl+Z"))
    redo = ctl.stack.createRedoAction(window, "&Redo")
    redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
    edit.addAction(undo)
    edit.addAction(redo)
    window.add_action("edit", "History of &edits…", ctl.edits_dialog)
    edit.addSeparator()
    for kind, text in NEW_ITEMS:
        ctl.edit_actions.append(window.add_action("edit", text, lambda _=False, k=kind: ctl.new_record(k)))
    edit.addSeparator()

    def on_selected(fn):
        def run():
            sel = ctl._need_selection()
            if sel:
                fn(*sel)
        return run

    ctl.edit_actions += [
        window.add_action("edit", "Edit &selected record…", on_selected(ctl.edit_record), "F2"),
        window.add_action("edit", "&Delete selected record…", on_selected(ctl.delete_record)),
        window.add_action("edit", "&Merge another record into the selected one…", on_selected(ctl.merge_dialog)),
    ]
    window.add_action("edit", "History of the selected &record…", on_selected(ctl.history_dialog), "Ctrl+H")
    ctl.edit_actions += [undo, redo]
    window.menus["view"].addSeparator()
    window.add_action("view", "Show data &as of…", ctl.show_as_of)
    ctl.as_of_back = window.add_action("view", "&Back to now", ctl.back_to_now)
    ctl.as_of_back.setEnabled(False)
    window.database_changed.connect(ctl._database_changed)
    if getattr(window, "import_feature", None) is not None:
        ctl.hook_import(window.import_feature)
    # browser: context menus
    for lw in window.browser.lists.values():
        lw.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        lw.customContextMenuRequested.connect(lambda pos, lw=lw: _browser_menu(ctl, lw, pos, ROLE_REF))
    # details: buttons above the panel and a context menu
    details = window.details
    details.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
    details.customContextMenuRequested.connect(
        lambda pos: ctl.record_menu(details, ctl.selected()).exec(details.viewport().mapToGlobal(pos)))
    dock = getattr(window, "details_dock", None)
    if dock is not None and dock.widget() is details:
        box = QWidget()
        lay = QVBoxLayout(box)
        lay.setContentsMargins(0, 0, 0, 0)
        bar = QToolBar(box)  # a tool bar folds into a menu when narrow: the dock never forces width
        bar.setObjectName("details-tools")
        for name, text, fn in (("details-edit", "Edit…", ctl.edit_record), ("details-history", "History…",
                                                                               ctl.history_dialog),
                               ("details-delete", "Delete…", ctl.delete_record)):
            a = bar.addAction(text)
            a.setObjectName(name)
            a.triggered.connect(lambda _=False, fn=fn: on_selected(fn)())
        lay.addWidget(bar)
        lay.addWidget(details, 1)
        dock.setWidget(box)
    # timeline gestures
    tl = getattr(window, "timeline", None)
    if tl is not None:
        tl.plot.empty_double_clicked.connect(ctl.timeline_new)
        tl.plot.edge_dragged.connect(ctl.timeline_drag)
    return ctl


def _browser_menu(ctl: EditController, lw: QListWidget, pos, role) -> None:
    item = lw.itemAt(pos)
    target = tuple(item.data(role)) if item is not None else None
    ctl.record_menu(lw, target).exec(lw.viewport().mapToGlobal(pos))


__all__ = ["install", "EditController", "BatchCommand"]
