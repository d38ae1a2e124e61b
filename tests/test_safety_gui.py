"""The window's backups, restore, crash notice and the dialog for a refused database (pytest-qt,
real widgets).  Screenshots go to $DOSSIER_SHOTS (default: the test's tmp folder)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from dossier.app import build_window
from dossier.services import backups, recovery
from dossier.services.database import StorageError, open_database

pytestmark = pytest.mark.gui


def shots(tmp_path: Path) -> Path:
    d = Path(os.environ.get("DOSSIER_SHOTS", tmp_path))
    d.mkdir(parents=True, exist_ok=True)
    return d


def _people(win) -> list[str]:
    lw = win.browser.lists["person"]
    return [lw.item(i).text() for i in range(lw.count())]


def _not_blank(img) -> bool:
    colours = {img.pixel(x, y) for x in range(0, img.width(), 5) for y in range(0, img.height(), 5)}
    return len(colours) > 8


@pytest.fixture
def window(qtbot, sample_db_path):
    w = build_window(sample_db_path, False)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


def _made(win, qtbot, job) -> Path | None:
    """Wait for a backup started by tick() / back_up_now() (it runs in a worker) and return its file."""
    assert job is not None
    qtbot.waitUntil(lambda: win.safety.job is None, timeout=30_000)
    return job.result


def _menu_texts(win) -> list[str]:
    return [a.text() for a in win.menus["file"].actions()]


def test_back_up_now_and_restore_from_the_file_menu(window, qtbot, tmp_path):
    assert "Back up now" in _menu_texts(window) and "Restore from backup…" in _menu_texts(window)
    act = next(a for a in window.menus["file"].actions() if a.text() == "Back up now")
    act.trigger()
    _made(window, qtbot, window.safety.job)
    made = window.safety.last_backup
    assert made is not None and backups.verify_file(made) == []
    box = window.safety.last_notice
    assert box is not None and box.isVisible() and str(made) in box.text()
    assert box.textFormat() == Qt.TextFormat.PlainText
    box.close()
    # data added after the backup ...
    from dossier.services.importing import import_files

    src = tmp_path / "people.csv"
    src.write_text("id,name\nlate-1,Added After Backup\n", "utf-8")
    assert import_files(window.session.db, [src]).ok
    window.refresh()
    assert any(t.startswith("Added After Backup") for t in _people(window))
    # ... is gone after restoring that backup through the dialog
    dlg = window.safety.restore_dialog()
    dlg.show()
    qtbot.waitExposed(dlg)
    texts = [dlg.list.item(i).text() for i in range(dlg.list.count())]
    assert texts and all("verified" in t for t in texts)
    # the import right after "Back up now" changed nothing since: its backup is that same copy
    assert len(texts) == 1 and "manual" in texts[0]
    row = next(i for i, t in enumerate(texts) if "manual" in t)
    dlg.list.setCurrentRow(row)
    qtbot.wait(50)
    img = dlg.grab()
    img.save(str(shots(tmp_path) / "restore-dialog.png"))
    assert _not_blank(img.toImage())
    qtbot.mouseClick(dlg.restore_button, Qt.MouseButton.LeftButton)
    assert not any(t.startswith("Added After Backup") for t in _people(window))
    assert any(t.startswith("Ri Kil Song") for t in _people(window))
    kept = [b for b in backups.list_backups(window.session.path) if b.reason == "replaced"]
    assert len(kept) == 1
    notice = window.safety.last_notice
    assert "kept as" in notice.text() and str(kept[0].path) in notice.text()
    notice.close()
    # the window still holds the database: a second instance is refused
    with pytest.raises(StorageError, match="already open"):
        from dossier.services.session import Session

        Session.open(window.session.path)


def test_scheduled_backup_is_made_when_due_and_rotated(window, qtbot, tmp_path):
    s = window.settings
    s.set("backup/interval_hours", 0)
    assert window.safety.tick() is None  # 0 = no schedule
    s.set("backup/interval_hours", 24)
    first = _made(window, qtbot, window.safety.tick())
    assert first is not None and "scheduled" in first.name
    assert window.safety.tick() is None, "not due again right after"
    s.set("backup/interval_hours", 0.000001)
    s.set("backup/keep_last", 3)
    s.set("backup/keep_days", 0)
    made = [_made(window, qtbot, window.safety.tick()) for _ in range(6)]
    assert all(made)
    left = backups.list_backups(window.session.path)
    assert [b.path for b in left] == made[::-1][:3], "the newest three are kept, the newest first"
    assert "Backed up to" in window.statusBar().currentMessage()


def test_rotation_always_keeps_the_newest_verified(tmp_path, sample_db_path):
    db = open_database(sample_db_path)
    ps = [backups.backup_now(db, sample_db_path, "manual", keep_last=10) for _ in range(3)]
    ps[-1].write_bytes(b"SQLite format 3\x00" + bytes(2000))  # the newest is damaged later
    backups.rotate(sample_db_path, keep_last=1, keep_days=0)
    left = [b.path for b in backups.list_backups(sample_db_path)]
    assert ps[-1] in left and ps[-2] in left and ps[0] not in left
    assert backups.newest_verified(sample_db_path).path == ps[-2]
    from dossier.services.database import close_database

    close_database(db)


def test_interrupted_import_is_told_in_the_window(qtbot, sample_db_path):
    j = recovery.journal_path(sample_db_path)
    j.write_text(json.dumps({"version": 1, "started_at": "2026-01-02T03:04:05+00:00", "last_batch": 1,
                             "files": [{"name": "people-update.csv", "sha256": "ab" * 32}]}), "utf-8")
    w = build_window(sample_db_path, False)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.safety.last_notice is not None)
    box = w.safety.last_notice
    assert "people-update.csv" in box.text() and "wholly absent" in box.text()
    assert box.textFormat() == Qt.TextFormat.PlainText
    assert not j.exists()


def test_damaged_database_dialog_offers_and_restores_the_newest_backup(qtbot, sample_db_path, tmp_path):
    from dossier.ui import safety

    db = open_database(sample_db_path)
    good = backups.backup_now(db, sample_db_path, "before-import")
    from dossier.services.database import close_database

    close_database(db)
    data = bytearray(sample_db_path.read_bytes())
    data[:100] = bytes(100)  # zeroed header
    sample_db_path.write_bytes(bytes(data))
    damaged = bytes(data)
    with pytest.raises(StorageError) as ei:
        build_window(sample_db_path, False)
    box, button, offer = safety.recovery_box(None, sample_db_path, ei.value)
    assert offer.path == good and button is not None
    assert box.textFormat() == Qt.TextFormat.PlainText
    assert str(good) in box.text() and "left as it is" in box.text()
    box.show()
    qtbot.waitExposed(box)
    img = box.grab()
    img.save(str(shots(tmp_path) / "damaged-file-dialog.png"))
    assert _not_blank(img.toImage())
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)  # what offer_recovery's exec() waits for
    assert not box.isVisible() and box.clickedButton() is button
    assert safety.apply_recovery_choice(None, sample_db_path, box, button, offer) is True
    w = build_window(sample_db_path, False)
    qtbot.addWidget(w)
    assert any(t.startswith("Ri Kil Song") for t in _people(w))
    kept = [b for b in backups.list_backups(sample_db_path) if b.reason == "replaced"]
    assert kept and kept[0].path.read_bytes() == damaged
    w.close()


def test_smoke_png_flag_renders_the_window(tmp_path, sample_db_path):
    import subprocess
    import sys

    png = tmp_path / "smoke.png"
    env = dict(os.environ, DOSSIER_SMOKE_PNG=str(png), QT_QPA_PLATFORM="offscreen")
    r = subprocess.run([sys.executable, "-m", "dossier", "--db", str(sample_db_path)], env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    from PySide6.QtGui import QImage

    img = QImage(str(png))
    assert img.width() > 600 and _not_blank(img)
    if shots(tmp_path) != tmp_path:
        shutil.copyfile(png, shots(tmp_path) / "smoke.png")
