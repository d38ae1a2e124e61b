"""Encryption in the window (issue 10): the passphrase prompt at start, Encrypt database…, Change
passphrase…, the idle lock.  Modal dialogs are driven through their real widgets by a timer."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import (
    QApplication,
    QDialogButtonBox,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QProgressDialog,
)

from dossier.services.database import close_database, create_database
from dossier.storage import crypto
from dossier.ui.passphrase import PassphraseDialog, install_prompt

SHOTS = Path(os.environ.get("DOSSIER_SHOTS", "/tmp/dossier-shots"))


def type_into(qtbot, edit, text):
    """Type like a user: ASCII as key clicks; anything else as an input method's commit (how
    non-ASCII text and emoji arrive from a keyboard layout or IME; QTest cannot click an emoji)."""
    if text.isascii():
        qtbot.keyClicks(edit, text)
    else:
        ev = QInputMethodEvent()
        ev.setCommitString(text)
        QApplication.sendEvent(edit, ev)
    assert edit.text() == text


class Driver:
    """Answers modal dialogs as they appear: each step is (kind, fields or None, shot name or None)."""

    def __init__(self, qtbot, steps):
        self.qtbot, self.steps, self.seen = qtbot, list(steps), []
        self.timer = QTimer()
        self.timer.timeout.connect(self.tick)
        self.timer.start(30)

    def tick(self):
        w = QApplication.activeModalWidget()
        if w is None or not self.steps:
            return
        kind, fields, shot = self.steps[0]
        if kind == "passphrase" and isinstance(w, PassphraseDialog):
            self.steps.pop(0)
            self.seen.append(("passphrase", w.problem.text() if w.problem.isVisible() else ""))
            if fields is None:
                w.reject()
                return
            for name, text in fields.items():
                edit = w.findChild(QLineEdit, name)
                edit.clear()
                type_into(self.qtbot, edit, text)
                assert edit.echoMode() == QLineEdit.EchoMode.Password
            if shot:
                SHOTS.mkdir(parents=True, exist_ok=True)
                w.grab().save(str(SHOTS / shot))
            ok = w.buttons.button(QDialogButtonBox.StandardButton.Ok)
            self.qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
        elif kind == "message" and isinstance(w, QMessageBox):
            self.steps.pop(0)
            self.seen.append(("message", w.text()))
            w.accept()
        elif kind == "progress" and isinstance(w, QProgressDialog) and w.isVisible() and w.value() > 0:
            self.steps.pop(0)
            bar = w.findChild(QProgressBar)
            self.seen.append(("progress", w.labelText(), bar.text() if bar else ""))
            if shot:
                SHOTS.mkdir(parents=True, exist_ok=True)
                w.grab().save(str(SHOTS / shot))

    def stop(self):
        self.timer.stop()

    def finish(self, timeout=60_000):
        """Wait until every step was answered (the conversion runs off the UI thread), then stop."""
        self.qtbot.waitUntil(lambda: not self.steps, timeout=timeout)
        self.stop()


def _encrypted_sample(tmp_path, pw):
    p = tmp_path / "enc.db"
    close_database(create_database(p, sample=True, key=pw))
    crypto.forget()
    return p


def _window_answering(qtbot, p, pw, driver=False):
    """The window on encrypted `p`, its start-up prompt answered with `pw` (and the Driver that did)."""
    from dossier.app import build_window

    d = Driver(qtbot, [("passphrase", {"passphrase-current": pw}, None)])
    w = build_window(p, False)
    d.stop()
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return (w, d) if driver else w


@pytest.fixture
def gui_prompt(monkeypatch):
    monkeypatch.delenv("DOSSIER_PASSPHRASE", raising=False)  # the dialog, not the environment, answers
    install_prompt()
    yield


def test_prompt_at_start_wrong_then_right(qtbot, tmp_path, gui_prompt):
    from dossier.app import build_window

    pw = "it's ü 🔑 right"
    p = _encrypted_sample(tmp_path, pw)
    d = Driver(qtbot, [("passphrase", {"passphrase-current": "wrong guess"}, None),
                       ("passphrase", {"passphrase-current": pw}, "passphrase-prompt-after-wrong.png")])
    w = build_window(p, False)
    d.stop()
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    assert d.seen[0] == ("passphrase", "")
    assert "wrong passphrase" in d.seen[1][1]  # the second prompt says why it asks again
    people = w.browser.lists["person"]
    assert any(people.item(i).text().startswith("Ri Kil Song") for i in range(people.count()))
    assert w.session.encrypted
    qtbot.wait(50)
    w.grab().save(str(SHOTS / "window-on-encrypted-db.png"))


def test_prompt_cancelled_reports_and_opens_nothing(qtbot, tmp_path, gui_prompt):
    from dossier.app import build_window
    from dossier.services.database import PassphraseNeeded

    p = _encrypted_sample(tmp_path, "the right one")
    before = p.read_bytes()
    d = Driver(qtbot, [("passphrase", None, None)])
    with pytest.raises(PassphraseNeeded):
        build_window(p, False)
    d.stop()
    assert p.read_bytes() == before


def test_dialog_text_is_plain_and_mismatch_is_caught(qtbot):
    dlg = PassphraseDialog(None, "t", "<b>x</b> <img src='/etc/passwd'>", mode="new")
    qtbot.addWidget(dlg)
    assert dlg.text.textFormat() == Qt.TextFormat.PlainText
    qtbot.keyClicks(dlg.new, "abc 123 long")
    qtbot.keyClicks(dlg.again, "abc 123 lonG")
    qtbot.mouseClick(dlg.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)
    assert dlg.isVisible() is False and dlg.result() == 0  # not accepted
    assert dlg.problem.text() == "The two new passphrases differ." and dlg.again.text() == ""


@pytest.fixture
def plain_window(qtbot, tmp_path, gui_prompt):
    from dossier.app import build_window

    p = tmp_path / "plain.db"
    close_database(create_database(p, sample=True))
    w = build_window(p, False)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


def test_encrypt_then_change_passphrase_from_the_menu(qtbot, plain_window):
    w = plain_window
    p = w.session.path
    assert not w.session.encrypted
    actions = [a.text() for a in w.menus["file"].actions()]
    assert "Encrypt database…" in actions and "Change passphrase…" in actions
    d = Driver(qtbot, [("passphrase", {"passphrase-new": "first ü 'pw'", "passphrase-again": "first ü 'pw'"},
                        "encrypt-dialog.png"),
                       ("message", None, None)])
    w.encrypt_action.trigger()
    d.finish()
    assert "Done" in d.seen[-1][1]
    assert p.read_bytes()[:16] != b"SQLite format 3\x00"
    assert w.session.encrypted and w.browser.lists["person"].count() > 3
    d = Driver(qtbot, [("passphrase", {"passphrase-current": "first ü 'pw'", "passphrase-new": "second 🔑",
                                       "passphrase-again": "second 🔑"}, "change-dialog.png"),
                       ("message", None, None)])
    w.passphrase_action.trigger()
    d.finish()
    assert "Done" in d.seen[-1][1], d.seen
    crypto.forget()
    from dossier.services.database import WrongPassphrase, open_database

    with pytest.raises(WrongPassphrase):
        open_database(p, key="first ü 'pw'")
    close_database(open_database(p, key="second 🔑"))


def test_change_with_wrong_current_passphrase_keeps_everything(qtbot, tmp_path, gui_prompt):
    from dossier.app import build_window

    pw = "right one here"
    p = _encrypted_sample(tmp_path, pw)
    d = Driver(qtbot, [("passphrase", {"passphrase-current": pw}, None)])
    w = build_window(p, False)
    d.stop()
    qtbot.addWidget(w)
    before = p.read_bytes()
    d = Driver(qtbot, [("passphrase", {"passphrase-current": "nope", "passphrase-new": "x" * 9,
                                       "passphrase-again": "x" * 9}, None),
                       ("message", None, None)])
    w.passphrase_action.trigger()
    d.finish()
    assert "wrong passphrase" in d.seen[-1][1]
    assert p.read_bytes() == before and w.session.encrypted and w.browser.lists["person"].count() > 3


def test_decrypt_from_the_menu_asks_the_passphrase_and_keeps_backups_encrypted(qtbot, tmp_path, gui_prompt):
    from dossier.services import backups
    from dossier.services.database import open_database

    pw = "decrypt me ü 'q'"
    p = _encrypted_sample(tmp_path, pw)
    db = open_database(p, key=pw)
    b = backups.backup_now(db, p, "manual")
    close_database(db)
    w = _window_answering(qtbot, p, pw)
    assert "Decrypt database…" in [a.text() for a in w.menus["file"].actions()]
    before = p.read_bytes()
    d = Driver(qtbot, [("passphrase", {"passphrase-current": "not it"}, "decrypt-dialog.png"), ("message", None, None)])
    w.decrypt_action.trigger()
    d.finish()
    assert "wrong passphrase" in d.seen[-1][1] and p.read_bytes() == before and w.session.encrypted
    d = Driver(qtbot, [("passphrase", {"passphrase-current": pw}, None), ("message", None, None)])
    w.decrypt_action.trigger()
    d.finish()
    assert "Done" in d.seen[-1][1] and "still encrypted" in d.seen[-1][1], d.seen
    assert p.read_bytes()[:16] == b"SQLite format 3\x00" and not w.session.encrypted
    assert w.browser.lists["person"].count() > 3
    assert b.read_bytes()[:16] != b"SQLite format 3\x00"  # the backup stays encrypted
    w.close()


def test_idle_lock_closes_forgets_and_asks_again(qtbot, tmp_path, gui_prompt, monkeypatch):
    from dossier.ui.settings import Settings

    Settings().set("security/idle_lock_minutes", 0.0005)  # 0.03 s, for the test
    pw = "idle lock pw"
    p = _encrypted_sample(tmp_path, pw)
    w, d = _window_answering(qtbot, p, pw, driver=True)
    old_conn = w.session.db.conn
    import time as _time

    w.idle_lock.last_input = _time.monotonic()  # just used (showing the window may take > 0.03 s on a busy machine)
    w.idle_lock.check()
    assert not d.seen or len(d.seen) == 1  # recently used: not locked
    seen_hidden = []
    d = Driver(qtbot, [("passphrase", {"passphrase-current": "wrong"}, None),
                       ("passphrase", {"passphrase-current": pw}, None)])
    d.timer.timeout.connect(lambda: seen_hidden.append(w.isVisible()))
    w.idle_lock.last_input -= 1.0  # a second without input > 0.03 s
    w.idle_lock.check()  # locks, and (modal) asks until unlocked
    d.stop()
    assert "Locked after" in d.seen[0][1] and "wrong passphrase" in d.seen[1][1]
    assert False in seen_hidden  # the window was hidden while locked
    assert w.isVisible() and w.session.db.conn is not old_conn
    with pytest.raises(Exception):
        old_conn.execute("SELECT 1")  # the old connection was closed
    assert crypto.cached_key(p) == pw
    assert w.browser.lists["person"].count() > 3
    Settings().set("security/idle_lock_minutes", 0)
    w.close()
    import dossier.ui.passphrase as pp

    asked = []
    monkeypatch.setattr(pp, "gui_key_provider", lambda path, problem: asked.append(path))  # never blocks
    w.idle_lock.last_input -= 10
    w.idle_lock.check()  # a closed window never locks (nor prompts)
    assert asked == [] and w.idle_lock.locked is False


def test_environment_passphrase_is_used_once_then_the_dialog(qtbot, tmp_path, monkeypatch):
    from dossier.ui import passphrase as pp

    monkeypatch.setenv("DOSSIER_PASSPHRASE", "from the environment")
    assert pp.gui_key_provider(tmp_path / "x.db", None) == "from the environment"
    d = Driver(qtbot, [("passphrase", None, None)])
    assert pp.gui_key_provider(tmp_path / "x.db", "wrong passphrase") is None  # asks; cancelled
    d.stop()
    assert d.seen == [("passphrase", "wrong passphrase")]


def test_conversion_runs_off_the_ui_thread_with_a_progress_bar(qtbot, plain_window, monkeypatch):
    """While the database and its backups are encrypted, the window's event loop keeps running (a
    timer ticks), a window-modal progress dialog counts the files, and the scheduled backup waits."""
    import threading
    import time as _time

    from dossier.services import encryption as enc
    from dossier.services.backups import backup_now

    w = plain_window
    p = w.session.path
    backup_now(w.session.db, p, "second")  # the sample import made one: two backups to convert
    real = enc.crypto.change_key
    threads = []

    def slow_change_key(path, **kw):  # each file takes a visible moment
        threads.append(threading.current_thread() is threading.main_thread())
        _time.sleep(0.4)
        return real(path, **kw)

    monkeypatch.setattr(enc.crypto, "change_key", slow_change_key)
    ticks = []
    beat = QTimer()
    beat.timeout.connect(lambda: ticks.append(w.safety.tick()))
    beat.start(20)
    d = Driver(qtbot, [("passphrase", {"passphrase-new": "progress pw 1", "passphrase-again": "progress pw 1"},
                        None),
                       ("progress", None, "encrypt-progress.png"),
                       ("message", None, None)])
    w.encrypt_action.trigger()
    d.finish()
    beat.stop()
    assert threads and not any(threads)  # every file was converted in the worker thread
    assert len(ticks) >= 20  # ~1.2 s of conversion: the UI thread kept running its timers
    assert all(t is None for t in ticks)  # and the scheduled backup did nothing meanwhile
    progress = [x for x in d.seen if x[0] == "progress"][0]
    assert "Encrypt database" in progress[1] and "files done" in progress[1], progress
    assert "Done" in d.seen[-1][1]
    assert len([line for line in d.seen[-1][1].splitlines() if "converted with the database" in line]) == 2
    assert w.session.encrypted and w.browser.lists["person"].count() > 3
    assert getattr(w, "converting", None) is None
