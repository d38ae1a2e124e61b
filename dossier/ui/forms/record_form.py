"""The editing form of any record kind, generated from the kind table (domain/kinds.py): one field per
column (dates with an EDTF hint, enums as combo boxes, countries and references as searchable combo
boxes of existing records, names in any script as a table), a participants sub-table for events, and
the source picker.  Every field is validated as it is typed with the importer's own rules
(`validate_cell`); Save stays disabled while anything is invalid or the fact has no source."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from dossier.domain import vocab
from dossier.domain.kinds import KINDS
from dossier.exchange.dossier_csv import CellError, span_problem, validate_cell
from dossier.services import editing
from dossier.ui import plain
from dossier.ui.forms.fields import Field, SearchCombo, date_meaning, make_field
from dossier.ui.forms.sources import SourcePicker

SINGULAR = {"sources": "source", "people": "person", "organizations": "organisation", "postings": "posting",
            "events": "event", "participants": "participant", "relations": "relation", "statements": "statement",
            "trade": "trade row", "figures": "quoted figure", "rates": "exchange rate", "identifiers": "identifier"}
LABELS = {"id": "Id", "name": "Display name", "sort_name": "Sort name (family name first)",
          "native_name": "Native name (own script)", "aliases": "Other names", "birth_date": "Born",
          "published": "Published", "reliability": "Reliability (A-F)", "credibility": "Credibility (1-6)",
          "a": "Between", "b": "and", "base_year": "Base year", "text": "Text", "person": "Person",
          "organization": "Organisation", "start": "Start", "end": "End", "participant": "Participant"}
TITLE_COLUMN = {"people": "name", "organizations": "name", "events": "title", "postings": "position",
                "relations": "kind", "statements": "text", "figures": "text", "sources": "title", "rates": "id"}
REF_TARGET = {"ref:people": "people", "ref:organizations": "organizations", "ref:events": "events",
              "ref:entity": "entity"}


class ParticipantsTable(QWidget):
    """Who took part in an event, in which role: rows of (entity, role)."""

    def __init__(self, entities: list[tuple[str, str]], parent: QWidget | None = None):
        super().__init__(parent)
        self.entities = entities
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.table = QTableWidget(0, 2, self)
        self.table.setObjectName("participants")
        self.table.setHorizontalHeaderLabels(["Person, organisation or state", "Role"])
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().hide()
        self.table.setMinimumHeight(110)
        lay.addWidget(self.table)
        row = QHBoxLayout()
        self.add_button = QPushButton("Add participant", self)
        self.add_button.setObjectName("add-participant")
        self.add_button.clicked.connect(lambda: self.add("", "participant"))
        self.remove_button = QPushButton("Remove participant", self)
        self.remove_button.clicked.connect(self._remove)
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        row.addStretch(1)
        lay.addLayout(row)
        self.on_change: Callable[[], None] = lambda: None

    def add(self, entity: str, role: str) -> SearchCombo:
        r = self.table.rowCount()
        self.table.insertRow(r)
        who = SearchCombo(self.entities, self.table)
        who.setObjectName(f"participant-{r}")
        who.set_text(entity)
        who.currentIndexChanged.connect(lambda _i: self.on_change())
        who.editTextChanged.connect(lambda _t: self.on_change())
        role_box = QComboBox(self.table)
        for x in vocab.PARTICIPANT_ROLES:
            role_box.addItem(x, x)
        role_box.setCurrentIndex(max(0, role_box.findData(role)))
        role_box.currentIndexChanged.connect(lambda _i: self.on_change())
        self.table.setCellWidget(r, 0, who)
        self.table.setCellWidget(r, 1, role_box)
        self.table.setRowHeight(r, max(self.table.rowHeight(r), who.sizeHint().height() + 4))
        self.on_change()
        return who

    def _remove(self) -> None:
        r = self.table.currentRow()
        if r < 0:
            r = self.table.rowCount() - 1
        if r >= 0:
            self.table.removeRow(r)
            self.on_change()

    def values(self) -> list[tuple[str, str]]:
        out = []
        for r in range(self.table.rowCount()):
            who = self.table.cellWidget(r, 0).text()
            role = self.table.cellWidget(r, 1).currentData()
            if who and (who, role) not in out:
                out.append((who, role))
        return out


class RecordDialog(QDialog):
    """New or edit one record.  `on_save(rows, note)` applies the edit (and may raise
    editing.EditRejected, whose problems are shown next to the fields); with `collect_only` the dialog
    only validates and leaves the typed values in `collected` (a new source inside another form)."""

    def __init__(self, db, kind: str, *, existing: dict[str, Any] | None = None, preset: dict[str, str] | None = None,
                 on_save: Callable[[list[editing.EditRow], str], Any] | None = None, collect_only: bool = False,
                 reserved_ids: set[str] | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.db = db
        self.kind = KINDS[kind]
        self.existing = existing
        self.on_save = on_save
        self.collect_only = collect_only
        self.reserved = reserved_ids or set()
        self.collected: dict[str, Any] = {}
        self.values: dict[str, Any] = {}
        self._id_edited = existing is not None
        what = SINGULAR.get(kind, kind)
        self.setWindowTitle(f"Edit {what} {self._key_text()}" if existing else f"New {what}")
        self.setObjectName(f"form-{kind}")
        self.setMinimumWidth(560)
        outer = QVBoxLayout(self)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        body = QWidget(scroll)
        self.form = QFormLayout(body)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        scroll.setWidget(body)
        outer.addWidget(scroll, 1)
        choices = self._choices()
        self.fields: dict[str, Field] = {}
        for col in self.kind.columns:
            if col.type == "refs:source":
                continue
            f = make_field(col, choices, body)
            f.changed.connect(self.validate)
            self.fields[col.name] = f
            label = LABELS.get(col.name, col.name.replace("_", " ").capitalize()) + (" *" if col.required else "")
            self.form.addRow(plain.label(label, body), f)
        self.participants: ParticipantsTable | None = None
        if kind == "events":
            self.participants = ParticipantsTable(choices["entity"], body)
            self.participants.on_change = self.validate
            self.form.addRow(plain.label("Participants", body), self.participants)
        self.picker: SourcePicker | None = None
        if kind != "sources":
            self.picker = SourcePicker(db, self, title="Source of this fact" if existing is None
                                       else "Source of this change (the record's sources; add the one you used)")
            self.picker.changed.connect(self.validate)
            outer.addWidget(self.picker)
        self.general = plain.label("", self)
        self.general.setObjectName("form-message")
        self.general.setStyleSheet("color: #b00020;")
        self.general.setWordWrap(True)
        self.general.hide()
        outer.addWidget(self.general)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel,
                                        self)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setObjectName("save")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        outer.addWidget(self.buttons)
        self._fill(existing, preset or {})
        title_col = TITLE_COLUMN.get(kind)
        if existing is None and "id" in self.fields and title_col in self.fields:
            self.fields[title_col].changed.connect(self._suggest_id)
            self.fields["id"].editor.textEdited.connect(self._id_typed)
        if existing is not None and "id" in self.fields:
            self.fields["id"].editor.setReadOnly(True)
        self.validate()
        self.resize(640, min(900, 220 + 58 * len(self.fields) + (260 if self.picker else 0)))

    # --- setting up -----------------------------------------------------------------------------
    def _key_text(self) -> str:
        e = self.existing or {}
        return " / ".join(str(e.get(k, "")) for k in self.kind.key if k != "source")

    def _choices(self) -> dict[str, list[tuple[str, str]]]:
        out = {"country": editing.choices(self.db, "country")}
        for col in self.kind.columns:
            t = REF_TARGET.get(col.type)
            if t and t not in out:
                out[t] = editing.choices(self.db, t)
        if self.kind.name == "events":
            out.setdefault("entity", editing.choices(self.db, "entity"))
        return out

    def _fill(self, existing: dict[str, Any] | None, preset: dict[str, str]) -> None:
        from dossier.services.changeset import canon

        if existing is not None:
            for name, f in self.fields.items():
                v = existing.get(name)
                if name == "aliases":
                    f.editor.set_values([tuple(a) for a in (v or [])])
                elif v not in (None, ""):
                    f.set_text(canon(self.kind, name, v))
            if self.picker is not None:
                self.picker.set_current(list(existing.get("source") or []), existing.get("quote") or "")
            if self.participants is not None:
                for p in editing.participants_of(self.db, existing["id"]):
                    self.participants.add(p["participant"], p["role"])
        for name, v in preset.items():
            if name == "participants" and self.participants is not None:
                for ent, role in v:
                    self.participants.add(ent, role)
            elif name in self.fields:
                self.fields[name].set_text(v)

    def _suggest_id(self) -> None:
        if self._id_edited:
            return
        col = TITLE_COLUMN[self.kind.name]
        text = self.fields[col].text().strip()
        if self.kind.name == "sources":
            text = " ".join(x for x in (self.fields["publisher"].text(), text) if x).strip()
        if not text:
            return
        proposed = editing.new_id(self.db, self.kind.name, text[:50])
        base, i = proposed, 2
        while proposed in self.reserved:
            proposed = f"{base}-{i}"
            i += 1
        self.fields["id"].editor.setText(proposed)

    def _id_typed(self, _text: str) -> None:
        self._id_edited = True

    # --- validation -----------------------------------------------------------------------------
    def validate(self) -> bool:
        values: dict[str, Any] = {}
        ok = True
        known = {t: {k for k, _l in self._choices_cache(t)} for t in set(REF_TARGET.values())
                 if any(REF_TARGET.get(c.type) == t for c in self.kind.columns)}
        for name, f in self.fields.items():
            try:
                v, warnings = validate_cell(self.kind, name, f.text())
            except CellError as e:
                f.show_error(str(e))
                ok = False
                continue
            values[name] = v
            target = REF_TARGET.get(f.column.type)
            if target and v and v not in known.get(target, set()):
                f.show_error(f"unknown {SINGULAR.get(target, 'person, organisation or country')} {v!r}")
                ok = False
            elif f.column.type in ("date", "end") and v is not None:
                f.show_hint(date_meaning(v))
            else:
                f.show_hint(warnings[0] if warnings else None)
        sp = span_problem(values)
        if sp and sp[0] in self.fields:
            self.fields[sp[0]].show_error(sp[1])
            ok = False
        if self.kind.name == "sources" and values.get("id") in self.reserved:
            self.fields["id"].show_error(f"id {values['id']!r} is already used by a new source of this form")
            ok = False
        if self.existing is None and values.get("id") and "id" in self.fields and not self.collect_only \
                and editing.record(self.db, self.kind.name, (values["id"],)) is not None:
            self.fields["id"].show_error(f"id {values['id']!r} is already taken")
            ok = False
        if self.participants is not None:
            ents = {k for k, _l in self._choices_cache("entity")}
            bad = [e for e, _r in self.participants.values() if e not in ents]
            if bad:
                self._general(f"unknown person, organisation or country {bad[0]!r} among the participants")
                ok = False
            else:
                self._general("")
        self.values = values
        sourced = self.picker is None or self.picker.is_valid()
        self.save_button.setEnabled(ok and sourced)
        return ok and sourced

    def _choices_cache(self, target: str) -> list[tuple[str, str]]:
        cache = self.__dict__.setdefault("_cache", {})
        if target not in cache:
            cache[target] = editing.choices(self.db, target)
        return cache[target]

    def _general(self, text: str) -> None:
        self.general.setText(text)
        self.general.setVisible(bool(text))

    # --- saving ---------------------------------------------------------------------------------
    def rows(self) -> list[editing.EditRow]:
        """The edit: new sources created in the picker, the record, and (events) participants."""
        v = dict(self.values)
        out: list[editing.EditRow] = []
        srcs: list[str] = []
        quote = ""
        if self.picker is not None:
            out += [editing.EditRow("sources", s) for s in self.picker.new_source_rows()]
            srcs = self.picker.sources()
            quote = self.picker.quote.text().strip()
            v["source"], v["quote"] = srcs, quote
        out.append(editing.EditRow(self.kind.name, v))
        if self.participants is not None:
            eid = v["id"]
            old = {(p["participant"], p["role"]) for p in editing.participants_of(self.db, eid)} \
                if self.existing else set()
            new = self.participants.values()
            for ent, role in sorted(old - set(new)):
                out.append(editing.EditRow("participants", {"event": eid, "participant": ent, "role": role},
                                           deleted=True))
            for ent, role in new:
                if (ent, role) not in old:
                    out.append(editing.EditRow("participants", {"event": eid, "participant": ent, "role": role,
                                                                "source": srcs, "quote": quote}))
        return out

    def note(self) -> str:
        what = SINGULAR.get(self.kind.name, self.kind.name)
        key = " / ".join(str(self.values.get(k, "")) for k in self.kind.key if k != "source")
        srcs = self.picker.sources() if self.picker else []
        return f"{'edit' if self.existing else 'new'} {what} {key}; source: {', '.join(srcs) or '-'}"

    def save(self) -> None:
        if not self.validate():
            return
        if self.collect_only:
            self.collected = dict(self.values)
            self.accept()
            return
        try:
            if self.on_save is not None:
                self.on_save(self.rows(), self.note())
        except editing.EditRejected as e:
            self.show_problems(e.problems)
            return
        self.accept()

    def show_problems(self, problems) -> None:
        rest = []
        for p in problems:
            if p.column in self.fields:
                self.fields[p.column].show_error(p.message)
            else:
                rest.append(p.message)
        self._general("; ".join(rest))
        self.save_button.setEnabled(False)


def open_form(window_or_parent, db, kind: str, key: tuple | None, on_save, preset: dict | None = None) -> RecordDialog:
    existing = editing.record(db, kind, key) if key is not None else None
    return RecordDialog(db, kind, existing=existing, preset=preset, on_save=on_save, parent=window_or_parent)


__all__ = ["RecordDialog", "ParticipantsTable", "open_form"]
