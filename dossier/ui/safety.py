"""Backups, restore and recovery in the window (RELIABILITY.md rules 5 and 6).

`install(window)` adds File > "Back up now" and "Restore from backup…", a scheduled backup (setting
backup/interval_hours), and tells the user about an import a crash cut short.  `offer_recovery()` is
the dialog shown when a database cannot be opened: the reason, and the newest verified backup with a
button to restore it (the current file is kept aside).  The smoke mode ($DOSSIER_SMOKE_PNG) lives in
dossier.app; the offline smoke test runs it under strace.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from dossier.services import backups, recovery
from dossier.ui import plain

CHECK_EVERY_MS = 10 * 60 * 1000


def _num(v: object, default: float) -> float:
    try:
        return float(v)  # QSettings hands INI values back as text
    except (TypeError, ValueError):
        return default


class Safety(QObject):
    """The window's backup schedule and actions."""

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

    def _keep(self) -> dict[str, int]:
        s = self.window.settings
        return {"keep_last": int(_num(s.get("backup/keep_last"), backups.KEEP_LAST)),
                "keep_days": int(_num(s.get("backup/keep_days"), backups.KEEP_DAYS))}

    def tick(self) -> Path | None:
        """A scheduled backup when one is due; None when not due or it failed (said in the status bar)."""
        if not self.window.isVisible():  # closed (its session is closed too) or hidden by the idle lock
            return None
        if getattr(self.window, "converting", None) is not None:  # being encrypted: no session meanwhile
            return None
        session = self.window.session
        hours = _num(self.window.settings.get("backup/interval_hours"), 24)
        if not backups.due(session.path, hours):
            return None
        try:
            made = backups.backup_now(session.db, session.path, "scheduled", **self._keep())
        except (backups.BackupError, OSError) as e:
            self.window.statusBar().showMessage(f"Scheduled backup failed: {e}")
            return None
        self.last_backup = made
        self.window.statusBar().showMessage(f"Backed up to {made.name} (verified)")
        return made

    def back_up_now(self) -> Path | None:
        session = self.window.session
        try:
            made = backups.backup_now(session.db, session.path, "manual", **self._keep())
        except (backups.BackupError, OSError) as e:
            self.notice("Back up now", f"No backup was made: {e}", QMessageBox.Icon.Critical)
            return None
        self.last_backup = made
        self.notice("Back up now", f"Backed up to\n{made}\n\nThe copy was verified (integrity check and row "
                                   "counts).", QMessageBox.Icon.Information)
        return made

    def restore_dialog(self) -> RestoreDialog:
        dlg = RestoreDialog(self.window.session.path, self.window)
        dlg.accepted.connect(lambda: self.restore(dlg.chosen) if dlg.chosen else None)
        return dlg

    def open_restore_dialog(self) -> None:
        self.restore_dialog().open()

    def restore(self, backup: Path) -> bool:
        w = self.window
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


def install(window) -> None:
    window.safety = Safety(window)
    window.add_action("file", "Back up now", window.safety.back_up_now)
    window.add_action("file", "Restore from backup…", window.safety.open_restore_dialog)
    window.database_changed.connect(window.safety.tell_interrupted)
    QTimer.singleShot(0, window.safety.tell_interrupted)
    # $DOSSIER_SMOKE_PNG (render the window to a PNG and quit) is handled once, in dossier.app._arm_smoke
