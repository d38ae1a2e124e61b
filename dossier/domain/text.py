"""Text hygiene for data coming in (RELIABILITY.md rule 11): NFC, no bidi overrides, no controls.

Rules: text is NFC-normalised; bidi embedding/override/isolate controls are rejected (they can make a
name read differently from what it is); C0 controls other than tab/newline are rejected; leading or
trailing LRM/RLM marks are stripped with a warning; zero-width characters inside Latin text are kept
but warned about (Khmer legitimately uses U+200B between words); a key for matching folds case,
removes invisible characters and maps NBSP / ideographic spaces to plain spaces.
"""

from __future__ import annotations

import re
import unicodedata

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
EDGE_MARKS = "\u200e\u200f\u061c"
INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufeff")
_SPACES = re.compile(r"[\u00a0\u2000-\u200a\u202f\u205f\u3000\s]+")
_BIDI = re.compile("[" + "".join(sorted(BIDI_CONTROLS)) + "]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class TextError(ValueError):
    pass


def clean(value: str) -> tuple[str, list[str]]:
    """Return (clean text, warnings) or raise TextError.  Never drops visible characters."""
    m = _CONTROL.search(value)
    if m:
        raise TextError(f"control character U+{ord(m.group()):04X}")
    if value.isascii():  # the common case: no bidi controls, edge marks or invisibles, and NFC already
        return value.strip(" \t"), []
    warnings: list[str] = []
    m = _BIDI.search(value)
    if m:
        raise TextError(f"bidi control U+{ord(m.group()):04X} (it can make text display differently from what it is)")
    stripped = value.strip(EDGE_MARKS + " \t")
    if stripped != value.strip(" \t"):
        warnings.append("stripped direction marks (U+200E/U+200F) at the edges")
    value = unicodedata.normalize("NFC", stripped)
    for ch in value:
        if ch in INVISIBLE and _is_latin_context(value):
            warnings.append(f"invisible character U+{ord(ch):04X} in text")
            break
    return value, warnings


def _is_latin_context(value: str) -> bool:
    letters = [c for c in value if c.isalpha()]
    return bool(letters) and all(c.isascii() or "LATIN" in unicodedata.name(c, "") for c in letters)


def match_key(value: str) -> str:
    """A key for matching and searching names: casefolded, invisible characters removed,
    all spaces and hyphens folded to one space, NFKC (full-width letters become ASCII)."""
    v = unicodedata.normalize("NFKC", value)
    v = "".join(ch for ch in v if ch not in INVISIBLE and ch not in EDGE_MARKS)
    v = v.replace("-", " ").replace("\u2010", " ")
    v = _SPACES.sub(" ", v).strip().casefold()
    return v


def slug(value: str, maxlen: int = 60) -> str:
    """A readable id from a name: 'Ri Kil Song' -> 'ri-kil-song'; non-Latin scripts are kept."""
    v = unicodedata.normalize("NFKC", value).casefold()
    v = re.sub(r"[^\w]+", "-", v, flags=re.UNICODE).strip("-_")
    return v[:maxlen] or "x"
