"""Benchmark: a synthetic person with 500 events and 50 postings -> dossier PDF (target < 2 s).

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/pdf_bench.py [--runs 3]

Prints the time of each phase (data, charts, HTML, layout, paint, write), pages per second and the
share of time spent on charts, and the ratio against the sample's Ri Kil Song dossier measured in the
same run.  Charts are rendered only when dossier.plotting.*_export exist (issues 3 and 4)."""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_LOGGING_RULES", "qt.text.font.db=false")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def make_db(folder: Path, events: int, postings: int) -> Path:
    from dossier.services.database import close_database, create_database
    from dossier.services.importing import import_files

    db_path = folder / "bench.db"
    db = create_database(db_path, sample=True)

    def w(name: str, header: str, rows: list[str]) -> Path:
        p = folder / name
        p.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
        return p

    orgs = [f"org-{i},Organisation {i} 조직 {i},ministry,PRK,,," + "seed-article,quoted" for i in range(20)]
    people = ["bench-person,Kim Bench,Kim Bench,김벤치,Kim Ben-chi|Gim Benchi,PRK,male,1950,Synthetic,seed-article,q",
              *(f"other-{i},Other Person {i},,ប្រាក់ {i},,KHM,,,,seed-article,q" for i in range(50))]
    posts = []
    for i in range(postings):
        y = 1970 + i
        posts.append(f"bench-post-{i},bench-person,Post {i % 12},org-{i % 20},PRK,Pyongyang,{y},{y + 1},"
                     f"seed-article,,\"Served as post {i % 12} from {y} to {y + 1}.\"")
    evs, parts = [], []
    for i in range(events):
        y, m = 1970 + i // 12, i % 12 + 1
        evs.append(f"bench-ev-{i},meeting,Meeting number {i} in Phnom Penh,{y}-{m:02d},,Phnom Penh,KHM,,"
                   f"Synthetic meeting {i},seed-article,\"They met ({i}).\"")
        parts.append(f"bench-ev-{i},bench-person,guest,seed-article")
        parts.append(f"bench-ev-{i},other-{i % 50},host,seed-article")
    files = [w("organizations.csv", "id,name,kind,country,parent,aliases,source,quote", orgs),
             w("people.csv", "id,name,sort_name,native_name,aliases,nationality,gender,birth_date,summary,source,quote",
               people),
             w("postings.csv", "id,person,position,organization,country,place,start,end,source,note,quote", posts),
             w("events.csv", "id,kind,title,start,end,place,country,parent,summary,source,quote", evs),
             w("participants.csv", "event,participant,role,source", parts)]
    rep = import_files(db, files)
    if not rep.ok:
        raise SystemExit("bench data rejected: " + "; ".join(map(str, rep.errors[:5])))
    close_database(db)
    return db_path


def one(db_path: Path, who: str, out: Path) -> dict[str, float]:
    from dossier.reports.charts import render_charts
    from dossier.reports.pdf import PdfOptions, write_pdf
    from dossier.services import dossier_data
    from dossier.services.database import close_database, open_database

    t0 = time.perf_counter()
    db = open_database(db_path)
    d = dossier_data.person_dossier(db, who)
    close_database(db)
    t_data = time.perf_counter() - t0
    charts = render_charts(d, db_path)
    r = write_pdf(d, out, PdfOptions(), charts)
    total = time.perf_counter() - t0
    return {"data": t_data, **r.seconds, "total": total, "pages": r.pages, "size": r.size,
            "charts_rendered": len(charts.images), "charts_missing": len(charts.unavailable)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--events", type=int, default=500)
    ap.add_argument("--postings", type=int, default=50)
    a = ap.parse_args()
    from PySide6.QtWidgets import QApplication

    _app = QApplication.instance() or QApplication([])  # widgets: the charts are pyqtgraph plots
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        db_path = make_db(folder, a.events, a.postings)
        print(f"synthetic database: {a.events} events, {a.postings} postings, built in {time.perf_counter() - t0:.2f} s")
        one(db_path, "bench-person", folder / "warm.pdf")  # warm-up: font loading, first layout
        base = [one(db_path, "ri-kil-song", folder / "base.pdf") for _ in range(a.runs)]
        runs = [one(db_path, "bench-person", folder / "bench.pdf") for _ in range(a.runs)]
    med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    bmed = {k: statistics.median(r[k] for r in base) for k in base[0]}
    phases = ("data", "charts", "html", "layout", "paint", "write")
    print(f"\n{'phase':<10}{'bench (s)':>12}{'share':>9}{'baseline (s)':>14}")
    for k in phases:
        print(f"{k:<10}{med.get(k, 0):>12.3f}{med.get(k, 0) / med['total']:>9.1%}{bmed.get(k, 0):>14.3f}")
    print(f"{'total':<10}{med['total']:>12.3f}{'':>9}{bmed['total']:>14.3f}")
    print(f"\npages: {int(med['pages'])} (baseline {int(bmed['pages'])}); PDF {int(med['size']) / 1024:.0f} KiB")
    print(f"pages per second: {med['pages'] / med['total']:.1f} (baseline {bmed['pages'] / bmed['total']:.1f})")
    print(f"ratio bench/baseline total time: {med['total'] / bmed['total']:.1f}x")
    if med["charts_rendered"]:
        print(f"share of time on charts: {med.get('charts', 0) / med['total']:.1%}")
    else:
        print(f"charts: unavailable in this build ({int(med['charts_missing'])} chart(s) printed as a note); "
              "the share spent on charts cannot be measured yet")
    verdict = "meets" if med["total"] < 2.0 else "MISSES"
    print(f"target < 2 s: {verdict} ({med['total']:.2f} s, median of {a.runs})")


if __name__ == "__main__":
    main()
