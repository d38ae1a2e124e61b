"""Nothing readable outside (issue 10, RELIABILITY.md group K): a unique canary string goes into an
encrypted database through the CLI and the GUI; then every file under the test's folders (database,
WAL, -shm, journals, backups, temp folder, HOME, the settings and data folders) is searched for the
canary in UTF-8, UTF-16LE and UTF-16BE.  A plain database run through the same scan is the control
that proves the scan finds what is there."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from test_crypto_gui import Driver

from dossier.services.backups import backup_before
from dossier.services.importing import import_files
from dossier.services.session import Session
from dossier.storage import crypto

PW = "canary 'test' ü 🔑"


def _needles(canary: str) -> dict[str, bytes]:
    return {enc: canary.encode(enc) for enc in ("utf-8", "utf-16-le", "utf-16-be")}


def scan(roots: list[Path], canary: str) -> list[str]:
    """Every regular file under roots, read whole; returns 'file: encoding' for each hit."""
    hits, n = [], 0
    needles = _needles(canary)
    for root in roots:
        for dirpath, _dirs, files in os.walk(root):
            for f in files:
                p = Path(dirpath) / f
                if not p.is_file():
                    continue
                data = p.read_bytes()
                n += 1
                hits += [f"{p}: {enc}" for enc, nd in needles.items() if nd in data]
    scan.files = n  # type: ignore[attr-defined]
    return hits


def _csv(path: Path, canary: str) -> Path:
    path.write_text(
        "id,name,nationality,summary,source,quote\n"
        f"canary-person,{canary} Person,KHM,Summary {canary},seed-article,Quote {canary}\n", "utf-8")
    return path


def _env(tmp: Path, **extra: str) -> dict[str, str]:
    e = {k: v for k, v in os.environ.items() if k not in ("DOSSIER_PASSPHRASE", "DOSSIER_NEW_PASSPHRASE")}
    e.update(HOME=str(tmp / "home"), TMPDIR=str(tmp / "tmp"), XDG_CACHE_HOME=str(tmp / "home" / ".cache"),
             XDG_CONFIG_HOME=str(tmp / "home" / ".config"), XDG_DATA_HOME=str(tmp / "home" / ".local"),
             **extra)
    return e


def _cli(tmp: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dossier", *args], capture_output=True, text=True, timeout=120,
                          env=_env(tmp, **env), stdin=subprocess.DEVNULL)


def _exercise(tmp: Path, qtbot, monkeypatch, *, encrypted: bool) -> tuple[str, str]:
    """Create, import, check, export to stdout, change passphrase, back up, use the window.
    Returns (canary, what the CSV export printed)."""
    canary = f"CANARY{uuid.uuid4().hex}"
    for d in ("home", "tmp"):
        (tmp / d).mkdir()
    for k, v in _env(tmp).items():
        if k in ("HOME", "TMPDIR") or k.startswith("XDG_"):
            monkeypatch.setenv(k, v)
    db = tmp / "work" / "c.db"
    db.parent.mkdir()
    key = {"DOSSIER_PASSPHRASE": PW} if encrypted else {}
    r = _cli(tmp, "init", str(db), "--sample", *(["--encrypt"] if encrypted else []), **key)
    assert r.returncode == 0, r.stderr
    src = _csv(tmp / "work" / "canary-people.csv", canary)
    r = _cli(tmp, "import", "--db", str(db), str(src), **key)
    assert r.returncode == 0 and "1 added" in r.stdout, r.stderr
    src.unlink()  # the user's own input file is not ours to protect
    assert _cli(tmp, "check", "--db", str(db), **key).returncode == 0
    r = _cli(tmp, "export", "csv", "--db", str(db), "--kind", "people", **key)
    exported = r.stdout
    if encrypted:
        r = _cli(tmp, "passphrase", "--db", str(db), DOSSIER_PASSPHRASE=PW, DOSSIER_NEW_PASSPHRASE=PW + "2")
        assert r.returncode == 0, r.stderr
        r = _cli(tmp, "passphrase", "--db", str(db), DOSSIER_PASSPHRASE=PW + "2", DOSSIER_NEW_PASSPHRASE=PW)
        assert r.returncode == 0, r.stderr

    # the GUI, offscreen, with the passphrase prompt
    from dossier.app import build_window
    from dossier.ui.passphrase import install_prompt

    monkeypatch.delenv("DOSSIER_PASSPHRASE", raising=False)
    install_prompt()
    drv = Driver(qtbot, [("passphrase", {"passphrase-current": PW}, None)] if encrypted else [])
    w = build_window(db, False)
    drv.stop()
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.browser.search.setText(canary[:12])  # search box: data shown in widgets
    qtbot.waitUntil(lambda: w.browser.lists["search"].count() > 0)
    w.browser.select("person", "canary-person")
    qtbot.waitUntil(lambda: canary in w.details.text())
    backup_before(w.session.db, db, "canary")  # a verified backup, encrypted like the database
    # a second write while the database is open: its WAL holds fresh pages during the scan below
    more = _csv(tmp / "more.csv", canary + "X")
    worker = Session(db, w.session.db).connect_worker()
    rep = import_files(worker, [more])
    assert rep.ok, rep.errors
    more.unlink()
    wal = Path(str(db) + "-wal")
    assert wal.exists() and wal.stat().st_size > 0
    scan.mid = scan([tmp], canary)  # type: ignore[attr-defined]
    worker.conn.close()
    w.save_layout()
    w.close()
    return canary, exported


def _roots(tmp: Path) -> list[Path]:
    return [tmp, Path(os.environ["DOSSIER_CONFIG_DIR"]), Path(os.environ["DOSSIER_DATA_DIR"])]


def test_canary_nowhere_outside_an_encrypted_database(tmp_path, qtbot, monkeypatch, capsys):
    canary, exported = _exercise(tmp_path, qtbot, monkeypatch, encrypted=True)
    assert canary in exported  # the data is really there: decrypted by the export
    assert scan.mid == []  # type: ignore[attr-defined]  # with the database open and a full WAL
    hits = scan(_roots(tmp_path), canary)
    files = scan.files  # type: ignore[attr-defined]
    listing = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    with capsys.disabled():
        print(f"\ncanary scan: {files} files under {', '.join(map(str, _roots(tmp_path)))}; "
              f"needles {canary} in utf-8/utf-16-le/utf-16-be; hits: {hits or 'none'}")
        print("  files: " + ", ".join(listing))
    assert hits == []
    assert any("c.backups" in f for f in listing) and files >= 3


def test_the_scan_finds_the_canary_in_a_plain_database(tmp_path, qtbot, monkeypatch):
    """The control: the same steps on a plain database leave the canary readable in the files."""
    crypto.set_key_provider(None)
    canary, exported = _exercise(tmp_path, qtbot, monkeypatch, encrypted=False)
    hits = scan(_roots(tmp_path), canary)
    assert any(h.endswith("c.db: utf-8") for h in hits), hits
    assert any("c.backups" in h for h in hits), hits
    assert any(h.endswith("c.db-wal: utf-8") for h in scan.mid), scan.mid  # type: ignore[attr-defined]


@pytest.mark.parametrize("enc", ["utf-16-le", "utf-16-be"])
def test_the_scan_sees_utf16(tmp_path, enc):
    (tmp_path / "x.bin").write_bytes(b"\x00junk" + "CANARYabc".encode(enc) + b"junk")
    assert scan([tmp_path], "CANARYabc") == [f"{tmp_path / 'x.bin'}: {enc}"]
