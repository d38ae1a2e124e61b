"""Backup benchmark (the window stays responsive): a database of synthetic trade rows (bench/trade.py's
builder), backed up in the real window two ways in the same run:

- baseline: `backups.backup_now` called on the GUI thread, as File > Back up now did before: the
  window is frozen for the whole copy + verification + rotation;
- now: File > Back up now (`Safety.back_up_now`), the same work in a worker thread; a 10 ms timer on
  the GUI thread measures the longest gap between two of its beats while the backup runs.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/backup.py --partners 100
"""

from __future__ import annotations

import argparse
import importlib.util
import tempfile
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--partners", type=int, default=100, help="trading partners (~2,900 rows each)")
    ap.add_argument("--db", type=Path, help="reuse (or build once into) this file instead of a temporary one")
    args = ap.parse_args()
    import pycountry
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from dossier.app import build_window
    from dossier.services import backups

    spec = importlib.util.spec_from_file_location("bench_trade", Path(__file__).with_name("trade.py"))
    bench_trade = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench_trade)
    app = QApplication.instance() or QApplication([])
    path = args.db or Path(tempfile.mkdtemp()) / "bench.db"
    if not path.exists():
        partners = [c.alpha_3 for c in pycountry.countries if c.alpha_3 != "KHM"][: args.partners]
        bench_trade.build(path, partners, range(1990, 2020))
    w = build_window(path, False)
    w.show()
    app.processEvents()
    size = path.stat().st_size

    t0 = time.perf_counter()
    backups.backup_now(w.session.db, path, "bench-gui-thread", **w.safety._keep())
    frozen = time.perf_counter() - t0

    beats: list[float] = []
    beat = QTimer()
    beat.timeout.connect(lambda: beats.append(time.perf_counter()))
    beat.start(10)
    t0 = time.perf_counter()
    job = w.safety.back_up_now()
    beats.append(t0)
    while w.safety.job is not None:
        app.processEvents()
        time.sleep(0.001)
    took = time.perf_counter() - t0
    beat.stop()
    gaps = [b - a for a, b in zip(beats, beats[1:], strict=False)] or [took]
    assert job is not None and job.result is not None and backups.verify_file(job.result) == []
    print(f"database: {size / 1e6:.1f} MB; backups verified and rotated as usual")
    print(f"{'backup':<48}{'seconds':>9}{'longest UI stall ms':>22}")
    print(f"{'baseline: on the GUI thread (before)':<48}{frozen:>9.2f}{frozen * 1000:>22.0f}")
    print(f"{'worker thread (File > Back up now, now)':<48}{took:>9.2f}{max(gaps) * 1000:>22.0f}")
    print(f"UI stall ratio now / before: {max(gaps) / frozen:.3f}; timer beats while it ran: {len(beats) - 1} "
          f"(10 ms timer)")
    w.close()


if __name__ == "__main__":
    main()
