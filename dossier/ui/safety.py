"""Backups, restore and recovery in the window (RELIABILITY.md rules 5 and 6).

`install(window)` adds File > "Back up now" and "Restore from backup…", a scheduled backup (setting
backup/interval_hours), both made off the UI thread with progress in the status bar, and tells the
user about an import a crash cut short.  `offer_recovery()` is the dialog shown when a database
cannot be opened: the reason, and the newest verified backup with a button to restore it (the
current file is kept aside).  The smoke mode ($DOSSIER_SMOKE_PNG) lives in
dossier.app; the offline smoke test runs it under strace.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from dossier.services import backups, recovery
from dossier.ui import plain
from dossier.ui.backup_job import BackupJob

CHECK_EVERY_MS = 10 * 60 * 1000


def _num(v: object, default: float) -> float:
    try:
        return float(v)  # QSettings hands INI values back as text
    except (TypeError, ValueError):
        return default


class Safety(QObject):
    """The window's backup schedule and actions.  Backups run off the UI thread (ui.backup_job), one at
    a time, with a progress bar in the status bar: the scheduled tick does nothing while one runs;
    "Back up now" during a scheduled backup is queued (one request), during another manual one it is
    refused, and said so in the status bar."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.timer = QTimer(self)
        self.timer.setInterval(CHECK_EVERY_MS)
        self.timer.timeout.connect(self.tick)
        self.timer.start()
        QTimer.singleShot(30_000, self.tick)  # soon after start, not during it
        self.last_notice: QMessageBox | None = None
        self.last_backup: Path | None = None
        self.job: BackupJob | None = None  # the backup being made
        self.pending: str | None = None  # a reason queued while `job` runs ("manual")
        self._origin: tuple = (None, None)  # the session a job started from, and its backups.state_of then
        self._closing = False
        self.bar = QProgressBar()
        self.bar.setObjectName("backup-progress")
        self.bar.setRange(0, 100)
        self.bar.setMaximumWidth(160)
        self.bar.setFormat("backup %p%")
        self.bar.hide()
        window.statusBar().addPermanentWidget(self.bar)
        window.installEventFilter(self)

    def _keep(self) -> dict[str, int]:
        s = self.window.settings
        return {"keep_last": int(_num(s.get("backup/keep_last"), backups.KEEP_LAST)),
                "keep_days": int(_num(s.get("backup/keep_days"), backups.KEEP_DAYS))}

    def tick(self) -> BackupJob | None:
        """Start a scheduled backup when one is due: the running job, or None when not due, busy or
        not possible now.  Its result is said in the status bar when it ends."""
        if not self.window.isVisible():  # closed (its session is closed too) or hidden by the idle lock
            return None
        if getattr(self.window, "converting", None) is not None:  # being encrypted: no session meanwhile
            return None
        if self.job is not None:  # one backup at a time: the running one is as recent as this would be
            return None
        hours = _num(self.window.settings.get("backup/interval_hours"), 24)
        if not backups.due(self.window.session.path, hours):
            return None
        return self._start("scheduled")

    def back_up_now(self) -> BackupJob | None:
        """Start a manual backup (a notice says how it ended): the running job, or None when it was
        queued behind a scheduled backup or refused because a manual one runs or waits already."""
        if self.job is None:
            return self._start("manual")
        if self.job.manual or self.pending is not None:
            self.window.statusBar().showMessage("A backup is being made already (see the progress at the right); "
                                                "no second one was started.")
            return None
        self.pending = "manual"
        self.window.statusBar().showMessage("Back up now: queued, it starts when the scheduled backup under way "
                                            "has finished.")
        return None

    def finish(self, timeout_ms: int = 120_000) -> None:
        """Drop a queued request and wait for the running backup (before the session is closed)."""
        self.pending = None
        if self.job is not None:
            self.window.statusBar().showMessage("Finishing the backup under way…")
            self.job.wait(timeout_ms)

    def _start(self, reason: str) -> BackupJob:
        session = self.window.session
        job = BackupJob(session.connect_worker, session.path, reason, self._keep())
        job.progressed.connect(self._progressed)
        job.made.connect(self._made)
        job.failed.connect(self._failed)
        job.finished.connect(self._finished)
        self.job = job
        self._origin = (session, backups.state_of(session.db))  # see _made
        self.bar.setValue(0)
        self.bar.show()
        self.window.statusBar().showMessage(f"Backing up {session.path.name}…")
        job.start()
        return job

    def _progressed(self, percent: int, what: str) -> None:
        if self.job is None:
            return
        self.bar.setValue(percent)
        self.window.statusBar().showMessage(f"Backing up {self.job.path.name}: {what}…")

    def _made(self, path: str) -> None:
        made = Path(path)
        self.last_backup = made
        if self._closing or self.job is None:
            return
        session, before = self._origin
        if session is self.window.session:  # nothing written meanwhile: an import right now needs no new copy
            backups.adopt(session.db, session.path, before, made)
        if self.job.manual:
            self.notice("Back up now", f"Backed up to\n{made}\n\nThe copy was verified (integrity check and row "
                                       "counts).", QMessageBox.Icon.Information)
        self.window.statusBar().showMessage(f"Backed up to {made.name} (verified)")

    def _failed(self, error: str) -> None:
        if self._closing or self.job is None:
            return
        if self.job.manual:
            self.notice("Back up now", f"No backup was made: {error}", QMessageBox.Icon.Critical)
        self.window.statusBar().showMessage(("Backup" if self.job.manual else "Scheduled backup")
                                            + f" failed: {error}")

    def _finished(self) -> None:
        self.job = None  # the last reference: the thread object is deleted here, on the GUI thread
        self.bar.hide()
        reason, self.pending = self.pending, None
        if reason and not self._closing and getattr(self.window, "converting", None) is None:
            self._start(reason)

    def eventFilter(self, obj, ev) -> bool:  # noqa: N802 - Qt API
        if obj is self.window and ev.type() == QEvent.Type.Close:
            self._closing = True  # before the window closes its session: the copy is finished first
            self.finish()
        return False

    def restore_dialog(self) -> RestoreDialog:
        dlg = RestoreDialog(self.window.session.path, self.window)
        dlg.accepted.connect(lambda: self.restore(dlg.chosen) if dlg.chosen else None)
        return dlg

    def open_restore_dialog(self) -> None:
        self.restore_dialog().open()

    def restore(self, backup: Path) -> bool:
        w = self.window
        if self.job is not None:  # its connection reads the file a restore replaces
            self.notice("Restore", "Not restored: a backup is being made right now. Restore when it has "
                        "finished (its progress is at the right of the status bar).", QMessageBox.Icon.Warning)
            return False
        try:
            kept = w.session.restore(backup)
        except Exception as e:  # noqa: BLE001 - a failed restore leaves the database as it was: say so
            self.notice("Restore", f"Not restored: {e}", QMessageBox.Icon.Critical)
            return False
        w.details.show_details(None)
        w.refresh()
        w.database_changed.emit()
        self.notice("Restore", f"Restored {Path(backup).name}.\n\nThe file it replaced was kept as\n{kept}"
                    if kept else f"Restored {Path(backup).name}.", QMessageBox.Icon.Information)
        return True

    def notice(self, title: str, text: str, icon: QMessageBox.Icon = QMessageBox.Icon.Warning) -> QMessageBox:
        """A window-modal message that does not block (so scheduled work and tests go on)."""
        box = plain.message(self.window, title, text, icon)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        self.last_notice = box
        return box

    def tell_interrupted(self) -> None:
        found = getattr(self.window.session, "interrupted", None)
        if found is not None:
            self.notice("An import was interrupted", found.message(),
                        QMessageBox.Icon.Information if found.present else QMessageBox.Icon.Warning)
            self.window.session.interrupted = None


class RestoreDialog(QDialog):
    """The backups of the open database, newest first, each checked now; or another file."""

    def __init__(self, db_path: Path, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Restore from backup")
        self.setObjectName("restore-dialog")
        self.db_path = Path(db_path)
        self.chosen: Path | None = None
        lay = QVBoxLayout(self)
        lay.addWidget(plain.label(
            f"Backups of {self.db_path.name}, newest first. Restoring one replaces the open database; the "
            "current file is kept in the backups folder, never deleted.", self))
        self.list = QListWidget(self)
        self.list.setObjectName("backup-list")
        for b in backups.list_backups(self.db_path):
            problems = backups.verify_file(b.path)
            it = QListWidgetItem(b.label() + ("  ✓ verified" if not problems else "  ✗ fails its check"))
            it.setData(Qt.ItemDataRole.UserRole, str(b.path))
            it.setToolTip(plain.tooltip(str(b.path) + ("\n" + problems[0] if problems else "")))
            if problems:
                it.setFlags(it.flags() & ~Qt.ItemFlag.ItemIsEnabled)
            self.list.addItem(it)
        if not self.list.count():
            self.list.addItem(QListWidgetItem("(no backups yet: use File > Back up now)"))
            self.list.item(0).setFlags(Qt.ItemFlag.NoItemFlags)
        lay.addWidget(self.list)
        self.buttons = QDialogButtonBox(self)
        self.restore_button = self.buttons.addButton("Restore", QDialogButtonBox.ButtonRole.AcceptRole)
        other = QPushButton("Other file…", self)
        self.buttons.addButton(other, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        other.clicked.connect(self._other)
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        lay.addWidget(self.buttons)
        for i in range(self.list.count()):
            if self.list.item(i).flags() & Qt.ItemFlag.ItemIsEnabled:
                self.list.setCurrentRow(i)
                break
        self.restore_button.setEnabled(self.list.currentItem() is not None)
        self.list.currentItemChanged.connect(lambda cur, _p: self.restore_button.setEnabled(cur is not None))
        self.resize(640, 360)

    def _accept(self) -> None:
        it = self.list.currentItem()
        if it is None or it.data(Qt.ItemDataRole.UserRole) is None:
            return
        self.chosen = Path(it.data(Qt.ItemDataRole.UserRole))
        self.accept()

    def _other(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Restore from file", str(backups.backup_dir(self.db_path)),
                                              "Dossier databases (*.db);;All files (*)")
        if path:
            self.chosen = Path(path)
            self.accept()


# --- when a database cannot be opened -------------------------------------------------------------

def recovery_box(parent: QWidget | None, path: Path, error: BaseException
                 ) -> tuple[QMessageBox, QPushButton | None, backups.BackupInfo | None]:
    """The message for a refused database, with a "Restore" button when a verified backup exists."""
    offer = recovery.offer_for(Path(path), error)
    text = str(error)
    if offer is not None:
        text += (f"\n\nThe newest verified backup of this database is from {offer.made.astimezone():%Y-%m-%d %H:%M}:"
                 f"\n{offer.path}\n\nRestoring it keeps the current file in the backups folder; nothing is "
                 "deleted.")
    box = plain.message(parent, "Dossier cannot open the database", text, QMessageBox.Icon.Critical)
    box.button(QMessageBox.StandardButton.Ok).setText("Close" if offer is None else "Leave it as it is")
    button = None
    if offer is not None:
        button = box.addButton("Restore this backup", QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(button)
    box.setObjectName("recovery-box")
    return box, button, offer


def offer_recovery(parent: QWidget | None, path: Path, error: BaseException) -> bool:
    """Show why `path` cannot be opened; True when the user restored a backup (open it again)."""
    box, button, offer = recovery_box(parent, path, error)
    box.exec()
    return apply_recovery_choice(parent, path, box, button, offer)


def apply_recovery_choice(parent: QWidget | None, path: Path, box: QMessageBox, button: QPushButton | None,
                          offer: backups.BackupInfo | None) -> bool:
    """Restore the offered backup when its button was the one clicked."""
    if button is None or box.clickedButton() is not button or offer is None:
        return False
    try:
        recovery.restore_closed(Path(path), offer.path)
    except Exception as e:  # noqa: BLE001 - tell, keep everything as it is
        plain.message(parent, "Not restored", str(e), QMessageBox.Icon.Critical).exec()
        return False
    return True


def finish_backups(window) -> None:
    """Wait for a backup under way before the window closes its session (the worker reads that file;
    closing checkpoints, which would wait for the worker's snapshot anyway)."""
    safety = getattr(window, "safety", None)
    if safety is not None:
        safety.finish()


def install(window) -> None:
    window.safety = Safety(window)
    window.add_action("file", "Back up now", window.safety.back_up_now)
    window.add_action("file", "Restore from backup…", window.safety.open_restore_dialog)
    window.database_changed.connect(window.safety.tell_interrupted)
    QTimer.singleShot(0, window.safety.tell_interrupted)
    # $DOSSIER_SMOKE_PNG (render the window to a PNG and quit) is handled once, in dossier.app._arm_smoke
