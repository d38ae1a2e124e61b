"""Register the bundled OFL fonts (Hangul, Khmer) so Qt falls back to them per script."""

from __future__ import annotations

from PySide6.QtGui import QFontDatabase

from dossier.paths import resources_dir

_done: list[str] = []


def register_fonts() -> list[str]:
    if _done:
        return _done
    for f in sorted((resources_dir() / "fonts").glob("*.[ot]tf")):
        fid = QFontDatabase.addApplicationFont(str(f))
        if fid >= 0:
            _done.extend(QFontDatabase.applicationFontFamilies(fid))
    return _done
