"""File > Import…, dropped files and Edit > Undo last import: the change-set review before anything is
written, applying off the UI thread with progress and Cancel (cancel = nothing written).

Every data string is shown as plain text: table items never interpret markup, labels go through
`plain.label`, tooltips through `plain.tooltip`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QThread, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from dossier.exchange.dossier_csv import Options
from dossier.services.import_review import Replanned, ReviewedImport, apply_or_replan, review_import
from dossier.services.importing import Cancelled, ImportReport, JournalError, last_undoable, undo_batch
from dossier.ui import plain
from dossier.ui.import_rows import COLUMNS, MAX_TABLE_ROWS, change_rows, focus  # noqa: F401 - re-exported


class Worker(QThread):
    """Runs `fn(db, progress)` on its own thread with its own connection (one per thread)."""

    progressed = Signal(int, int, str)
    done = Signal(object)
    failed = Signal(str)

    def __init__(self, session: Any, fn: Callable[[Any, Callable[[int, int, str], None]], Any],
                 parent: QObject | None = None):
        super().__init__(parent)
        self.session = session
        self.fn = fn
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True

    def _progress(self, done: int, total: int, what: str) -> None:
        if self.cancelled:
            raise Cancelled()
        self.progressed.emit(done, total, what)

    def run(self) -> None:
        try:
            db = self.session.connect_worker()
        except Exception as e:  # noqa: BLE001 - reported to the user in words
            self.failed.emit(str(e))
            return
        try:
            self.done.emit(self.fn(db, self._progress))
        except Cancelled:
            self.failed.emit("cancelled: nothing was written")
        except JournalError as e:
            self.failed.emit(str(e))
        except Exception as e:  # noqa: BLE001
            self.failed.emit(f"{type(e).__name__}: {e}")
        finally:
            from dossier.services.database import close_database

            close_database(db)


class ChangeSetDialog(QDialog):
    """The change set of an import, row by row, before anything is written.  The review's plan (its
    staged writes, `services.import_review.ReviewedImport`) is kept while the dialog is open, and Apply
    writes exactly it without reading the files again, unless a file, the database or the options
    changed since the review: then the change set is planned again and shown, with a notice saying
    why, and nothing is written until Apply is clicked again."""

    applied = Signal(object)  # the applied ImportReport

    def __init__(self, session: Any, files: list[Path], opts: Options = Options(), parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.files = files
        self.opts = opts
        self.report: ImportReport | None = None
        self.reviewed: ReviewedImport | None = None  # the plan on show, with its staged writes
        self.worker: Worker | None = None
        self.setObjectName("import-review")
        self.setWindowTitle("Import: review the changes")
        self.resize(1100, 560)
        lay = QVBoxLayout(self)
        self.summary = plain.label("Reading " + ", ".join(f.name for f in files) + " …", self)
        self.summary.setObjectName("import-summary")
        self.summary.setWordWrap(True)
        lay.addWidget(self.summary)
        self.notice = plain.label("", self)  # why the change set on show was planned again
        self.notice.setObjectName("import-notice")
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet("QLabel { background: #fff3cd; color: #5c4400; padding: 4px; "
                                  "border: 1px solid #e0c36c; }")
        self.notice.hide()
        lay.addWidget(self.notice)
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setObjectName("import-table")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)
        h = self.table.horizontalHeader()
        h.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        h.setStretchLastSection(True)
        lay.addWidget(self.table, 1)
        opts_row = QHBoxLayout()
        self.overwrite = QCheckBox("Take the file's values for conflicting records", self)
        self.merge = QCheckBox("Merge the suggested matches", self)
        for cb in (self.overwrite, self.merge):
            cb.setEnabled(False)
            cb.toggled.connect(self._options_changed)
            opts_row.addWidget(cb)
        opts_row.addStretch(1)
        lay.addLayout(opts_row)
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 1000)
        self.progress.setObjectName("import-progress")
        lay.addWidget(self.progress)
        self.buttons = QDialogButtonBox(self)
        self.apply_button = QPushButton("Apply", self)
        self.apply_button.setObjectName("import-apply")
        self.apply_button.setEnabled(False)
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.addButton(self.apply_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.apply_button.clicked.connect(self.apply)
        self.cancel_button.clicked.connect(self.cancel)
        lay.addWidget(self.buttons)
        self._plan()

    # --- work off the UI thread ---------------------------------------------------------------
    def _start(self, fn, on_done) -> None:
        self.worker = Worker(self.session, fn, self)
        self.worker.progressed.connect(self._progressed)
        self.worker.done.connect(on_done)
        self.worker.failed.connect(self._failed)
        self.worker.start()

    def _current_opts(self) -> Options:
        from dataclasses import replace

        return replace(self.opts, overwrite_conflicts=self.overwrite.isChecked(), merge_matches=self.merge.isChecked())

    def _plan(self) -> None:
        self.apply_button.setEnabled(False)
        self._drop_plan()
        opts, files = self._current_opts(), self.files
        self._start(lambda db, p: review_import(db, files, opts, progress=p), self._reviewed)

    def _drop_plan(self) -> None:
        if self.reviewed is not None:
            self.reviewed.drop()
            self.reviewed = None

    def _reviewed(self, rv: ReviewedImport) -> None:
        self._drop_plan()
        self.reviewed = rv
        self.notice.hide()
        self._planned(rv.report)

    def _options_changed(self) -> None:
        if self.worker is None or not self.worker.isRunning():
            self._plan()

    def _progressed(self, done: int, total: int, what: str) -> None:
        self.progress.setMaximum(total)
        self.progress.setValue(done)
        self.progress.setFormat(f"%p%  {what}")

    def _failed(self, msg: str) -> None:
        self.progress.setValue(0)
        self.progress.setFormat(msg)
        self.summary.setText(msg)
        self.apply_button.setEnabled(self.report is not None and self.report.ok and self.report.writes > 0)

    def _planned(self, report: ImportReport) -> None:
        self.report = report
        self.progress.setValue(self.progress.maximum())
        self.progress.setFormat("reviewed: nothing has been written yet")
        s = report.summary()
        conflicts, matches = len(s["conflicts"]), len(report.matches)
        if report.ok:
            text = (f"{s['added']} added, {s['changed']} changed, {s['deleted']} deleted, {s['unchanged']} unchanged, "
                    f"{conflicts} conflicts, {matches} matches to confirm ({report.rows} records in "
                    f"{len(self.files)} file(s)).")
            if not report.writes:
                text += " Nothing to change" + (": already imported." if report.already_imported else ".")
        else:
            text = (f"Rejected: {len(report.errors)} problem(s), listed below with file:line:column. "
                    "Nothing will be written; correct the file and import it again.")
        if s["details_truncated"]:
            text += " (Only the first rows of each kind are listed.)"
        self.summary.setText(text)
        rows = change_rows(report)
        self.table.clearSpans()
        self.table.setRowCount(len(rows))
        for i, row in enumerate(rows):
            for j, val in enumerate(row):
                it = QTableWidgetItem(val.replace("\n", " ⏎ "))
                if len(val) > 30 or "\n" in val or val.startswith("…"):
                    it.setToolTip(plain.tooltip(val))
                self.table.setItem(i, j, it)
            if row[0] in ("rejected", "warning"):
                self.table.setSpan(i, 4, 1, 2)  # the message across Old and New
        for j, w in enumerate((80, 90, 170, 90, 220, 220)):
            self.table.setColumnWidth(j, w)
        self.overwrite.setEnabled(report.ok and (conflicts > 0 or self.overwrite.isChecked()))
        self.merge.setEnabled(report.ok and (matches > 0 or self.merge.isChecked()))
        self.apply_button.setEnabled(report.ok and report.writes > 0)

    def apply(self) -> None:
        if self.report is None or not self.report.ok:
            return
        self.apply_button.setEnabled(False)
        self.overwrite.setEnabled(False)
        self.merge.setEnabled(False)
        self.summary.setText("Applying… (Cancel leaves the database as it was)")
        self.progress.setValue(0)
        rv, opts = self.reviewed, self._current_opts()
        if rv is None:  # no plan kept (cannot happen with Apply enabled): plan first
            self._plan()
            return
        self._start(lambda db, p: apply_or_replan(db, rv, opts, progress=p), self._applied)

    def _applied(self, result: ImportReport | Replanned) -> None:
        if isinstance(result, Replanned):  # stale plan: nothing written; show the new change set
            self._drop_plan()
            self.reviewed = result.review
            self._planned(result.review.report)
            r = result.review.report
            then = (" the change set below is what Apply will write now." if r.ok and r.writes else
                    " the import as it is now is shown below." if r.ok else " the problems are listed below.")
            self.notice.setText(f"Planned again: {result.reason}. Nothing has been written;{then}")
            self.notice.show()
            return
        report = result
        self.report = report
        self.progress.setFormat(f"applied as batch {report.batch}")
        self.applied.emit(report)
        self.accept()

    def cancel(self) -> None:
        if self.worker is not None and self.worker.isRunning():
            self.worker.cancel()
            self.worker.wait()
        self.reject()

    def done(self, r: int) -> None:  # accept, reject, close: let go of the staged writes
        if self.worker is not None and self.worker.isRunning():
            self.worker.cancel()
            self.worker.wait()
        self._drop_plan()
        super().done(r)

    def closeEvent(self, e) -> None:  # noqa: N802 - Qt API
        if self.worker is not None and self.worker.isRunning():
            self.worker.cancel()
            self.worker.wait()
        super().closeEvent(e)


class _DropFilter(QObject):
    def __init__(self, feature: ImportFeature):
        super().__init__(feature.window)
        self.feature = feature

    def eventFilter(self, obj: QObject, ev: QEvent) -> bool:  # noqa: N802 - Qt API
        if ev.type() in (QEvent.Type.DragEnter, QEvent.Type.DragMove):
            if _local_files(ev.mimeData()):
                ev.acceptProposedAction()
                return True
        elif ev.type() == QEvent.Type.Drop:
            files = _local_files(ev.mimeData())
            if files:
                ev.acceptProposedAction()
                self.feature.review(files)
                return True
        return False


def _local_files(mime) -> list[Path]:
    if mime is None or not mime.hasUrls():
        return []
    return [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile() and Path(u.toLocalFile()).is_file()]


class ImportFeature:
    def __init__(self, window):
        self.window = window
        self.dialog: ChangeSetDialog | None = None
        self.undo_worker: Worker | None = None
        window.add_action("file", "&Import CSV…", self.import_dialog, "Ctrl+I")
        self.undo_action = window.add_action("edit", "&Undo last import", self.undo_last)
        window.setAcceptDrops(True)
        self.filter = _DropFilter(self)
        window.installEventFilter(self.filter)

    def import_dialog(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self.window, "Import CSV files (one change set)",
                                                str(self.window.session.path.parent),
                                                "CSV and text files (*.csv *.txt *.tsv);;All files (*)")
        if paths:
            self.review([Path(p) for p in paths])

    def review(self, files: list[Path]) -> ChangeSetDialog:
        self.dialog = ChangeSetDialog(self.window.session, files, parent=self.window)
        self.dialog.applied.connect(self._after)
        self.dialog.show()
        return self.dialog

    def _after(self, report: ImportReport) -> None:
        self.window.refresh()
        self.window.database_changed.emit()
        self.window.statusBar().showMessage(
            f"Imported as batch {report.batch}: {report.count('added')} added, {report.count('changed')} changed, "
            f"{report.count('deleted')} deleted (Edit > Undo last import reverts it)")

    def undo_last(self, confirm: bool = True) -> Worker | None:
        b = last_undoable(self.window.session.db)
        if b is None:
            plain.message(self.window, "Undo last import", "There is no import to undo.",
                          QMessageBox.Icon.Information).exec()
            return None
        names = ", ".join(f.get("name", "") for f in b.files) or "(no file)"
        if confirm:
            box = plain.message(self.window, "Undo last import",
                                f"Undo batch {b.id} ({b.kind}, {b.started_at}: {names})? The database returns "
                                "exactly to its state before that import.", QMessageBox.Icon.Question)
            box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel)
            if box.exec() != QMessageBox.StandardButton.Yes:
                return None
        bid = b.id
        self.undo_worker = Worker(self.window.session, lambda db, p: (bid, undo_batch(db, bid)), self.window)
        self.undo_worker.done.connect(self._undone)
        self.undo_worker.failed.connect(lambda m: plain.message(self.window, "Undo failed", m).exec())
        self.undo_worker.start()
        return self.undo_worker

    def _undone(self, result) -> None:
        bid, _touched = result
        self.window.refresh()
        self.window.database_changed.emit()
        self.window.statusBar().showMessage(f"Undid import batch {bid}")


def install(window) -> ImportFeature:
    feature = ImportFeature(window)
    window.import_feature = feature
    return feature
