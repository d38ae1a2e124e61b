"""Catalogue group O: offline, proven three ways (RELIABILITY.md rule 17).

1. conftest.py blocks Python's AF_INET/AF_INET6 sockets in every test (and this file checks it does);
2. a GUI smoke start (`python -m dossier --db SAMPLE` with $DOSSIER_SMOKE_PNG: render, save, quit) runs
   under `strace -f -e trace=socket,connect`; any AF_INET/AF_INET6 socket fails the test (Qt's own
   sockets escape a Python-level fixture);
3. the same smoke start and a CLI import run under `unshare -n` (no network namespace) when available.
Importers take local paths only: a URL is rejected with a clear message, never fetched.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import NetworkBlocked

REPO = Path(__file__).resolve().parent.parent
HOSTILE_HTML = "<img src='http://192.0.2.1/pixel.png'><a href='https://example.invalid/'>x</a>"


def _db_with_remote_references(tmp_path: Path) -> Path:
    """The sample plus data that points at the network (an <img src=http...> and a URL), so the
    smoke run would fetch if anything tried."""
    from dossier.services.database import close_database, create_database
    from dossier.services.importing import import_files

    p = tmp_path / "offline.db"
    db = create_database(p, sample=True)
    f = tmp_path / "people.csv"
    f.write_text(f'id,name,summary\nremote-1,"{HOSTILE_HTML}",http://192.0.2.1/x\n', "utf-8")
    assert import_files(db, [f]).ok
    close_database(db)
    return p


def _smoke_cmd(db: Path, png: Path) -> tuple[list[str], dict]:
    env = dict(os.environ, DOSSIER_SMOKE_PNG=str(png), QT_QPA_PLATFORM="offscreen")
    return [sys.executable, "-m", "dossier", "--db", str(db)], env


def test_python_sockets_are_blocked_in_tests():
    with pytest.raises(NetworkBlocked):
        socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    with pytest.raises(NetworkBlocked):
        socket.create_connection(("192.0.2.1", 80))
    socket.socket(socket.AF_UNIX).close()  # local sockets stay allowed


@pytest.mark.skipif(shutil.which("strace") is None,
                    reason="strace is not installed (scripts/bootstrap.sh test installs it on Debian)")
def test_gui_smoke_start_opens_no_internet_socket_under_strace(tmp_path, capsys):
    db = _db_with_remote_references(tmp_path)
    png = tmp_path / "smoke.png"
    trace = tmp_path / "strace.txt"
    cmd, env = _smoke_cmd(db, png)
    r = subprocess.run(["strace", "-f", "-qq", "-e", "trace=socket,connect", "-o", str(trace), *cmd], env=env,
                       capture_output=True, text=True, timeout=180)
    if r.returncode != 0 and "PTRACE" in r.stderr.upper():
        pytest.skip(f"strace cannot trace here: {r.stderr.strip()[:200]}")
    assert r.returncode == 0, r.stderr
    assert png.exists() and png.stat().st_size > 5000, "the smoke run must really have rendered the window"
    lines = trace.read_text().splitlines()
    calls = [ln for ln in lines if re.search(r"\b(socket|connect)\(", ln)]
    inet = [ln for ln in calls if "AF_INET" in ln]  # AF_INET and AF_INET6
    families = sorted({m.group(1) for ln in calls for m in [re.search(r"(AF_[A-Z0-9]+)", ln)] if m})
    with capsys.disabled():
        print(f"\noffline proof (strace -f -e trace=socket,connect, GUI smoke start): {len(calls)} socket/connect "
              f"calls, families {families or ['none']}, AF_INET/AF_INET6: {len(inet)}")
    assert not inet, "internet sockets opened:\n" + "\n".join(inet[:20])
    # the control: the same tracing sees an internet socket when one is made (the test can fail)
    ctl = tmp_path / "control.txt"
    subprocess.run(["strace", "-f", "-qq", "-e", "trace=socket,connect", "-o", str(ctl), sys.executable, "-c",
                    "import socket; socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).close()"], check=True,
                   capture_output=True, timeout=60)
    assert "AF_INET6" in ctl.read_text()


def _unshare_works() -> bool:
    if shutil.which("unshare") is None:
        return False
    return subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0


@pytest.mark.skipif(not _unshare_works(), reason="`unshare -n` is unavailable here (needs root or user namespaces)")
def test_gui_smoke_and_import_work_without_a_network_namespace(tmp_path, capsys):
    db = _db_with_remote_references(tmp_path)
    png = tmp_path / "smoke.png"
    cmd, env = _smoke_cmd(db, png)
    r = subprocess.run(["unshare", "-n", *cmd], env=env, capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stderr
    assert png.exists() and png.stat().st_size > 5000
    (tmp_path / "more").mkdir()
    f = tmp_path / "more" / "people.csv"
    f.write_text("id,name\nnet-1,No Network\n", "utf-8")
    r = subprocess.run(["unshare", "-n", sys.executable, "-m", "dossier", "import", "--db", str(db), str(f)],
                       capture_output=True, text=True, timeout=180)
    assert r.returncode == 0 and "1 added" in r.stdout, r.stderr
    with capsys.disabled():
        print("\noffline proof (unshare -n): GUI smoke start and CLI import succeeded with no network")


@pytest.mark.parametrize("url", ["http://192.0.2.1/people.csv", "https://example.invalid/people.csv",
                                 "ftp://192.0.2.1/people.csv", "file:///etc/passwd"])
def test_import_rejects_urls(sample_db_path, url, capsys):
    from dossier.cli.main import main

    assert main(["import", "--db", str(sample_db_path), url]) == 1
    err = capsys.readouterr().err
    assert "only local files can be imported" in err


def test_importer_service_rejects_urls_without_fetching(sample_db):
    from dossier.services.importing import import_files

    r = import_files(sample_db, ["http://192.0.2.1/people.csv"])
    assert not r.ok and "only local files" in str(r.errors[0])
