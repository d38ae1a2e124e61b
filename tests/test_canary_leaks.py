"""Catalogue group K (plaintext beyond the database): a canary string is imported and the app is used
(window opened, record selected, searched, scheduled backup, closed; nothing exported).  Every file
written under the run's HOME, config, data, cache and temp folders is then scanned: the canary may
appear only in the database, its -wal, and its backups (which are databases)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest

pytestmark = pytest.mark.gui

DRIVER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from PySide6.QtWidgets import QApplication
    app = QApplication(sys.argv[:1])
    from dossier.app import build_window
    db, canary = Path(sys.argv[1]), sys.argv[2]
    w = build_window(db, False)
    w.show()
    for _ in range(5):
        app.processEvents()
    assert w.browser.select("person", "canary-1")
    app.processEvents()
    assert canary in w.details.text()
    w.browser.search.setText(canary[:10])
    app.processEvents()
    assert w.browser.lists["search"].count() == 1
    w.settings.set("backup/interval_hours", 0.000001)
    job = w.safety.tick()                        # a scheduled backup, made in a worker thread
    assert job is not None
    while w.safety.job is not None:
        app.processEvents()
    assert job.result is not None and job.result.exists()
    w.close()
    print("driven")
""")


def _allowed(p: Path, db: Path) -> bool:
    name = p.name
    in_db_dir = p.parent == db.parent and (name == db.name or name in (db.name + "-wal", db.name + "-shm"))
    in_backups = p.parent.name == f"{db.stem}.backups" and name.endswith(".db")
    return in_db_dir or in_backups


def test_canary_is_found_only_in_the_database(tmp_path):
    canary = "CANARY" + uuid.uuid4().hex[:16].upper()
    root = tmp_path / "root"
    home, tmp = root / "home", root / "tmp"
    for d in (home, tmp, root / "cfg", root / "data", root / "xdg-cache", root / "xdg-config", root / "xdg-data",
              root / "dbs"):
        d.mkdir(parents=True)
    env = dict(os.environ, HOME=str(home), TMPDIR=str(tmp), DOSSIER_CONFIG_DIR=str(root / "cfg"),
               DOSSIER_DATA_DIR=str(root / "data"), XDG_CACHE_HOME=str(root / "xdg-cache"),
               XDG_CONFIG_HOME=str(root / "xdg-config"), XDG_DATA_HOME=str(root / "xdg-data"),
               XDG_RUNTIME_DIR=str(tmp), QT_QPA_PLATFORM="offscreen")
    db = root / "dbs" / "case.db"
    run = lambda *a: subprocess.run([sys.executable, *a], env=env, capture_output=True, text=True, timeout=300)  # noqa: E731
    r = run("-m", "dossier", "init", str(db), "--sample")
    assert r.returncode == 0, r.stderr
    src = tmp_path / "incoming" / "people.csv"  # the user's own file lives outside the scanned folders
    src.parent.mkdir()
    src.write_text(f"id,name,summary\ncanary-1,{canary} Person,{canary} summary\n", "utf-8")
    r = run("-m", "dossier", "import", "--db", str(db), str(src))
    assert r.returncode == 0, r.stderr
    r = run("-c", DRIVER, str(db), canary)
    assert r.returncode == 0 and "driven" in r.stdout, r.stderr
    needles = [canary.encode("utf-8"), canary.encode("utf-16-le"), canary.lower().encode("utf-8")]
    written, hits, leaks = [], [], []
    for p in root.rglob("*"):
        if not p.is_file():
            continue
        written.append(p)
        data = p.read_bytes()
        if any(n in data for n in needles):
            hits.append(p)
            if not _allowed(p, db):
                leaks.append(p)
    assert db in hits, "the canary must be in the database (else this test proves nothing)"
    assert any(p.parent.name == "case.backups" for p in hits), "and in its backups"
    assert not leaks, f"canary found outside the database: {leaks}"
    # and the things we expect were really written (the scan looked at them)
    names = {p.name for p in written}
    assert "settings.ini" in names and "case.db.lock" in names
    assert not any(re.search(r"import-journal", n) for n in names), "the journal is gone after the import"
