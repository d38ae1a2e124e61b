"""Browser benchmark: time until the main window is usable on 100k and 1M events, the old way (one
QListWidgetItem per record, kept below as the baseline) against the paged lists, measured in one run.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/browser.py [--events 100000,1000000]

Each (size, way) runs in its own process (peak memory per way).  Databases come from bench/timeline.py's
generator (fixed seed; 4 events per posting, so 1.25 N items give N events), cached in
$TMPDIR/dossier-bench/ per size and schema version.  The window is the real MainWindow (no feature
docks, so the timeline's own load does not blur the figure), 1400x860 offscreen.

Columns: "usable" = constructing the window, its first full paint (`grab()`) and the event loop turning
once: from then on it answers input.  "longest stall" = the longest gap between ticks of a 5 ms timer
from the start until every list is counted and showing rows (the old way blocks for the whole fill, so
its stall is its "usable" time).  "lists ready" = every list shows its first rows.  "select deep" =
`browser.select('event', id)` of the event at 90% of the list until that row is current and scrolled
to.  "to the end" = scrollbar to the end until the last row shows its label.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def naive_panel_class():
    """The browser as it was before paging (dossier/ui/main_window.py at 2a8d710): the baseline."""
    from PySide6.QtCore import Qt, Signal
    from PySide6.QtWidgets import QLineEdit, QListWidget, QListWidgetItem, QTabWidget, QVBoxLayout, QWidget

    from dossier.ui import plain

    role = Qt.ItemDataRole.UserRole + 1

    class NaiveBrowserPanel(QWidget):
        selected = Signal(str, str)
        counted = Signal()

        def __init__(self, parent=None):
            super().__init__(parent)
            lay = QVBoxLayout(self)
            self.search = QLineEdit(self)
            lay.addWidget(self.search)
            self.tabs = QTabWidget(self)
            self.lists = {}
            for table, title in (("person", "People"), ("organization", "Organisations"), ("event", "Events"),
                                 ("search", "Search")):
                lw = QListWidget(self)
                lw.currentItemChanged.connect(self._changed)
                self.lists[table] = lw
                self.tabs.addTab(lw, title)
            lay.addWidget(self.tabs)
            self.counts = {}

        def _changed(self, item, _prev):
            if item is not None:
                self.selected.emit(*item.data(role))

        def fill(self, table, rows):
            lw = self.lists[table]
            lw.clear()
            for rid, text, tip in rows:
                it = QListWidgetItem(text)
                it.setData(role, (table, rid))
                it.setToolTip(plain.tooltip(tip.split("\x1f")[-1]))
                lw.addItem(it)

        def load(self, session):  # MainWindow.refresh before paging
            b = session.browser()
            self.fill("person", [(p["id"], p["name"] + (f"  {p['native_name']}" if p["native_name"] else ""),
                                  f"{p['name']} ({p['nationality'] or '?'})") for p in b.people])
            self.fill("organization", [(o["id"], o["name"], f"{o['name']} [{o['kind']}]") for o in b.organizations])
            self.fill("event", [(e["id"], f"{e['start'] or '?'}  {e['title']}", f"{e['title']} [{e['kind']}]")
                                for e in b.events])
            self.counts = {"person": len(b.people), "organization": len(b.organizations), "event": len(b.events)}
            self.counted.emit()

        def run_search(self, text):
            pass

        def select(self, table, rid):
            lw = self.lists[table]
            for i in range(lw.count()):
                if lw.item(i).data(role) == (table, rid):
                    self.tabs.setCurrentWidget(lw)
                    lw.setCurrentRow(i)
                    return True
            return False

        def stop(self):
            pass

    return NaiveBrowserPanel


def run_one(path: Path, way: str) -> dict:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    from dossier.services import browse_list
    from dossier.services.session import Session
    from dossier.ui import gc_guard, main_window
    from dossier.ui.browser_model import PENDING
    from dossier.ui.settings import Settings

    gc_guard.install()
    if way == "naive":
        main_window.BrowserPanel = naive_panel_class()
    session = Session.open(path)
    n_events = browse_list.count(session.db, "event")
    pos = int(n_events * 0.9)
    deep_id = browse_list.page(session.db, "event", pos // browse_list.PAGE)[pos % browse_list.PAGE].id
    settings = Settings(Path(tempfile.mkdtemp()) / "settings.ini")
    ticks: list[float] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start(5)
    t0 = time.perf_counter()
    ticks.append(t0)
    w = main_window.MainWindow(session, settings)
    w.resize(1400, 860)
    w.show()
    w.grab()
    app.processEvents()
    t_usable = time.perf_counter()
    events = w.browser.lists["event"]

    def ready() -> bool:
        return all(v is not None for v in w.browser.counts.values()) and events.count() > 0 and \
            events.model().index(0).data() != PENDING

    while not ready():
        app.processEvents()
        time.sleep(0.001)
    t_ready = time.perf_counter()
    ticks.append(t_ready)
    stall = max(b - a for a, b in zip(ticks, ticks[1:], strict=False))
    timer.stop()
    w.browser.tabs.setCurrentWidget(events)
    t = time.perf_counter()
    assert w.browser.select("event", deep_id)
    while events.currentIndex().row() != pos:
        app.processEvents()
        time.sleep(0.001)
    w.grab()
    t_select = time.perf_counter() - t
    t = time.perf_counter()
    sb = events.verticalScrollBar()
    sb.setValue(sb.maximum())
    last = events.model().index(events.count() - 1)
    while last.data() == PENDING:
        app.processEvents()
        time.sleep(0.001)
    w.grab()
    t_end = time.perf_counter() - t
    out = {"events": n_events, "way": way, "usable_ms": (t_usable - t0) * 1000, "ready_ms": (t_ready - t0) * 1000,
           "stall_ms": stall * 1000, "select_ms": t_select * 1000, "end_ms": t_end * 1000,
           "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    w.close()
    return out


def main() -> int:
    args = sys.argv[1:]
    if args and args[0] == "--one":
        print(json.dumps(run_one(Path(args[1]), args[2])))
        return 0
    sizes = [100_000, 1_000_000]
    if "--events" in args:
        sizes = [int(s) for s in args[args.index("--events") + 1].split(",")]
    from dossier.storage.migrations import LATEST
    from timeline import make_db

    cache = Path(tempfile.gettempdir()) / "dossier-bench"
    cache.mkdir(exist_ok=True)
    res = []
    for n in sizes:
        path = cache / f"browser-{n}ev-schema{LATEST}.db"
        if not path.exists():
            t = time.perf_counter()
            make_db(n * 5 // 4, path)
            print(f"generated {path} in {time.perf_counter() - t:.1f} s", file=sys.stderr)
        for way in ("naive", "paged"):
            p = subprocess.run([sys.executable, __file__, "--one", str(path), way], capture_output=True, text=True)
            if p.returncode:
                print(p.stderr, file=sys.stderr)
                raise SystemExit(f"{way} at {n} failed")
            res.append(json.loads(p.stdout.strip().splitlines()[-1]))
            print(res[-1], file=sys.stderr)
    print("events | way | usable | longest stall | lists ready | select deep | to the end | peak RSS")
    for r in res:
        print(f"{r['events']:,} | {r['way']} | {r['usable_ms']:.0f} ms | {r['stall_ms']:.0f} ms | "
              f"{r['ready_ms']:.0f} ms | {r['select_ms']:.1f} ms | {r['end_ms']:.1f} ms | {r['peak_rss_mb']:.0f} MB")
    print("\nratios, old way / paged (same run):")
    for n in sizes:
        a, b = (next(r for r in res if r["events"] >= n * 0.99 and r["events"] <= n * 1.01 and r["way"] == w)
                for w in ("naive", "paged"))
        print(f"{n:,} events: usable {a['usable_ms'] / b['usable_ms']:.0f}x, longest stall "
              f"{a['stall_ms'] / b['stall_ms']:.0f}x, lists ready {a['ready_ms'] / b['ready_ms']:.1f}x, "
              f"select deep {a['select_ms'] / b['select_ms']:.1f}x, memory {a['peak_rss_mb'] / b['peak_rss_mb']:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
