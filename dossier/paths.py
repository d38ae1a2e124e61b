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


def resources_dir() -> Path:
    """resources/ in a checkout; dossier/_resources in a wheel; beside the executable in a bundle."""
    frozen = Path(getattr(sys, "_MEIPASS", "")) if getattr(sys, "frozen", False) else None
    cands = [_PKG.parent / "resources", _PKG / "_resources"]
    if frozen:
        cands.insert(0, frozen / "resources")
    return _first_existing(*cands)


def db_dir() -> Path:
    """db/ (migrations and the sample data set)."""
    frozen = Path(getattr(sys, "_MEIPASS", "")) if getattr(sys, "frozen", False) else None
    cands = [_PKG.parent / "db", _PKG / "_db"]
    if frozen:
        cands.insert(0, frozen / "db")
    return _first_existing(*cands)


def user_data_dir() -> Path:
    from platformdirs import user_data_path

    override = os.environ.get("DOSSIER_DATA_DIR")
    return Path(override) if override else user_data_path("Dossier", appauthor=False)


def default_db_path() -> Path:
    env = os.environ.get("DOSSIER_DB")
    return Path(env) if env else user_data_dir() / "dossier.db"
