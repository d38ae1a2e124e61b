"""Field widgets of the editing forms, one per column type of the kind table (domain/kinds.py).

Every field shows its own message line under the editor (plain text): the importer's message for
the value as typed, or for dates a hint of what the text means ("some day in Nov 2019").  Values
leave a field as the CSV cell text (`text()`), so the forms validate them with the importer's own
`validate_cell`."""

from __future__ import annotations

from PySide6.QtCore import QStringListModel, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from dossier.domain import dates
from dossier.domain.kinds import Column
from dossier.ui import plain

DATE_HINT = "EDTF: 2019 · 2019-11 · 2019-11-25 · add ~ (about) or ? (uncertain)"
END_HINT = DATE_HINT + " · .. = still ongoing · empty = unknown"
LONG_TEXT = {"summary", "notes", "note", "text"}


class SearchCombo(QComboBox):
    """An editable combo over (key, label) choices, filtered as one types (any part of the label).
    `text()` is the chosen key; a typed key that is not in the list is returned as typed."""

    def __init__(self, choices: list[tuple[str, str]], parent: QWidget | None = None, *, allow_empty: bool = True):
        super().__init__(parent)
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.setMaxVisibleItems(15)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(12)  # long labels must not widen the form
        self.keys: list[str] = []
        self.set_choices(choices, allow_empty=allow_empty)
        self.lineEdit().setPlaceholderText("type to search…")

    def set_choices(self, choices: list[tuple[str, str]], *, allow_empty: bool = True) -> None:
        self.blockSignals(True)
        self.clear()
        self.keys = []
        if allow_empty:
            self.addItem("", "")
            self.keys.append("")
        for key, label in choices:
            shown = label if key in label else f"{label}  [{key}]"
            self.addItem(shown, key)
            self.keys.append(key)
        comp = QCompleter(QStringListModel([self.itemText(i) for i in range(self.count())]), self)
        comp.setFilterMode(Qt.MatchFlag.MatchContains)
        comp.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        comp.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        comp.activated.connect(self._completed)
        self.setCompleter(comp)
        self.setCurrentIndex(0 if allow_empty else -1)
        self.blockSignals(False)

    def _completed(self, text: str) -> None:
        i = self.findText(text, Qt.MatchFlag.MatchExactly)
        if i >= 0:
            self.setCurrentIndex(i)

    def text(self) -> str:
        typed = self.currentText().strip()
        i = self.findText(typed, Qt.MatchFlag.MatchExactly)
        if i >= 0:
            return self.itemData(i) or ""
        return typed  # an id typed by hand (validated like a CSV cell)

    def set_text(self, key: str) -> None:
        if key in self.keys:
            self.setCurrentIndex(self.keys.index(key))
        else:
            self.setEditText(key)


class AliasTable(QWidget):
    """Names in any script with their language ('ri gil song' / '리길성' @ko / 'ប្រាក់ សុខុន' @km)."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.table = QTableWidget(0, 2, self)
        self.table.setObjectName("aliases")
        self.table.setHorizontalHeaderLabels(["Name (any script)", "Language"])
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().hide()
        self.table.setMinimumHeight(90)
        self.table.itemChanged.connect(lambda _i: self.changed.emit())
        lay.addWidget(self.table)
        row = QHBoxLayout()
        self.add_button = QPushButton("Add name", self)
        self.add_button.clicked.connect(lambda: self.add("", ""))
        self.remove_button = QPushButton("Remove name", self)
        self.remove_button.clicked.connect(self._remove)
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        row.addStretch(1)
        lay.addLayout(row)

    def add(self, name: str, lang: str) -> None:
        r = self.table.rowCount()
        self.table.insertRow(r)
        self.table.setItem(r, 0, QTableWidgetItem(name))
        self.table.setItem(r, 1, QTableWidgetItem(lang))
        self.changed.emit()

    def _remove(self) -> None:
        r = self.table.currentRow()
        if r >= 0:
            self.table.removeRow(r)
            self.changed.emit()

    def values(self) -> list[tuple[str, str]]:
        out = []
        for r in range(self.table.rowCount()):
            n = (self.table.item(r, 0).text() if self.table.item(r, 0) else "").strip()
            lang = (self.table.item(r, 1).text() if self.table.item(r, 1) else "").strip()
            if n:
                out.append((n, lang))
        return out

    def text(self) -> str:
        """The CSV cell: 'name@lang|name'."""
        return "|".join(f"{n}@{lang}" if lang else n for n, lang in self.values())

    def set_values(self, values: list[tuple[str, str]]) -> None:
        self.table.setRowCount(0)
        for n, lang in values:
            self.add(n, lang)


class Field(QWidget):
    """One column: its editor and a plain-text message line under it."""

    changed = Signal()

    def __init__(self, column: Column, editor: QWidget, parent: QWidget | None = None, hint: str = ""):
        super().__init__(parent)
        self.column = column
        self.editor = editor
        self.hint = hint
        self.setObjectName(f"field-{column.name}")
        editor.setObjectName(f"edit-{column.name}")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(1)
        lay.addWidget(editor)
        self.message = plain.label(hint, self)
        self.message.setObjectName(f"message-{column.name}")
        self.message.setWordWrap(True)
        self._style(False)
        lay.addWidget(self.message)
        self.message.setVisible(bool(hint))
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        if isinstance(editor, QLineEdit):
            editor.textChanged.connect(lambda _t: self.changed.emit())
        elif isinstance(editor, QPlainTextEdit):
            editor.textChanged.connect(self.changed.emit)
        elif isinstance(editor, QComboBox):
            editor.currentIndexChanged.connect(lambda _i: self.changed.emit())
            if editor.isEditable():
                editor.editTextChanged.connect(lambda _t: self.changed.emit())
        elif isinstance(editor, AliasTable):
            editor.changed.connect(self.changed.emit)

    def _style(self, error: bool) -> None:
        self.message.setStyleSheet("color: #b00020;" if error else "color: #555;")

    def text(self) -> str:
        e = self.editor
        if isinstance(e, QPlainTextEdit):
            return e.toPlainText()
        if isinstance(e, SearchCombo | AliasTable):
            return e.text()
        if isinstance(e, QComboBox):
            return e.currentData() if e.currentData() is not None else e.currentText()
        return e.text()

    def set_text(self, value: str) -> None:
        e = self.editor
        if isinstance(e, QPlainTextEdit):
            e.setPlainText(value)
        elif isinstance(e, SearchCombo):
            e.set_text(value)
        elif isinstance(e, QComboBox):
            i = e.findData(value)
            e.setCurrentIndex(i if i >= 0 else 0)
        elif isinstance(e, QLineEdit):
            e.setText(value)

    def show_error(self, message: str) -> None:
        self._style(True)
        self.message.setText(message)
        self.message.setVisible(True)

    def show_hint(self, message: str | None = None) -> None:
        self._style(False)
        text = self.hint if message is None else message
        self.message.setText(text)
        self.message.setVisible(bool(text))

    @property
    def error(self) -> str:
        return self.message.text() if self.message.isVisible() and "b00020" in self.message.styleSheet() else ""


def date_meaning(value) -> str:
    """What a parsed date cell means, in words (shown under a valid date field)."""
    if value is None:
        return ""
    if value == dates.ONGOING:
        return "= still ongoing"
    d: dates.PartialDate = value
    what = {"day": "that day", "month": "some day in that month", "year": "some day in that year"}.get(
        d.precision, f"between {dates.ordinal_to_iso(d.earliest)} and {dates.ordinal_to_iso(d.latest)}")
    return f"= {d.display()} ({d.precision} precision: {what})"


def make_field(column: Column, choices: dict[str, list[tuple[str, str]]], parent: QWidget | None = None) -> Field:
    """The editor for a column type (kinds.Column.type)."""
    t = column.type
    hint = ""
    if t in ("date", "end"):
        e: QWidget = QLineEdit(parent)
        e.setPlaceholderText("e.g. 2019-11 (month precision)")
        hint = END_HINT if t == "end" else DATE_HINT
    elif t == "enum":
        e = QComboBox(parent)
        for c in column.choices:
            e.addItem(c or "(none)", c)
        if column.default:
            e.setCurrentIndex(max(0, e.findData(column.default)))
    elif t == "reliability":
        e = QComboBox(parent)
        for c in ("", "A", "B", "C", "D", "E", "F"):
            e.addItem(c or "(ungraded)", c)
    elif t == "credibility":
        e = QComboBox(parent)
        for c in ("", "1", "2", "3", "4", "5", "6"):
            e.addItem(c or "(ungraded)", c)
    elif t in ("country", "partner"):
        e = SearchCombo(choices.get("country", []), parent, allow_empty=True)
    elif t.startswith("ref:"):
        e = SearchCombo(choices.get(t[4:], []), parent, allow_empty=True)
    elif t == "aliases":
        e = AliasTable(parent)
    elif column.name in LONG_TEXT:
        e = QPlainTextEdit(parent)
        e.setTabChangesFocus(True)
        e.setFixedHeight(64)
    else:
        e = QLineEdit(parent)
        if t == "currency":
            e.setPlaceholderText("ISO 4217, e.g. USD")
        elif t == "unit":
            e.setPlaceholderText("ISO 4217 currency or 'percent'")
        elif t == "decimal":
            e.setPlaceholderText("e.g. 756000000 or 14.7")
        elif t == "year":
            e.setPlaceholderText("YYYY")
    f = Field(column, e, parent, hint)
    if column.default and isinstance(e, QLineEdit):
        e.setText(column.default)
    return f
