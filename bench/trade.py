"""Trade panel benchmark: 30 years x 200 partners x 97 HS chapters of synthetic rows (~580k, plus the
all-goods totals), switching the pair and redrawing, against a raw pandas groupby on the same data.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/trade.py [--partners 200] [--switches 8] [--db FILE]

A switch is measured through the panel in the real window, as a user makes it: pick the partner,
let Qt process events (layout, ranges, the paint); if nothing was painted by then, one repaint is
forced and counted.  Paints per switch are counted and printed (1 expected)."""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def build(path: Path, partners: list[str], years: range) -> int:
    from dossier.domain.hs import CHAPTERS
    from dossier.services.database import close_database, create_database

    close_database(create_database(path))
    con = sqlite3.connect(path)
    rnd = random.Random(4)
    chapters = [c for c in CHAPTERS if c != "99"][:97]
    rows = []
    for p in partners:
        for y in years:
            tot = {"export": 0.0, "import": 0.0}
            for i, ch in enumerate(chapters):
                # half the chapters reported by KHM about p, half by p about KHM (mirror)
                rep, par = ("KHM", p) if i % 2 == 0 else (p, "KHM")
                flow = "export" if (i // 2) % 2 == 0 else "import"
                v = round(rnd.uniform(1e4, 5e6))
                if rep == "KHM":
                    tot[flow] += v
                rows.append((rep, par, y, flow, ch, str(v), float(v), "USD", "fob" if flow == "export" else "cif",
                             "bench"))
            for flow, v in tot.items():
                rows.append(("KHM", p, y, flow, "", str(v), v, "USD", "fob" if flow == "export" else "cif", "bench"))
                rows.append((p, "KHM", y, "import" if flow == "export" else "export", "", str(v * 1.1), v * 1.1,
                             "USD", "cif" if flow == "export" else "fob", "bench"))
    con.execute("INSERT INTO source(id, title) VALUES ('bench', 'synthetic benchmark rows')")
    con.executemany("INSERT INTO trade(reporter, partner, year, flow, commodity, value, value_num, currency, basis, "
                    "source_key) VALUES (?,?,?,?,?,?,?,?,?,?)", rows)
    con.commit()
    con.close()
    return len(rows)


class _Paints:
    """Counts paint events of the chart's viewport: a switch must paint once (not zero, not twice)."""

    def __init__(self, widget):  # noqa: ANN001
        from PySide6.QtCore import QEvent, QObject

        class F(QObject):
            n = 0

            def eventFilter(self, obj, ev):  # noqa: ANN001, N802
                if ev.type() == QEvent.Type.Paint:
                    F.n += 1
                return False

        self.f = F()
        widget.installEventFilter(self.f)

    @property
    def n(self) -> int:
        return self.f.n


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--partners", type=int, default=200)
    ap.add_argument("--switches", type=int, default=12)
    ap.add_argument("--db", type=Path, help="reuse (or build once into) this file instead of a temporary one")
    args = ap.parse_args()
    import pandas as pd
    import pycountry
    from PySide6.QtWidgets import QApplication

    from dossier.app import build_window
    from dossier.services.trade import TradeService

    app = QApplication.instance() or QApplication([])
    partners = [c.alpha_3 for c in pycountry.countries if c.alpha_3 != "KHM"][: args.partners]
    years = range(1990, 2020)
    path = args.db or Path(tempfile.mkdtemp()) / "bench.db"
    t0 = time.perf_counter()
    n = build(path, partners, years) if not path.exists() else None
    t_build = time.perf_counter() - t0
    # the real window: the panel under the timeline, its chart on the timeline's time axis
    w = build_window(path, False)
    w.resize(1400, 1000)
    w.show()
    app.processEvents()
    panel = w.trade_panel
    db = w.session.db
    if n is None:
        n = db.conn.execute("SELECT count(*) FROM trade").fetchone()[0]
    panel.mode_box.setCurrentIndex(panel.mode_box.findData("flows"))  # 4 bar series: the heaviest mode
    panel.tabs.setCurrentWidget(panel.chart)
    app.processEvents()
    paints = _Paints(panel.chart.glw.viewport())

    # baseline: everything in a DataFrame once, then a groupby per pair switch
    t0 = time.perf_counter()
    df = pd.read_sql_query("SELECT reporter, partner, year, flow, commodity, value_num FROM trade", db.conn)
    t_load = time.perf_counter() - t0
    rnd = random.Random(1)
    sample = rnd.sample(partners, args.switches * 2)
    seen, fresh = sample[: args.switches], sample[args.switches:]
    base, cold, warm, views, painted = [], [], [], [], []

    def switch(p: str) -> float:
        before = paints.n
        t0 = time.perf_counter()
        panel.set_pair("KHM", p)
        app.processEvents()  # layout, ranges and the one paint the switch needs
        if paints.n == before:  # nothing painted yet: paint now, so the figure includes a paint
            panel.chart.glw.viewport().repaint()
        dt = time.perf_counter() - t0
        painted.append(paints.n - before)
        return dt

    for p in seen:
        t0 = time.perf_counter()
        m = ((df["reporter"] == "KHM") & (df["partner"] == p)) | ((df["reporter"] == p) & (df["partner"] == "KHM"))
        df[m].groupby(["reporter", "year", "flow"])["value_num"].sum()
        base.append(time.perf_counter() - t0)
        cold.append(switch(p))  # never seen: SQL + pandas + redraw + paint
    for p in seen:
        warm.append(switch(p))  # cached view: redraw + paint
    svc = TradeService(db)  # the service alone, on pairs it has not seen
    for p in fresh:
        t0 = time.perf_counter()
        svc.view("KHM", p, "USD", check=False)
        views.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    for _ in range(5):
        svc.check()
    t_ver = (time.perf_counter() - t0) / 5
    assert panel.view is not None and panel.chart.bars, "nothing drawn"

    med = statistics.median
    built = f"built in {t_build:.1f} s" if t_build > 0.5 else f"reused {path}"
    print(f"rows: {n:,} ({len(years)} years x {len(partners)} partners x 97 chapters + totals); {built}")
    print(f"{'step':<52}{'median ms':>10}{'max ms':>10}")
    for name, xs in (("pandas baseline: mask + groupby (data in memory)", base),
                     ("service view alone, never-seen pair (SQL + pandas)", views),
                     ("panel switch, never-seen pair (view+redraw+paint)", cold),
                     ("panel switch, cached pair (redraw + paint)", warm)):
        print(f"{name:<52}{med(xs) * 1000:>10.1f}{max(xs) * 1000:>10.1f}")
    print(f"{'data check (on database_changed, not per switch)':<52}{t_ver * 1000:>10.2f}")
    g = panel.chart.glw.size()
    print(f"paints per switch: {sorted(set(painted))}; chart {g.width()}x{g.height()} px in a 1400x1000 window")
    print(f"baseline load of all rows into pandas once: {t_load * 1000:.0f} ms")
    print(f"ratio panel switch never-seen / pandas groupby: {med(cold) / med(base):.2f}x; "
          f"cached / pandas groupby: {med(warm) / med(base):.2f}x")
    w.close()


if __name__ == "__main__":
    main()
