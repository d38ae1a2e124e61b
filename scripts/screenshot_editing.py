"""Screenshots of the editing feature on the sample data (docs/editing-*.png):

* the person form filled with a Korean (Hangul) and a Khmer name,
* the event form with participants and the source picker,
* a validation message next to a date field,
* the history dialog of a record after two edits.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshot_editing.py [OUT_DIR]
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parent.parent


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "docs"
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp())
    os.environ["DOSSIER_CONFIG_DIR"] = str(tmp / "config")
    os.environ["DOSSIER_DATA_DIR"] = str(tmp / "data")
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    from dossier.app import build_window
    from dossier.services.database import close_database, create_database
    from dossier.ui.fonts import register_fonts

    register_fonts()
    db_path = tmp / "sample.db"
    close_database(create_database(db_path, sample=True))
    w = build_window(db_path, False)
    w.resize(1500, 900)
    w.show()
    ctl = w.editing

    def settle(n: int = 8) -> None:
        for _ in range(n):
            app.processEvents()

    def shot(widget, name: str) -> None:
        settle()
        p = out / name
        widget.grab().save(str(p))
        print(p)

    # 1. a new person with names in two scripts
    d = ctl.new_record("people")
    d.fields["name"].editor.setText("Prak Sokhonn")
    d.fields["sort_name"].editor.setText("Prak Sokhonn")
    d.fields["native_name"].editor.setText("ប្រាក់ សុខុន")
    d.fields["aliases"].editor.set_values([("프락 소콘", "ko"), ("Prak Sokhon", "en"), ("ប្រាក់ សុខន", "km")])
    d.fields["nationality"].set_text("KHM")
    d.fields["birth_date"].editor.setText("1954~")
    d.picker.search.setText("seed")
    d.picker.check("seed-article")
    d.picker.quote.setText("Cambodian Foreign Minister Prak Sokhonn")
    d.resize(720, 980)
    shot(d, "editing-person-form.png")
    d.reject()
    # 2. the event form: participants and the source picker
    d = ctl.new_record("events", {"start": "2019-11", "participants": [("ri-kil-song", "guest"),
                                                                         ("prak-sokhonn", "host")]})
    d.fields["kind"].set_text("meeting")
    d.fields["title"].editor.setText("리길성 – Prak Sokhonn follow-up meeting")
    d.fields["place"].editor.setText("Phnom Penh")
    d.fields["country"].set_text("KHM")
    d.picker.check("seed-article")
    d.picker.check("khmer-times")
    d.picker.quote.setText("The two sides agreed to meet again.")
    d.resize(720, 1000)
    shot(d, "editing-event-form.png")
    # 3. a validation message next to the field; Save disabled
    d.fields["start"].editor.setText("2019-13")
    d.fields["end"].editor.setText("2019-10")
    shot(d, "editing-validation.png")
    d.reject()
    # 4. two edits, then the history dialog of the record
    d = ctl.edit_record("event", "ri-sokhonn-meeting-2019")
    d.fields["start"].editor.setText("2019-11")
    d.picker.check("khmer-times")
    d.save_button.click()
    time.sleep(1.1)
    d = ctl.edit_record("event", "ri-sokhonn-meeting-2019")
    d.fields["place"].editor.setText("Phnom Penh, Ministry of Foreign Affairs")
    d.save_button.click()
    h = ctl.history_dialog("event", "ri-sokhonn-meeting-2019")
    h.resize(1100, 520)
    shot(h, "editing-history.png")
    h.reject()
    e = ctl.edits_dialog()
    shot(e, "editing-edits-list.png")
    e.reject()
    w.timeline.plot.fit_all()
    shot(w, "editing-window.png") if os.environ.get("DOSSIER_SHOT_WINDOW") else None
    w.close()
    del Qt
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
