"""Loading a big timeline off the UI thread: a QThread with its own connection (one connection per
thread: `Session.connect_worker()`), progress as a signal, cancellable (a flag checked between steps
plus `sqlite3`'s interrupt for the query under way).  The window stays responsive meanwhile."""

from __future__ import annotations

import atexit
import copy

from PySide6.QtCore import QThread, Signal
from PySide6.QtWidgets import QHBoxLayout, QProgressBar, QToolButton, QWidget

from dossier.services import database
from dossier.services import timeline as tl
from dossier.ui import plain, threads

_RUNNING: set[TimelineLoader] = set()  # referenced until finished: a QThread must not die while it runs


class TimelineLoader(QThread):
    progressed = Signal(int, str)  # percent, what
    loaded = Signal(object, object)  # Data, Layout (computed with the options given at the start)
    cancelled = Signal()
    failed = Signal(str)

    def __init__(self, session, options: tl.Options):  # noqa: ANN001 - services.session.Session
        super().__init__()
        self.session = session
        self.options = copy.deepcopy(options)
        self._cancel = False
        self._db = None
        self.finished.connect(self._forget)

    def start(self) -> None:  # noqa: D102 - QThread API
        threads.track(self, _RUNNING, stop_all)
        super().start()

    def cancel(self) -> None:
        """Ask the load to stop (returns at once; `cancelled` follows)."""
        self._cancel = True
        db = self._db
        if db is not None:
            tl.interrupt(db)

    def _step(self, fraction: float, what: str) -> None:
        if self._cancel:
            raise tl.Cancelled(what)
        self.progressed.emit(int(round(fraction * 100)), what)

    def run(self) -> None:  # noqa: D102 - QThread API, runs in the worker thread
        try:
            self._db = self.session.connect_worker()
        except Exception as e:  # noqa: BLE001 - reported to the window
            self.failed.emit(str(e))
            return
        try:
            data = tl.load(self._db, progress=lambda f, what: self._step(f * 0.85, what))
            self._step(0.85, "laying out lanes")
            lay = tl.layout(data, self.options)
            self._step(1.0, "drawing")
            self.loaded.emit(data, lay)
        except tl.Cancelled:
            self.cancelled.emit()
        except Exception as e:  # noqa: BLE001 - reported to the window
            self.failed.emit(str(e))
        finally:
            db, self._db = self._db, None
            database.close_database(db)

    def _forget(self) -> None:
        _RUNNING.discard(self)


class LoadingRow(QWidget):
    """What the timeline shows while it loads: what it is doing, a progress bar, Cancel / Load again."""

    def __init__(self, parent: QWidget):
        super().__init__(parent)
        h = QHBoxLayout(self)
        h.setContentsMargins(0, 0, 0, 0)
        self.label = plain.label("", self)  # may show an error message: plain text
        self.bar = QProgressBar(self)
        self.bar.setRange(0, 100)
        self.bar.setMaximumWidth(320)
        self.button = QToolButton(self)
        self.button.setText("Cancel")
        h.addWidget(self.label)
        h.addWidget(self.bar)
        h.addWidget(self.button)
        h.addStretch(1)
        self.hide()


def stop_all(timeout_ms: int = 10_000) -> None:
    """Cancel every running load and wait for its thread (at exit)."""
    for loader in list(_RUNNING):
        loader.cancel()
        loader.wait(timeout_ms)


atexit.register(stop_all)  # also when Python exits without the application's aboutToQuit (scripts, tests)
