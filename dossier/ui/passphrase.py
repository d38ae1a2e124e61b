"""Passphrases in the window (issue 10): the prompt for an encrypted database, "Encrypt database…" and
"Change passphrase…" in the File menu, and the optional idle lock.

The prompt is the GUI's key provider (`install_prompt`, called by app.run_gui before the database is
opened): storage asks it whenever it meets an encrypted file it has no passphrase for, again after
a wrong answer (the dialog then says why), until the user cancels.  Passphrases live in the
dialog's line edit (echo mode Password) and this process's memory only: never in settings or logs.

Encrypting and changing the passphrase run off the UI thread (a QThread, its own SQLCipher
connections) behind a window-modal progress dialog that counts the files (the database, then each
backup); the window's session is closed meanwhile (`window.converting` is set: the scheduled backup
and the idle lock wait) and reopened when the conversion ends.

Idle lock (setting `security/idle_lock_minutes`, 0 = off): after that many minutes without mouse or
keyboard input, the window hides, the database is closed, the remembered passphrase is forgotten
and the prompt asks again; cancelling it quits.
"""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, QThread, QTimer, Signal
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QMessageBox,
    QProgressDialog,
    QVBoxLayout,
    QWidget,
)

from dossier.services import database, encryption
from dossier.services.session import Session
from dossier.ui import plain
from dossier.ui.safety import finish_backups

MIN_LENGTH = 8


class PassphraseDialog(QDialog):
    """Asks for a passphrase (mode "open"), a new one twice ("new"), or the current one and a new
    one twice ("change").  Shows `problem` (e.g. "wrong passphrase") as plain text above."""

    def __init__(self, parent: QWidget | None, title: str, text: str, *, mode: str = "open",
                 problem: str | None = None):
        super().__init__(parent)
        self.setObjectName("passphrase-dialog")
        self.setWindowTitle(title)
        self.mode = mode
        lay = QVBoxLayout(self)
        self.text = plain.label(text, self)
        self.text.setWordWrap(True)
        lay.addWidget(self.text)
        self.problem = plain.label(problem or "", self)
        self.problem.setObjectName("passphrase-problem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #b00020;")
        self.problem.setVisible(bool(problem))
        lay.addWidget(self.problem)
        form = QFormLayout()
        self.current = self._field("passphrase-current")
        self.new = self._field("passphrase-new")
        self.again = self._field("passphrase-again")
        if mode == "open":
            form.addRow("Passphrase:", self.current)
        elif mode == "new":
            form.addRow("New passphrase:", self.new)
            form.addRow("The same again:", self.again)
        else:
            form.addRow("Current passphrase:", self.current)
            form.addRow("New passphrase:", self.new)
            form.addRow("The same again:", self.again)
        lay.addLayout(form)
        for f in (self.current, self.new, self.again):  # fields this mode does not use stay hidden
            f.setVisible(form.indexOf(f) >= 0)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                        self)
        self.buttons.accepted.connect(self._try_accept)
        self.buttons.rejected.connect(self.reject)
        lay.addWidget(self.buttons)
        self.setMinimumWidth(460)

    def _field(self, name: str) -> QLineEdit:
        f = QLineEdit(self)
        f.setObjectName(name)
        f.setEchoMode(QLineEdit.EchoMode.Password)
        f.setInputMethodHints(Qt.InputMethodHint.ImhHiddenText | Qt.InputMethodHint.ImhSensitiveData
                              | Qt.InputMethodHint.ImhNoPredictiveText)
        return f

    def show_problem(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.setVisible(True)

    def _try_accept(self) -> None:
        if self.mode in ("open", "change") and not self.current.text():
            self.show_problem("Enter the passphrase.")
            return
        if self.mode in ("new", "change"):
            if not self.new.text():
                self.show_problem("The new passphrase is empty.")
                return
            if self.new.text() != self.again.text():
                self.show_problem("The two new passphrases differ.")
                self.again.clear()
                return
        self.accept()

    def values(self) -> tuple[str, str]:
        return self.current.text(), self.new.text()

    def done(self, r: int) -> None:  # noqa: D102 - forget what was typed once the dialog is closed
        super().done(r)
        if r != QDialog.DialogCode.Accepted:
            for f in (self.current, self.new, self.again):
                f.clear()


def _parent() -> QWidget | None:
    w = QApplication.activeWindow()
    return w if isinstance(w, QWidget) and w.isVisible() else None


def gui_key_provider(path: Path, problem: str | None) -> str | None:
    """The GUI's key provider: $DOSSIER_PASSPHRASE once when set (scripted starts, the smoke mode),
    else a modal prompt; None when cancelled."""
    import os

    env = os.environ.get("DOSSIER_PASSPHRASE")
    if env and problem is None:
        return env
    dlg = PassphraseDialog(_parent(), "Encrypted database",
                           f"{path.name} is encrypted. Enter its passphrase to open it.\n{path}",
                           mode="open", problem=problem)
    if dlg.exec() != QDialog.DialogCode.Accepted:
        return None
    pw = dlg.values()[0]
    dlg.current.clear()
    return pw


def install_prompt() -> None:
    database.set_key_provider(gui_key_provider)


# --- File menu actions --------------------------------------------------------------------------

def _swap_session(window, path: Path) -> bool:
    """Open `path` as the window's session again (after a conversion)."""
    try:
        s = Session.open(path)
    except Exception as e:  # noqa: BLE001 - shown to the user; the window keeps no session
        plain.message(window, "Cannot reopen the database", str(e)).exec()
        return False
    window.session = s
    window.details.show_details(None)
    window.refresh()
    window.database_changed.emit()
    return True


class _ConvertJob(QThread):
    """A conversion (services.encryption) in a worker thread: it opens its own SQLCipher connections."""

    progressed = Signal(int, int, str)  # files done, files in all, what now
    done = Signal(object)  # the Conversion
    failed = Signal(str)

    def __init__(self, path: Path, work) -> None:  # noqa: ANN001 - work(path, progress) -> Conversion
        super().__init__()
        self.path, self.work = path, work

    def run(self) -> None:  # noqa: D102 - QThread API, runs in the worker thread
        try:
            conv = self.work(self.path, lambda d, t, what: self.progressed.emit(d, t, what))
        except Exception as e:  # noqa: BLE001 - StorageError and friends: nothing was changed; shown
            self.failed.emit(str(e))
            return
        self.done.emit(conv)


class _Conversion(QObject):
    """The window's side of a running conversion: a window-modal progress dialog (no Cancel: the
    database and its backups are converted one file at a time, each swap atomic, and stopping half-way
    would leave backups under two passphrases), then the session reopened and the outcome shown."""

    def __init__(self, window, title: str, path: Path, work) -> None:  # noqa: ANN001
        super().__init__(window)
        self.window, self.title, self.path = window, title, path
        self.bar = QProgressDialog(f"{title}: {path.name}", "", 0, 0, window)
        self.bar.setObjectName("crypto-progress")
        self.bar.setWindowTitle(title)
        self.bar.setCancelButton(None)
        self.bar.setWindowModality(Qt.WindowModality.WindowModal)
        self.bar.setMinimumDuration(0)
        self.bar.setAutoClose(False)
        self.bar.setAutoReset(False)
        self.bar.setMinimumWidth(420)
        self.job = _ConvertJob(path, work)
        self.job.progressed.connect(self.progressed)
        self.job.done.connect(self.finished)
        self.job.failed.connect(self.failed)

    def start(self) -> None:
        self.window.converting = self  # the scheduled backup and the idle lock wait: no session now
        self.bar.show()
        QApplication.instance().aboutToQuit.connect(self.job.wait)  # never quit under a running swap
        self.job.start()

    def progressed(self, done: int, total: int, what: str) -> None:
        self.bar.setMaximum(total)
        self.bar.setValue(done)
        self.bar.setLabelText(f"{self.title}: {what} ({done} of {total} files done)")

    def finished(self, conv) -> None:  # noqa: ANN001 - services.encryption.Conversion
        self._end()
        extra = "\n".join(conv.lines())
        plain.message(self.window, self.title, f"Done: {self.path.name}" + (f"\n{extra}" if extra else ""),
                      QMessageBox.Icon.Information).exec()

    def failed(self, error: str) -> None:
        self._end()
        plain.message(self.window, self.title, error).exec()

    def _end(self) -> None:
        self.job.wait()
        self.bar.close()
        self.window.converting = None
        _swap_session(self.window, self.path)


def _convert(window, title: str, run) -> _Conversion:
    """Close the session and run `run(path, progress)` off the UI thread; reopen when it ends."""
    path = window.session.path
    finish_backups(window)  # a backup under way reads the file (and writes a backup) about to be converted
    window.session.close()
    conv = _Conversion(window, title, path, run)
    conv.start()
    return conv


def encrypt_action(window) -> None:
    if window.session.encrypted:
        plain.message(window, "Encrypt database", "This database is already encrypted.",
                      QMessageBox.Icon.Information).exec()
        return
    dlg = PassphraseDialog(window, "Encrypt database",
                           f"Encrypt {window.session.path.name} (and its backups) with a passphrase. "
                           "Without the passphrase nobody, including you, can read it again.", mode="new")
    if dlg.exec() != QDialog.DialogCode.Accepted:
        return
    _cur, new = dlg.values()
    dlg.new.clear()
    dlg.again.clear()
    _convert(window, "Encrypt database", lambda p, progress: encryption.encrypt_database(p, new, progress=progress))


def change_passphrase_action(window) -> None:
    if not window.session.encrypted:
        plain.message(window, "Change passphrase", "This database is not encrypted; use Encrypt database…",
                      QMessageBox.Icon.Information).exec()
        return
    dlg = PassphraseDialog(window, "Change passphrase",
                           f"Change the passphrase of {window.session.path.name} and its backups.", mode="change")
    if dlg.exec() != QDialog.DialogCode.Accepted:
        return
    old, new = dlg.values()
    for f in (dlg.current, dlg.new, dlg.again):
        f.clear()
    _convert(window, "Change passphrase", lambda p, progress: encryption.change_passphrase(p, old, new, progress=progress))


def decrypt_action(window) -> None:
    if not window.session.encrypted:
        plain.message(window, "Decrypt database", "This database is not encrypted.",
                      QMessageBox.Icon.Information).exec()
        return
    dlg = PassphraseDialog(window, "Decrypt database",
                           f"Decrypt {window.session.path.name} into a plain SQLite file: anyone who gets the "
                           "file can then read it. Its backups stay encrypted (they open with this "
                           "passphrase). Enter the passphrase to confirm.", mode="open")
    if dlg.exec() != QDialog.DialogCode.Accepted:
        return
    old, _new = dlg.values()
    dlg.current.clear()
    _convert(window, "Decrypt database", lambda p, progress: encryption.decrypt_database(p, old, progress=progress))


# --- idle lock ----------------------------------------------------------------------------------

_INPUT = {QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove, QEvent.Type.KeyPress, QEvent.Type.Wheel,
          QEvent.Type.TouchBegin}


class IdleLock(QObject):
    def __init__(self, window, minutes: float, check_ms: int = 15_000):
        super().__init__(window)
        self.window = window
        self.minutes = minutes
        self.last_input = time.monotonic()
        self.locked = False
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.check)
        if minutes > 0:  # off (the default): no filter on every event of the application, no timer
            QApplication.instance().installEventFilter(self)
            self.timer.start(check_ms)

    def eventFilter(self, obj: QObject, ev: QEvent) -> bool:  # noqa: N802 - Qt API
        if ev.type() in _INPUT:
            self.last_input = time.monotonic()
        return False

    def check(self) -> None:
        if (not self.locked and self.minutes > 0 and self.window.isVisible()
                and getattr(self.window, "converting", None) is None and self.window.session.encrypted
                and time.monotonic() - self.last_input >= self.minutes * 60):
            self.lock()

    def lock(self) -> bool:
        """Close the database, forget its passphrase, hide the window, ask again.  True if unlocked."""
        self.locked = True
        path = self.window.session.path
        finish_backups(self.window)  # its copy and check need the passphrase about to be forgotten
        self.window.session.close()
        encryption.forget_passphrase(path)
        self.window.hide()
        problem = f"Locked after {self.minutes:g} minutes without use."
        try:
            while True:
                pw = gui_key_provider(path, problem)
                if pw is None:
                    QTimer.singleShot(0, self.window.close)
                    return False
                try:
                    s = Session.open(path, key=pw)
                    break
                except database.WrongPassphrase as e:
                    problem = str(e)
                except database.StorageError as e:
                    plain.message(None, "Cannot open the database", str(e)).exec()
                    QTimer.singleShot(0, self.window.close)
                    return False
            self.window.session = s
            self.window.refresh()
            self.window.show()
            self.window.database_changed.emit()
            return True
        finally:
            self.last_input = time.monotonic()
            self.locked = False


def install(window) -> None:
    """Feature hook (app.feature_installers): actions in the File menu and the idle lock."""
    window.encrypt_action = window.add_action("file", "Encrypt database…", lambda: encrypt_action(window))
    window.passphrase_action = window.add_action("file", "Change passphrase…",
                                                 lambda: change_passphrase_action(window))
    window.decrypt_action = window.add_action("file", "Decrypt database…", lambda: decrypt_action(window))
    try:
        minutes = float(window.settings.get("security/idle_lock_minutes") or 0)
    except (TypeError, ValueError):
        minutes = 0.0
    window.idle_lock = IdleLock(window, minutes)
