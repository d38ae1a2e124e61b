import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from dossier.app import build_window


@pytest.fixture
def window(qtbot, sample_db_path):
    w = build_window(sample_db_path, False)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


def test_browser_lists_sample_and_details_show_sources(window, qtbot):
    people = window.browser.lists["person"]
    labels = [people.item(i).text() for i in range(people.count())]
    assert any(t.startswith("Ri Kil Song") and "리길성" in t for t in labels)
    row = next(i for i, t in enumerate(labels) if t.startswith("Ri Kil Song"))
    rect = people.visualItemRect(people.item(row))
    window.browser.tabs.setCurrentWidget(people)
    qtbot.mouseClick(people.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: window.details.current is not None)
    text = window.details.text()
    assert "2004 – 2008: Advisor" in text and "[B2]" in text
    # what is on screen, not just in the model: the tree shows the career line
    items = window.details.findItems("2004 – 2008", Qt.MatchFlag.MatchContains | Qt.MatchFlag.MatchRecursive)
    assert items


def test_window_is_not_blank(window, qtbot):
    window.browser.select("person", "ri-kil-song")
    qtbot.wait(50)
    img = window.grab().toImage()
    colours = {img.pixel(x, y) for x in range(0, img.width(), 7) for y in range(0, img.height(), 7)}
    assert len(colours) > 20


def test_search_finds_hangul_and_selects(window, qtbot):
    window.browser.search.setText("리길성")
    lw = window.browser.lists["search"]
    assert lw.count() == 1
    lw.setCurrentRow(0)
    assert window.details.current.id == "ri-kil-song"


def test_layout_and_recent_are_remembered(qtbot, sample_db_path):
    w = build_window(sample_db_path, False)
    qtbot.addWidget(w)
    w.show()
    w.resize(700, 500)
    w.browser_dock.hide()
    w.close()
    w2 = build_window(sample_db_path, False)
    qtbot.addWidget(w2)
    w2.show()
    assert w2.width() == 700 and not w2.browser_dock.isVisible()
    assert str(sample_db_path.resolve()) in w2.settings.get("recent_databases")


def test_hostile_strings_stay_plain_text(qtbot, tmp_path):
    from dossier.services.database import close_database, create_database
    from dossier.services.importing import import_files

    db_path = tmp_path / "h.db"
    db = create_database(db_path)
    f = tmp_path / "people.csv"
    bomb = "<table>" * 60 + "x" + "</table>" * 60
    f.write_text(f'id,name,summary\nh1,"<img src=\'/etc/passwd\'><b>bold</b>",{bomb}\n', "utf-8")
    assert import_files(db, [f]).ok
    close_database(db)
    w = build_window(db_path, False)
    qtbot.addWidget(w)
    w.show()
    import time
    t = time.perf_counter()
    w.browser.select("person", "h1")
    w.grab()
    assert time.perf_counter() - t < 1.0
    assert w.details.topLevelItem(0).text(0) == "<img src='/etc/passwd'><b>bold</b>"
    for lab in w.findChildren(QLabel):
        if "<" in lab.text():
            assert lab.textFormat() == Qt.TextFormat.PlainText


def test_first_start_builds_the_sample_in_the_data_folder(qtbot, tmp_path, monkeypatch):
    from dossier.app import resolve_db

    monkeypatch.setenv("DOSSIER_DATA_DIR", str(tmp_path / "data"))
    path, create = resolve_db(None)
    assert path == tmp_path / "data" / "dossier.db" and create and not path.exists()
    w = build_window(path, create)
    qtbot.addWidget(w)
    assert path.exists()
    w.browser.select("person", "ri-kil-song")
    assert "2004 – 2008: Advisor" in w.details.text()


def test_explicit_missing_path_is_not_created(tmp_path, monkeypatch):
    from dossier.app import resolve_db
    from dossier.services.database import StorageError

    monkeypatch.setenv("DOSSIER_DB", str(tmp_path / "elsewhere.db"))
    path, create = resolve_db(None)
    assert path == tmp_path / "elsewhere.db" and not create
    with pytest.raises(StorageError):
        build_window(path, create)
    assert not path.exists()
