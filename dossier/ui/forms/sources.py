"""The source picker every editing form ends with: pick existing sources (searchable, ticked), create
a new one (publisher, title, date, grade ...), give the quoted sentence, or say explicitly that the
fact is unsourced (a citation to the built-in 'unsourced' source, marked as such in dossiers)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from dossier.domain import vocab
from dossier.services import editing
from dossier.ui import plain

ROLE_ID = Qt.ItemDataRole.UserRole + 7


def source_label(s: dict[str, Any]) -> str:
    grade = vocab.grade_text(s.get("reliability") or None, int(s["credibility"]) if s.get("credibility") else None)
    bits = [b for b in (s.get("publisher"), f"“{s['title']}”" if s.get("title") else "", s.get("published")) if b]
    return f"[{grade}] " + (", ".join(bits) or s["id"]) + f"  ({s['id']})"


class SourcePicker(QGroupBox):
    changed = Signal()

    def __init__(self, db, parent: QWidget | None = None, *, title: str = "Source of this fact"):
        super().__init__(title, parent)
        self.setObjectName("source-picker")
        self.db = db
        self.new_sources: list[dict[str, Any]] = []  # created in this form, written with the edit
        lay = QVBoxLayout(self)
        self.search = QLineEdit(self)
        self.search.setObjectName("source-search")
        self.search.setPlaceholderText("Search sources (publisher, title, date, id)…")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._filter)
        lay.addWidget(self.search)
        self.list = QListWidget(self)
        self.list.setObjectName("source-list")
        self.list.setMinimumHeight(80)
        self.list.setMaximumHeight(130)
        self.list.itemChanged.connect(lambda _i: self._changed())
        lay.addWidget(self.list)
        row = QHBoxLayout()
        self.new_button = QPushButton("New source…", self)
        self.new_button.setObjectName("new-source")
        self.new_button.clicked.connect(self.create_source)
        row.addWidget(self.new_button)
        self.unsourced = QCheckBox("Unsourced (save without a source; the dossier marks it)", self)
        self.unsourced.setObjectName("unsourced")
        self.unsourced.toggled.connect(self._changed)
        row.addWidget(self.unsourced)
        row.addStretch(1)
        lay.addLayout(row)
        self.quote = QLineEdit(self)
        self.quote.setObjectName("source-quote")
        self.quote.setPlaceholderText("The sentence quoted from the source that supports this fact")
        self.quote.textChanged.connect(lambda _t: self.changed.emit())
        qrow = QHBoxLayout()
        qrow.addWidget(plain.label("Quoted sentence:", self))
        qrow.addWidget(self.quote, 1)
        lay.addLayout(qrow)
        self.message = plain.label("", self)
        self.message.setObjectName("source-message")
        self.message.setStyleSheet("color: #b00020;")
        self.message.setWordWrap(True)
        lay.addWidget(self.message)
        self.reload()

    # --- contents -------------------------------------------------------------------------------
    def reload(self, checked: set[str] | None = None) -> None:
        keep = set(self.selected()) if checked is None else checked
        self.list.blockSignals(True)
        self.list.clear()
        rows = [dict(s, new=True) for s in self.new_sources] + editing.sources(self.db)
        for s in rows:
            if s["id"] == editing.UNSOURCED:
                continue
            it = QListWidgetItem(("(new) " if s.get("new") else "") + source_label(s))
            it.setData(ROLE_ID, s["id"])
            it.setFlags(it.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            it.setCheckState(Qt.CheckState.Checked if s["id"] in keep else Qt.CheckState.Unchecked)
            it.setToolTip(plain.tooltip(source_label(s)))
            self.list.addItem(it)
        self.list.blockSignals(False)
        self._filter(self.search.text())
        self._changed()

    def _filter(self, text: str) -> None:
        t = text.casefold().strip()
        for i in range(self.list.count()):
            it = self.list.item(i)
            it.setHidden(bool(t) and t not in it.text().casefold())

    def set_current(self, sources: list[str], quote: str) -> None:
        if editing.UNSOURCED in sources:
            self.unsourced.setChecked(True)
        self.reload({s for s in sources if s != editing.UNSOURCED})
        self.quote.setText(quote)

    def selected(self) -> list[str]:
        out = []
        for i in range(self.list.count()):
            it = self.list.item(i)
            if it.checkState() == Qt.CheckState.Checked:
                out.append(it.data(ROLE_ID))
        return out

    def check(self, source_id: str) -> bool:
        for i in range(self.list.count()):
            it = self.list.item(i)
            if it.data(ROLE_ID) == source_id:
                it.setCheckState(Qt.CheckState.Checked)
                return True
        return False

    def sources(self) -> list[str]:
        """What the fact cites: the ticked sources, or ['unsourced'] when that box is ticked."""
        return [editing.UNSOURCED] if self.unsourced.isChecked() else self.selected()

    def is_valid(self) -> bool:
        return bool(self.sources())

    def _changed(self) -> None:
        self.list.setEnabled(not self.unsourced.isChecked())
        self.search.setEnabled(not self.unsourced.isChecked())
        if self.is_valid():
            self.message.setText("")
            self.message.hide()
        else:
            self.message.setText("Pick a source, create one with “New source…”, or tick “Unsourced”.")
            self.message.show()
        self.changed.emit()

    # --- new source -----------------------------------------------------------------------------
    def create_source(self) -> None:
        from dossier.ui.forms.record_form import RecordDialog

        taken = {s["id"] for s in self.new_sources}
        dlg = RecordDialog(self.db, "sources", parent=self, collect_only=True, reserved_ids=taken)
        if dlg.exec():
            self.add_new_source(dlg.collected)

    def add_new_source(self, values: dict[str, Any]) -> None:
        shown = {k: (v.text if hasattr(v, "text") else v) for k, v in values.items()}
        self.new_sources.append({**shown, "_values": values})
        self.reload(set(self.selected()) | {values["id"]})

    def new_source_rows(self) -> list[dict[str, Any]]:
        """Typed values of the sources created here that the fact cites."""
        chosen = set(self.sources())
        return [s["_values"] for s in self.new_sources if s["id"] in chosen]
