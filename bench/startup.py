"""Bundle size, archive size, build time and start-up time: the PyInstaller bundle against the venv.

    .venv/bin/python bench/startup.py                  measure dist/dossier (build it first with
                                                       packaging/build.sh; its dist/dossier-build.json
                                                       gives the build time and archive size)
    .venv/bin/python bench/startup.py --build          run packaging/build.sh first, timing it
    .venv/bin/python bench/startup.py --untrimmed      also build with DOSSIER_TRIM=0 (into
                                                       build/bench-untrimmed/) and compare
    --reps N                                           start-ups per variant (default 7; median shown)

Start-up = from just before the process is launched to the moment the main window has been shown and
the event loop has run once (the smoke mode's `dossier-smoke: shown-at=` line, $DOSSIER_SMOKE_PNG),
offscreen, on the sample database, with a fresh settings folder.  The variants are interleaved run by
run, so load on the machine affects them alike; one unmeasured warm-up run each fills the page cache.
Also timed: `--version` (the CLI's start: no Qt).  Prints a table; the ratios are bundle / venv.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def tree_bytes(p: Path) -> int:
    return sum(f.stat().st_size for f in p.rglob("*") if f.is_file() and not f.is_symlink())


def build(dist: Path, trim: bool) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QT_", "DOSSIER_"))}
    env.update(DOSSIER_DIST_DIR=str(dist), DOSSIER_TRIM="1" if trim else "0")
    t = time.perf_counter()
    subprocess.run(["bash", str(ROOT / "packaging" / "build.sh")], env=env, check=True, cwd=ROOT,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    info = json.loads((dist / "dossier-build.json").read_text())
    info["measured_seconds"] = round(time.perf_counter() - t, 1)
    return info


def start_once(cmd: list[str], db: Path, work: Path) -> tuple[float, float, float]:
    """(seconds to window shown, seconds to exit, CPU seconds used: user + system, steadier under load)"""
    home = Path(tempfile.mkdtemp(dir=work))
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8", "QT_QPA_PLATFORM": "offscreen",
           "DOSSIER_DATA_DIR": str(home / "data"), "DOSSIER_CONFIG_DIR": str(home / "config"),
           "DOSSIER_SMOKE_PNG": str(home / "w.png"), "PYTHONPATH": str(ROOT)}
    out, err = home / "out.txt", home / "err.txt"
    with out.open("w") as fo, err.open("w") as fe:
        t0 = time.time()
        p = subprocess.Popen([*cmd, "--db", str(db)], env=env, stdout=fo, stderr=fe, cwd=home)
        _pid, status, usage = os.wait4(p.pid, 0)
        t_exit = time.time() - t0
    code = os.waitstatus_to_exitcode(status)
    m = re.search(r"dossier-smoke: shown-at=(\d+\.\d+)", out.read_text())
    if code != 0 or not m:
        raise SystemExit(f"{cmd}: exit {code}\n{out.read_text()}\n{err.read_text()}")
    return float(m.group(1)) - t0, t_exit, usage.ru_utime + usage.ru_stime


def version_once(cmd: list[str]) -> float:
    t = time.perf_counter()
    subprocess.run([*cmd, "--version"], check=True, capture_output=True, env={"PATH": "/usr/bin:/bin",
                   "PYTHONPATH": str(ROOT)}, timeout=60)
    return time.perf_counter() - t


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", action="store_true", help="run packaging/build.sh first and time it")
    ap.add_argument("--untrimmed", action="store_true", help="also build and measure an untrimmed bundle")
    ap.add_argument("--reps", type=int, default=7)
    args = ap.parse_args()

    dist = ROOT / "dist"
    builds: dict[str, dict] = {}
    if args.build:
        builds["bundle"] = build(dist, trim=True)
    elif (dist / "dossier-build.json").exists():
        builds["bundle"] = json.loads((dist / "dossier-build.json").read_text())
    if not (dist / "dossier" / "dossier").exists():
        raise SystemExit("no dist/dossier/dossier: run packaging/build.sh (or pass --build)")
    variants: dict[str, list[str]] = {"bundle": [str(dist / "dossier" / "dossier")]}
    if args.untrimmed:
        udist = ROOT / "build" / "bench-untrimmed"
        builds["untrimmed"] = build(udist, trim=False)
        variants["untrimmed"] = [str(udist / "dossier" / "dossier")]
    variants["venv"] = [sys.executable, "-m", "dossier"]

    work = Path(tempfile.mkdtemp(prefix="dossier-bench-"))
    db = work / "sample.db"
    subprocess.run([sys.executable, "-m", "dossier", "init", str(db), "--sample"], check=True,
                   capture_output=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    shown: dict[str, list[float]] = {k: [] for k in variants}
    exited: dict[str, list[float]] = {k: [] for k in variants}
    cpu: dict[str, list[float]] = {k: [] for k in variants}
    cli: dict[str, list[float]] = {k: [] for k in variants}
    for cmd in variants.values():  # warm-up: page cache, font cache
        start_once(cmd, db, work)
        version_once(cmd)
    for _ in range(args.reps):
        for name, cmd in variants.items():
            s, e, c = start_once(cmd, db, work)
            shown[name].append(s)
            exited[name].append(e)
            cpu[name].append(c)
            cli[name].append(version_once(cmd))

    med = {k: statistics.median(v) for k, v in shown.items()}
    print(f"Dossier start-up, offscreen, sample database, median of {args.reps} (min-max); "
          f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
    mcpu = {k: statistics.median(v) for k, v in cpu.items()}
    print(f"{'variant':<10} {'window shown':>22} {'ratio':>6} {'CPU to exit':>12} {'ratio':>6} {'exit':>8}"
          f" {'--version':>10}")
    for name in variants:
        v = shown[name]
        print(f"{name:<10} {med[name]:>8.3f} s ({min(v):.2f}-{max(v):.2f}) {med[name] / med['venv']:>6.2f}"
              f" {mcpu[name]:>10.3f} s {mcpu[name] / mcpu['venv']:>6.2f} {statistics.median(exited[name]):>6.2f} s"
              f" {statistics.median(cli[name]):>8.3f} s")
    print()
    print(f"{'variant':<10} {'bundle':>10} {'files':>6} {'archive':>10} {'PyInstaller':>12} {'build.sh':>9}")
    for name, info in builds.items():
        folder = (ROOT / "build" / "bench-untrimmed" / "dossier") if name == "untrimmed" else dist / "dossier"
        arch = info.get("archive_bytes")
        print(f"{name:<10} {tree_bytes(folder) / 1e6:>7.1f} MB {info.get('bundle_files', 0):>6} "
              f"{(f'{arch / 1e6:.1f} MB') if arch else '-':>10} {info['pyinstaller_seconds']:>10.1f} s "
              f"{info.get('measured_seconds', info['total_seconds']):>7.1f} s")
    venv_site = Path(sys.prefix) / "lib"
    print(f"\n(the venv for comparison: {tree_bytes(venv_site) / 1e6:.0f} MB in {venv_site}, test tools included)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
