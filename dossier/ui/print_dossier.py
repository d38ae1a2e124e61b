"""File > Print dossier… (preview) and Export dossier PDF… for the selected person or event, and a
country / pair dossier by ISO codes.

Off the UI thread: the dossier's data is gathered in a worker QThread with its own database connection
(`session.connect_worker()`), and the PDF is laid out and written in another worker with its own
QTextDocument.  Only the charts (pyqtgraph widgets) are rendered on the UI thread, and the print
preview paints on the UI thread because the preview's printer lives there.  A progress dialog appears
after 600 ms and can cancel: a cancelled export writes nothing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QThread, Signal
from PySide6.QtGui import QPageLayout, QPageSize
from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import (
    QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QInputDialog, QLineEdit, QMessageBox,
    QProgressDialog,
)

from dossier.reports.charts import RenderedCharts, render_charts
from dossier.reports.pdf import PAPERS, PdfOptions, paint_dossier, write_pdf
from dossier.reports.safe_output import ReportWriteError, target_in_folder
from dossier.services import dossier_data
from dossier.services.database import close_database
from dossier.ui import plain

Request = tuple[str, str]  # (kind, subject)


class _DataJob(QThread):
    done = Signal(object)
    failed = Signal(str)

    def __init__(self, session, kind: str, subject: str, as_of: str | None):
        super().__init__()
        self.session, self.kind, self.subject, self.as_of = session, kind, subject, as_of

    def run(self) -> None:
        try:
            db = self.session.connect_worker()
            try:
                d = dossier_data.build(db, self.kind, self.subject, as_of=self.as_of)
            finally:
                close_database(db)
        except dossier_data.DossierError as e:
            self.failed.emit(str(e))
            return
        except Exception as e:  # delivered to the UI thread, never swallowed
            self.failed.emit(f"{type(e).__name__}: {e}")
            return
        self.done.emit(d)


class _PdfJob(QThread):
    done = Signal(object)
    failed = Signal(str)

    def __init__(self, d, target: Path, opts: PdfOptions, charts: RenderedCharts, cancelled: Callable[[], bool]):
        super().__init__()
        self.d, self.target, self.opts, self.charts, self.cancelled = d, target, opts, charts, cancelled

    def run(self) -> None:
        if self.cancelled():
            return
        try:
            self.done.emit(write_pdf(self.d, self.target, self.opts, self.charts))
        except (ReportWriteError, OSError, ValueError) as e:
            self.failed.emit(str(e))
        except Exception as e:
            self.failed.emit(f"{type(e).__name__}: {e}")


class OptionsDialog(QDialog):
    """Handling caveat (editable, may be empty), paper, author and 'information as of'."""

    def __init__(self, parent, caveat: str, paper: str):
        super().__init__(parent)
        self.setWindowTitle("Dossier options")
        form = QFormLayout(self)
        self.caveat = QLineEdit(caveat, self)
        self.caveat.setObjectName("caveat")
        self.paper = QComboBox(self)
        self.paper.addItems(list(PAPERS))
        self.paper.setCurrentText(paper if paper in PAPERS else "a4")
        self.author = QLineEdit(self)
        self.as_of = QLineEdit(self)
        self.as_of.setPlaceholderText("YYYY-MM-DD (empty: date of the latest import)")
        form.addRow("Handling caveat", self.caveat)
        form.addRow("Paper", self.paper)
        form.addRow("Prepared by", self.author)
        form.addRow("Information as of", self.as_of)
        bb = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        bb.accepted.connect(self.accept)
        bb.rejected.connect(self.reject)
        form.addRow(bb)

    def result_options(self) -> tuple[PdfOptions, str | None]:
        return (PdfOptions(paper=self.paper.currentText(), caveat=self.caveat.text().strip(),
                           author=self.author.text().strip()), self.as_of.text().strip() or None)


class DossierPrinting(QObject):
    finished = Signal(str)  # the PDF written
    failed = Signal(str)  # the reason, already shown to the user
    previewed = Signal(object)  # the preview dialog, once open

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self._jobs: list[QThread] = []
        self._cancelled = False
        self._progress: QProgressDialog | None = None
        # hooks a test (or a future settings page) can replace
        self.ask_options: Callable[[], tuple[PdfOptions, str | None] | None] = self._ask_options
        self.ask_path: Callable[[str], Path | None] = self._ask_path

    # --- what to print --------------------------------------------------------------------------
    def selection(self) -> Request | None:
        cur = self.window.details.current
        if cur is None or cur.table not in ("person", "event"):
            plain.message(self.window, "Dossier", "Select a person or an event first (for countries use "
                                                  "File > Country dossier PDF…).",
                          QMessageBox.Icon.Information).exec()
            return None
        return cur.table, cur.id

    def _ask_options(self) -> tuple[PdfOptions, str | None] | None:
        s = self.window.settings
        dlg = OptionsDialog(self.window, str(s.get("report/caveat") or ""), str(s.get("report/paper") or "a4"))
        if dlg.exec() != QDialog.DialogCode.Accepted:
            return None
        opts, as_of = dlg.result_options()
        s.set("report/caveat", opts.caveat)
        s.set("report/paper", opts.paper)
        return opts, as_of

    def _ask_path(self, suggested: str) -> Path | None:
        folder = Path(self.window.session.path).parent
        start = target_in_folder(folder, suggested)
        path, _ = QFileDialog.getSaveFileName(self.window, "Export dossier as PDF", str(start), "PDF (*.pdf)")
        return Path(path) if path else None

    # --- actions --------------------------------------------------------------------------------
    def export_selection(self) -> None:
        req = self.selection()
        if req:
            self.export(*req)

    def export_country(self) -> None:
        codes, ok = QInputDialog.getText(self.window, "Country dossier", "One country or a pair (ISO codes, "
                                                                         "e.g. KHM or KHM,KOR):")
        if ok and codes.strip():
            self.export("country", codes.strip())

    def preview_selection(self) -> None:
        req = self.selection()
        if req:
            self.preview(*req)

    def export(self, kind: str, subject: str) -> None:
        chosen = self.ask_options()
        if chosen is None:
            return
        opts, as_of = chosen
        self._run_data(kind, subject, as_of, lambda d: self._after_data_export(d, opts))

    def preview(self, kind: str, subject: str) -> None:
        chosen = self.ask_options()
        if chosen is None:
            return
        opts, as_of = chosen
        self._run_data(kind, subject, as_of, lambda d: self._open_preview(d, opts))

    # --- plumbing -------------------------------------------------------------------------------
    def _run_data(self, kind: str, subject: str, as_of: str | None, then: Callable[[object], None]) -> None:
        self._cancelled = False
        self._show_progress(f"Gathering the {kind} dossier…")
        job = _DataJob(self.window.session, kind, subject, as_of)
        job.done.connect(lambda d: None if self._cancelled else then(d))
        job.failed.connect(self._fail)
        self._start(job)

    def _after_data_export(self, d, opts: PdfOptions) -> None:
        self._hide_progress()
        target = self.ask_path(d.file_stem)
        if target is None:
            return
        self._show_progress("Writing the PDF…")
        charts = render_charts(d, Path(self.window.session.path))  # pyqtgraph: UI thread
        job = _PdfJob(d, target, opts, charts, lambda: self._cancelled)
        job.done.connect(self._done)
        job.failed.connect(self._fail)
        self._start(job)

    def _open_preview(self, d, opts: PdfOptions) -> None:
        self._hide_progress()
        charts = render_charts(d, Path(self.window.session.path))
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setFullPage(True)
        printer.setPageSize(QPageSize(PAPERS[opts.paper]))
        printer.setPageOrientation(QPageLayout.Orientation.Portrait)
        printer.setDocName(f"{d.title}: {d.subject}")
        dlg = QPrintPreviewDialog(printer, self.window)
        dlg.setObjectName("dossier-preview")
        dlg.setWindowTitle(f"Print dossier — {d.subject}")
        dlg.paintRequested.connect(lambda p: paint_dossier(p, d, opts, charts))
        self._preview = (dlg, printer)
        dlg.open()
        self.previewed.emit(dlg)

    def _start(self, job: QThread) -> None:
        self._jobs.append(job)
        job.finished.connect(lambda: self._jobs.remove(job) if job in self._jobs else None)
        job.start()

    def _show_progress(self, text: str) -> None:
        if self._progress is None:
            self._progress = QProgressDialog(text, "Cancel", 0, 0, self.window)
            self._progress.setMinimumDuration(600)
            self._progress.canceled.connect(self._cancel)
        self._progress.setLabelText(text)
        self._progress.setValue(0)  # starts the 600 ms timer before the dialog shows

    def _hide_progress(self) -> None:
        if self._progress is not None:
            self._progress.reset()

    def _cancel(self) -> None:
        self._cancelled = True
        self.window.statusBar().showMessage("Dossier cancelled; nothing was written", 5000)

    def _done(self, result) -> None:
        self._hide_progress()
        if self._cancelled:
            return
        self.window.statusBar().showMessage(f"Wrote {result.path} ({result.pages} pages)", 10000)
        self.finished.emit(str(result.path))

    def _fail(self, why: str) -> None:
        self._hide_progress()
        self.failed.emit(why)
        plain.message(self.window, "Dossier not written", why).open()

    def wait(self, ms: int = 30000) -> None:
        for j in list(self._jobs):
            j.wait(ms)


def install(window) -> DossierPrinting:
    ctl = DossierPrinting(window)
    window.dossier_printing = ctl
    window.add_action("file", "&Print dossier…", ctl.preview_selection, "Ctrl+P")
    window.add_action("file", "Export dossier &PDF…", ctl.export_selection, "Ctrl+Shift+P")
    window.add_action("file", "Country dossier PDF…", ctl.export_country)
    return ctl
