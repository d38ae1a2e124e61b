"""One sanitiser for every file name made from data (RELIABILITY.md rule 15): PDF dossiers, images,
exports.  A name from data never chooses the folder: `..`, `/`, `\\`, control characters, Windows
reserved names (CON, PRN, AUX, NUL, COM1-9, LPT1-9, also with superscript digits and an extension),
trailing dots and spaces are neutralised, and the result fits in 255 bytes of UTF-8 (cut on a
character boundary, keeping the extension).  `inside(folder, name)` joins and proves the result stays
in the folder."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

MAX_BYTES = 255
_RESERVED = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
             *(f"COM{c}" for c in "123456789¹²³"), *(f"LPT{c}" for c in "123456789¹²³")}
_BAD = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*\u202a-\u202e\u2066-\u2069\u200e\u200f]')


class UnsafePath(ValueError):
    pass


def safe_filename(name: str, *, default: str = "untitled", ext: str = "", max_bytes: int = MAX_BYTES) -> str:
    """A file name (no folder part) made from `name`; `ext` (e.g. ".pdf") is appended when given."""
    s = unicodedata.normalize("NFC", str(name))
    s = _BAD.sub("_", s)
    s = re.sub(r"\s+", " ", s).strip(" .")
    s = re.sub(r"\.{2,}", ".", s)  # no '..' anywhere
    if not s:
        s = default
    stem = s.split(".")[0].upper().rstrip(" ")
    if stem in _RESERVED:
        s = "_" + s
    ext = ext if not ext or ext.startswith(".") else "." + ext
    if ext and s.lower().endswith(ext.lower()):
        s = s[: -len(ext)].rstrip(" .") or default
    room = max_bytes - len(ext.encode("utf-8"))
    if room < 1:
        raise ValueError("extension longer than the name limit")
    b = s.encode("utf-8")
    if len(b) > room:
        s = b[:room].decode("utf-8", errors="ignore").rstrip(" .") or default
    return s + ext


def inside(folder: str | Path, name: str, *, ext: str = "") -> Path:
    """`folder / safe_filename(name)`, checked to resolve inside `folder` (raises UnsafePath if not)."""
    base = Path(folder).resolve()
    target = (base / safe_filename(name, ext=ext)).resolve()
    if target.parent != base:
        raise UnsafePath(f"{name!r} would leave the folder {base}")
    return target
