"""The change-set review in the window: real widgets, offscreen; what the table shows, Apply off the UI
thread, Cancel = nothing written, Undo last import, files dropped on the window."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from dossier.app import build_window
from dossier.services import exporting
from tests.conftest import FIXTURES

SHOTS = Path(os.environ.get("DOSSIER_SHOTS", "/tmp/dossier-shots"))


@pytest.fixture
def window(qtbot, sample_db_path):
    w = build_window(sample_db_path, False)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


def table_rows(dialog):
    t = dialog.table
    return [tuple(t.item(r, c).text() for c in range(t.columnCount())) for r in range(t.rowCount())]


def real_update(window, tmp_path) -> Path:
    """Export people from the sample, edit two rows, add one (what a desk officer does in Excel)."""
    f = tmp_path / "people.csv"
    exporting.export_kind_to_file(window.session.db, "people", f)
    rows = list(csv.DictReader(io.StringIO(f.read_text("utf-8-sig"))))
    for r in rows:
        if r["id"] == "kin-phea":
            r["summary"] = "Director general of the International Relations Institute (re-appointed 2020)."
        if r["id"] == "pan-sorasak":
            r["birth_date"] = "1968"
    rows.append({**rows[0], "id": "hor-namhong", "name": "Hor Namhong", "sort_name": "Hor Namhong", "native_name": "",
                 "aliases": "", "summary": "Former foreign minister of Cambodia.", "birth_date": "1935-11-15"})
    buf = io.StringIO()
    w = csv.DictWriter(buf, list(rows[0]), lineterminator="\r\n")
    w.writeheader()
    w.writerows(rows)
    f.write_text(buf.getvalue(), "utf-8-sig")
    return f


def wait_report(qtbot, dialog):
    qtbot.waitUntil(lambda: dialog.report is not None and not dialog.worker.isRunning(), timeout=20000)


def test_review_then_apply_then_undo(window, qtbot, tmp_path):
    f = real_update(window, tmp_path)
    changed = []
    window.database_changed.connect(lambda: changed.append(1))
    dialog = window.import_feature.review([f])
    wait_report(qtbot, dialog)
    assert dialog.summary.text().startswith("1 added, 2 changed, 0 deleted, 4 unchanged")
    rows = table_rows(dialog)
    assert ("changed", "people", "pan-sorasak", "birth_date", "", "1968", "people.csv:4") in rows
    kin = [r for r in rows if r[2] == "kin-phea" and r[3] == "summary"][0]
    # long texts are shown from just before the first difference, so the change is visible
    assert kin[0] == "changed" and kin[4].startswith("…") and "Royal Academy" in kin[4]
    assert kin[5].startswith("…") and kin[5].endswith("(re-appointed 2020).")
    assert ("added", "people", "hor-namhong", "name", "", "Hor Namhong", "people.csv:8") in rows
    assert dialog.apply_button.isEnabled()
    # nothing written yet
    assert window.session.db.execute("SELECT count(*) FROM person WHERE id = 'hor-namhong'").fetchone()[0] == 0
    SHOTS.mkdir(parents=True, exist_ok=True)
    qtbot.wait(50)
    img = dialog.grab()
    img.save(str(SHOTS / "import-review.png"))
    colours = {img.toImage().pixel(x, y) for x in range(0, img.width(), 9) for y in range(0, img.height(), 9)}
    assert len(colours) > 10
    qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=20000)
    assert changed
    db = window.session.db
    assert db.execute("SELECT birth_date FROM person WHERE id = 'pan-sorasak'").fetchone()[0] == "1968"
    people = window.browser.lists["person"]
    assert any(people.item(i).text().startswith("Hor Namhong") for i in range(people.count()))
    assert "batch" in window.statusBar().currentMessage()
    # Edit > Undo last import
    w = window.import_feature.undo_last(confirm=False)
    qtbot.waitUntil(lambda: w.isFinished(), timeout=20000)
    qtbot.waitUntil(lambda: "Undid import batch" in window.statusBar().currentMessage(), timeout=5000)
    assert db.execute("SELECT count(*) FROM person WHERE id = 'hor-namhong'").fetchone()[0] == 0
    assert db.execute("SELECT birth_date FROM person WHERE id = 'pan-sorasak'").fetchone()[0] == ""
    assert not any(people.item(i).text().startswith("Hor Namhong") for i in range(people.count()))


def drop(window, files):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(f)) for f in files])
    ev = QDropEvent(QPointF(200, 200), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton,
                    Qt.KeyboardModifier.NoModifier)
    # QApplication.sendEvent drops a Drop that no real drag started (offscreen there is no drag), so the
    # event goes to the window's drop handler directly, as Qt would deliver it
    assert window.acceptDrops()
    assert window.import_feature.filter.eventFilter(window, ev)


def test_dropped_bad_file_shows_rejections_and_cannot_be_applied(window, qtbot):
    before = window.session.path.read_bytes()
    drop(window, [FIXTURES / "c09_ragged.csv"])
    dialog = window.import_feature.dialog
    assert dialog is not None
    wait_report(qtbot, dialog)
    rows = table_rows(dialog)
    assert ("rejected", "", "", "", "2 fields, expected 5 (as in the header)", "", "c09_ragged.csv:3") in rows
    assert [r[0] for r in rows] == ["rejected", "rejected"] and rows[1][6] == "c09_ragged.csv:4"
    assert dialog.table.columnSpan(0, 4) == 2  # the message is shown whole across Old and New
    assert dialog.summary.text().startswith("Rejected: 2 problem(s)")
    assert not dialog.apply_button.isEnabled()
    dialog.grab().save(str(SHOTS / "import-rejected.png")) if SHOTS.exists() else None
    dialog.cancel()
    assert window.session.path.read_bytes() == before


def test_hostile_values_are_shown_literally(window, qtbot):
    drop(window, [FIXTURES / "s02_html_values.csv"])
    dialog = window.import_feature.dialog
    wait_report(qtbot, dialog)
    shown = {r[5] for r in table_rows(dialog)}
    assert "<img src='file:///etc/hosts'>" in shown and "<b>Prak</b>" in shown
    dialog.cancel()


def test_cancel_while_applying_writes_nothing_and_the_window_stays_responsive(window, qtbot, tmp_path):
    big = tmp_path / "people.csv"
    with big.open("w", encoding="utf-8", newline="") as f:
        f.write("id,name,summary,source\n")
        for i in range(60000):
            f.write(f"p{i:06d},Person {i},Summary of person number {i},seed-article\n")
    db = window.session.db
    before = db.execute("SELECT count(*) FROM person").fetchone()[0]
    dialog = window.import_feature.review([big])
    wait_report(qtbot, dialog)
    assert dialog.report.count("added") == 60000
    qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    ticks = []
    qtbot.waitUntil(lambda: dialog.progress.value() > 520 or ticks.append(1) or False, timeout=30000)
    assert ticks  # the event loop kept running while the worker applied
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert not dialog.worker.isRunning()
    assert db.execute("SELECT count(*) FROM person").fetchone()[0] == before
    assert db.execute("SELECT count(*) FROM import_batch").fetchone()[0] == 1
