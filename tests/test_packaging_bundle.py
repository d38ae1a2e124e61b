"""Smoke test of the built bundle (issue 9): packaging/build.sh builds it once per test session (about a
minute), the archive is unpacked somewhere else (the bundle must not depend on where it was built), and
the unpacked executable runs with a scrubbed environment (no virtual environment, no PYTHONPATH).

Set DOSSIER_TEST_BUNDLE=/path/to/dist/dossier to test an already built folder instead of building."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from dossier import __version__
from dossier.domain.kinds import KINDS, ORDER

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def bundle(tmp_path_factory) -> Path:
    given = os.environ.get("DOSSIER_TEST_BUNDLE")
    if given:
        return Path(given)
    out = tmp_path_factory.mktemp("dist")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DOSSIER_", "QT_"))}
    env["DOSSIER_DIST_DIR"] = str(out)
    r = subprocess.run(["bash", str(REPO / "packaging" / "build.sh")], cwd=REPO, env=env,
                       capture_output=True, text=True, timeout=1800)
    assert r.returncode == 0, f"packaging/build.sh failed:\n{r.stdout[-3000:]}\n{r.stderr[-6000:]}"
    archives = list(out.glob(f"dossier-{__version__}-*.tar.gz"))
    assert len(archives) == 1, sorted(p.name for p in out.iterdir())
    dest = tmp_path_factory.mktemp("unpacked")
    with tarfile.open(archives[0]) as t:
        t.extractall(dest, filter="tar")
    shutil.rmtree(out / "dossier")  # only the unpacked copy is tested; keep /tmp small
    archives[0].unlink()
    return dest / "dossier"


@pytest.fixture
def run(bundle, tmp_path):
    """Run the bundle's executable as a user would on a machine without Python: scrubbed environment,
    own home and data folders, a working directory outside the checkout."""
    home = tmp_path / "home"
    home.mkdir()
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8", "QT_QPA_PLATFORM": "offscreen",
           "DOSSIER_DATA_DIR": str(home / "data"), "DOSSIER_CONFIG_DIR": str(home / "config")}

    def _run(*args: str, extra: dict | None = None, timeout: int = 120) -> subprocess.CompletedProcess:
        return subprocess.run([str(bundle / "dossier"), *args], cwd=tmp_path, env={**env, **(extra or {})},
                              capture_output=True, text=True, timeout=timeout)

    return _run


def test_version(run):
    r = run("--version")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == f"dossier {__version__}"


def test_every_module_library_and_data_file_loads_in_the_bundle(run, bundle):
    import json

    r = run("about", "--check", "--json")
    assert r.returncode == 0, r.stdout + r.stderr
    info = json.loads(r.stdout)
    assert info["frozen"] is True and info["problems"] == {}
    # the bundle's own copies, not the checkout's
    assert Path(info["resources"]).resolve() == (bundle / "_internal" / "resources").resolve()
    assert Path(info["db"]).resolve() == (bundle / "_internal" / "db").resolve()
    assert set(info["libraries"]) == {"Qt", "pyqtgraph", "numpy", "pandas", "SQLite", "pycountry", "edtf",
                                      "rapidfuzz", "platformdirs"}
    assert "NotoSansKR-Regular.otf" in info["files"]["fonts"] and "NotoSansKhmer.ttf" in info["files"]["fonts"]
    assert info["modules"] >= 30


def test_init_sample_check_and_export_csv_match_the_venv(run, tmp_path):
    r = run("init", "x.db", "--sample")
    assert r.returncode == 0, r.stderr
    assert "with the sample data set" in r.stdout
    assert run("check", "--db", "x.db").returncode == 0
    # every kind exported by the bundle is byte for byte what this venv's code exports from the same file
    from dossier.services import exporting
    from dossier.services.database import close_database, open_database

    db = open_database(tmp_path / "x.db")
    try:
        for kind in [k for k in ORDER if k in KINDS]:
            r = run("export", "csv", "--db", "x.db", "--kind", kind, "-o", f"{kind}.csv")
            assert r.returncode == 0, (kind, r.stderr)
            exporting.export_kind_to_file(db, kind, tmp_path / f"venv-{kind}.csv")
            assert (tmp_path / f"{kind}.csv").read_bytes() == (tmp_path / f"venv-{kind}.csv").read_bytes(), kind
    finally:
        close_database(db)
    people = (tmp_path / "people.csv").read_text(encoding="utf-8-sig")
    assert "Ri Kil Song" in people and "리길성" in people


def test_bad_input_is_reported_with_exit_1(run, tmp_path):
    bad = tmp_path / "people.csv"
    bad.write_text("id,name\nx,\n", encoding="utf-8")
    assert run("init", "y.db").returncode == 0
    r = run("import", "--db", "y.db", str(bad))
    assert r.returncode == 1
    assert "people.csv" in r.stderr


def test_export_pdf(run, tmp_path):
    helptext = run("export", "--help").stdout
    if not re.search(r"^\s+pdf\s", helptext, re.M):
        pytest.skip("`dossier export pdf` is not on this branch yet (the PDF issue adds it); "
                    "this step runs as soon as the exporter is registered")
    assert run("init", "x.db", "--sample").returncode == 0
    r = run("export", "pdf", "--db", "x.db", "--person", "Ri Kil Song", "-o", "ri.pdf", timeout=300)
    assert r.returncode == 0, r.stderr
    pdf = tmp_path / "ri.pdf"
    assert pdf.read_bytes()[:5] == b"%PDF-"
    from pypdf import PdfReader

    reader = PdfReader(str(pdf))
    text = " ".join(" ".join(page.extract_text() or "" for page in reader.pages).split())
    assert len(reader.pages) >= 1 and "Ri Kil Song" in text and "리길성" in text


def _venv(*args: str, cwd: Path, home: Path) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8", "QT_QPA_PLATFORM": "offscreen",
           "DOSSIER_DATA_DIR": str(home / "data"), "DOSSIER_CONFIG_DIR": str(home / "config"),
           "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "dossier", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)


def _pixels(png: Path):
    import numpy as np
    from PySide6.QtGui import QImage

    img = QImage(str(png)).convertToFormat(QImage.Format.Format_RGB32)
    return (img.width(), img.height()), np.frombuffer(img.constBits(), dtype=np.uint32,
                                                      count=img.width() * img.height()).copy()


@pytest.mark.parametrize("exporter, args", [
    ("image", ["--size", "1600x0"]),                 # the timeline (pyqtgraph ImageExporter)
    ("trade", ["--pair", "KHM,KOR"]),                # the trade chart (pyqtgraph + pandas)
])
def test_chart_exports_draw_the_same_picture_as_the_venv(run, tmp_path, exporter, args):
    helptext = run("export", "--help").stdout
    if not re.search(rf"^\s+{exporter}\s", helptext, re.M):
        pytest.skip(f"`dossier export {exporter}` is not on this branch")
    assert run("init", "x.db", "--sample").returncode == 0
    r = run("export", exporter, "--db", "x.db", *args, "-o", "bundle.png", timeout=300)
    assert r.returncode == 0, r.stderr
    r = _venv("export", exporter, "--db", "x.db", *args, "-o", "venv.png", cwd=tmp_path, home=tmp_path / "vh")
    assert r.returncode == 0, r.stderr
    import numpy as np

    (size_a, a), (size_b, b) = _pixels(tmp_path / "bundle.png"), _pixels(tmp_path / "venv.png")
    assert size_a == size_b and size_a[0] >= 800
    assert len(np.unique(a)) >= 40, "the bundle's chart looks blank"
    assert float((a != b).mean()) < 0.01


def _colours(img) -> int:
    import numpy as np
    from PySide6.QtGui import QImage

    img = img.convertToFormat(QImage.Format.Format_RGB32)
    arr = np.frombuffer(img.constBits(), dtype=np.uint32, count=img.width() * img.height())
    return len(np.unique(arr))


def _render(cmd: list[str], env: dict, cwd: Path, png: Path) -> str:
    r = subprocess.run(cmd, cwd=cwd, env={**env, "DOSSIER_SMOKE_PNG": str(png)}, capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert re.search(r"dossier-smoke: shown-at=\d+\.\d+", r.stdout), r.stdout
    return r.stdout


def test_gui_starts_offscreen_and_renders_the_window_like_the_venv(run, bundle, tmp_path):
    """The bundle's window on the sample, rendered offscreen, is not blank and is (nearly) the same picture
    as the venv's window on the same file: same widgets, same fonts (Hangul and Khmer included)."""
    from PySide6.QtGui import QImage

    assert run("init", "x.db", "--sample").returncode == 0
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "QT_QPA_PLATFORM": "offscreen"}
    shots = {}
    for who, cmd in (("bundle", [str(bundle / "dossier")]), ("venv", [sys.executable, "-m", "dossier"])):
        home = tmp_path / f"home-{who}"
        e = {**env, "HOME": str(home), "DOSSIER_DATA_DIR": str(home / "data"),
             "DOSSIER_CONFIG_DIR": str(home / "config")}
        if who == "venv":
            e["PYTHONPATH"] = str(REPO)
        png = tmp_path / f"window-{who}.png"
        _render([*cmd, "--db", "x.db"], e, tmp_path, png)
        shots[who] = QImage(str(png))
    a, b = shots["bundle"], shots["venv"]
    assert a.width() >= 800 and a.height() >= 500
    assert _colours(a) >= 40, "the bundle's window looks blank"
    assert (a.width(), a.height()) == (b.width(), b.height())
    import numpy as np

    fa = np.frombuffer(a.convertToFormat(QImage.Format.Format_RGB32).constBits(), dtype=np.uint32,
                       count=a.width() * a.height())
    fb = np.frombuffer(b.convertToFormat(QImage.Format.Format_RGB32).constBits(), dtype=np.uint32,
                       count=b.width() * b.height())
    differ = float((fa != fb).mean())
    assert differ < 0.01, f"{differ:.1%} of the pixels differ between the bundle's and the venv's window"


def test_gui_first_start_creates_the_sample_database(run, tmp_path):
    png = tmp_path / "first.png"
    r = run(extra={"DOSSIER_SMOKE_PNG": str(png)})
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "home" / "data" / "dossier.db").is_file()
    from PySide6.QtGui import QImage

    assert _colours(QImage(str(png))) >= 40


def test_trimmed_but_complete(bundle):
    qt = bundle / "_internal" / "PySide6" / "Qt"
    plugins = {p.parent.name + "/" + p.name for p in (qt / "plugins").glob("*/*")}
    for needed in ("platforms/libqxcb.so", "platforms/libqoffscreen.so", "imageformats/libqsvg.so",
                   "iconengines/libqsvgicon.so", "printsupport/libcupsprintersupport.so"):
        assert needed in plugins, needed
    assert not any(p.startswith(("wayland-", "egldeviceintegrations/", "sqldrivers/", "tls/")) for p in plugins)
    libs = {p.name for p in (qt / "lib").iterdir()}
    for gone in ("libQt6Network.so.6", "libQt6Qml.so.6", "libQt6Quick.so.6", "libQt6Pdf.so.6"):
        assert gone not in libs, gone
    for needed in ("libQt6Core.so.6", "libQt6Gui.so.6", "libQt6Widgets.so.6", "libQt6PrintSupport.so.6",
                   "libQt6Svg.so.6", "libQt6XcbQpa.so.6"):
        assert needed in libs, needed
    assert not (qt / "translations").exists()
    dangling = [str(p) for p in bundle.rglob("*") if p.is_symlink() and not p.exists()]
    assert dangling == []
    assert any((bundle / "_internal" / "pycountry" / "databases").glob("iso3166-1.json"))
    assert not (bundle / "_internal" / "pycountry" / "locales").exists()


def test_linux_desktop_entry_and_icons(bundle, tmp_path):
    from PySide6.QtGui import QImage

    for size in (16, 32, 48, 64, 128, 256, 512):
        icon = bundle / "share" / "icons" / "hicolor" / f"{size}x{size}" / "apps" / "dossier.png"
        img = QImage(str(icon))
        assert (img.width(), img.height()) == (size, size), icon
        assert _colours(img) >= 4, icon
    entry = (bundle / "share" / "applications" / "dossier.desktop").read_text()
    for line in ("[Desktop Entry]", "Type=Application", "Name=Dossier", "Icon=dossier", "Terminal=false"):
        assert line in entry.splitlines(), line
    data = tmp_path / "xdg"
    r = subprocess.run([str(bundle / "install-desktop-entry.sh")], env={"PATH": "/usr/bin:/bin",
                       "HOME": str(tmp_path), "XDG_DATA_HOME": str(data)}, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    installed = (data / "applications" / "dossier.desktop").read_text()
    exe = re.search(r'^Exec="([^"]+)"$', installed, re.M).group(1)
    assert Path(exe) == bundle / "dossier" and os.access(exe, os.X_OK)
    assert (data / "icons" / "hicolor" / "48x48" / "apps" / "dossier.png").is_file()
    validator = shutil.which("desktop-file-validate")  # desktop-file-utils, when installed
    if validator:
        v = subprocess.run([validator, str(data / "applications" / "dossier.desktop")], capture_output=True,
                           text=True)
        assert v.returncode == 0 and not v.stdout.strip(), v.stdout + v.stderr
