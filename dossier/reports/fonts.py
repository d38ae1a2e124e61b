"""Fonts for printed dossiers: the bundled OFL fonts (resources/fonts) registered with Qt, and the
family list every report text uses, so Hangul, Khmer and Chinese print from fonts that are embedded in
the PDF, not from whatever the machine has (a fresh machine has only DejaVu: Hangul would be boxes).

Latin comes from DejaVu Sans where present (it has real bold and italic faces); Noto Sans KR carries
Latin too, so a machine without DejaVu still prints every script from the bundled files."""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontDatabase

from dossier.paths import resources_dir

FAMILIES = ["DejaVu Sans", "Noto Sans KR", "Noto Sans SC", "Noto Sans Khmer"]
_registered: list[str] = []


def ensure_fonts() -> list[str]:
    """Register the bundled fonts once per process (the GUI's start-up registration counts too)."""
    if _registered:
        return _registered
    have = set(QFontDatabase.families())
    for f in sorted((resources_dir() / "fonts").glob("*.[ot]tf")):
        fid = QFontDatabase.addApplicationFont(str(f)) if not _is_registered(f.stem, have) else -1
        if fid >= 0:
            _registered.extend(QFontDatabase.applicationFontFamilies(fid))
    _registered.append("")  # marks "done" even when everything was registered by the GUI already
    return _registered


def _is_registered(stem: str, have: set[str]) -> bool:
    family = {"NotoSansKR-Regular": "Noto Sans KR", "NotoSansKhmer": "Noto Sans Khmer",
              "NotoSansSC-Regular": "Noto Sans SC"}.get(stem)
    return family is not None and family in have


def css_families() -> str:
    return ", ".join(f"'{f}'" for f in FAMILIES)


def report_font(point_size: float, *, bold: bool = False) -> QFont:
    f = QFont()
    f.setFamilies(FAMILIES)
    f.setPointSizeF(point_size)
    f.setBold(bold)
    f.setStyleStrategy(QFont.StyleStrategy.PreferOutline)
    return f
