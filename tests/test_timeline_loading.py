"""A big timeline loads off the UI thread: the window keeps processing events and input, shows
progress, and the load can be cancelled (and started again)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt, QTimer

from dossier.app import build_window
from dossier.services import timeline as tl

N_EVENTS = 120_000
LANES = 200


@pytest.fixture(scope="module")
def big_db_path(tmp_path_factory):
    """120,000 meetings over 200 people (built in SQL, once for this module)."""
    from dossier.services.database import close_database, create_database
    from dossier.storage.connection import atomic

    path = tmp_path_factory.mktemp("big") / "big.db"
    db = create_database(path)
    with atomic(db):
        db.conn.execute(
            f"WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {LANES - 1}) "
            "INSERT INTO person(id, name, nationality) SELECT printf('p%03d', i), printf('Person %03d', i), "
            "CASE i % 3 WHEN 0 THEN 'KHM' WHEN 1 THEN 'PRK' ELSE 'KOR' END FROM n")
        db.conn.execute(
            f"WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {N_EVENTS - 1}) "
            "INSERT INTO event(id, kind, title, start, start_lo, start_hi) "
            "SELECT 'e' || i, 'meeting', 'Meeting ' || i, 'x', 723546 + (i * 7919) % 15000, "
            "723546 + (i * 7919) % 15000 FROM n")
        db.conn.execute(
            f"WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {N_EVENTS - 1}) "
            f"INSERT INTO participant(event, entity) SELECT 'e' || i, printf('p%03d', i % {LANES}) FROM n")
    close_database(db)
    return path


def _window(qtbot, path):
    w = build_window(path, False)  # returns while the timeline is still loading
    qtbot.addWidget(w)
    w.resize(1200, 800)
    w.show()
    return w


def test_big_load_keeps_the_window_responsive(qtbot, big_db_path):
    w = _window(qtbot, big_db_path)
    panel = w.timeline
    assert panel.loader is not None and panel.loader.isRunning()
    assert panel.data is None and not panel.loading.isHidden()
    ticks = {"loading": 0}
    progress = []
    panel.loader.progressed.connect(lambda p, _what: progress.append(p))

    def tick():
        if panel.loader is not None:
            ticks["loading"] += 1

    timer = QTimer()
    timer.timeout.connect(tick)
    timer.start(2)
    # input typed during the load is handled, and applies to what the load produces
    qtbot.keyClicks(panel.lane_text, "Person 01")
    assert panel.lane_text.text() == "Person 01"
    qtbot.waitUntil(lambda: panel.loader is None, timeout=120_000)
    timer.stop()
    assert ticks["loading"] >= 3, "the event loop did not run while the timeline loaded"
    assert progress and progress == sorted(progress) and progress[-1] == 100
    assert panel.loading.isHidden()
    lay = panel.layout_
    assert len(lay.data.key) == N_EVENTS
    names = [ln.name for ln in lay.lanes if ln.kind != "group"]
    assert names == [f"Person {i:03d}" for i in range(10, 20)]  # the filter typed meanwhile
    # and the plot shows them: something is drawn in the lanes
    w.timeline.plot.fit_all()
    qtbot.wait(50)
    img = w.timeline.plot.grab().toImage()
    assert len({img.pixel(x, y) for x in range(0, img.width(), 7) for y in range(0, img.height(), 7)}) > 8


def test_big_load_can_be_cancelled_and_restarted(qtbot, big_db_path):
    w = _window(qtbot, big_db_path)
    panel = w.timeline
    loader = panel.loader
    assert loader is not None
    qtbot.mouseClick(panel.load_cancel, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.loader is None, timeout=60_000)
    assert loader.wait(10_000)
    assert "cancelled" in panel.load_label.text() and not panel.loading.isHidden()
    assert panel.data is None and len(panel.layout_.r_item) == 0
    assert "cancelled" in w.statusBar().currentMessage()
    assert panel.load_cancel.text() == "Load again"
    qtbot.mouseClick(panel.load_cancel, Qt.MouseButton.LeftButton)
    assert panel.loader is not None
    qtbot.waitUntil(lambda: panel.loader is None, timeout=120_000)
    assert len(panel.layout_.data.key) == N_EVENTS and panel.loading.isHidden()


def test_small_databases_load_at_once(qtbot, sample_db_path):
    w = _window(qtbot, sample_db_path)
    assert w.timeline.loader is None and w.timeline.layout_ is not None
    assert tl.BACKGROUND_ITEMS > 1000
