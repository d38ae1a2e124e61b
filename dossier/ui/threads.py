"""Keeping worker QThreads alive until they finish, and seeing to them at exit: a QThread must not
be destroyed while it runs, so each kind of worker keeps its running threads in a set, and one
function per kind (stop or wait) is connected once to the application's aboutToQuit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication

_hooked: set[Callable[[], Any]] = set()  # the exit functions already connected to aboutToQuit


def track(thread: Any, running: set, at_quit: Callable[[], Any]) -> None:
    """Reference `thread` in `running` (the caller discards it when finished) and make sure
    `at_quit` runs when the application quits."""
    running.add(thread)
    app = QCoreApplication.instance()
    if app is not None and at_quit not in _hooked:
        app.aboutToQuit.connect(at_quit)
        _hooked.add(at_quit)
