"""Review + Apply in the window, old way against new way, on the same generated files (bench/import_bench's
events file plus its participants, 100k rows each by default), each in its own child process on its own
copy of the same starting database (the sample):

- old (the baseline, measured in the same run): the review is `import_files(dry_run=True)`, Apply is a
  second, full `import_files(...)`: every file read, decoded, parsed and planned twice;
- new: the review is `import_review.review_import` (the plan and its staged writes kept), Apply is
  `import_review.apply_reviewed` (files only hashed again, the reviewed plan written).

    .venv/bin/python bench/import_review.py --rows 100000

"wait after Apply" is what the user sits through after clicking Apply; "review + apply" the whole."""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from import_bench import generate  # noqa: E402 - the same files as the import benchmark


def phase(way: str, db_path: Path, files: list[Path]) -> dict:
    from dossier.services.database import close_database, open_database
    from dossier.services.import_review import apply_reviewed, review_import
    from dossier.services.importing import import_files

    db = open_database(db_path)
    try:
        t0, c0 = time.perf_counter(), time.process_time()
        if way == "old":
            r = import_files(db, files, dry_run=True)
        else:
            rv = review_import(db, files)
            r = rv.report
            kept = rv.plan.stage.bytes if rv.plan.stage is not None else 0
        t1, c1 = time.perf_counter(), time.process_time()
        assert r.ok and r.writes, r.errors[:5]
        if way == "old":
            kept = 0
            a = import_files(db, files)
        else:
            a = apply_reviewed(db, rv)
        t2, c2 = time.perf_counter(), time.process_time()
        assert a.applied and not a.replanned
        added = db.conn.execute("SELECT count(*) FROM event").fetchone()[0]
        return {"review": t1 - t0, "apply": t2 - t1, "review_cpu": c1 - c0, "apply_cpu": c2 - c1,
                "added": a.count("added"), "events": added, "kept_mb": kept / 1e6,
                "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    finally:
        close_database(db)


def _child(way: str, db: Path, files: list[Path]) -> dict:
    cmd = [sys.executable, __file__, "--phase", way, "--db", str(db), "--files", *map(str, files)]
    p = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if p.returncode:
        raise SystemExit(f"{way} failed:\n{p.stderr}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=100_000, help="events (and participants) to generate")
    ap.add_argument("--phase", choices=("old", "new"), help=argparse.SUPPRESS)
    ap.add_argument("--db", help=argparse.SUPPRESS)
    ap.add_argument("--files", nargs="*", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.phase:
        print(json.dumps(phase(a.phase, Path(a.db), [Path(f) for f in a.files])))
        return
    from dossier.services.database import close_database, create_database

    work = Path(tempfile.mkdtemp(prefix="dossier-bench-review-"))
    try:
        ev, pa = generate(work, a.rows)
        base = work / "base.db"
        close_database(create_database(base, sample=True))
        mb = (ev.stat().st_size + pa.stat().st_size) / 1e6
        print(f"rows: {a.rows:,} events + {a.rows:,} participants ({mb:.1f} MB of CSV)")
        res = {}
        for way in ("old", "new"):
            db = work / f"{way}.db"
            shutil.copyfile(base, db)
            res[way] = _child(way, db, [ev, pa])
        old, new = res["old"], res["new"]
        assert old["added"] == new["added"] and old["events"] == new["events"], (old, new)
        print(f"{'way':<48}{'review s':>10}{'apply s':>10}{'total s':>10}{'CPU s':>9}{'peak RSS MB':>13}")
        for way, label in (("old", "old: dry run, then a second full import"),
                           ("new", "new: review_import, then apply_reviewed")):
            r = res[way]
            print(f"{label:<48}{r['review']:>10.1f}{r['apply']:>10.1f}{r['review'] + r['apply']:>10.1f}"
                  f"{r['review_cpu'] + r['apply_cpu']:>9.1f}{r['maxrss_mb']:>13.0f}")
        tot = lambda r: r["review"] + r["apply"]  # noqa: E731
        print(f"wait after Apply: new / old = {new['apply'] / old['apply']:.2f} "
              f"({old['apply']:.1f} s -> {new['apply']:.1f} s)")
        print(f"review + apply:   new / old = {tot(new) / tot(old):.2f} ({tot(old):.1f} s -> {tot(new):.1f} s)")
        print(f"review alone:     new / old = {new['review'] / old['review']:.2f} (the new review also stages "
              "the writes)")
        print(f"the kept plan (staged writes, compressed in memory while the dialog is open): "
              f"{new['kept_mb']:.1f} MB")
        print(f"both added {new['added']:,} records; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
