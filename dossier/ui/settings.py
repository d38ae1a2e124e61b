"""Settings declared once (name, default, help) in an INI file under the user's config folder.

Tests point DOSSIER_CONFIG_DIR at a temporary folder, so they never read the user's real file.
Settings hold no data values (names, titles): only paths, geometry and preferences."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings

SETTINGS_VERSION = 1


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str


DECLARED: dict[str, Setting] = {s.name: s for s in (
    Setting("recent_databases", [], "Databases opened recently, newest first (at most 8)."),
    Setting("window/geometry", None, "Main window position and size."),
    Setting("window/state", None, "Dock and toolbar layout."),
    Setting("window/timeline_share", None, "Share of the central height given to the timeline above the trade "
                                           "panel (0.15-0.92; empty: the default)."),
    Setting("report/caveat", "UNCLASSIFIED // FOR OFFICIAL USE ONLY", "Handling caveat printed on every page."),
    Setting("report/paper", "a4", "Paper size for dossiers: a4 or letter."),
    Setting("backup/interval_hours", 24, "Back the open database up when its newest backup is older than this "
                                         "(hours; 0 = never on a schedule; imports and migrations always back up)."),
    Setting("backup/keep_last", 10, "Backups kept: the newest N, plus one per day (backup/keep_days)."),
    Setting("backup/keep_days", 7, "Backups kept: the newest of each of the last N days."),
    Setting("security/idle_lock_minutes", 0, "Encrypted databases: close and ask for the passphrase again "
            "after this many minutes without input (0: never)."),
)}


def config_dir() -> Path:
    env = os.environ.get("DOSSIER_CONFIG_DIR")
    if env:
        return Path(env)
    from platformdirs import user_config_path

    return user_config_path("Dossier", appauthor=False)


class Settings:
    def __init__(self, path: Path | None = None):
        self.path = path or config_dir() / "settings.ini"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.q = QSettings(str(self.path), QSettings.Format.IniFormat)
        if self.q.value("settings_version") is None:
            self.q.setValue("settings_version", SETTINGS_VERSION)

    def get(self, name: str) -> Any:
        s = DECLARED[name]
        v = self.q.value(name, s.default)
        if isinstance(s.default, list):
            if v is None:
                return []
            return [v] if isinstance(v, str) else list(v)
        return v

    def set(self, name: str, value: Any) -> None:
        if name not in DECLARED:
            raise KeyError(f"undeclared setting {name!r}")
        self.q.setValue(name, value)
        self.q.sync()

    def add_recent(self, path: Path) -> list[str]:
        p = str(Path(path).resolve())
        items = [x for x in self.get("recent_databases") if x != p]
        items.insert(0, p)
        self.set("recent_databases", items[:8])
        return items[:8]
