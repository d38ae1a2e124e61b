"""The timeline's editing gestures (a mixin of the edit controller): a double click on an empty spot of
a lane opens a new event or posting there (the date's precision chosen explicitly); dragging a bar's
start or end changes that date at its kept (or a chosen) precision, with the source of the change."""

from __future__ import annotations

from dossier.domain.timeaxis import DAY, EPOCH_ORDINAL
from dossier.services import editing
from dossier.ui import plain
from dossier.ui.forms.dialogs import DateChangeDialog, NewAtDialog
from dossier.ui.forms.record_form import SINGULAR

KIND_OF = {"posting": "postings", "event": "events", "relation": "relations"}


class TimelineEditing:
    """Needs: self.window, self.db, self._read_only(), self._show(dialog), self.new_record(kind, preset),
    self.save_rows(rows, note, select)."""

    # --- timeline gestures ----------------------------------------------------------------------
    def timeline_new(self, lane_index: int, x: float) -> NewAtDialog | None:
        tl = getattr(self.window, "timeline", None)
        if tl is None or tl.layout_ is None or self._read_only():
            return None
        lane = tl.layout_.lanes[lane_index]
        if lane.kind == "group":
            return None
        day = int(x // DAY) + EPOCH_ORDINAL
        dlg = NewAtDialog(lane.name, day, lane.kind == "person", self.window)
        dlg.accepted.connect(lambda: self._new_at(dlg, lane))
        return self._show(dlg)

    def _new_at(self, dlg: NewAtDialog, lane) -> None:
        date = dlg.date_text()
        if dlg.kind() == "postings":
            self.new_record("postings", {"person": lane.entity, "start": date})
        else:
            self.new_record("events", {"start": date, "participants": [(lane.entity, "participant")]})

    def timeline_drag(self, row: int, which: str, x: float) -> DateChangeDialog | None:
        from dossier.services.timeline_text import describe

        tl = getattr(self.window, "timeline", None)
        if tl is None or tl.layout_ is None or self._read_only():
            return None
        lay = tl.layout_
        info = describe(self.db, int(lay.data.key[lay.r_item[row]]))
        if info is None or info["table"] not in ("posting", "event", "relation"):
            return None
        kind = KIND_OF[info["table"]]
        rec = editing.record(self.db, kind, (info["id"],))
        if rec is None:
            return None
        # the end edge lies after the last day (x1 = latest end + 1 day): step back into the day
        day = int((x - (DAY / 2 if which == "end" else 0)) // DAY) + EPOCH_ORDINAL
        old = rec.get(which) or ""
        dlg = DateChangeDialog(self.db, info["label"], which, old, day, list(rec.get("source") or []),
                               rec.get("quote") or "", self.window, precision_from=old or rec.get("start") or "")
        dlg.accepted.connect(lambda: self._save_drag(info, kind, rec, which, dlg))
        return self._show(dlg)

    def _save_drag(self, info: dict, kind: str, rec: dict, which: str, dlg: DateChangeDialog) -> None:
        from dossier.exchange.dossier_csv import CellError, span_problem, validate_cell

        values = {}
        try:
            for col in editing.kind_columns(kind):
                if col in ("source", "quote"):
                    continue
                text = dlg.date_text() if col == which else editing.cell_text(kind, col, rec.get(col))
                values[col], _w = validate_cell(kind, col, text)
            sp = span_problem(values)
            if sp:
                raise CellError(sp[1])
        except CellError as e:
            plain.message(self.window, "Change date", str(e)).exec()
            return
        values["source"] = dlg.picker.sources()
        values["quote"] = dlg.picker.quote.text().strip()
        rows = [editing.EditRow("sources", s) for s in dlg.picker.new_source_rows()] + [editing.EditRow(kind, values)]
        note = f"move {which} of {SINGULAR[kind]} {info['id']} to {dlg.date_text()}; source: " \
               f"{', '.join(values['source'])}"
        try:
            self.save_rows(rows, note, (info["table"], info["id"]))
        except editing.EditRejected as e:
            plain.message(self.window, "Change date", str(e)).exec()

