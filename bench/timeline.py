"""Timeline benchmark: first paint and frame times at 1k .. 1M items over 200 lanes, against a naive
baseline (one QGraphicsRectItem per item) measured in the same run.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/timeline.py [--quick] [--sizes 1000,10000,...]

Each size runs in its own process (so peak memory is per size).  Synthetic databases (fixed seed) are
cached in $TMPDIR/dossier-bench/, one file per size and schema version.  Frames: offscreen 1600x900; a frame = change the view range, then
`widget.grab()` (a full synchronous repaint); the median wall time, and the median CPU time of the
process (the same work without the waits for a core on a busy machine).  The naive baseline is capped
at 100k items.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
LANES = 200
NAIVE_CAP = 100_000
D0, D1 = 723546, 738886  # 1982-01-01 .. 2024-01-01


def make_db(n: int, path: Path) -> None:
    import random

    from dossier.services.database import close_database, create_database
    from dossier.storage.connection import atomic

    rnd = random.Random(20240601 + n)
    db = create_database(path)
    with atomic(db):
        c = db.conn
        c.executemany("INSERT INTO person(id, name, sort_name, nationality) VALUES (?, ?, ?, ?)",
                      [(f"p{i}", f"Person {i:03d}", f"Person {i:03d}", rnd.choice(["KHM", "PRK", "KOR", "CHN"]))
                       for i in range(LANES)])
        c.execute("INSERT INTO position(id, title) VALUES ('pos', 'Official')")
        n_post = n // 5
        posts = []
        for k in range(n_post):
            s = rnd.randint(D0, D1 - 400)
            e = s + rnd.randint(30, 1500)
            posts.append((f"t{k}", f"p{rnd.randrange(LANES)}", "pos", "x", s, s, "y", e, e))
        c.executemany('INSERT INTO posting(id, person, position, start, start_lo, start_hi, "end", end_lo, end_hi) '
                      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", posts)
        kinds = ["meeting", "visit", "signing", "statement", "announcement"]
        evs, parts = [], []
        for k in range(n - n_post):
            s = rnd.randint(D0, D1)
            evs.append((f"e{k}", rnd.choice(kinds), f"Event {k}", "x", s, s))
            a = rnd.randrange(LANES)
            parts.append((f"e{k}", f"p{a}"))
            if rnd.random() < 0.3:
                parts.append((f"e{k}", f"p{(a + rnd.randrange(1, LANES)) % LANES}"))
        c.executemany("INSERT INTO event(id, kind, title, start, start_lo, start_hi) VALUES (?, ?, ?, ?, ?, ?)", evs)
        c.executemany("INSERT INTO participant(event, entity) VALUES (?, ?)", parts)
    close_database(db)


def _median_frame(app, widget, steps, cpu: list | None = None) -> float:
    """Median wall time of the steps (ms); with `cpu`, append the median CPU time of this process (ms):
    on a shared machine the wall time also counts waiting for a core."""
    times, cpus = [], []
    for step in steps:
        c = time.process_time()
        t = time.perf_counter()
        step()
        app.processEvents()
        widget.grab()
        times.append((time.perf_counter() - t) * 1000)
        cpus.append((time.process_time() - c) * 1000)
    if cpu is not None:
        cpu.append(statistics.median(cpus))
    return statistics.median(times)


def run_one(n: int, db_path: Path, naive: bool) -> dict:
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    from dossier.domain.timeaxis import ordinal_to_x
    from dossier.plotting.timeline_plot import TimelinePlot
    from dossier.services import timeline as tl
    from dossier.services.database import open_database
    from dossier.services.timeline_text import Labels

    out: dict = {"n": n}
    db = open_database(db_path)
    t0 = time.perf_counter()
    data = tl.load(db)
    t1 = time.perf_counter()
    lay = tl.layout(data)
    t2 = time.perf_counter()
    plot = TimelinePlot(Labels(db))
    plot.resize(1600, 900)
    plot.set_layout(lay)
    plot.show()
    app.processEvents()
    plot.fit_all()
    plot.vb.setYRange(0, 60, padding=0)
    plot.grab()
    t3 = time.perf_counter()
    out.update(load_ms=(t1 - t0) * 1000, layout_ms=(t2 - t1) * 1000, first_paint_ms=(t3 - t0) * 1000,
               paint_only_ms=(t3 - t2) * 1000)
    full = (ordinal_to_x(D0), ordinal_to_x(D1))
    for name, frac in (("full", 1.0), ("10%", 0.1), ("1%", 0.01)):
        w = (full[1] - full[0]) * frac
        a = full[0] + (full[1] - full[0] - w) / 2
        plot.vb.setXRange(a, a + w, padding=0)
        app.processEvents()
        plot.grab()
        steps = []
        for k in range(12):
            if k % 3 == 2:
                steps.append(lambda: plot.zoom(0.9))
            elif k % 3 == 1:
                steps.append(lambda: plot.zoom(1 / 0.9))
            else:
                steps.append(lambda: plot.vb.translateBy(x=w * 0.03))
        cpu: list = []
        out[f"frame_{name}_ms"] = _median_frame(app, plot, steps, cpu)
        out[f"cpu_{name}_ms"] = cpu[0]
        fr = plot.items.last_frame
        out[f"items_{name}"] = int(len(fr.rows)) if fr else 0
        out[f"dense_{name}"] = int(fr.dense.sum()) if fr else 0
    plot.close()
    if naive and n <= NAIVE_CAP:
        out.update(_naive(app, lay))
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def _naive(app, lay) -> dict:
    from PySide6.QtCore import QRectF, Qt
    from PySide6.QtGui import QBrush, QColor, QTransform
    from PySide6.QtWidgets import QGraphicsRectItem, QGraphicsScene, QGraphicsView

    t0 = time.perf_counter()
    scene = QGraphicsScene()
    brush = QBrush(QColor("#3b6ea8"))
    day = 86400.0
    for x0, x1, y in zip((lay.x0 / day).tolist(), (lay.x1 / day).tolist(), lay.r_y.tolist(), strict=True):
        it = QGraphicsRectItem(QRectF(x0, y * 20, max(x1 - x0, 1.0), 14))
        it.setBrush(brush)
        it.setPen(Qt.PenStyle.NoPen)
        scene.addItem(it)
    view = QGraphicsView(scene)
    view.resize(1600, 900)
    view.show()
    x0, x1 = float(lay.x_range[0] / day), float(lay.x_range[1] / day)

    def show(a, b):
        view.setTransform(QTransform.fromScale(1600 / (b - a), 1))
        view.centerOn((a + b) / 2, 450)

    show(x0, x1)
    app.processEvents()
    view.grab()
    out = {"naive_first_paint_ms": (time.perf_counter() - t0) * 1000}
    for name, frac in (("full", 1.0), ("10%", 0.1), ("1%", 0.01)):
        w = (x1 - x0) * frac
        a = x0 + (x1 - x0 - w) / 2
        state = {"a": a, "w": w}

        def pan(state=state):
            state["a"] += state["w"] * 0.03
            show(state["a"], state["a"] + state["w"])

        def zin(state=state):
            state["w"] *= 0.9
            show(state["a"], state["a"] + state["w"])

        def zout(state=state):
            state["w"] /= 0.9
            show(state["a"], state["a"] + state["w"])

        out[f"naive_frame_{name}_ms"] = _median_frame(app, view, [pan, zout, zin] * 4)
    view.close()
    return out


def main() -> int:
    args = sys.argv[1:]
    if args and args[0] == "--one":
        n, path, naive = int(args[1]), Path(args[2]), args[3] == "1"
        print(json.dumps(run_one(n, path, naive)))
        return 0
    quick = "--quick" in args
    sizes = [1000, 10_000] if quick else [1000, 10_000, 100_000, 1_000_000]
    if "--sizes" in args:
        sizes = [int(s) for s in args[args.index("--sizes") + 1].split(",")]
    from dossier.storage.migrations import MIGRATIONS

    cache = Path(tempfile.gettempdir()) / "dossier-bench"
    cache.mkdir(exist_ok=True)
    schema = max(m.version for m in MIGRATIONS)  # opening migrates: branches with other schemas use other files
    rows = []
    for n in sizes:
        path = cache / f"timeline-{n}-schema{schema}.db"
        if not path.exists():
            t = time.perf_counter()
            make_db(n, path)
            print(f"generated {path} in {time.perf_counter() - t:.1f} s", file=sys.stderr)
        res = subprocess.run([sys.executable, __file__, "--one", str(n), str(path), "1"], capture_output=True,
                             text=True, check=True)
        rows.append(json.loads(res.stdout.strip().splitlines()[-1]))
        print(rows[-1], file=sys.stderr)
    hdr = ("N", "load+layout+1st paint", "frame full", "frame 10%", "frame 1%", "CPU/frame full/10%/1%",
           "items drawn full/10%/1%", "peak RSS", "naive 1st paint", "naive full/10%/1%",
           "ratio full/10%/1% (naive/ours)")
    print(" | ".join(hdr))
    for r in rows:
        f = [r[f"frame_{k}_ms"] for k in ("full", "10%", "1%")]
        nv = [r.get(f"naive_frame_{k}_ms") for k in ("full", "10%", "1%")]
        naive = "/".join(f"{x:.1f}" for x in nv) if nv[0] is not None else f"(capped at {NAIVE_CAP:,})"
        ratio = "/".join(f"{a / b:.1f}x" for a, b in zip(nv, f, strict=True)) if nv[0] is not None else "-"
        nfp = f"{r['naive_first_paint_ms']:.0f} ms" if "naive_first_paint_ms" in r else "-"
        print(f"{r['n']:,} | {r['first_paint_ms']:.0f} ms (load {r['load_ms']:.0f}, layout {r['layout_ms']:.0f}) | "
              f"{f[0]:.1f} ms | {f[1]:.1f} ms | {f[2]:.1f} ms | "
              f"{'/'.join(format(r.get(f'cpu_{k}_ms', float('nan')), '.1f') for k in ('full', '10%', '1%'))} ms | "
              f"{r['items_full']}/{r['items_10%']}/{r['items_1%']} | {r['peak_rss_mb']:.0f} MB | {nfp} | "
              f"{naive} | {ratio}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
