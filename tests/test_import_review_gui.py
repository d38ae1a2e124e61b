"""Apply writes the change set the user reviewed, without reading and parsing the files again; a file,
the database or the options changed since the review make the dialog plan again, show the new change
set with a notice, and write nothing until Apply is clicked again.  Real widgets, offscreen."""

from __future__ import annotations

import csv
import io
import os
import shutil
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from conftest import raw_sqlite
from dossier.app import build_window
from dossier.exchange import formats
from dossier.exchange.dossier_csv import validate_cell
from dossier.services import exporting, staging
from dossier.services.database import close_database, open_database
from dossier.services.importing import import_files
from test_import_journal import dump

SHOTS = Path(os.environ.get("DOSSIER_SHOTS", "/tmp/dossier-shots"))


@pytest.fixture
def twin_path(sample_db_path, tmp_path):
    """A copy of the starting database, for the same import done the old way (one fresh call)."""
    p = tmp_path / "twin.db"
    shutil.copyfile(sample_db_path, p)
    return p


@pytest.fixture
def window(qtbot, sample_db_path, twin_path):
    w = build_window(sample_db_path, False)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


@pytest.fixture
def parses(monkeypatch) -> list[str]:
    """Every Dossier CSV file opened for parsing (the streaming parser's entry point)."""
    opened: list[str] = []
    real = formats.stream_file

    def spy(path, opts):
        opened.append(Path(path).name)
        return real(path, opts)

    monkeypatch.setattr(formats, "stream_file", spy)
    return opened


def make_files(db, folder: Path, n: int = 3000) -> tuple[Path, Path]:
    """The sample's events with one title changed, plus `n` new events and their participants."""
    ev = folder / "events.csv"
    exporting.export_kind_to_file(db, "events", ev)
    rows = list(csv.DictReader(io.StringIO(ev.read_text("utf-8-sig"))))
    rows[0]["title"] = rows[0]["title"] + " (revised)"
    src = rows[0]["source"].split("|")[0]
    for i in range(n):
        rows.append({**{k: "" for k in rows[0]}, "id": f"gx-{i:05d}", "kind": "meeting", "title": f"Meeting {i}",
                     "start": f"20{i % 20:02d}-0{1 + i % 9}", "place": "Seoul", "country": "KOR",
                     "summary": f"Generated meeting {i}", "source": src})
    buf = io.StringIO()
    w = csv.DictWriter(buf, list(rows[0]), lineterminator="\r\n")
    w.writeheader()
    w.writerows(rows)
    ev.write_text(buf.getvalue(), "utf-8")
    pa = folder / "participants.csv"
    pa.write_text("event,participant,role,source\r\n" + "".join(f"gx-{i:05d},KOR,participant,{src}\r\n"
                                                                for i in range(n)), "utf-8")
    return ev, pa


def wait_review(qtbot, dialog):
    qtbot.waitUntil(lambda: dialog.report is not None and not dialog.worker.isRunning(), timeout=60000)


def shoot(dialog, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    p = SHOTS / name
    dialog.grab().save(str(p))
    return p


def journal_rows(conn):
    return conn.execute("SELECT batch_id, table_name, record_key, op, old_json, new_json FROM change_log "
                        "ORDER BY rid").fetchall()


def test_apply_writes_the_reviewed_plan_without_parsing_again(window, qtbot, tmp_path, twin_path, parses):
    db = window.session.db
    ev, pa = make_files(db, tmp_path)
    dialog = window.import_feature.review([ev, pa])
    wait_review(qtbot, dialog)
    assert sorted(parses) == ["events.csv", "participants.csv"]
    assert dialog.summary.text().startswith("6000 added, 1 changed, 0 deleted")
    assert dialog.reviewed is not None and dialog.reviewed.staged  # the plan is kept while the dialog is open
    qtbot.wait(50)
    shoot(dialog, "import-review-before-apply.png")
    shots = []
    dialog.applied.connect(lambda r: shots.append(shoot(dialog, "import-review-applied.png")))
    qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=60000)
    assert sorted(parses) == ["events.csv", "participants.csv"]  # Apply read nothing again
    assert shots and dialog.progress.text().endswith(f"applied as batch {dialog.report.batch}")
    assert dialog.reviewed is None  # let go once written
    r = dialog.report
    assert r.applied and not r.replanned and (r.count("added"), r.count("changed")) == (6000, 1)
    # the same import done the old way (one fresh plan-and-apply) on a copy of the same database
    twin = open_database(twin_path)
    try:
        fresh = import_files(twin, [ev, pa], backup=False)
        assert fresh.batch == r.batch and fresh.counts == r.counts
        assert dump(twin.conn) == dump(db.conn)  # row for row, every table (search index included)
        assert journal_rows(twin.conn) == journal_rows(db.conn)
    finally:
        close_database(twin)
    assert "Imported as batch" in window.statusBar().currentMessage()


def test_a_file_changed_after_the_review_is_planned_again_and_the_user_told(window, qtbot, tmp_path, parses):
    db = window.session.db
    ev, pa = make_files(db, tmp_path, n=50)
    dialog = window.import_feature.review([ev, pa])
    wait_review(qtbot, dialog)
    assert not dialog.notice.isVisible()
    before = dump(db.conn, skip=set())
    # same size, same modification time: only the content (SHA-256) tells
    st = ev.stat()
    data = ev.read_bytes()
    assert b"Meeting 7," in data
    ev.write_bytes(data.replace(b"Meeting 7,", b"Meetinx 7,"))
    os.utime(ev, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert ev.stat().st_size == st.st_size and ev.stat().st_mtime_ns == st.st_mtime_ns
    qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.notice.isVisible(), timeout=60000)
    qtbot.waitUntil(lambda: not dialog.worker.isRunning(), timeout=60000)
    assert dialog.isVisible()
    assert dialog.notice.text().startswith("Planned again: events.csv changed since the review.")
    assert dump(db.conn, skip=set()) == before  # nothing written
    assert ("added", "events", "gx-00007", "title", "", "Meetinx 7", "events.csv:" + _line_of(ev, "gx-00007")) \
        in _table(dialog)
    assert parses.count("events.csv") == 2  # planned again from the file as it is now
    assert dialog.apply_button.isEnabled()
    qtbot.wait(50)
    shoot(dialog, "import-review-file-changed.png")
    qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=60000)
    assert parses.count("events.csv") == 2
    assert db.execute("SELECT title FROM event WHERE id = 'gx-00007'").fetchone()[0] == "Meetinx 7"


def test_a_file_only_touched_after_the_review_is_not_planned_again(window, qtbot, tmp_path, parses):
    ev, pa = make_files(window.session.db, tmp_path, n=20)
    dialog = window.import_feature.review([ev, pa])
    wait_review(qtbot, dialog)
    os.utime(ev, (time.time() + 5, time.time() + 5))  # a new modification time, the same bytes
    qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=60000)
    assert sorted(parses) == ["events.csv", "participants.csv"] and dialog.report.applied


def _line_of(path: Path, key: str) -> str:
    for i, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
        if line.startswith(key + ","):
            return str(i)
    raise AssertionError(key)


def _table(dialog):
    t = dialog.table
    return [tuple(t.item(r, c).text() for c in range(t.columnCount())) for r in range(t.rowCount())]


@pytest.mark.parametrize("how", ["import", "raw"])
def test_a_database_changed_after_the_review_is_planned_again(window, qtbot, tmp_path, sample_db_path, parses, how):
    db = window.session.db
    ev, pa = make_files(db, tmp_path, n=50)
    dialog = window.import_feature.review([ev, pa])
    wait_review(qtbot, dialog)
    assert dialog.report.count("added") == 100
    if how == "import":  # another import, through the app, on the window's own connection
        other = tmp_path / "other" / "events.csv"
        other.parent.mkdir()
        lines = ev.read_text("utf-8").splitlines()
        other.write_text("\r\n".join([lines[0]] + [ln for ln in lines if ln.startswith("gx-00003,")]) + "\r\n",
                         "utf-8")
        r = import_files(db, [other], backup=False)
        assert r.applied and r.count("added") == 1
    else:  # a program writing to the file below the app
        conn = raw_sqlite(sample_db_path)
        conn.execute("INSERT INTO event(id, kind, title, start, place, country, summary) VALUES "
                     "('gx-00003', 'meeting', 'Written elsewhere', '2001', 'Seoul', 'KOR', '')")
        conn.commit()
        conn.close()
    n_batches = db.execute("SELECT count(*) FROM import_batch").fetchone()[0]
    before = dump(db.conn, skip=set())
    qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.notice.isVisible(), timeout=60000)
    qtbot.waitUntil(lambda: not dialog.worker.isRunning(), timeout=60000)
    assert dialog.notice.text().startswith("Planned again: the database changed since the review")
    assert dump(db.conn, skip=set()) == before
    assert dialog.report.count("added") == 99  # gx-00003 exists now: not added twice
    assert dialog.report.count("changed") == (2 if how == "raw" else 1)  # a raw row lacks the file's values
    assert parses.count("events.csv") == 2 + (how == "import")
    qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=60000)
    assert db.execute("SELECT count(*) FROM import_batch").fetchone()[0] == n_batches + 1
    assert db.execute("SELECT count(*) FROM event WHERE id = 'gx-00003'").fetchone()[0] == 1
    assert db.execute("SELECT title FROM event WHERE id = 'gx-00003'").fetchone()[0] == "Meeting 3"


def test_cancel_while_applying_the_reviewed_plan_writes_nothing(window, qtbot, tmp_path, parses, monkeypatch):
    db = window.session.db
    ev, pa = make_files(db, tmp_path, n=8000)
    real_apply = staging.apply

    def slow_apply(db, stage, batch, progress=None):  # a slow disk: the user has time to cancel
        def tick(done, n):
            time.sleep(0.05)
            if progress:
                progress(done, n)
        real_apply(db, stage, batch, tick)

    monkeypatch.setattr(staging, "apply", slow_apply)
    dialog = window.import_feature.review([ev, pa])
    wait_review(qtbot, dialog)
    rv = dialog.reviewed
    before = dump(db.conn, skip=set())
    qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "writing" in dialog.progress.text(), timeout=60000)
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert not dialog.worker.isRunning() and not dialog.isVisible()
    assert dump(db.conn, skip=set()) == before  # not a row, not a batch
    assert sorted(parses) == ["events.csv", "participants.csv"]
    assert dialog.reviewed is None and not rv.staged  # the staged writes were let go with the dialog


def test_closing_the_review_lets_go_of_the_plan(window, qtbot, tmp_path):
    ev, pa = make_files(window.session.db, tmp_path, n=20)
    dialog = window.import_feature.review([ev, pa])
    wait_review(qtbot, dialog)
    rv = dialog.reviewed
    assert rv.staged and len(rv.plan.stage) > 0
    dialog.close()
    assert dialog.reviewed is None and not rv.staged


def test_changing_an_option_after_the_review_plans_again(window, qtbot, tmp_path, parses):
    """The options are part of the plan: toggling one re-plans (as before) and Apply writes the new one."""
    db = window.session.db
    people = tmp_path / "people.csv"
    exporting.export_kind_to_file(db, "people", people)
    rows = list(csv.DictReader(io.StringIO(people.read_text("utf-8-sig"))))
    from dossier.services import editing

    first = rows[0]["id"]
    typed = {c: validate_cell("people", c, v)[0] for c, v in rows[0].items()}
    editing.apply(db, [editing.EditRow("people", {**typed, "summary": "Edited here."})], "local edit")
    rows[0]["summary"] = "From the file."
    buf = io.StringIO()
    w = csv.DictWriter(buf, list(rows[0]), lineterminator="\r\n")
    w.writeheader()
    w.writerows(rows)
    people.write_text(buf.getvalue(), "utf-8")
    dialog = window.import_feature.review([people])
    wait_review(qtbot, dialog)
    assert dialog.report.count("conflict") == 1 and not dialog.apply_button.isEnabled()
    first_plan = dialog.reviewed
    dialog.overwrite.setChecked(True)
    qtbot.waitUntil(lambda: dialog.reviewed is not None and dialog.reviewed is not first_plan
                    and not dialog.worker.isRunning(), timeout=60000)
    assert not first_plan.staged and dialog.report.count("changed") == 1
    qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=60000)
    assert parses == ["people.csv", "people.csv"]
    assert db.execute("SELECT summary FROM person WHERE id = ?", (first,)).fetchone()[0] == "From the file."


def test_a_file_broken_after_the_review_is_shown_rejected_and_cannot_be_applied(window, qtbot, tmp_path):
    db = window.session.db
    ev, pa = make_files(db, tmp_path, n=30)
    dialog = window.import_feature.review([ev, pa])
    wait_review(qtbot, dialog)
    before = dump(db.conn, skip=set())
    ev.write_bytes(ev.read_bytes().replace(b"gx-00004,meeting", b"gx-00004,not-a-kind"))
    qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.notice.isVisible(), timeout=60000)
    qtbot.waitUntil(lambda: not dialog.worker.isRunning(), timeout=60000)
    assert dialog.notice.text() == ("Planned again: events.csv changed since the review. Nothing has been written; "
                                    "the problems are listed below.")
    # the bad kind, and the participant row whose event is now rejected
    assert dialog.summary.text().startswith("Rejected: 2 problem(s)")
    rows = _table(dialog)
    assert [(r[0], r[3], r[6].split(":")[0]) for r in rows] == [("rejected", "kind", "events.csv"),
                                                              ("rejected", "event", "participants.csv")]
    assert not dialog.apply_button.isEnabled() and dialog.reviewed is not None and not dialog.reviewed.staged
    assert dump(db.conn, skip=set()) == before
    qtbot.wait(50)
    shoot(dialog, "import-review-file-broken.png")
    dialog.cancel()
