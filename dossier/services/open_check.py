"""The integrity check at open, and when an encrypted database may run it after opening (issue 10).

A plain database is checked (`PRAGMA quick_check`) before the window shows anything: nothing else
would notice a damaged page before it is read or written over.

An encrypted database (SQLCipher 4) authenticates every page with an HMAC-SHA512 each time SQLite
reads it, and SQLite reads a page before it changes it.  A damaged page therefore cannot be read or
written over unnoticed.  The open checks at once what the window needs first: the passphrase, the
header, the schema.  The full `quick_check` then runs on a thread of its own, with its own
connection, while the window shows (`OpenCheck`).  It still finds, early, damage in pages nobody has
read yet (before the backups that hold good copies rotate away), and what HMACs cannot see: an
authentic but stale page, or a b-tree left inconsistent.  Until it has passed, writes to the file
wait for it (a write gate in `storage.connection.atomic`); once it has found damage, they are
refused.  Decrypting and authenticating every page up front is what made opening an encrypted
database 3.5-5.8x slower than a plain one (bench/crypto_bench.py).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlite_utils

from dossier.storage import crypto, health
from dossier.storage.connection import (
    DamagedDatabase,
    StorageError,
    connect,
    is_encrypted,
    remove_write_gate,
    set_write_gate,
)


def damage_error(db: sqlite_utils.Database, p: Path, problems: list[str]) -> StorageError:
    """What to tell about a file whose check found `problems` (an encrypted one: which pages fail
    their authentication; the passphrase is right)."""
    if is_encrypted(db):
        bad = health.cipher_check(db)
        return crypto._fail(crypto.EncryptedDamaged(
            f"{p}: the encrypted database is damaged ({len(bad)} page(s) fail their authentication "
            f"check: {'; '.join(bad[:3]) or problems[0]}); the passphrase is right. It was left as it "
            f"is: restore the newest verified backup."))
    return DamagedDatabase(f"{p}: the database is damaged ({problems[0]}); it was left as it is")


class OpenCheck:
    """`quick_check` of one open database file on a thread of its own; writes wait for it."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.error: StorageError | None = None  # set when the check found damage (or could not run)
        self.seconds: float | None = None  # how long the check took, once done
        self.cancelled = False
        self._done = threading.Event()
        self._lock = threading.Lock()
        self._conn: Any = None  # the check's connection while it runs (to interrupt it)
        self._listeners: list[Callable[[OpenCheck], None]] = []
        self._thread = threading.Thread(target=self._run, name="dossier-open-check", daemon=True)
        self._gate = self.wait_before_writing  # one bound method: remove_write_gate compares identity

    def start(self) -> OpenCheck:
        set_write_gate(self.path, self._gate)
        self._thread.start()
        return self

    @property
    def done(self) -> bool:
        return self._done.is_set()

    @property
    def ok(self) -> bool:
        return self.done and self.error is None and not self.cancelled

    def _run(self) -> None:
        t0 = time.perf_counter()
        error: StorageError | None = None
        try:
            db = connect(self.path, readonly=True)  # this thread's own connection (the key is remembered)
        except StorageError as e:
            error = e
        else:
            # a close stops the check at its next few thousand steps, whenever it comes (an interrupt
            # that arrives between two statements would be lost)
            db.conn.set_progress_handler(lambda: self.cancelled, 10_000)
            with self._lock:
                self._conn = db.conn
                go = not self.cancelled
            try:
                problems = health.quick_check(db) if go else []
                if problems and not self.cancelled:  # an interrupted check is not damage
                    error = damage_error(db, self.path, problems)
            except Exception as e:  # noqa: BLE001 - whatever stopped the check refuses writes, and is told
                error = StorageError(f"{self.path}: the database could not be checked ({e})")
            finally:
                with self._lock:
                    self._conn = None
                db.conn.close()
        self.error = None if self.cancelled else error
        self.seconds = time.perf_counter() - t0
        if self.error is None:
            remove_write_gate(self.path, self._gate)  # passed: writes need not ask any more
        with self._lock:
            self._done.set()
            listeners, self._listeners = self._listeners, []
        if not self.cancelled:
            for fn in listeners:
                fn(self)

    def on_done(self, fn: Callable[[OpenCheck], None]) -> None:
        """Call `fn(check)` once the check has finished (on the check's thread; at once, on this
        thread, when it has finished already).  Not called when the check was cancelled."""
        with self._lock:
            if not self._done.is_set():
                self._listeners.append(fn)
                return
        if not self.cancelled:
            fn(self)

    def wait(self, timeout: float | None = None) -> bool:
        return self._done.wait(timeout)

    def wait_before_writing(self) -> None:
        """The write gate: wait for the check; refuse the write when it found damage."""
        self._done.wait()
        err = self.error
        if err is not None and not self.cancelled:
            raise type(err)(f"{err} Nothing was written: the check at open found this.")

    def cancel(self) -> None:
        """Stop the check (the database is being closed) and remove the write gate."""
        with self._lock:
            self.cancelled = True
            if self._conn is not None:
                self._conn.interrupt()  # thread-safe: a running statement stops with "interrupted"
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join()
        remove_write_gate(self.path, self._gate)
