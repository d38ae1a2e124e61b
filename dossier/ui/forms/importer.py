"""File > Import CSV files…: the import service off the UI thread (its own connection), with progress
and cancel; the change set is shown before anything is written, and the applied import is one step
on the undo stack (undo = the journal's undo of its batch)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QThread, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QProgressDialog

from dossier.ui import plain


class _Worker(QObject):
    progress = Signal(int, int, str)
    finished = Signal(object, str)  # report (or None), error text

    def __init__(self, db_path: Path, paths: list[Path], dry_run: bool):
        super().__init__()
        self.db_path, self.paths, self.dry_run = db_path, paths, dry_run
        self.cancelled = False

    def run(self) -> None:
        from dossier.services.database import close_database, open_database
        from dossier.services.importing import Cancelled, import_files

        def progress(done: int, total: int, what: str) -> None:
            if self.cancelled:
                raise Cancelled()
            self.progress.emit(done, total, what)

        try:
            db = open_database(self.db_path)  # one connection per thread
        except Exception as e:  # noqa: BLE001 - reported to the user
            self.finished.emit(None, str(e))
            QThread.currentThread().quit()
            return
        try:
            report = import_files(db, self.paths, dry_run=self.dry_run, progress=progress)
            self.finished.emit(report, "")
        except Cancelled:
            self.finished.emit(None, "cancelled; nothing was written")
        except Exception as e:  # noqa: BLE001
            self.finished.emit(None, str(e))
        finally:
            close_database(db)
            QThread.currentThread().quit()  # the runner continues on the UI thread when the thread ends


def summary(report) -> str:
    s = report.summary()
    return (f"{s['added']} added, {s['changed']} changed, {s['deleted']} deleted, {s['unchanged']} unchanged, "
            f"{len(s['conflicts'])} conflicting with local edits (kept as they are)")


class ImportRunner(QObject):
    """Plan (dry run) -> confirm -> apply, each in a worker thread; then one undo step."""

    done = Signal(object)  # the applied report, or None

    def __init__(self, ctl, paths: list[Path], *, confirm: bool = True):
        super().__init__(ctl)
        self.ctl, self.paths, self.confirm = ctl, paths, confirm
        self.thread: QThread | None = None
        self._result: tuple = (None, "the import did not run")
        self.worker: _Worker | None = None
        self.dialog = QProgressDialog("Reading…", "Cancel", 0, 1000, ctl.window)
        self.dialog.setWindowTitle("Import CSV")
        self.dialog.setMinimumDuration(300)
        self.dialog.canceled.connect(self._cancel)

    def start(self) -> None:
        self._run(dry_run=True, then=self._planned)

    def _run(self, dry_run: bool, then) -> None:
        self.worker = _Worker(self.ctl.window.session.path, self.paths, dry_run)
        self.thread = QThread(self)
        self.worker.moveToThread(self.thread)
        self.thread.started.connect(self.worker.run)
        self.worker.progress.connect(self._progress)
        self.worker.finished.connect(self._store)  # queued: arrives before the thread's `finished`
        self.thread.finished.connect(lambda: then(*self._result))
        self.thread.start()

    def _store(self, report, error: str) -> None:
        self._result = (report, error)

    def _cancel(self) -> None:
        if self.worker is not None:
            self.worker.cancelled = True

    def _progress(self, done: int, total: int, what: str) -> None:
        self.dialog.setMaximum(max(total, 1))
        self.dialog.setValue(done)
        self.dialog.setLabelText(what)

    def _wait(self) -> None:
        if self.thread is not None:
            self.thread.wait()  # it has finished; this only joins it

    def _planned(self, report, error: str) -> None:
        self._wait()
        if report is None or not report.ok:
            self._fail(report, error)
            return
        if not report.writes:
            self.dialog.reset()
            plain.message(self.ctl.window, "Import CSV", "Nothing to change: " + summary(report),
                          QMessageBox.Icon.Information).exec()
            self.done.emit(None)
            return
        if self.confirm:
            box = plain.message(self.ctl.window, "Import CSV", "Apply this change set?\n\n" + summary(report),
                                QMessageBox.Icon.Question)
            box.setStandardButtons(QMessageBox.StandardButton.Apply | QMessageBox.StandardButton.Cancel)
            if box.exec() != QMessageBox.StandardButton.Apply:
                self.dialog.reset()
                self.done.emit(None)
                return
        self._run(dry_run=False, then=self._applied)

    def _applied(self, report, error: str) -> None:
        self._wait()
        self.dialog.reset()
        if report is None or not report.applied:
            self._fail(report, error)
            return
        names = ", ".join(p.name for p in self.paths)
        self.ctl.push_import(report.batch, self.paths, f"import {names}")
        self.ctl.window.statusBar().showMessage(f"Imported {names}: {summary(report)}")
        self.done.emit(report)

    def _fail(self, report, error: str) -> None:
        self.dialog.reset()
        detail = ""
        if report is not None and report.errors:
            detail = "\n".join(f"{p.file}:{p.line}:{p.column}: {p.message}" for p in report.errors[:50])
            error = f"{len(report.errors)} problem(s); nothing was written.\n{detail.splitlines()[0]}"
        plain.message(self.ctl.window, "Import CSV", error or "the import failed", detail=detail).exec()
        self.done.emit(None)


def import_dialog(ctl) -> ImportRunner | None:
    files, _ = QFileDialog.getOpenFileNames(ctl.window, "Import CSV files (one change set)",
                                            str(ctl.window.session.path.parent), "CSV files (*.csv);;All files (*)")
    if not files:
        return None
    runner = ImportRunner(ctl, [Path(f) for f in files])
    runner.start()
    return runner
