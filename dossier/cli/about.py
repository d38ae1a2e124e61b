"""`dossier about`: what this installation is made of (for support desks and the packaging smoke test).

    dossier about            versions of Dossier, Python, Qt and the libraries; where its files are
    dossier about --check    also import every module of the app and load each library's data, exit 1
                             when something is missing (catches a bundle that forgot a module or a data
                             file before a user meets it)
    dossier about --json     the same as JSON

Everything here is read locally; nothing opens a socket."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import platform
import sys
from collections.abc import Callable

from dossier import __version__
from dossier.cli.main import EXIT_OK, EXIT_REJECTED, command, print_json


def _qt() -> str:
    import PySide6
    from PySide6.QtCore import qVersion
    from PySide6.QtGui import QImageReader, QImageWriter
    from PySide6.QtPrintSupport import QPrinter  # noqa: F401  (printing and PDF export)
    from PySide6.QtSvg import QSvgRenderer  # noqa: F401  (the SVG icons)

    readable = {bytes(f.data()).decode() for f in QImageReader.supportedImageFormats()}
    writable = {bytes(f.data()).decode() for f in QImageWriter.supportedImageFormats()}
    missing = {"png", "svg", "jpg"} - readable or {"png"} - writable
    if missing:
        raise RuntimeError(f"Qt image formats missing: {', '.join(sorted(missing))}")
    return f"PySide6 {PySide6.__version__}, Qt {qVersion()}"


def _pyqtgraph() -> str:
    import pyqtgraph
    from pyqtgraph.exporters import ImageExporter  # noqa: F401  (chart images for reports)

    return pyqtgraph.__version__


def _numpy() -> str:
    import numpy

    if int(numpy.arange(10).sum()) != 45:
        raise RuntimeError("numpy computes wrong results")
    return numpy.__version__


def _pandas() -> str:
    import pandas

    if pandas.DataFrame({"year": [2017, 2018], "value": [659.0, 756.0]})["value"].pct_change().iloc[-1] <= 0:
        raise RuntimeError("pandas computes wrong results")
    return pandas.__version__


def _sqlite() -> str:
    import sqlite3

    import sqlite_utils  # noqa: F401

    db = sqlite3.connect(":memory:")
    try:
        db.execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize='trigram')")  # search needs FTS5 trigram
    finally:
        db.close()
    from importlib.metadata import version

    return f"sqlite-utils {version('sqlite-utils')}, SQLite {sqlite3.sqlite_version}"


def _pycountry() -> str:
    import pycountry

    n = len(pycountry.countries)  # loads the bundled ISO 3166 data file
    if n < 200 or pycountry.currencies.get(alpha_3="KHR") is None:
        raise RuntimeError(f"pycountry data incomplete ({n} countries)")
    from importlib.metadata import version

    return f"{version('pycountry')} ({n} countries)"


def _edtf() -> str:
    import edtf

    edtf.parse_edtf("2019-11-25/2019-11-26")
    from importlib.metadata import version

    return version("edtf")


def _rapidfuzz() -> str:
    import rapidfuzz
    from rapidfuzz import fuzz

    if fuzz.ratio("Ri Kil Song", "Ri Kil-song") < 50:
        raise RuntimeError("rapidfuzz computes wrong results")
    return rapidfuzz.__version__


def _platformdirs() -> str:
    import platformdirs

    return platformdirs.__version__


LIBRARIES: dict[str, Callable[[], str]] = {
    "Qt": _qt, "pyqtgraph": _pyqtgraph, "numpy": _numpy, "pandas": _pandas, "SQLite": _sqlite,
    "pycountry": _pycountry, "edtf": _edtf, "rapidfuzz": _rapidfuzz, "platformdirs": _platformdirs,
}


def _own_modules() -> tuple[int, dict[str, str]]:
    """Import every module of the app (features plug in by module, some only imported lazily)."""
    import dossier

    failed: dict[str, str] = {}
    names = sorted(m.name for m in pkgutil.walk_packages(dossier.__path__, "dossier."))
    for name in names:
        if name.endswith("__main__"):
            continue
        try:
            importlib.import_module(name)
        except Exception as e:  # noqa: BLE001  (report every failure, not only the first)
            failed[name] = f"{type(e).__name__}: {e}"
    return len(names), failed


def collect(check: bool) -> dict:
    from dossier.paths import db_dir, resources_dir, user_data_dir

    info: dict = {
        "dossier": __version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "frozen": bool(getattr(sys, "frozen", False)),
        "resources": str(resources_dir()),
        "db": str(db_dir()),
        "data_folder": str(user_data_dir()),
        "libraries": {},
        "problems": {},
    }
    for name, probe in LIBRARIES.items():
        try:
            info["libraries"][name] = probe()
        except Exception as e:  # noqa: BLE001
            info["problems"][name] = f"{type(e).__name__}: {e}"
    files = {
        "fonts": sorted(p.name for p in (resources_dir() / "fonts").glob("*.[ot]tf")),
        "icon": (resources_dir() / "icons" / "dossier.svg").is_file(),
        "migrations": sorted(p.name for p in (db_dir() / "migrations").glob("*.sql")),
        "sample": sorted(p.name for p in (db_dir() / "sample").glob("*.csv")),
    }
    info["files"] = files
    for what, present in files.items():
        if not present:
            info["problems"][what] = "missing"
    if check:
        count, failed = _own_modules()
        info["modules"] = count
        for name, why in failed.items():
            info["problems"][name] = why
    return info


def _configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--check", action="store_true",
                   help="also import every module and exit 1 when a module or data file is missing")
    p.add_argument("--json", action="store_true", help="print as JSON")


@command("about", "Versions of Dossier, Python, Qt and the libraries, and where the app's files are.")
def cmd_about(args: argparse.Namespace) -> int:
    info = collect(args.check)
    if args.json:
        print_json(info)
    else:
        print(f"Dossier {info['dossier']} on Python {info['python']} ({info['platform']})"
              + (", bundled" if info["frozen"] else ""))
        for name, v in info["libraries"].items():
            print(f"  {name:<12} {v}")
        print(f"  resources    {info['resources']}")
        print(f"  db           {info['db']}")
        print(f"  data folder  {info['data_folder']}")
        if "modules" in info:
            print(f"  modules      {info['modules']} imported")
        for name, why in info["problems"].items():
            print(f"problem: {name}: {why}", file=sys.stderr)
    return EXIT_REJECTED if info["problems"] else EXIT_OK


cmd_about.configure = _configure
