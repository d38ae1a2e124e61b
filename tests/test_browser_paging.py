"""The browser's paged lists: the right rows and labels in the right order, pages read as the user
scrolls (memory stays flat), `select()` of a record deep in a 50k-event database finds and scrolls to
it, and the window keeps processing events while a big list is counted in the background."""

from __future__ import annotations

import random
import shutil
import threading

import pytest
from PySide6.QtCore import Qt, QTimer

from conftest import TEST_KEY
from dossier.services import browse_list
from dossier.ui.browser_model import MAX_PAGES, PENDING, ROLE_REF

N_EVENTS = 50_000
NAMES = [("Ri Kil Song", "리길성"), ("Prak Sokhonn", "ប្រាក់ សុខុន"), ("kim Ae", ""), ("Kim ae", ""),
         ("Ōta Sei", ""), ("Zed", "제드"), ("Hun Manet", "ហ៊ុន ម៉ាណែត")]


def _csv(path, header, rows):
    import csv

    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def _make(folder, n_events):
    """A database written by the importer: people in three scripts (and names equal but for case),
    events with every date precision, unknown starts, and many ties of date and title."""
    from dossier.services.database import close_database, create_database
    from dossier.services.importing import import_files

    rnd = random.Random(3)
    people = _csv(folder / "people.csv", ["id", "name", "sort_name", "native_name", "nationality"],
                  [(f"p{i}", name, "" if i % 2 else name, native, "KHM") for i, (name, native) in enumerate(NAMES)])
    orgs = _csv(folder / "organizations.csv", ["id", "name", "kind"],
                [(f"o{i}", f"{'ab'[i % 2]}rg {i:02d}", "ministry") for i in range(40)])
    rows = []
    for i in range(n_events):
        y, m, d = rnd.randint(1990, 1999), rnd.randint(1, 12), rnd.randint(1, 28)
        start = ("", f"{y}", f"{y}-{m:02d}", f"{y}-{m:02d}-{d:02d}")[0 if i % 997 == 0 else 1 + i % 3]
        rows.append((f"e{i:06d}", "meeting", f"Meeting {rnd.randrange(60)}", start))
    events = _csv(folder / "events.csv", ["id", "kind", "title", "start"], rows)
    path = folder / "big.db"
    db = create_database(path, key=TEST_KEY)
    try:
        report = import_files(db, [people, orgs, events], backup=False)
        assert report.ok, report
    finally:
        close_database(db)
    return path


@pytest.fixture(scope="module")
def big_master(tmp_path_factory):
    return _make(tmp_path_factory.mktemp("browser-big"), N_EVENTS)


@pytest.fixture
def big_db_path(big_master, tmp_path):
    dst = tmp_path / "big.db"
    shutil.copyfile(big_master, dst)
    return dst


def _expected(db, table):
    """The list order computed here, independently of the indexes: NULL starts first, then start,
    title, rid for events; names folded ASCII-only (SQLite's NOCASE), then rid, for the others."""
    def fold(s):
        return "".join(c.lower() if "A" <= c <= "Z" else c for c in s)

    if table == "event":
        rows = db.execute('SELECT rid, id, start, start_lo, title, kind FROM event').fetchall()
        rows.sort(key=lambda r: (r[3] is not None, r[3] or 0, r[4], r[0]))
        return [(r[1], f"{r[2] or '?'}  {r[4]}") for r in rows]
    if table == "person":
        rows = db.execute("SELECT rid, id, name, sort_name, native_name FROM person").fetchall()
        rows.sort(key=lambda r: (fold(r[3] or r[2]), r[0]))
        return [(r[1], r[2] + (f"  {r[4]}" if r[4] else "")) for r in rows]
    rows = db.execute("SELECT rid, id, name FROM organization").fetchall()
    rows.sort(key=lambda r: (fold(r[2]), r[0]))
    return [(r[1], r[2]) for r in rows]


def _window(qtbot, path):
    from dossier.app import build_window

    w = build_window(path, False)
    qtbot.addWidget(w)
    w.resize(1200, 800)
    w.show()
    qtbot.waitExposed(w)
    return w


def _text_pixels(view, row):
    """How many distinct colours the row shows on screen (text drawn: more than the background)."""
    img = view.viewport().grab(view.visualRect(view.model().index(row))).toImage()
    return len({img.pixel(x, y) for x in range(0, img.width(), 2) for y in range(img.height())})


# --- services: keyset pages and places agree with the plain order ----------------------------------
def test_pages_and_positions_match_the_plain_order(tmp_path):
    from dossier.services.database import close_database, open_database

    db = open_database(_make(tmp_path, 3000))
    try:
        for table in browse_list.TABLES:
            want = _expected(db, table)
            got = [(r.id, r.label) for r in browse_list.page_rows(db, table)]
            assert got == want, table
            pages = [browse_list.page(db, table, n) for n in range((len(want) + browse_list.PAGE - 1)
                                                                   // browse_list.PAGE)]
            assert [(r.id, r.label) for p in pages for r in p] == want
            # read from the nearer end when the total is known: the same pages, the last one short
            assert [browse_list.page(db, table, n, total=len(want)) for n in range(len(pages))] == pages
            for n in range(1, len(pages)):  # a seek from a neighbour's key gives the same page as OFFSET
                assert browse_list.page(db, table, n, after=pages[n - 1][-1].key) == pages[n]
                assert browse_list.page(db, table, n - 1, before=pages[n][0].key) == pages[n - 1]
            for i in random.Random(1).sample(range(len(want)), min(60, len(want))):
                assert browse_list.position(db, table, want[i][0]) == i
                pos, rows = browse_list.locate(db, table, want[i][0])  # the page by seeks around the record
                assert pos == i and rows == pages[i // browse_list.PAGE]
        assert browse_list.position(db, "event", "no-such-event") is None
        assert browse_list.locate(db, "event", "no-such-event") is None
    finally:
        close_database(db)


# --- the window on the sample: small lists, read at once ---------------------------------------------
def test_sample_lists_show_labels_in_every_script_as_plain_text(qtbot, sample_db_path):
    w = _window(qtbot, sample_db_path)
    people = w.browser.lists["person"]
    assert people.objectName() == "browser-person" and isinstance(people.model().rowCount(), int)
    labels = [people.item(i).text() for i in range(people.count())]
    assert "Ri Kil Song  리길성" in labels and "Prak Sokhonn  ប្រាក់ សុខុន" in labels
    row = labels.index("Prak Sokhonn  ប្រាក់ សុខុន")
    assert people.item(row).data(ROLE_REF) == ("person", "prak-sokhonn")
    assert people.item(row).toolTip() == "<p style='white-space:pre-wrap'>Prak Sokhonn (KHM)</p>"
    w.browser.tabs.setCurrentWidget(people)
    qtbot.waitUntil(lambda: people.isVisible())
    assert _text_pixels(people, row) > 4  # the Khmer label is drawn, not an empty row
    qtbot.mouseClick(people.viewport(), Qt.MouseButton.LeftButton, pos=people.visualItemRect(people.item(row)).center())
    qtbot.waitUntil(lambda: w.details.current is not None and w.details.current.id == "prak-sokhonn")
    assert "counting" not in w.summary.text() and "events" in w.summary.text()


# --- the window on 50k events: counted and paged in the background ---------------------------------
def test_window_answers_while_a_big_list_is_counted(qtbot, big_db_path, monkeypatch, request):
    release, entered = threading.Event(), threading.Event()
    request.addfinalizer(release.set)  # a failing assert never leaves the reader blocked
    real_count = browse_list.count

    def slow_count(db, table):  # the count blocks until the test has seen the window work meanwhile
        entered.set()
        assert release.wait(30)
        return real_count(db, table)

    monkeypatch.setattr(browse_list, "count", slow_count)
    w = _window(qtbot, big_db_path)
    events = w.browser.lists["event"]
    assert w.browser.counts["event"] is None and "counting events" in w.summary.text()
    assert w.browser.counts["person"] == len(NAMES)  # small lists are there at once
    qtbot.waitUntil(entered.is_set)
    ticks = []
    timer = QTimer(w)
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(1)
    qtbot.waitUntil(lambda: len(ticks) >= 5)  # the event loop turns while the count is under way
    w.browser.tabs.setCurrentWidget(events)
    qtbot.waitUntil(events.isVisible)  # and the window repaints: the tab switched
    assert w.browser.counts["event"] is None
    release.set()
    qtbot.waitUntil(lambda: w.browser.counts["event"] == N_EVENTS, timeout=20000)
    timer.stop()
    assert events.count() == N_EVENTS and "50,000 events" in w.summary.text()


def test_big_list_rows_labels_and_scrolling_to_the_end(qtbot, big_db_path):
    w = _window(qtbot, big_db_path)
    events = w.browser.lists["event"]
    w.browser.tabs.setCurrentWidget(events)
    qtbot.waitUntil(lambda: events.count() == N_EVENTS, timeout=20000)
    want = _expected(w.session.db, "event")
    m = events.model()
    qtbot.waitUntil(lambda: m.index(0).data() != PENDING)
    first, last = events.visible_rows()
    assert [m.index(r).data() for r in range(first, last + 1)] == [t for _i, t in want[first:last + 1]]
    assert m.index(0).data().startswith("?  ")  # unknown starts first
    assert _text_pixels(events, 0) > 4
    # scroll through the list in 100 jumps (more pages than the cache holds): each stop shows the right
    # rows, and the cache stays bounded
    sb = events.verticalScrollBar()
    for k in range(1, 101):
        sb.setValue(sb.maximum() * k // 100)
        qtbot.waitUntil(lambda: all(m.index(r).data() != PENDING for r in range(*events.visible_rows())))
        a, b = events.visible_rows()
        assert [m.index(r).data(ROLE_REF)[1] for r in (a, b)] == [want[a][0], want[b][0]]
    assert len(m.pages) <= MAX_PAGES
    assert events.visible_rows()[1] == N_EVENTS - 1
    assert m.index(N_EVENTS - 1).data() == want[-1][1] and _text_pixels(events, N_EVENTS - 1) > 4
    # keyboard down from the last page loads nothing new and selects the last row
    events.setFocus()
    events.setCurrentRow(N_EVENTS - 2)
    qtbot.keyClick(events, Qt.Key.Key_Down)
    qtbot.waitUntil(lambda: w.details.current is not None and w.details.current.id == want[-1][0])


def test_select_finds_a_record_deep_in_a_big_list_and_scrolls_to_it(qtbot, big_db_path):
    w = _window(qtbot, big_db_path)
    events = w.browser.lists["event"]
    qtbot.waitUntil(lambda: events.count() == N_EVENTS, timeout=20000)
    want = _expected(w.session.db, "event")
    for pos in (41_234, 7, N_EVENTS - 1, 25_000):
        rid = want[pos][0]
        assert w.browser.select("event", rid)
        assert w.details.current.id == rid  # the details follow at once
        qtbot.waitUntil(lambda pos=pos: events.currentRow() == pos)
        assert w.browser.tabs.currentWidget() is events
        a, b = events.visible_rows()
        assert a <= pos <= b, (a, pos, b)  # scrolled to it
        assert events.item(pos).text() == want[pos][1]
        qtbot.waitUntil(lambda pos=pos: _text_pixels(events, pos) > 4)
    assert not w.browser.select("event", "no-such-event")
    assert w.browser.select("person", "p1") and w.details.current.id == "p1"
    # two selects in a row: the list ends on the latest
    w.browser.select("event", want[30_000][0])
    w.browser.select("event", want[12_345][0])
    qtbot.waitUntil(lambda: events.currentRow() == 12_345)
    qtbot.wait(50)
    assert events.currentRow() == 12_345 and w.details.current.id == want[12_345][0]


def test_search_on_a_big_database_runs_in_the_background(qtbot, big_db_path):
    w = _window(qtbot, big_db_path)
    w.browser.search.setText("ប្រាក់")
    hits = w.browser.lists["search"]
    assert w.browser.tabs.currentWidget() is hits
    qtbot.waitUntil(lambda: hits.count() == 1, timeout=20000)
    assert hits.item(0).text() == "Prak Sokhonn  (person)"
    hits.setCurrentRow(0)
    assert w.details.current.id == "p1"
