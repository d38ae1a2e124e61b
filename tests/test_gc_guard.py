"""Cyclic garbage holding Qt objects dies on the GUI thread, never in a worker (the CI deadlock of
2026-11-27: an import worker's allocations ran the cycle collector, which deleted a closed window's
widgets in the worker while the GUI thread deleted others)."""

from __future__ import annotations

import gc
import threading

from PySide6.QtCore import QObject, Qt

from dossier.ui import gc_guard


class _Cycle:
    def __init__(self, where: list[str]):
        self.me = self  # a reference cycle: only the cycle collector frees it
        self.obj = QObject()  # owned by Python: its C++ destructor runs where the wrapper dies
        self.obj.destroyed.connect(lambda *_: where.append(threading.current_thread().name),
                                   Qt.ConnectionType.DirectConnection)


def _churn(keep: list) -> None:
    """What a worker parsing a big file does to the collector: allocate many container objects."""
    keep.extend([i] for i in range(200_000))


def test_qt_objects_in_cycles_are_destroyed_on_the_gui_thread(qtbot):
    gc_guard.install()
    assert gc_guard.installed() and not gc.isenabled()
    where: list[str] = []
    _Cycle(where)  # garbage at once, but only collectable as a cycle
    kept: list = []
    worker = threading.Thread(target=_churn, args=(kept,), name="worker")
    worker.start()
    worker.join()
    assert where == []  # the worker's allocations did not run the collector
    qtbot.waitUntil(lambda: bool(where), timeout=5000)  # the guard's timer collects it
    assert where == [threading.main_thread().name]


def test_the_window_installs_the_guard(qtbot, sample_db_path):
    from dossier.app import build_window

    w = build_window(sample_db_path, False)
    qtbot.addWidget(w)
    assert gc_guard.installed() and not gc.isenabled()
