"""What the window shows of the check an encrypted database runs after opening (services.open_check):
"Checking…" in the status bar while it runs (a label of its own: messages of the moment are not
overwritten), the result when it ends, and when it found damage the
same offer as a refused file gets (the newest verified backup), without blocking the window."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtWidgets import QMessageBox

from dossier.services.database import OpenCheck
from dossier.ui import plain, safety

SHOW_OK_MS = 15_000


class OpenCheckWatcher(QObject):
    finished = Signal(object)  # the OpenCheck, emitted on its own thread, received on the GUI thread

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.box: QMessageBox | None = None  # the damage message, while shown
        self.state = plain.label("", window)
        self.state.setObjectName("open-check-state")
        self.state.setContentsMargins(16, 0, 4, 0)
        self.state.hide()
        window.statusBar().addPermanentWidget(self.state)
        self.finished.connect(self._finished)
        window.database_changed.connect(self.watch)
        self.watch()

    @Slot()
    def watch(self) -> None:
        chk = self.window.session.open_check
        if chk is None:
            self.state.hide()
            return
        self._show("Checking the encrypted database…", "The full integrity check runs in the background; "
                   "changes wait until it has passed.")
        chk.on_done(self.finished.emit)  # a queued signal: the slot runs on the GUI thread

    def _show(self, text: str, tip: str, alarm: bool = False) -> None:
        self.state.setStyleSheet("color: #b00020; font-weight: bold;" if alarm else "")
        self.state.setText(text)
        self.state.setToolTip(plain.tooltip(tip))
        self.state.show()

    def _fade(self, chk: OpenCheck) -> None:
        if chk is self.window.session.open_check:  # not a newer database's check, still running
            self.state.hide()

    @Slot(object)
    def _finished(self, chk: OpenCheck) -> None:
        if chk is not self.window.session.open_check or chk.cancelled:
            return  # a database closed meanwhile
        if chk.error is None:
            self._show("Encrypted database checked ✓", f"Checked in {chk.seconds:.1f} s: no problems found.")
            QTimer.singleShot(SHOW_OK_MS, self, lambda: self._fade(chk))
            return
        self._show("Database damaged: changes refused", str(chk.error), alarm=True)
        box, button, offer = safety.recovery_box(self.window, chk.path, chk.error)
        box.setWindowTitle("Dossier found damage in the database")
        if offer is not None and button is not None:
            button.clicked.connect(lambda: self.window.safety.restore(offer.path))
        self.box = box
        box.open()  # window-modal, not blocking: the readable records stay readable meanwhile


def install(window) -> None:
    window.open_check_watcher = OpenCheckWatcher(window)
