"""Backups run off the UI thread (pytest-qt, offscreen, the real window): the copy and its verification
happen in a worker with its own connection while the window keeps handling events, with progress in
the status bar; one backup at a time (the tick skips, Back up now queues once, then refuses); a
restore is refused meanwhile; closing the window finishes the copy first.  Screenshots go to
$DOSSIER_SHOTS (default: the test's tmp folder)."""

from __future__ import annotations

import contextlib
import threading
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer

from dossier.services import backups
from conftest import raw_sqlite
from test_safety_gui import shots, window  # noqa: F401 - the same window fixture and screenshot folder

pytestmark = pytest.mark.gui


@pytest.fixture(autouse=True)
def _close_notices(request):
    """A notice left open (window-modal, a top-level of its own) would be the next test's modal widget."""
    win = request.getfixturevalue("window") if "window" in request.fixturenames else None
    yield
    if win is not None and win.safety.last_notice is not None:
        with contextlib.suppress(RuntimeError):  # closed already (it deletes itself on close)
            win.safety.last_notice.close()


@pytest.fixture
def slow_verify(monkeypatch):
    """Each backup's verification (the real one) takes a visible moment; records (thread, start, end)."""
    from dossier.storage import backup as store

    real = store.verify_backup
    runs: list[tuple[int, float, float]] = []

    def slow(path, key, counts):
        t0 = time.perf_counter()
        time.sleep(0.6)
        real(path, key, counts)
        runs.append((threading.get_ident(), t0, time.perf_counter()))

    monkeypatch.setattr(store, "verify_backup", slow)
    return runs


def _new_backups(path: Path, before: set[Path]) -> list[backups.BackupInfo]:
    return [b for b in backups.list_backups(path) if b.path not in before]


def test_back_up_now_runs_in_a_worker_while_the_window_keeps_running(window, qtbot, slow_verify, tmp_path):
    gui = threading.get_ident()
    assert gui == threading.main_thread().ident
    beats: list[float] = []
    beat = QTimer()
    beat.timeout.connect(lambda: beats.append(time.perf_counter()))
    beat.start(20)
    act = next(a for a in window.menus["file"].actions() if a.text() == "Back up now")
    act.trigger()
    job = window.safety.job
    assert job is not None and job.isRunning()
    started = time.perf_counter()
    # the copy is done and is being verified: the status bar says so, with its progress bar
    qtbot.waitUntil(lambda: "verifying" in window.statusBar().currentMessage(), timeout=10_000)
    bar = window.safety.bar
    assert bar.isVisible() and 50 <= bar.value() < 100
    assert window.statusBar().currentMessage().startswith(f"Backing up {window.session.path.name}")
    qtbot.wait(50)
    img = window.grab()
    img.save(str(shots(tmp_path) / "backup-in-progress.png"))
    bar_img = bar.grab().toImage()
    assert len({bar_img.pixel(x, bar_img.height() // 2) for x in range(bar_img.width())}) > 3  # drawn
    qtbot.waitUntil(lambda: window.safety.job is None, timeout=30_000)
    ended = time.perf_counter()
    beat.stop()
    # the work ran in another thread, and the GUI thread kept running its timers meanwhile
    assert len(slow_verify) == 1 and slow_verify[0][0] != gui
    during = [t for t in beats if started <= t <= ended]
    assert len(during) >= 10, f"only {len(during)} timer beats in {ended - started:.2f} s"
    # the result: a verified file, said in a notice and the status bar; the progress bar is gone
    made = job.result
    assert made is not None and made.exists() and backups.verify_file(made) == []
    assert window.safety.last_backup == made and "manual" in made.name
    box = window.safety.last_notice
    assert box is not None and box.isVisible() and str(made) in box.text() and "verified" in box.text()
    box.close()
    assert window.statusBar().currentMessage() == f"Backed up to {made.name} (verified)"
    assert not bar.isVisible()
    assert not list(made.parent.glob("*.partial")), "no half-written copy is left"


def test_one_backup_at_a_time(window, qtbot, slow_verify):
    path = window.session.path
    before = {b.path for b in backups.list_backups(path)}
    window.settings.set("backup/interval_hours", 0.000001)  # always due
    job = window.safety.tick()
    assert job is not None and job.reason == "scheduled"
    assert window.safety.tick() is None, "the tick never starts a second backup while one runs"
    assert window.safety.back_up_now() is None
    assert "queued" in window.statusBar().currentMessage()
    assert window.safety.back_up_now() is None
    assert "no second one was started" in window.statusBar().currentMessage()
    qtbot.waitUntil(lambda: window.safety.job is not None and window.safety.job.manual, timeout=30_000)
    assert window.safety.tick() is None
    qtbot.waitUntil(lambda: window.safety.job is None, timeout=30_000)
    made = _new_backups(path, before)
    assert sorted(b.reason for b in made) == ["manual", "scheduled"], "the queued request ran once, after"
    assert all(backups.verify_file(b.path) == [] for b in made)
    (_, s1, e1), (_, s2, e2) = sorted(slow_verify, key=lambda r: r[1])
    assert e1 <= s2, "the two backups did not overlap"
    assert window.safety.last_notice is not None and "manual" in window.safety.last_notice.text()


def test_restore_waits_and_closing_finishes_the_backup(window, qtbot, slow_verify):
    path = window.session.path
    older = backups.backup_now(window.session.db, path, "older")  # made here, on this thread
    job = window.safety.back_up_now()
    assert job is not None
    assert window.safety.restore(older) is False
    assert "being made right now" in window.safety.last_notice.text()
    window.safety.last_notice.close()
    assert job.isRunning()
    window.close()  # the window waits for the copy before it closes its database
    assert job.isFinished() and job.result is not None
    assert backups.verify_file(job.result) == []
    assert not list(job.result.parent.glob("*.partial"))


def test_a_write_during_the_copy_does_not_spoil_its_check(sample_db, sample_db_path, tmp_path):
    """The window may write while a worker copies: the copy and the row counts it is checked against
    come from one snapshot (a committed write between them used to fail the check)."""
    from dossier.storage.backup import backup_to, table_counts

    other = raw_sqlite(sample_db_path)
    seen: list[tuple[float, str]] = []

    def progress(fraction: float, what: str) -> None:
        if not seen:
            other.execute("INSERT INTO import_batch (kind, started_at) VALUES ('edit', '2026-01-01T00:00:00Z')")
            other.commit()
        seen.append((fraction, what))

    before = table_counts(sample_db.conn)
    made = backup_to(sample_db, tmp_path / "copy.db", progress=progress)
    assert backups.verify_file(made) == []
    copy = raw_sqlite(made)
    assert table_counts(copy)["import_batch"] == before["import_batch"], "the copy is the snapshot before"
    assert table_counts(sample_db.conn)["import_batch"] == before["import_batch"] + 1
    copy.close()
    other.close()
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 0.6 and seen[-1][1] == "verifying the copy"


def test_opening_another_database_finishes_the_backup_first(window, qtbot, slow_verify, tmp_path):
    from dossier.services.database import close_database, create_database

    other = tmp_path / "other.db"
    close_database(create_database(other))
    first = window.session.path
    job = window.safety.back_up_now()
    assert job is not None and job.isRunning()
    assert window.open_database(other)
    assert job.isFinished() and job.result is not None and job.result.parent.name == f"{first.stem}.backups"
    assert backups.verify_file(job.result) == []
    assert window.session.path == other
    qtbot.waitUntil(lambda: window.safety.job is None, timeout=10_000)
