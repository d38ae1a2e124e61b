"""Trade panel benchmark: 30 years x 200 partners x 97 HS chapters of synthetic rows (~580k, plus the
all-goods totals), switching the pair and redrawing, against a raw pandas groupby on the same data.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/trade.py [--partners 200]
"""

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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--partners", type=int, default=200)
    ap.add_argument("--switches", type=int, default=12)
    args = ap.parse_args()
    import pandas as pd
    import pycountry
    from PySide6.QtWidgets import QApplication

    from dossier.plotting.trade_chart import TradeChart
    from dossier.services.database import open_database
    from dossier.services.trade import TradeService

    app = QApplication.instance() or QApplication([])
    partners = [c.alpha_3 for c in pycountry.countries if c.alpha_3 != "KHM"][: args.partners]
    years = range(1990, 2020)
    d = Path(tempfile.mkdtemp())
    t0 = time.perf_counter()
    n = build(d / "bench.db", partners, years)
    t_build = time.perf_counter() - t0
    db = open_database(d / "bench.db")
    svc = TradeService(db)
    chart = TradeChart()
    chart.resize(1400, 500)
    chart.show()
    app.processEvents()

    # baseline: everything in a DataFrame once, then a groupby per pair switch
    t0 = time.perf_counter()
    df = pd.read_sql_query("SELECT reporter, partner, year, flow, commodity, value_num FROM trade", db.conn)
    t_load = time.perf_counter() - t0
    sample = random.Random(1).sample(partners, args.switches)
    base, cold, draw, warm = [], [], [], []
    for p in sample:
        t0 = time.perf_counter()
        m = ((df["reporter"] == "KHM") & (df["partner"] == p)) | ((df["reporter"] == p) & (df["partner"] == "KHM"))
        df[m].groupby(["reporter", "year", "flow"])["value_num"].sum()
        base.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        v = svc.view("KHM", p, "USD")
        cold.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        chart.set_view(v, "flows")
        app.processEvents()
        chart.glw.grab()  # force a paint
        draw.append(time.perf_counter() - t0)
    for p in sample:
        t0 = time.perf_counter()
        v = svc.view("KHM", p, "USD")
        chart.set_view(v, "flows")
        app.processEvents()
        chart.glw.grab()
        warm.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    for _ in range(20):
        from dossier.storage.trade import data_version
        data_version(db)
    t_ver = (time.perf_counter() - t0) / 20

    med = statistics.median
    print(f"rows: {n:,} ({len(years)} years x {len(partners)} partners x 97 chapters + totals); built in {t_build:.1f} s")
    print(f"{'step':<48}{'median ms':>10}{'max ms':>10}")
    for name, xs in (("pandas baseline: mask + groupby (data in memory)", base),
                     ("service view, uncached (SQL + pandas)", cold),
                     ("chart redraw + paint", draw),
                     ("switch pair total, uncached (view + redraw)", [a + b for a, b in zip(cold, draw, strict=True)]),
                     ("switch pair total, cached view + redraw", warm)):
        print(f"{name:<48}{med(xs) * 1000:>10.1f}{max(xs) * 1000:>10.1f}")
    print(f"{'data_version query (cache key)':<48}{t_ver * 1000:>10.2f}")
    print(f"baseline load of all rows into pandas once: {t_load * 1000:.0f} ms")
    print(f"ratio switch uncached / pandas groupby: {med([a + b for a, b in zip(cold, draw, strict=True)]) / med(base):.1f}x")


if __name__ == "__main__":
    main()
