"""Where the app's own files live (bundled resources, migrations, sample) and the user's folders."""

from __future__ import annotations

import os
import sys
from pathlib import Path

_PKG = Path(__file__).resolve().parent


def _first_existing(*candidates: Path) -> Path:
    for c in candidates:
        if c.exists():
            return c
    return candidates[0]


def _bundled(folder: str) -> Path:
    """A data folder shipped with the app: in a checkout (repo/<folder>), in a wheel
    (dossier/_<folder>), or in a PyInstaller bundle (sys._MEIPASS/<folder>)."""
    cands = [_PKG.parent / folder, _PKG / f"_{folder}"]
    if getattr(sys, "frozen", False):
        cands.insert(0, Path(getattr(sys, "_MEIPASS", "")) / folder)
    return _first_existing(*cands)


def resources_dir() -> Path:
    """resources/: fonts, icons."""
    return _bundled("resources")


def db_dir() -> Path:
    """db/: migrations and the sample data set."""
    return _bundled("db")


def user_data_dir() -> Path:
    from platformdirs import user_data_path

    override = os.environ.get("DOSSIER_DATA_DIR")
    return Path(override) if override else user_data_path("Dossier", appauthor=False)


def default_db_path() -> Path:
    env = os.environ.get("DOSSIER_DB")
    return Path(env) if env else user_data_dir() / "dossier.db"
