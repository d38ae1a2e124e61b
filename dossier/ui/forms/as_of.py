"""Showing the data "as of" a past moment (a mixin of the edit controller): View > Show data as of…
opens a read-only copy of the database as it stood then (services.history.as_of) in the window, with
every editing action disabled; View > Back to now, or closing the window, returns to the real one."""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QInputDialog, QMessageBox

from dossier.services import history
from dossier.services.session import Session
from dossier.ui import plain


class AsOfViewing:
    """Needs: self.window, self.real_session (None while showing the present), self.edit_actions,
    self.as_of_back (the Back to now action)."""

    def _read_only(self) -> bool:
        if self.real_session is not None:
            plain.message(self.window, "Showing past data",
                          "The window shows the data as of a past moment (read-only). View > Back to now to edit.",
                          QMessageBox.Icon.Information).exec()
            return True
        return False

    def show_as_of(self, when: str | None = None) -> bool:
        if when is None:
            when, ok = QInputDialog.getText(self.window, "Show data as of",
                                            "Date or time (UTC): YYYY-MM-DD (end of that day) or YYYY-MM-DDTHH:MM")
            if not ok or not when.strip():
                return False
        base = self.real_session or self.window.session
        try:
            copy = history.as_of(base.db, when)
        except history.HistoryError as e:
            plain.message(self.window, "Show data as of", str(e)).exec()
            return False
        if self.real_session is not None:
            history.close(self.window.session.db)
        else:
            self.real_session = self.window.session
        self.window.session = Session(base.path, copy)
        self._set_editable(False)
        self.window.refresh()
        self.window.details.show_details(None)
        self.window.database_changed.emit()
        self.window.setWindowTitle(f"{base.path.name} — AS OF {when.strip()} (read-only) — Dossier")
        self.window.statusBar().showMessage(f"Showing the data as it stood at {when.strip()} (read-only)")
        return True

    def back_to_now(self) -> None:
        if self.real_session is None:
            return
        history.close(self.window.session.db)
        self.window.session = self.real_session
        self.real_session = None
        self._set_editable(True)
        self.window.refresh()
        self.window.database_changed.emit()

    def _set_editable(self, on: bool) -> None:
        for a in self.edit_actions:
            a.setEnabled(on)
        self.as_of_back.setEnabled(not on)

    def eventFilter(self, obj, ev) -> bool:  # noqa: N802 - Qt API
        if obj is self.window and ev.type() == QEvent.Type.Close and self.real_session is not None:
            self.back_to_now()  # the window closes (and checkpoints) the real database, not the copy
        return False
