"""The browser's background reader: one thread with its own connection (`Session.connect_worker()`; one
SQLite connection per thread) runs the list queries that may be slow on a million rows (counts, pages
far into a list, a record's place, search), so the window never waits for them.

Jobs are plain functions of a connection (services calls, no Qt); results come back to the GUI thread
as the `done` signal.  Control jobs (counts, places, search) run first and in order; page jobs run
newest first (the rows the user looks at now) and may be skipped when no longer wanted.  The thread
starts with the first job and ends after a short idle time, closing its connection."""

from __future__ import annotations

import atexit
import itertools
import threading
from collections import deque
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from dossier.services import browse_list, database

IDLE_S = 2.0
_LIVE: set[BrowserWorker] = set()  # workers with a running thread (stopped at exit)
_TICKETS = itertools.count(1)  # unique across workers: a late result of a stopped one matches nothing


class Skipped(Exception):
    """A page job whose rows are no longer wanted (the user scrolled away before it ran)."""


class BrowserWorker(QObject):
    done = Signal(int, object, str)  # ticket, result, error ("" if none; "skipped" for Skipped)

    def __init__(self, session: Any, parent: QObject | None = None):  # services.session.Session
        super().__init__(parent)
        self.session = session
        self._control: deque[tuple[int, Callable, str]] = deque()
        self._pages: deque[tuple[int, Callable, str]] = deque()
        self._cv = threading.Condition()
        self._thread: threading.Thread | None = None
        self._stopped = False
        self._db = None

    def submit(self, fn: Callable[[Any], Any], *, page: bool = False, replace: str = "") -> int:
        """Queue `fn(db)`; returns the ticket its `done` carries (0: stopped, never runs).  `replace`: a
        waiting control job submitted with the same tag is dropped (a newer search replaces an older one)."""
        with self._cv:
            if self._stopped:
                return 0
            ticket = next(_TICKETS)
            if page:
                self._pages.append((ticket, fn, ""))
            else:
                if replace:
                    for job in [j for j in self._control if j[2] == replace]:
                        self._control.remove(job)
                self._control.append((ticket, fn, replace))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="browser-worker", daemon=False)
                _LIVE.add(self)
                self._thread.start()
            self._cv.notify()
            return ticket

    def _next(self) -> tuple[int, Callable, str] | None:
        with self._cv:
            while not (self._control or self._pages or self._stopped):
                if not self._cv.wait(IDLE_S) and not (self._control or self._pages):
                    break
            if self._stopped or not (self._control or self._pages):
                self._thread = None  # idle or stopped: end; the next submit starts a new thread
                return None
            return self._control.popleft() if self._control else self._pages.pop()

    def _run(self) -> None:
        try:
            db = self.session.connect_worker()
        except Exception as e:  # noqa: BLE001 - every queued job fails with the reason
            with self._cv:
                jobs, self._thread = [*self._control, *self._pages], None
                self._control.clear()
                self._pages.clear()
            for ticket, _fn, _tag in jobs:
                self._emit(ticket, None, f"cannot read the database: {e}")
            return
        with self._cv:
            self._db = db
        try:
            while (job := self._next()) is not None:
                ticket, fn, _tag = job
                try:
                    result, error = fn(db), ""
                except Skipped:
                    result, error = None, "skipped"
                except Exception as e:  # noqa: BLE001 - reported to the panel
                    result, error = None, str(e) or type(e).__name__
                if not self._emit(ticket, result, error):
                    break
        finally:
            with self._cv:  # closed under the lock: stop() never interrupts a connection being closed
                if self._db is db:
                    self._db = None
                if self._thread is None:
                    _LIVE.discard(self)
                database.close_database(db)

    def _emit(self, ticket: int, result: object, error: str) -> bool:
        try:
            self.done.emit(ticket, result, error)
            return True
        except RuntimeError:  # the panel (and this QObject) was deleted: nobody is listening
            self.stop(wait=False)
            return False

    def stop(self, wait: bool = True) -> None:
        """Drop waiting jobs, interrupt the query under way, end the thread (joined if `wait`)."""
        with self._cv:
            self._stopped = True
            self._control.clear()
            self._pages.clear()
            thread = self._thread
            self._cv.notify_all()
            if self._db is not None:
                browse_list.interrupt(self._db)  # returns at once; the query under way raises
        if wait and thread is not None and thread is not threading.current_thread():
            thread.join(10)


def stop_all() -> None:
    for w in list(_LIVE):
        w.stop()


atexit.register(stop_all)
