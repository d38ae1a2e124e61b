"""Small dialogs of the editing feature: a record's history, merge, new item on the timeline, change of
a bar's date by dragging, the list of edits.  All data shown as plain text."""

from __future__ import annotations

import datetime as _dt

from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QListWidget,
    QRadioButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from dossier.domain import dates
from dossier.services import history
from dossier.ui import plain
from dossier.ui.forms.fields import SearchCombo
from dossier.ui.forms.sources import SourcePicker

PRECISIONS = ("day", "month", "year")


def format_at(ordinal: int, precision: str, qualifier: str = "") -> str:
    """A day written at a chosen precision: 2019-11-25 / 2019-11 / 2019 (+ ~ or ? kept)."""
    d = _dt.date.fromordinal(ordinal)
    text = {"day": d.isoformat(), "month": f"{d.year:04d}-{d.month:02d}", "year": f"{d.year:04d}"}[precision]
    return text + qualifier


def precision_of(text: str) -> tuple[str | None, str]:
    """(precision among PRECISIONS or None, qualifier) of a stored date text."""
    if not text or text == dates.ONGOING:
        return None, ""
    try:
        d = dates.parse_date(text)
    except dates.DateError:
        return None, ""
    q = text[-1] if text[-1] in "~?%" else ""
    return (d.precision if d.precision in PRECISIONS else None), q


class HistoryDialog(QDialog):
    """What every batch did to one record: when, which batch (import file, edit, merge), old -> new."""

    def __init__(self, title: str, entries: list[history.Entry], parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("history-dialog")
        self.setWindowTitle(f"History of {title}")
        self.resize(1000, 480)
        lay = QVBoxLayout(self)
        lay.addWidget(plain.label(f"History of {title} (newest first; from the change journal)", self))
        self.tree = QTreeWidget(self)
        self.tree.setObjectName("history")
        self.tree.setColumnCount(5)
        self.tree.setHeaderLabels(["When (UTC)", "Batch", "What", "Sources after", "Note / files"])
        self.tree.setWordWrap(True)
        for e in entries:
            when = e.at.replace("T", " ").replace("+00:00", "")
            note = e.note or ", ".join(e.files)
            cols = (when, f"#{e.batch} {e.kind}", e.op, e.sources.replace("|", ", "), note)
            top = QTreeWidgetItem(list(cols))
            for i, t in enumerate(cols):
                top.setToolTip(i, plain.tooltip(t))
            for line in e.lines():
                child = QTreeWidgetItem(["", "", line, "", ""])
                child.setFirstColumnSpanned(False)
                child.setToolTip(2, plain.tooltip(line))
                top.addChild(child)
            self.tree.addTopLevelItem(top)
        if not entries:
            self.tree.addTopLevelItem(QTreeWidgetItem(["", "", "no recorded changes", "", ""]))
        self.tree.expandAll()
        for i, w in enumerate((165, 95, 400, 190)):
            self.tree.setColumnWidth(i, w)
        lay.addWidget(self.tree, 1)
        bb = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        bb.rejected.connect(self.reject)
        lay.addWidget(bb)

    def text(self) -> str:
        out = []
        for i in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(i)
            out.append(" | ".join(top.text(c) for c in range(5)))
            out += ["    " + top.child(j).text(2) for j in range(top.childCount())]
        return "\n".join(out)


class MergeDialog(QDialog):
    """Merge another record of the same person or organisation into this one (suggested, never automatic)."""

    def __init__(self, what: str, survivor_label: str, candidates: list[tuple[str, str]], suggested: list[str],
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("merge-dialog")
        self.setWindowTitle(f"Merge into {survivor_label}")
        lay = QVBoxLayout(self)
        lay.addWidget(plain.label(
            f"Merge another {what} into “{survivor_label}”. Its careers, events, relations, statements, identifiers "
            "and citations move to this record; its names become other names of this record; its id keeps "
            "pointing here (later CSV updates that use it land here). One step: Edit > Undo takes it back.", self))
        lay.itemAt(0).widget().setWordWrap(True)
        if suggested:
            lay.addWidget(plain.label("Possible duplicates (similar names): " + ", ".join(suggested), self))
        self.other = SearchCombo(candidates, self)
        self.other.setObjectName("merge-other")
        if suggested:
            self.other.set_text(suggested[0])
        form = QFormLayout()
        form.addRow(plain.label("Merge this record:", self), self.other)
        lay.addLayout(form)
        bb = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        bb.button(QDialogButtonBox.StandardButton.Ok).setText("Merge")
        bb.button(QDialogButtonBox.StandardButton.Ok).setObjectName("merge")
        bb.accepted.connect(self.accept)
        bb.rejected.connect(self.reject)
        lay.addWidget(bb)

    def chosen(self) -> str:
        return self.other.text()


class NewAtDialog(QDialog):
    """A double click on an empty spot of a lane: what to create there, and the precision of its date
    (chosen explicitly: the clicked day is only a position on the axis)."""

    def __init__(self, lane_name: str, day: int, can_post: bool, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("new-at-dialog")
        self.day = day
        self.setWindowTitle("New item on the timeline")
        lay = QVBoxLayout(self)
        lay.addWidget(plain.label(f"{lane_name}, at {_dt.date.fromordinal(day).isoformat()}", self))
        self.group = QButtonGroup(self)
        self.event = QRadioButton("New event (meeting, visit, signing …) with this participant", self)
        self.event.setObjectName("new-event")
        self.posting = QRadioButton("New posting (a position held) starting here", self)
        self.posting.setObjectName("new-posting")
        self.posting.setEnabled(can_post)
        self.event.setChecked(True)
        for b in (self.event, self.posting):
            self.group.addButton(b)
            lay.addWidget(b)
        self.precision = QComboBox(self)
        self.precision.setObjectName("precision")
        self.precision.addItem("choose the precision of the date…", "")
        for p in PRECISIONS:
            self.precision.addItem(f"{p}: {format_at(day, p)}", p)
        form = QFormLayout()
        form.addRow(plain.label("Date precision:", self), self.precision)
        lay.addLayout(form)
        self.bb = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.ok = self.bb.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("Continue…")
        self.ok.setObjectName("continue")
        self.ok.setEnabled(False)
        self.precision.currentIndexChanged.connect(lambda _i: self.ok.setEnabled(bool(self.precision.currentData())))
        self.bb.accepted.connect(self.accept)
        self.bb.rejected.connect(self.reject)
        lay.addWidget(self.bb)

    def kind(self) -> str:
        return "postings" if self.posting.isChecked() else "events"

    def date_text(self) -> str:
        return format_at(self.day, self.precision.currentData())


class DateChangeDialog(QDialog):
    """A bar's start or end dragged to another day: the new date at the kept (or a chosen) precision,
    and the source of the change."""

    def __init__(self, db, label: str, which: str, old_text: str, day: int, sources: list[str], quote: str,
                 parent: QWidget | None = None, *, precision_from: str = ""):
        super().__init__(parent)
        self.setObjectName("date-change-dialog")
        self.day = day
        kept, self.qualifier = precision_of(precision_from or old_text)
        self.setWindowTitle(f"Change the {which} date")
        lay = QVBoxLayout(self)
        lay.addWidget(plain.label(f"{label}: {which} {old_text or '(unknown)'}", self))
        self.precision = QComboBox(self)
        self.precision.setObjectName("precision")
        for p in PRECISIONS:
            self.precision.addItem(f"{p}{' (as before)' if p == kept else ''}", p)
        self.precision.setCurrentIndex(PRECISIONS.index(kept) if kept else 0)
        self.result_label = plain.label("", self)
        self.result_label.setObjectName("new-date")
        form = QFormLayout()
        form.addRow(plain.label("Precision:", self), self.precision)
        form.addRow(plain.label("New date:", self), self.result_label)
        lay.addLayout(form)
        self.picker = SourcePicker(db, self, title="Source of this change")
        self.picker.set_current(sources, quote)
        lay.addWidget(self.picker)
        bb = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self)
        self.save_button = bb.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setObjectName("save")
        bb.accepted.connect(self.accept)
        bb.rejected.connect(self.reject)
        lay.addWidget(bb)
        self.precision.currentIndexChanged.connect(self._update)
        self.picker.changed.connect(self._update)
        self._update()

    def date_text(self) -> str:
        return format_at(self.day, self.precision.currentData(), self.qualifier)

    def _update(self) -> None:
        self.result_label.setText(self.date_text())
        self.save_button.setEnabled(self.picker.is_valid())


class EditListDialog(QDialog):
    """The steps of this session (the undo stack; click one to go back to it) and every durable batch."""

    def __init__(self, undo_view: QWidget, batches: list[str], parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("edits-dialog")
        self.setWindowTitle("History of edits")
        self.resize(700, 520)
        lay = QVBoxLayout(self)
        lay.addWidget(plain.label("This session (click a step to undo or redo up to it):", self))
        lay.addWidget(undo_view, 1)
        lay.addWidget(plain.label("Every batch recorded in the database (imports, edits, merges):", self))
        self.batches = QListWidget(self)
        self.batches.setObjectName("batches")
        self.batches.addItems(batches)
        lay.addWidget(self.batches, 1)
        bb = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        bb.rejected.connect(self.reject)
        lay.addWidget(bb)
