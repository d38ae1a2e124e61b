"""Encryption benchmark (issue 10): import, open and timeline-like range queries on an encrypted
database against the same on a plain one, measured in the same run; prints the ratios (target 1.3x).

    .venv/bin/python bench/crypto_bench.py [--events 10000] [--queries 300] [--repeat 5]

- import: the real importer (`services.importing.import_files`, one transaction) of a synthetic
  events CSV (fixed seed) into a fresh database that holds the sample data set;
- open (medians of --repeat), encrypted vs plain:
  * first in a process: `services.database.open_database` (read-only probe, quick_check, write
    connection, schema check) with nothing derived yet: the encrypted one runs SQLCipher 4's KDF
    (PBKDF2-HMAC-SHA512, 256,000 iterations, deliberately slow) once; the KDF is also timed alone;
  * again: the same with the key already derived in this process (every later open);
  * worker: `open_worker_connection`, what each worker thread (timeline, import, PDF) pays;
  * window: `Session.open(defer_check=True)` (instance lock, open_database, recovery check) plus
    one worker connection, first in a process and again: what the window waits for at start (an
    encrypted file's full quick_check then runs on its own thread, timed on its own);
- range queries: a timeline pan, i.e. --queries windows of 2 years over 40 years, each
  `SELECT ... FROM event WHERE start_lo BETWEEN ? AND ? ORDER BY start_lo` (index event_time), on a
  fresh connection (first pass: pages read and, when encrypted, decrypted; second pass: cached).
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
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
    from dossier.services.database import close_database, create_database, open_database, open_worker_connection
    from dossier.services.session import Session
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

    def timed(fn) -> float:
        times = []
        for _ in range(repeat):
            times.append(fn())
        return statistics.median(times)

    def open_first() -> float:  # a fresh process: nothing derived yet (the one KDF when encrypted)
        crypto.forget()
        t = time.perf_counter()
        d = open_database(p, key=key)
        dt = time.perf_counter() - t
        close_database(d)
        return dt

    def open_again() -> float:  # the key is derived already: what every later open pays
        close_database(open_database(p, key=key))
        t = time.perf_counter()
        d = open_database(p, key=key)
        dt = time.perf_counter() - t
        close_database(d)
        return dt

    def worker() -> float:  # another thread's connection to the open database (Session.connect_worker)
        d = open_database(p, key=key)
        t = time.perf_counter()
        w = open_worker_connection(p)
        dt = time.perf_counter() - t
        w.conn.close()
        close_database(d)
        return dt

    def window_open(first: bool) -> Callable[[], float]:
        def run() -> float:  # the window's path (app.build_window): Session.open (lock, probe, write
            if first:        # connection, recovery check; an encrypted file's check deferred) + 1 worker
                crypto.forget()
            else:
                s0 = Session.open(p, key=key, defer_check=True)
                _settle(s0)
                s0.close()
            t = time.perf_counter()
            s = Session.open(p, key=key, defer_check=True)
            w = s.connect_worker()
            dt = time.perf_counter() - t
            w.conn.close()
            _settle(s)
            s.close()
            return dt
        return run

    def _settle(s: Session) -> float:  # let a deferred check finish (it is measured on its own below)
        chk = s.open_check
        if chk is None:
            return 0.0
        chk.wait()
        assert chk.ok, chk.error
        return chk.seconds or 0.0

    def deferred_check() -> float:  # what the encrypted window's background check takes (plain: none)
        s = Session.open(p, key=key, defer_check=True)
        dt = _settle(s)
        s.close()
        return dt

    def quick_check(lib: str) -> float:  # what open's quick_check costs on a fresh connection
        if lib == "sqlcipher-plain":
            from sqlcipher3 import dbapi2 as sqlcipher

            c = sqlcipher.connect(str(p))
        else:
            c = crypto.raw_connect(p, key) if key else __import__("sqlite3").connect(str(p))
        t = time.perf_counter()
        c.execute("PRAGMA quick_check").fetchall()
        dt = time.perf_counter() - t
        c.close()
        return dt

    out["quick_check"] = timed(lambda: quick_check("app"))
    if key is None:  # the same plain file through SQLCipher's newer SQLite (no key): the version's share
        out["quick_check_sqlcipher_lib"] = timed(lambda: quick_check("sqlcipher-plain"))
    out["open_first"] = timed(open_first)
    out["open_again"] = timed(open_again)
    out["worker"] = timed(worker)
    out["app_open"] = timed(window_open(first=True))
    out["app_open_again"] = timed(window_open(first=False))
    out["deferred_check"] = timed(deferred_check)

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
    from dossier.storage.crypto.keys import derive_key

    kdfs = []
    for _ in range(a.repeat):
        t = time.perf_counter()
        derive_key(PW, b"0123456789abcdef")
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
    rows = (("import", "import (one transaction)"),
            ("open_first", "open, first in a process (1 KDF)"),
            ("open_again", "open again (key already derived)"),
            ("worker", "worker connection (key derived)"),
            ("app_open", "window open + 1 worker, first"),
            ("app_open_again", "window open + 1 worker, key derived"),
            ("query_first", "range queries, first pass"),
            ("query_cached", "range queries, cached"))
    print(f"{'operation':<36}{'plain':>10}{'encrypted':>12}{'ratio':>8}")
    for k, label in rows:
        r = enc[k] / plain[k]
        mark = "" if r <= 1.3 else "  over the 1.3x target"
        print(f"{label:<36}{plain[k] * 1000:>8.1f}ms{enc[k] * 1000:>10.1f}ms{r:>7.2f}x{mark}")
    print(f"{'the KDF alone (PBKDF2, in Python)':<36}{'':>10}{kdf * 1000:>10.1f}ms")
    qc = plain["quick_check_sqlcipher_lib"]
    qlabel, qlabel2 = "open's quick_check, fresh connection", "  plain file, SQLCipher's SQLite"
    print(f"{qlabel:<36}{plain['quick_check'] * 1000:>8.1f}ms"
          f"{enc['quick_check'] * 1000:>10.1f}ms{enc['quick_check'] / plain['quick_check']:>7.2f}x")
    print(f"{qlabel2:<36}{qc * 1000:>8.1f}ms{'':>12}"
          f"{qc / plain['quick_check']:>7.2f}x  (its newer SQLite also checks the FTS5 index)")
    bg = enc["deferred_check"]
    print(f"{'window: check after it opens (thread)':<36}{'(before)':>10}{bg * 1000:>10.1f}ms"
          f"{bg / plain['quick_check']:>7.2f}x  vs the plain file's check before opening")
    print("The window opens an encrypted database without decrypting every page first: SQLCipher authenticates")
    print("each page it reads, so the full quick_check runs on its own thread while the window shows, and writes")
    print("wait for it (services/open_check.py). The CLI's open (open_database) still checks first.")
    print("An encrypted database pays the KDF once per passphrase and file in a process (the first open);")
    print("the read-only probe, the write connection and every worker connection then use the derived key.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
