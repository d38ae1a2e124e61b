"""Cyclic garbage is collected on the GUI thread only.

Python's cycle collector runs in whichever thread happens to allocate past its threshold.  When that is
a worker (an import parsing a big file, a timeline load) and the garbage holds a Qt object owned by
Python (a closed window, a parentless timer or thread object), the Qt destructor runs in the worker.
With PySide6 6.11 this deadlocked the whole process: the worker, deleting a window's menus, held a Qt
object lock and waited for the GIL, while the GUI thread held the GIL and waited for that lock
(seen in CI and reproduced here: gdb showed `QObject::~QObject` under `subtype_dealloc` in the import
worker and `BindingManager::runDeletionInMainThread` in the GUI thread).

`install()` turns the automatic collector off and collects from a timer on the GUI thread instead, with
the collector's own thresholds (pyqtgraph's `GarbageCollector`, made for exactly this).  Reference
counting still frees everything that is not in a cycle, at once and in any thread.
"""

from __future__ import annotations

import threading

_collector = None


def install(interval_s: float = 0.5):
    """Idempotent; call on the GUI thread once a QApplication exists."""
    global _collector
    if _collector is None:
        if threading.current_thread() is not threading.main_thread():
            raise RuntimeError("gc_guard.install() must run on the GUI thread")
        from pyqtgraph.util.garbage_collector import GarbageCollector

        _collector = GarbageCollector(interval=interval_s)
    return _collector


def installed() -> bool:
    return _collector is not None
