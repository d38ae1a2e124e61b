"""Encryption benchmark (issue 10): import, open and timeline-like range queries on an encrypted
database against the same on a plain one, measured in the same run; prints the ratios (target 1.3x).

    .venv/bin/python bench/crypto_bench.py [--events 10000] [--queries 300] [--repeat 5]

- import: the real importer (`services.importing.import_files`, one transaction) of a synthetic
  events CSV (fixed seed) into a fresh database that holds the sample data set;
- open: `services.database.open_database` (connect, key, quick_check, schema check), median of
  --repeat; for the encrypted database this includes SQLCipher's KDF (PBKDF2-HMAC-SHA512, 256,000
  iterations), which is deliberately slow: it is also timed alone;
- range queries: a timeline pan, i.e. --queries windows of 2 years over 40 years, each
  `SELECT ... FROM event WHERE start_lo BETWEEN ? AND ? ORDER BY start_lo` (index event_time), on a
  fresh connection (first pass: pages read and, when encrypted, decrypted; second pass: cached).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

D0, D1 = 723546, 738886  # 1982-01-01 .. 2024-01-01
PW = "bench passphrase ü 🔑"


def make_csv(path: Path, n: int) -> None:
    import datetime as dt

    rnd = random.Random(20261127)
    kinds = ["meeting", "visit", "signing", "statement", "announcement"]
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "kind", "title", "start", "end", "place", "country", "summary", "source"])
        for k in range(n):
            s = rnd.randint(D0, D1 - 30)
            start = dt.date.fromordinal(s).isoformat()
            end = dt.date.fromordinal(s + rnd.randint(0, 20)).isoformat() if rnd.random() < 0.5 else ""
            w.writerow([f"bench-{k}", rnd.choice(kinds), f"Bench event {k}", start, end, "Phnom Penh", "KHM",
                        f"Synthetic event number {k} for the encryption benchmark.", "seed-article"])


def bench_one(folder: Path, src: Path, key: str | None, queries: int, repeat: int) -> dict[str, float]:
    from dossier.services.database import close_database, create_database, open_database
    from dossier.services.importing import import_files
    from dossier.storage import crypto
    from dossier.storage.connection import connect

    out: dict[str, float] = {}
    p = folder / ("enc.db" if key else "plain.db")
    close_database(create_database(p, sample=True, key=key))
    db = open_database(p, key=key)
    t = time.perf_counter()
    rep = import_files(db, [src])
    out["import"] = time.perf_counter() - t
    assert rep.ok, rep.errors[:3]
    close_database(db)

    times = []
    for _ in range(repeat):
        crypto.forget()
        t = time.perf_counter()
        db = open_database(p, key=key)
        times.append(time.perf_counter() - t)
        close_database(db)
    out["open"] = statistics.median(times)

    rnd = random.Random(7)
    windows = [(a, a + 730) for a in (rnd.randint(D0, D1 - 730) for _ in range(queries))]
    sql = ("SELECT id, kind, title, start_lo, start_hi, end_lo, end_hi FROM event "
           "WHERE start_lo BETWEEN ? AND ? ORDER BY start_lo")
    db = connect(p, key=key, readonly=True)
    rows = 0
    for label in ("query_first", "query_cached"):
        t = time.perf_counter()
        for a, b in windows:
            rows += len(db.conn.execute(sql, (a, b)).fetchall())
        out[label] = time.perf_counter() - t
    db.conn.close()
    out["rows"] = rows
    out["size_mb"] = p.stat().st_size / 1e6
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=10_000)
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=3, help="plain and encrypted alternate; medians are shown")
    a = ap.parse_args()
    runs: dict[str, list[dict[str, float]]] = {"plain": [], "enc": []}
    with tempfile.TemporaryDirectory(prefix="dossier-crypto-bench-") as d:
        src = Path(d) / "events.csv"
        make_csv(src, a.events)
        for r in range(a.rounds):  # alternate which goes first: the machine's load drifts
            for which in (("plain", "enc") if r % 2 == 0 else ("enc", "plain")):
                folder = Path(d) / f"{which}{r}"
                folder.mkdir()
                runs[which].append(bench_one(folder, src, PW if which == "enc" else None, a.queries, a.repeat))
    kdfs = []
    for _ in range(a.repeat):
        t = time.perf_counter()
        hashlib.pbkdf2_hmac("sha512", PW.encode(), b"0123456789abcdef", 256_000, 32)
        kdfs.append(time.perf_counter() - t)
    kdf = statistics.median(kdfs)
    plain = {k: statistics.median(x[k] for x in runs["plain"]) for k in runs["plain"][0]}
    enc = {k: statistics.median(x[k] for x in runs["enc"]) for k in runs["enc"][0]}
    import sqlite3

    from sqlcipher3 import dbapi2 as sqlcipher

    print(f"Dossier encryption benchmark: {a.events} events imported, {a.queries} range queries "
          f"(2-year windows), open = median of {a.repeat}; medians of {a.rounds} alternating rounds")
    print(f"plain: stdlib sqlite3 (SQLite {sqlite3.sqlite_version}); encrypted: sqlcipher3 "
          f"(SQLite {sqlcipher.sqlite_version}, SQLCipher 4 defaults)")
    print(f"database size: plain {plain['size_mb']:.1f} MB, encrypted {enc['size_mb']:.1f} MB; "
          f"rows returned per pass {int(plain['rows'] // 2)}")
    print(f"{'operation':<34}{'plain':>10}{'encrypted':>12}{'ratio':>8}")
    for key, label in (("import", "import (one transaction)"), ("open", "open (incl. KDF when encrypted)"),
                       ("query_first", "range queries, first pass"), ("query_cached", "range queries, cached")):
        r = enc[key] / plain[key]
        mark = "" if r <= 1.3 else "  > 1.3x"
        print(f"{label:<34}{plain[key] * 1000:>8.1f}ms{enc[key] * 1000:>10.1f}ms{r:>7.2f}x{mark}")
    print(f"{'  of which the KDF alone':<34}{'':>10}{kdf * 1000:>10.1f}ms")
    no_kdf = max(enc["open"] - kdf, 0.0)
    print(f"{'open without the KDF (estimate)':<34}{plain['open'] * 1000:>8.1f}ms{no_kdf * 1000:>10.1f}ms"
          f"{no_kdf / plain['open']:>7.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
