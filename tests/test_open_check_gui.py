"""The window and the check an encrypted database runs after opening (ui/open_check.py): the window
shows at once, says when the check passed, and when it found damage offers the newest verified
backup without blocking (issue 10, RELIABILITY rule 6)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from dossier.app import build_window
from dossier.services import backups
from dossier.services.database import EncryptedDamaged, close_database, create_database, open_database
from dossier.storage import crypto

PW = "window check ü 'q'"
SHOTS = Path(os.environ.get("DOSSIER_SHOTS", "/tmp/dossier-shots"))


def _encrypted(tmp_path):
    p = tmp_path / "e.db"
    close_database(create_database(p, sample=True, key=PW))
    return p


def _people(w):
    from dossier.ui.browser import BrowserList

    lw = w.findChild(BrowserList, "browser-person")
    return [lw.item(i).text() for i in range(lw.count())] if lw is not None else []


def test_window_says_the_encrypted_database_passed_its_check(qtbot, tmp_path):
    p = _encrypted(tmp_path)
    crypto.forget()
    crypto.remember(p, PW)
    w = build_window(p, False)
    qtbot.addWidget(w)
    w.show()
    chk = w.session.open_check
    assert chk is not None
    state = w.open_check_watcher.state
    qtbot.waitUntil(lambda: state.text() == "Encrypted database checked ✓", timeout=30_000)
    assert state.isVisible() and "no problems found" in state.toolTip()
    assert chk.ok and w.open_check_watcher.box is None
    w.close()


def _damage_page(p, page, at=300):
    with open(p, "r+b") as f:
        f.seek((page - 1) * 4096 + at)
        f.write(b"\x00" * 64)


def _with_backup(tmp_path):
    p = _encrypted(tmp_path)
    db = open_database(p, key=PW)
    good = backups.backup_now(db, p, "before-import")
    close_database(db)
    return p, good


def _search_index_page(p):
    """The root page of the full-text index's data: read by a search, not by the window's start."""
    c = crypto.raw_connect(p, PW)
    page = c.execute("SELECT rootpage FROM sqlite_master WHERE name = 'search_fts_data'").fetchone()[0]
    c.close()
    return page


def test_damage_found_after_opening_offers_the_newest_backup_and_restores_it(qtbot, tmp_path):
    p, good = _with_backup(tmp_path)
    page = _search_index_page(p)
    _damage_page(p, page)
    damaged = p.read_bytes()
    crypto.forget()
    crypto.remember(p, PW)
    w = build_window(p, False)  # opens at once: the damaged page is not one the window reads at start
    qtbot.addWidget(w)
    w.show()
    assert any(t.startswith("Ri Kil Song") for t in _people(w))
    watcher = w.open_check_watcher
    qtbot.waitUntil(lambda: watcher.box is not None and watcher.box.isVisible(), timeout=30_000)
    box = watcher.box
    assert box.textFormat() == Qt.TextFormat.PlainText
    assert f"page {page}" in box.text() and str(good) in box.text()
    assert w.open_check_watcher.state.text() == "Database damaged: changes refused"
    SHOTS.mkdir(parents=True, exist_ok=True)
    img = w.grab()
    img.save(str(SHOTS / "open-check-damage.png"))
    box.grab().save(str(SHOTS / "open-check-damage-box.png"))
    assert img.toImage().pixelColor(10, 10) != img.toImage().pixelColor(img.width() // 2, img.height() // 2)
    restore = next(b for b in box.buttons() if b.text() == "Restore this backup")
    qtbot.mouseClick(restore, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.session.open_check is None, timeout=30_000)  # reopened, checked first
    assert p.read_bytes() != damaged
    assert any(b.reason == "replaced" and b.path.read_bytes() == damaged for b in backups.list_backups(p))
    assert any(t.startswith("Ri Kil Song") for t in _people(w))
    w.close()


def test_a_damaged_page_the_window_reads_at_start_is_refused_as_before(qtbot, tmp_path):
    from dossier.ui import safety

    p, good = _with_backup(tmp_path)
    pages = p.stat().st_size // 4096
    _damage_page(p, pages)  # the last page: sample sources, which the trade panel reads at start
    crypto.forget()
    crypto.remember(p, PW)
    with pytest.raises(EncryptedDamaged, match=f"page {pages}") as ei:  # the check's diagnosis, not "malformed"
        build_window(p, False)
    box, button, offer = safety.recovery_box(None, p, ei.value)
    assert offer.path == good and button is not None
    box.deleteLater()
    from dossier.services.session import Session

    with pytest.raises(EncryptedDamaged):  # not "in use by another Dossier": the refused window let go
        Session.open(p)
