"""The offline installer kit (issue 9): packaging/wheelhouse.sh collects a wheel of every pinned dependency
plus the dossier wheel; a fresh virtual environment installs from it with the package index switched off
(and every pip setting of this machine ignored, so nothing can come from anywhere but the kit); the
installed app then finds its data files inside the wheel (dossier/_resources, dossier/_db)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dossier import __version__

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent


def _no_pip_settings(env: dict) -> dict:
    env = {k: v for k, v in env.items() if not k.startswith("PIP_")}
    env["PIP_CONFIG_FILE"] = os.devnull  # no find-links / extra index / constraints from pip.conf
    return env


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("kit")
    wh = base / "wheelhouse"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DOSSIER_", "QT_"))}
    r = subprocess.run(["bash", str(REPO / "packaging" / "wheelhouse.sh")], cwd=REPO,
                       env={**env, "DOSSIER_WHEELHOUSE": str(wh)}, capture_output=True, text=True, timeout=1200)
    assert r.returncode == 0, r.stderr[-4000:]
    assert (wh / f"dossier-{__version__}-py3-none-any.whl").is_file()
    # the kit's checksums are right
    for line in (wh / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split(maxsplit=1)
        assert hashlib.sha256((wh / name).read_bytes()).hexdigest() == digest, name
    venv = base / "env"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    r = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--no-index",
                        "--find-links", str(wh), "dossier"],
                       env=_no_pip_settings(dict(os.environ)), capture_output=True, text=True, timeout=1200)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    return venv


@pytest.fixture
def run(installed, tmp_path):
    home = tmp_path / "home"
    env = {"PATH": f"{installed / 'bin'}:/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8",
           "QT_QPA_PLATFORM": "offscreen", "DOSSIER_DATA_DIR": str(home / "data"),
           "DOSSIER_CONFIG_DIR": str(home / "config")}

    def _run(*args: str, extra: dict | None = None) -> subprocess.CompletedProcess:
        return subprocess.run([str(installed / "bin" / "dossier"), *args], cwd=tmp_path,
                              env={**env, **(extra or {})}, capture_output=True, text=True, timeout=180)

    return _run


def test_installed_app_finds_its_data_files_in_the_wheel(run, installed):
    r = run("about", "--check", "--json")
    assert r.returncode == 0, r.stdout + r.stderr
    info = json.loads(r.stdout)
    assert info["problems"] == {} and info["frozen"] is False
    site = next((installed / "lib").glob("python3*/site-packages"))
    assert Path(info["resources"]) == site / "dossier" / "_resources"
    assert Path(info["db"]) == site / "dossier" / "_db"


def test_installed_init_sample_and_export(run, tmp_path):
    r = run("init", "x.db", "--sample")
    assert r.returncode == 0, r.stderr
    assert run("check", "--db", "x.db").returncode == 0
    r = run("export", "csv", "--db", "x.db", "--kind", "people")
    assert r.returncode == 0, r.stderr
    assert "Ri Kil Song" in r.stdout and "리길성" in r.stdout


def test_installed_gui_renders(run, tmp_path):
    png = tmp_path / "w.png"
    r = run(extra={"DOSSIER_SMOKE_PNG": str(png)})
    assert r.returncode == 0, r.stderr
    import numpy as np
    from PySide6.QtGui import QImage

    img = QImage(str(png)).convertToFormat(QImage.Format.Format_RGB32)
    assert img.width() >= 800
    px = np.frombuffer(img.constBits(), dtype=np.uint32, count=img.width() * img.height())
    assert len(np.unique(px)) >= 40
