"""The integrity check at open (RELIABILITY rule 6, issue 10): a plain database is checked before the
window opens; an encrypted one, whose every page SQLCipher authenticates as it reads it, is checked
on a thread of its own while the window opens, and writes wait for that check (services.open_check)."""

from __future__ import annotations

import threading
import time

import pytest

from dossier.services import open_check as open_check_module
from dossier.services.database import (
    EncryptedDamaged,
    close_database,
    create_database,
    open_database,
)
from dossier.services.session import Session
from dossier.storage import crypto, health
from dossier.storage.connection import DamagedDatabase, atomic, connect

PW = "open check 'pass' ü"
PAGE = 4096  # SQLCipher 4's page size (a plain database here uses the same)


def _make(tmp_path, key, name="d.db"):
    p = tmp_path / name
    close_database(create_database(p, sample=True, key=key))
    return p


def _last_page_damaged(p, at=200):
    """Zero bytes inside the file's last page: a data page the open itself does not read (the
    schema pages were written first, by the migrations, before the sample data)."""
    pages = p.stat().st_size // PAGE
    with open(p, "r+b") as f:
        f.seek((pages - 1) * PAGE + at)
        f.write(b"\x00" * 64)
    return pages


def test_encrypted_database_opens_first_and_its_check_then_finds_a_damaged_page(tmp_path):
    p = _make(tmp_path, PW)
    pages = _last_page_damaged(p)
    crypto.forget()
    with pytest.raises(EncryptedDamaged, match=f"page {pages}"):  # the CLI's open checks first, as before
        open_database(p, key=PW)
    before = p.read_bytes()
    s = Session.open(p, key=PW, defer_check=True)  # the window's open: passphrase, header, schema
    try:
        chk = s.open_check
        assert chk is not None
        assert chk.wait(60)
        assert isinstance(chk.error, EncryptedDamaged) and f"page {pages}" in str(chk.error)
        assert not chk.ok
        # a write on any connection to the file is refused, and says why
        w = s.connect_worker()
        with pytest.raises(EncryptedDamaged, match="Nothing was written"):
            with atomic(w):
                w.conn.execute("INSERT INTO era (id, title) VALUES ('x', 'x')")
        w.conn.close()
    finally:
        s.close()
    assert p.read_bytes() == before  # nothing written, nothing repaired over


def test_writes_wait_for_the_check_and_go_ahead_once_it_passes(tmp_path, monkeypatch):
    p = _make(tmp_path, PW)
    crypto.forget()
    release, started = threading.Event(), threading.Event()
    real = health.quick_check

    def slow_check(db):  # the check of a big file: still running when the first write comes
        started.set()
        release.wait(60)
        return real(db)

    monkeypatch.setattr(open_check_module.health, "quick_check", slow_check)
    s = Session.open(p, key=PW, defer_check=True)
    entered, failed = threading.Event(), []

    def writer():  # an import's worker thread, with its own connection
        try:
            w = s.connect_worker()
            with atomic(w):
                entered.set()
            w.conn.close()
        except BaseException as e:  # noqa: BLE001 - reported to the test below
            failed.append(e)
            entered.set()

    try:
        assert started.wait(30)
        t = threading.Thread(target=writer)
        t.start()
        assert not entered.wait(0.5), "a write went ahead while the check at open was still running"
        assert not s.open_check.done
        release.set()
        t.join(60)
        assert entered.is_set() and not failed
        assert s.open_check.ok and s.open_check.seconds is not None
    finally:
        release.set()
        s.close()


def test_closing_during_the_check_stops_it_and_leaves_no_gate(tmp_path, monkeypatch):
    p = _make(tmp_path, PW)
    crypto.forget()
    seen = []
    real = health.quick_check
    started = threading.Event()

    def endless_check(db):  # runs until the close stops its connection's statements
        while True:
            problems = real(db)
            if problems:
                return problems  # "interrupted", which must not count as damage
            started.set()
            time.sleep(0.05)  # between statements, where an interrupt alone would be lost

    monkeypatch.setattr(open_check_module.health, "quick_check", endless_check)
    s = Session.open(p, key=PW, defer_check=True)
    chk = s.open_check
    chk.on_done(seen.append)
    assert started.wait(30)
    closer = threading.Thread(target=chk.cancel)  # what closing the database does first (a thread: a
    closer.start()                                # cancel that cannot stop the check fails, not hangs)
    closer.join(60)
    assert not closer.is_alive(), "closing the database did not stop its check"
    s.close()
    assert chk.done and chk.cancelled and chk.error is None and not seen
    db = connect(p, key=PW)  # no gate left behind: a write goes through at once
    with atomic(db):
        pass
    close_database(db)


def test_plain_database_is_checked_before_the_window_opens(tmp_path):
    p = _make(tmp_path, None)
    s = Session.open(p, defer_check=True)
    assert s.open_check is None  # checked already
    s.close()
    pages = p.stat().st_size // PAGE
    with open(p, "r+b") as f:  # a b-tree page header destroyed: quick_check's business
        f.seek((pages - 1) * PAGE)
        f.write(b"\xff" * 12)
    with pytest.raises(DamagedDatabase, match="damaged"):
        Session.open(p, defer_check=True)
