"""Catalogue group DB: kill -9 at random moments of the REAL importer, a migration and a backup.

A child process runs `python -m dossier ...`; the parent SIGKILLs it at a random moment, or inside the
commit window (the test-only pause `DOSSIER_TEST_PAUSE_BEFORE_COMMIT`, off by default, touches a marker
and sleeps right before COMMIT; the kill lands just before, during or just after COMMIT).  After every
kill: integrity_check is ok, and the whole database dump is byte-identical either to the state before
(the change wholly absent) or to a reference run that completed (wholly present) - there is no third
state.  The app then tells which, by the import journal keyed by the files' SHA-256.
"""

from __future__ import annotations

import csv
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROWS = 20_000
IMPORT_RUNS_RANDOM = 12
IMPORT_RUNS_COMMIT = 12
MIGRATION_RUNS = 8
BACKUP_RUNS = 5
_TS = re.compile(r"'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00'")


def dump(path: Path) -> str:
    """Every row of every table as SQL text (the import's own timestamps in import_batch and change_log
    normalised: they differ between the reference run and a killed run)."""
    c = sqlite3.connect(path)
    try:
        lines = [f"PRAGMA user_version = {c.execute('PRAGMA user_version').fetchone()[0]}"]
        for line in c.iterdump():
            if line.startswith(('INSERT INTO "import_batch"', 'INSERT INTO "change_log"')):
                line = _TS.sub("'TS'", line)
            lines.append(line)
        return "\n".join(lines)
    finally:
        c.close()


def integrity(path: Path) -> str:
    c = sqlite3.connect(path)
    try:
        return c.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        c.close()


def child_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("DOSSIER_TEST_PAUSE_BEFORE_COMMIT", None)
    env.update(extra)
    return env


def run_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dossier", *args], capture_output=True, text=True,
                          env=env or child_env(), timeout=300)


def kill_at(cmd: list[str], delay: float, env: dict, marker: Path | None = None) -> int | None:
    """Start cmd; SIGKILL it `delay` s after start (or after `marker` appears).  Returns its exit code
    when it finished before the kill, None when it was killed."""
    p = subprocess.Popen([sys.executable, "-m", "dossier", *cmd], env=env, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    if marker is not None:
        t0 = time.monotonic()
        while not marker.exists() and p.poll() is None and time.monotonic() - t0 < 120:
            time.sleep(0.002)
    time.sleep(delay)
    if p.poll() is not None:
        return p.returncode
    p.send_signal(signal.SIGKILL)
    p.wait()
    return None


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from dossier.services.database import close_database, create_database

    d = tmp_path_factory.mktemp("killloop")
    base = d / "base.db"
    close_database(create_database(base, sample=True))
    people = d / "people.csv"
    with people.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "name", "native_name", "summary", "source"])
        for i in range(ROWS):
            w.writerow([f"k{i:06d}", f"Kil Person {i}", "리길성" if i % 3 == 0 else "ប្រាក់ សុខុន",
                        f"row {i} of the kill loop", "seed-article" if i % 2 == 0 else ""])
    # the reference: the same import, not interrupted
    ref = d / "ref.db"
    shutil.copyfile(base, ref)
    t = time.monotonic()
    r = run_cli("import", "--db", str(ref), str(people))
    took = time.monotonic() - t
    assert r.returncode == 0, r.stderr
    return {"dir": d, "base": base, "people": people, "before": dump(base), "after": dump(ref), "took": took}


def _check_backups(db: Path) -> None:
    from dossier.services import backups

    for b in backups.list_backups(db):
        assert backups.verify_file(b.path) == [], f"a backup in rotation does not verify: {b.path}"


def _one_import_run(world, i: int, commit_window: bool, rng: random.Random, results: dict) -> None:
    from dossier.services import recovery

    run = world["dir"] / f"imp{i}"
    run.mkdir()
    db = run / "k.db"
    shutil.copyfile(world["base"], db)
    marker = run / "commit-window"
    if commit_window:
        env = child_env(DOSSIER_TEST_PAUSE_BEFORE_COMMIT=f"0.3:{marker}")
        delay = rng.uniform(0.22, 0.42)  # before, inside and just after COMMIT
        code = kill_at(["import", "--db", str(db), str(world["people"])], delay, env, marker)
    else:
        delay = rng.uniform(0.1, world["took"] * 1.15)
        code = kill_at(["import", "--db", str(db), str(world["people"])], delay, child_env())
    journal = recovery.journal_path(db).exists()
    assert integrity(db) == "ok"
    state = dump(db)
    if state == world["before"]:
        outcome = "absent"
    elif state == world["after"]:
        outcome = "present"
    else:
        results["partial"] += 1
        pytest.fail(f"run {i}: the database is neither as before nor wholly imported (partial import)")
    results[outcome] += 1
    results["killed" if code is None else "finished"] += 1
    _check_backups(db)
    if journal:
        results["journal"] += 1
        # the app tells which it was (the CLI path: `dossier check`, in-process)
        from dossier.cli.main import main

        import contextlib
        import io

        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            assert main(["check", "--db", str(db)]) == 0
        msg = err.getvalue()
        assert ("wholly present" in msg) == (outcome == "present"), msg
        assert ("wholly absent" in msg) == (outcome == "absent"), msg
        assert "people.csv" in msg
        assert not recovery.journal_path(db).exists()
        results["told"] += 1


def test_kill_loop_import(world, capsys):
    rng = random.Random(int(os.environ.get("DOSSIER_KILL_SEED", "7")))
    results = {"absent": 0, "present": 0, "partial": 0, "killed": 0, "finished": 0, "journal": 0, "told": 0}
    runs = [False] * IMPORT_RUNS_RANDOM + [True] * IMPORT_RUNS_COMMIT
    for i, commit in enumerate(runs):
        _one_import_run(world, i, commit, rng, results)
    with capsys.disabled():
        print(f"\nkill loop (import of {ROWS:,} rows, {len(runs)} runs, {IMPORT_RUNS_COMMIT} in the commit "
              f"window; an uninterrupted import took {world['took']:.1f} s): {json.dumps(results)}")
    assert results["partial"] == 0
    assert results["killed"] >= len(runs) // 2, "most runs must really be killed mid-way"
    assert results["absent"] > 0 and results["present"] > 0, "both outcomes must occur for the test to mean much"
    assert results["told"] == results["journal"] > 0


def _old_schema_copy(src: Path, dst: Path) -> None:
    """A database as an older Dossier (schema 3) left it: migrations 5 (change log), 8 (merged ids) and
    13 (the browser's indexes) pending."""
    shutil.copyfile(src, dst)
    c = sqlite3.connect(dst, isolation_level=None)
    c.execute("DROP TABLE change_log")
    c.execute("DROP TABLE merged_id")
    for index in ("person_browse", "organization_browse", "event_browse"):
        c.execute(f"DROP INDEX {index}")
    c.execute("PRAGMA user_version = 3")
    c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    c.close()


def test_kill_loop_migration(tmp_path, capsys):
    from dossier.services.database import close_database, create_database
    from dossier.services.importing import import_files

    master = tmp_path / "master.db"
    db = create_database(master)
    people = tmp_path / "people.csv"
    with people.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "name", "summary"])
        for i in range(8000):
            w.writerow([f"m{i}", f"Migrant {i}", "x" * 40])
    assert import_files(db, [people]).ok
    close_database(db)
    old = tmp_path / "old.db"
    _old_schema_copy(master, old)
    before = dump(old)
    ref = tmp_path / "ref.db"
    shutil.copyfile(old, ref)
    r = run_cli("export", "csv", "--db", str(ref), "--kind", "sources", "-o", str(tmp_path / "s.csv"))
    assert r.returncode == 0, r.stderr
    after = dump(ref)
    assert after != before
    rng = random.Random(11)
    seen = {"old": 0, "migrated": 0}
    for i in range(MIGRATION_RUNS):
        run = tmp_path / f"mig{i}"
        run.mkdir()
        p = run / "old.db"
        shutil.copyfile(old, p)
        marker = run / "m"
        env = child_env(DOSSIER_TEST_PAUSE_BEFORE_COMMIT=f"0.2:{marker}") if i % 2 else child_env()
        # odd runs: inside the commit window (alternately well before COMMIT and around it)
        delay = (rng.uniform(0.0, 0.12) if i % 4 == 1 else rng.uniform(0.18, 0.3)) if i % 2 else rng.uniform(0.3, 1.2)
        kill_at(["export", "csv", "--db", str(p), "--kind", "sources", "-o", str(run / "s.csv")], delay, env,
                marker if i % 2 else None)
        assert integrity(p) == "ok"
        state = dump(p)
        assert state in (before, after), f"migration run {i}: half-migrated database"
        seen["old" if state == before else "migrated"] += 1
        _check_backups(p)
    with capsys.disabled():
        print(f"\nkill loop (migration, {MIGRATION_RUNS} runs): {seen}")
    assert seen["old"] > 0, "runs killed before COMMIT must leave the old schema"


def test_kill_loop_backup(world, capsys):
    rng = random.Random(5)
    outcomes = {"backup kept": 0, "no backup": 0}
    for i in range(BACKUP_RUNS):
        run = world["dir"] / f"bak{i}"
        run.mkdir()
        p = run / "k.db"
        shutil.copyfile(world["dir"] / "ref.db", p)
        before = dump(p)
        kill_at(["backup", "--db", str(p)], rng.uniform(0.2, 1.0), child_env())
        assert integrity(p) == "ok"
        assert dump(p) == before
        from dossier.services import backups

        _check_backups(p)
        outcomes["backup kept" if backups.list_backups(p) else "no backup"] += 1
    with capsys.disabled():
        print(f"\nkill loop (backup, {BACKUP_RUNS} runs): {outcomes}")
