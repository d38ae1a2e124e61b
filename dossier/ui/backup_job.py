"""A backup made off the UI thread: a QThread with its own connection (one connection per thread:
`Session.connect_worker()`), progress as a signal, the result or the failure as a signal.

The work itself is `backups.backup_now` on plain data (the database's path, the reason, the rotation
settings and the worker connection); no Qt object is touched by it.  The thread object is kept
referenced until it has finished (a QThread must not be destroyed while it runs) and every running
job is waited for at exit."""

from __future__ import annotations

import atexit
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QThread, Signal

from dossier.services import backups
from dossier.ui import threads

_RUNNING: set[BackupJob] = set()


class BackupJob(QThread):
    """`backups.backup_with(connect, path, reason, **keep)`: a verified, rotated backup through a
    connection of the worker's own from `connect()`."""

    progressed = Signal(int, str)  # percent, what
    made = Signal(str)  # the verified backup's path
    failed = Signal(str)  # why no backup was made (the database is unchanged)

    def __init__(self, connect: Callable[[], Any], path: Path, reason: str, keep: dict[str, int]):
        super().__init__()
        self.connect_db = connect  # e.g. Session.connect_worker (plain Python, called in the worker)
        self.path = Path(path)
        self.reason = reason
        self.keep = dict(keep)
        self.result: Path | None = None  # set in the worker before `made` is emitted
        self.error: str | None = None
        self._last: tuple[int, str] | None = None
        self.finished.connect(self._forget)

    @property
    def manual(self) -> bool:
        return self.reason == "manual"

    def start(self) -> None:  # noqa: D102 - QThread API
        threads.track(self, _RUNNING, wait_all)
        super().start()

    def _progress(self, fraction: float, what: str) -> None:
        step = (int(fraction * 100), what)
        if step != self._last:  # a few signals per stage, whatever the database's size
            self._last = step
            self.progressed.emit(*step)

    def run(self) -> None:  # noqa: D102 - QThread API, runs in the worker thread
        try:
            self._progress(0.0, "copying")
            self.result = backups.backup_with(self.connect_db, self.path, self.reason, progress=self._progress,
                                              **self.keep)
        except (backups.StorageError, OSError) as e:  # BackupError is one; so is a refused connection
            self.error = str(e)
        except Exception as e:  # noqa: BLE001 - a failed backup never takes the window down; said in words
            self.error = f"{type(e).__name__}: {e}"
        if self.result is not None:
            self.made.emit(str(self.result))
        else:
            self.failed.emit(self.error or "no backup was made")

    def _forget(self) -> None:
        _RUNNING.discard(self)


def wait_all(timeout_ms: int = 120_000) -> None:
    """Wait for every running backup (at exit: the copy is finished, verified and renamed into place,
    not left as a `.partial` file)."""
    for job in list(_RUNNING):
        job.wait(timeout_ms)


atexit.register(wait_all)  # also when Python exits without the application's aboutToQuit (scripts, tests)
