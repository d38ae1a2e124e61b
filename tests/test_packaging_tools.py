"""The quick parts of packaging (issue 9): icons rendered with Qt, the GUI smoke mode, `dossier about`."""

from __future__ import annotations

import json
import os
import re
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parent.parent


def _colours(img) -> int:
    from PySide6.QtGui import QImage

    img = img.convertToFormat(QImage.Format.Format_ARGB32)
    return len(np.unique(np.frombuffer(img.constBits(), dtype=np.uint32, count=img.width() * img.height())))


def test_icons_rendered_for_linux_windows_and_macos(tmp_path, qapp):
    sys.path.insert(0, str(REPO / "packaging"))
    try:
        import render_icons
    finally:
        sys.path.pop(0)
    assert render_icons.main([str(tmp_path)]) == 0
    from PySide6.QtGui import QImage, QImageReader

    for size in render_icons.PNG_SIZES:
        img = QImage(str(tmp_path / "hicolor" / f"{size}x{size}" / "apps" / "dossier.png"))
        assert (img.width(), img.height()) == (size, size)
        assert _colours(img) >= 4  # the dark frame, the paper, the red band, transparency
        assert img.pixelColor(0, 0).alpha() == 0 and img.pixelColor(size // 2, size // 2).alpha() == 255
    ico = (tmp_path / "dossier.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", ico[:6])
    assert (reserved, kind, count) == (0, 1, len(render_icons.ICO_SIZES))
    reader = QImageReader(str(tmp_path / "dossier.ico"))
    sizes = set()
    for i in range(reader.imageCount()):
        reader.jumpToImage(i)
        sizes.add(reader.read().width())
    assert sizes == set(render_icons.ICO_SIZES)
    icns = (tmp_path / "dossier.icns").read_bytes()
    assert icns[:4] == b"icns" and struct.unpack(">I", icns[4:8])[0] == len(icns)
    assert QImageReader(str(tmp_path / "dossier.icns")).imageCount() == len(render_icons.ICNS_TYPES)


def _smoke(tmp_path, png: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, DOSSIER_SMOKE_PNG=str(png), QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(REPO))
    return subprocess.run([sys.executable, "-m", "dossier", *args], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.gui
def test_smoke_mode_renders_the_window_and_exits(tmp_path, sample_db_path):
    png = tmp_path / "w.png"
    r = _smoke(tmp_path, png, "--db", str(sample_db_path))
    assert r.returncode == 0, r.stderr
    shown = float(re.search(r"dossier-smoke: shown-at=(\d+\.\d+)", r.stdout).group(1))
    assert abs(shown - png.stat().st_mtime) < 30
    from PySide6.QtGui import QImage

    img = QImage(str(png))
    assert img.width() >= 800 and _colours(img) >= 40


@pytest.mark.gui
def test_smoke_mode_exit_1_when_the_png_cannot_be_written(tmp_path, sample_db_path):
    r = _smoke(tmp_path, tmp_path / "no-such-folder" / "w.png", "--db", str(sample_db_path))
    assert r.returncode == 1
    assert "saved=False" in r.stdout


def test_about_check_lists_the_libraries_and_imports_every_module(capsys):
    from dossier.cli.main import main

    assert main(["about", "--check", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["problems"] == {}
    assert info["libraries"]["Qt"].startswith("PySide6 6.")
    assert "countries" in info["libraries"]["pycountry"]
    assert Path(info["resources"]) == REPO / "resources"
    assert info["modules"] >= 30


def test_about_check_reports_a_module_that_does_not_import(monkeypatch, capsys):
    from dossier.cli import about

    real = about.importlib.import_module

    def broken(name, *a, **k):
        if name == "dossier.ui.plain":
            raise ImportError("No module named 'some_missing_dependency'")
        return real(name, *a, **k)

    monkeypatch.setattr(about.importlib, "import_module", broken)
    from dossier.cli.main import main

    assert main(["about", "--check"]) == 1
    err = capsys.readouterr().err
    assert "dossier.ui.plain: ImportError: No module named 'some_missing_dependency'" in err
