"""Writing report files safely (RELIABILITY.md rules 14-15): a name suggested from data is sanitised and
kept inside the chosen folder; the file is written to a temporary file beside the target, checked
(`%PDF` ... `%%EOF`), then renamed over the target, so a failure never leaves a half-written dossier.
Qt's PDF writer fails silently on an unwritable path; here every failure raises `ReportWriteError`."""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from collections.abc import Callable
from pathlib import Path

_BAD = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*\u202a-\u202e\u2066-\u2069\u200b-\u200f\ufeff]+')
_RESERVED = {"CON", "PRN", "AUX", "NUL", "CLOCK$", "CONIN$", "CONOUT$",
             *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10)),
             "COM¹", "COM²", "COM³", "LPT¹", "LPT²", "LPT³"}
MAX_NAME_BYTES = 255


class ReportWriteError(OSError):
    """The report could not be written; the message names the path and the reason."""


def safe_filename(name: str, ext: str = ".pdf") -> str:
    """A file name (not a path) from any text: no separators, no `..`, no control or bidi characters,
    no Windows reserved device names, no trailing dots or spaces, at most 255 bytes of UTF-8."""
    s = unicodedata.normalize("NFC", name)
    s = _BAD.sub("-", s)
    s = re.sub(r"\.{2,}", ".", s)
    s = re.sub(r"\s+", " ", s).strip(" .-_")
    if ext and s.lower().endswith(ext.lower()):
        s = s[: -len(ext)].rstrip(" .")
    if not s:
        s = "dossier"
    if s.split(".")[0].strip().upper() in _RESERVED:
        s = "_" + s
    budget = MAX_NAME_BYTES - len(ext.encode())
    while len(s.encode("utf-8")) > budget:
        s = s[:-1]
    s = s.rstrip(" .")
    return s + ext


def target_in_folder(folder: str | Path, suggested: str, ext: str = ".pdf") -> Path:
    """The sanitised name joined to `folder`, checked to stay inside it."""
    base = Path(folder).resolve()
    p = (base / safe_filename(suggested, ext)).resolve()
    if p.parent != base:
        raise ReportWriteError(f"{suggested!r} would leave the folder {base}")
    return p


def check_pdf(data: bytes) -> None:
    if not data.startswith(b"%PDF-"):
        raise ReportWriteError("the PDF writer produced no PDF (no %PDF header)")
    if not data.rstrip().endswith(b"%%EOF"):
        raise ReportWriteError("the PDF writer produced a truncated PDF (no %%EOF)")


def write_atomically(target: str | Path, produce: Callable[[Path], None],
                     finish: Callable[[bytes], bytes] = lambda b: b) -> int:
    """`produce(tmp_path)` writes the file; `finish(bytes)` may rewrite it (same length or not); the
    result is checked and renamed over `target`.  Returns the size written."""
    target = Path(target)
    if target.exists() and target.is_dir():
        raise ReportWriteError(f"cannot write {target}: it is a folder")
    folder = target.parent
    if not folder.exists():
        raise ReportWriteError(f"cannot write {target}: the folder {folder} does not exist")
    if not folder.is_dir():
        raise ReportWriteError(f"cannot write {target}: {folder} is not a folder")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name[:40]}.", suffix=".part", dir=folder)
        os.close(fd)
    except OSError as e:
        raise ReportWriteError(f"cannot write {target}: {e.strerror or e}") from None
    tmp = Path(tmp_name)
    try:
        produce(tmp)
        data = tmp.read_bytes()
        if not data:
            raise ReportWriteError(f"cannot write {target}: nothing was written (is the folder writable?)")
        check_pdf(data)
        out = finish(data)
        check_pdf(out)
        with open(tmp, "wb") as fh:
            fh.write(out)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        return len(out)
    except ReportWriteError:
        raise
    except OSError as e:
        raise ReportWriteError(f"cannot write {target}: {e.strerror or e}") from None
    finally:
        tmp.unlink(missing_ok=True)
