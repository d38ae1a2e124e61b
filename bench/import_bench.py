"""Import benchmark (issue 5): a generated events file (about 150 bytes a row) plus its participants,
parsed, validated and applied by `dossier import`'s service, compared in the same run with the floor:
raw `sqlite3.executemany` of the same rows into the same tables (event, participant, citation and the
search index) in one transaction.  Also: peak memory (max RSS of each phase, each in its own process)
and a re-import of the same files (all unchanged).

    .venv/bin/python bench/import_bench.py --rows 1000000
    .venv/bin/python bench/import_bench.py --rows 100000 --keep /tmp/bench

Each phase runs in a child process on its own copy of the same starting database (the sample)."""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

KINDS = ("meeting", "visit", "summit", "signing", "statement", "announcement")
PLACES = ("Phnom Penh", "Pyongyang", "Seoul", "Busan", "Bangkok", "Hanoi", "Vientiane", "Beijing")
COUNTRIES = ("KHM", "PRK", "KOR", "THA", "VNM", "LAO", "CHN")


def generate(folder: Path, rows: int) -> tuple[Path, Path]:
    rnd = random.Random(5)
    ev, pa = folder / "events.csv", folder / "participants.csv"
    with ev.open("w", encoding="utf-8", newline="") as f, pa.open("w", encoding="utf-8", newline="") as g:
        f.write("id,kind,title,start,end,place,country,summary,source\r\n")
        g.write("event,participant,role,source\r\n")
        for i in range(rows):
            y, m, d = rnd.randint(1990, 2023), rnd.randint(1, 12), rnd.randint(1, 28)
            start = (f"{y}", f"{y}-{m:02d}", f"{y}-{m:02d}-{d:02d}")[i % 3]
            c = COUNTRIES[i % len(COUNTRIES)]
            f.write(f"ev-{i:07d},{KINDS[i % len(KINDS)]},Delegation meeting number {i} on trade,{start},,"
                    f"{PLACES[i % len(PLACES)]},{c},Generated event {i} for the import benchmark,seed-article\r\n")
            g.write(f"ev-{i:07d},{c},participant,seed-article\r\n")
    return ev, pa


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def phase_floor(db_path: Path, ev: Path, pa: Path) -> dict:
    """The floor: read the CSV with the csv module and executemany the rows into the same tables."""
    import csv
    import sqlite3

    from dossier.domain import dates

    t0, c0 = time.perf_counter(), time.process_time()
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("BEGIN IMMEDIATE")
    base = conn.execute("SELECT coalesce(max(rid), 0) FROM event").fetchone()[0]
    with ev.open(encoding="utf-8", newline="") as f:
        r = csv.reader(f)
        next(r)
        buf, cites, fts = [], [], []
        for i, row in enumerate(r, start=1):
            rid = base + i
            s = dates.parse_date(row[3])  # the floor still has to compute the day ordinals of a date
            buf.append((rid, row[0], row[1], row[2], row[3], s.earliest, s.latest, row[4], row[5], row[6], row[7]))
            cites.append(("event", rid, row[8], "", 0))
            fts.append((rid * 8 + 4, f"{row[2]} {row[5]}", "event", rid))
            if len(buf) >= 10000:
                _flush_floor(conn, buf, cites, fts)
        _flush_floor(conn, buf, cites, fts)
    prid = conn.execute("SELECT coalesce(max(rid), 0) FROM participant").fetchone()[0]
    with pa.open(encoding="utf-8", newline="") as f:
        r = csv.reader(f)
        next(r)
        buf, cites = [], []
        for i, row in enumerate(r, start=1):
            buf.append((prid + i, row[0], row[1], row[2]))
            cites.append(("participant", prid + i, row[3], "", 0))
            if len(buf) >= 10000:
                conn.executemany("INSERT INTO participant(rid, event, entity, role) VALUES (?, ?, ?, ?)", buf)
                conn.executemany("INSERT INTO citation(fact_table, fact_rid, source, quote, seq) VALUES (?,?,?,?,?)",
                                 cites)
                buf, cites = [], []
        conn.executemany("INSERT INTO participant(rid, event, entity, role) VALUES (?, ?, ?, ?)", buf)
        conn.executemany("INSERT INTO citation(fact_table, fact_rid, source, quote, seq) VALUES (?,?,?,?,?)", cites)
    conn.execute("COMMIT")
    conn.close()
    return {"seconds": time.perf_counter() - t0, "cpu": time.process_time() - c0, "maxrss_mb": _maxrss_mb()}


def _flush_floor(conn, buf, cites, fts):
    conn.executemany('INSERT INTO event(rid, id, kind, title, start, start_lo, start_hi, "end", place, country, '
                     "summary) VALUES (?,?,?,?,?,?,?,?,?,?,?)", buf)
    conn.executemany("INSERT INTO citation(fact_table, fact_rid, source, quote, seq) VALUES (?,?,?,?,?)", cites)
    conn.executemany("INSERT INTO search_fts(rowid, text, entity_table, entity_rid) VALUES (?,?,?,?)", fts)
    buf.clear()
    cites.clear()
    fts.clear()


def phase_import(db_path: Path, ev: Path, pa: Path, twice: bool) -> dict:
    from dossier.services.database import close_database, open_database
    from dossier.services.importing import import_files

    db = open_database(db_path)
    t0, c0 = time.perf_counter(), time.process_time()
    r = import_files(db, [ev, pa])
    t1, c1 = time.perf_counter(), time.process_time()
    assert r.ok and r.applied, r.errors[:5]
    out = {"seconds": t1 - t0, "cpu": c1 - c0, "added": r.count("added"), "maxrss_mb": _maxrss_mb(),
           "replanned": r.replanned}
    if twice:
        t2, c2 = time.perf_counter(), time.process_time()
        r2 = import_files(db, [ev, pa])
        out["reimport_seconds"] = time.perf_counter() - t2
        out["reimport_cpu"] = time.process_time() - c2
        out["reimport_unchanged"] = r2.count("unchanged")
        assert r2.ok and not r2.applied and r2.count("unchanged") == r.count("added")
        out["maxrss_mb"] = _maxrss_mb()
    close_database(db)
    return out


def _child(phase: str, db: Path, ev: Path, pa: Path, twice: bool = False) -> dict:
    cmd = [sys.executable, __file__, "--phase", phase, "--db", str(db), "--events", str(ev), "--participants", str(pa)]
    if twice:
        cmd.append("--twice")
    p = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if p.returncode:
        raise SystemExit(f"{phase} failed:\n{p.stderr}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000, help="events (and participants) to generate")
    ap.add_argument("--keep", metavar="DIR", help="work in DIR and keep the files")
    ap.add_argument("--phase", choices=("floor", "import"), help=argparse.SUPPRESS)
    ap.add_argument("--db", help=argparse.SUPPRESS)
    ap.add_argument("--events", help=argparse.SUPPRESS)
    ap.add_argument("--participants", help=argparse.SUPPRESS)
    ap.add_argument("--twice", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.phase == "floor":
        print(json.dumps(phase_floor(Path(a.db), Path(a.events), Path(a.participants))))
        return
    if a.phase == "import":
        print(json.dumps(phase_import(Path(a.db), Path(a.events), Path(a.participants), a.twice)))
        return
    from dossier.services.database import close_database, create_database

    work = Path(a.keep) if a.keep else Path(tempfile.mkdtemp(prefix="dossier-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    ev, pa = generate(work, a.rows)
    gen_s = time.perf_counter() - t
    base = work / "base.db"
    if base.exists():
        base.unlink()
    close_database(create_database(base, sample=True))
    size = ev.stat().st_size
    print(f"rows: {a.rows:,} events + {a.rows:,} participants; events.csv {size / 1e6:.1f} MB "
          f"({size / max(a.rows, 1):.0f} bytes/row), participants.csv {pa.stat().st_size / 1e6:.1f} MB; "
          f"generated in {gen_s:.1f} s")
    f_db, i_db = work / "floor.db", work / "import.db"
    shutil.copyfile(base, f_db)
    shutil.copyfile(base, i_db)
    floor = _child("floor", f_db, ev, pa)
    imp = _child("import", i_db, ev, pa, twice=True)
    print(f"{'phase':<40}{'seconds':>10}{'x floor':>10}{'CPU s':>10}{'x floor':>10}{'peak RSS MB':>14}")
    print(f"{'floor: csv + executemany, 1 transaction':<40}{floor['seconds']:>10.1f}{1:>10.2f}"
          f"{floor['cpu']:>10.1f}{1:>10.2f}{floor['maxrss_mb']:>14.0f}")
    print(f"{'dossier import (validate, plan, apply)':<40}{imp['seconds']:>10.1f}"
          f"{imp['seconds'] / floor['seconds']:>10.2f}{imp['cpu']:>10.1f}{imp['cpu'] / floor['cpu']:>10.2f}"
          f"{imp['maxrss_mb']:>14.0f}")
    print(f"{'re-import, all unchanged':<40}{imp['reimport_seconds']:>10.1f}"
          f"{imp['reimport_seconds'] / floor['seconds']:>10.2f}{imp['reimport_cpu']:>10.1f}"
          f"{imp['reimport_cpu'] / floor['cpu']:>10.2f}{'':>14}")
    print("(seconds: wall clock; CPU s: user + system time of the phase's process, steadier on a shared "
          f"machine; load average at the end {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
    if imp.get("replanned"):
        print("note: the import re-planned inside its transaction (another connection wrote meanwhile)")
    print(f"added {imp['added']:,}; re-import unchanged {imp['reimport_unchanged']:,}; work folder {work}")
    if not a.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
