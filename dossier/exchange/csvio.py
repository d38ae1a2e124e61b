"""Reading CSV files the way they arrive, strictly, streamed, with physical line numbers.

RELIABILITY.md rules 8 and 10: UTF-8 (with or without BOM) and UTF-16 with BOM are accepted;
anything else is rejected naming the byte and the line, unless the caller names the encoding.
Delimiter `,` `;` or tab is detected from the header.  Quoting is strict (a stray quote is an error,
never a silently mangled value).  Every problem carries the file, the physical line and the column.
Blank lines are skipped; `\\r\\n`, `\\n` and a lone `\\r` all end a line.
"""

from __future__ import annotations

import codecs
import csv
import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

MAX_FIELD = 64 * 1024  # characters in one cell
_CHUNK = 1 << 20
_EOL = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True, slots=True)
class Problem:
    file: str
    line: int  # physical line, 1-based (0 = the file as a whole)
    column: str  # column name ('' = the row or the file)
    message: str
    severity: str = "error"  # or "warning"

    def __str__(self) -> str:
        parts = [self.file]
        if self.line:
            parts.append(str(self.line))
            if self.column:
                parts.append(self.column)
        label = "" if self.severity == "error" else f"{self.severity}: "
        return f"{':'.join(parts)}: {label}{self.message}"

    def as_dict(self) -> dict:
        return {"file": self.file, "line": self.line, "column": self.column, "message": self.message,
                "severity": self.severity}


class CsvRejected(Exception):
    """The file cannot be read at all; `problems` says where and why."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


@dataclass
class CsvFile:
    path: Path
    encoding: str
    delimiter: str
    header: list[str]
    header_line: int = 1
    problems: list[Problem] = field(default_factory=list)
    tell: Callable[[], int] | None = None  # bytes read so far (for progress)
    size: int = 0  # the file's size in bytes

    @property
    def name(self) -> str:
        return self.path.name


def _sniff_encoding(head: bytes, path: Path) -> tuple[str, int]:
    """Return (codec, BOM length).  Raise CsvRejected for what we refuse to guess."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8", 3
    if head.startswith(codecs.BOM_UTF16_LE) or head.startswith(codecs.BOM_UTF16_BE):
        return ("utf-16-le" if head.startswith(codecs.BOM_UTF16_LE) else "utf-16-be"), 2
    if len(head) >= 4:
        odd_nuls = head[1::2].count(0)
        even_nuls = head[0::2].count(0)
        half = len(head) // 2
        if odd_nuls > half * 0.3 or even_nuls > half * 0.3:
            raise CsvRejected([Problem(str(path), 1, "", "looks like UTF-16 without a byte-order mark; "
                                       "save it as UTF-8, or as 'Unicode Text' (UTF-16 with BOM)")])
    return "utf-8", 0


class _Lines:
    """Iterate decoded physical lines (line ends kept) with the decoding error's line and byte."""

    def __init__(self, path: Path, encoding: str | None):
        self.path = path
        self.raw = path.open("rb")
        head = self.raw.read(4096)
        if encoding:
            codec, skip = codecs.lookup(encoding).name, 0
            if codec in ("utf-8", "utf-8-sig") and head.startswith(codecs.BOM_UTF8):
                skip = 3
            if codec.startswith("utf-16") and head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
                codec = "utf-16"
        else:
            codec, skip = _sniff_encoding(head, path)
        self.encoding = codec
        self.raw.seek(skip)
        self.line = 0  # physical lines handed out so far
        self.nul = False  # a NUL was decoded somewhere (rows are only checked for it then)

    def close(self) -> None:
        self.raw.close()

    def __iter__(self) -> Iterator[str]:
        dec = codecs.getincrementaldecoder(self.encoding)(errors="strict")
        pending = ""
        nl_bytes = 0
        while True:
            chunk = self.raw.read(_CHUNK)
            final = not chunk
            try:
                text = dec.decode(chunk, final=final)
            except UnicodeDecodeError as e:
                line = nl_bytes + chunk[: max(e.start, 0)].count(b"\n") + 1
                bad = chunk[e.start: e.start + 1] if 0 <= e.start < len(chunk) else b""
                what = f"byte 0x{bad.hex()}" if bad else "an incomplete character at the end"
                hint = (" (Windows-1252 or Latin-1?); re-import naming the encoding, e.g. --encoding cp1252"
                        if self.encoding.startswith("utf-8") else "")
                raise CsvRejected([Problem(str(self.path), line, "",
                                           f"not {self.encoding.upper()}: {what}{hint}")]) from None
            if self.encoding.startswith("utf-8"):
                nl_bytes += chunk.count(b"\n")
            if "\x00" in text:
                self.nul = True
            data = pending + text
            parts = _EOL.split(data)
            ends = _EOL.findall(data)
            # keep the last, possibly incomplete line (and a trailing '\r' that may precede '\n')
            pending = parts.pop()
            if ends and ends[-1] == "\r" and not final and not pending:
                pending = parts.pop() + "\r"
                ends.pop()
            for body, end in zip(parts, ends, strict=True):
                self.line += 1
                yield body + end
            if final:
                if pending:
                    self.line += 1
                    yield pending
                return


def _detect_delimiter(header_line: str) -> str:
    counts = {d: 0 for d in ",;\t"}
    inq = False
    for ch in header_line:
        if ch == '"':
            inq = not inq
        elif not inq and ch in counts:
            counts[ch] += 1
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_csv(path: str | Path, *, encoding: str | None = None, max_problems: int = 50
             ) -> tuple[CsvFile, Iterator[tuple[int, list[str]]]]:
    """Open a CSV file: returns its description (header, delimiter, encoding) and an iterator of
    (physical line of the record's first line, cells).  Structural problems in rows are appended to
    `CsvFile.problems` and the row is skipped; a file that cannot be read raises CsvRejected."""
    p = Path(path)
    if not p.is_file():
        raise CsvRejected([Problem(str(p), 0, "", "no such file (only local files can be imported)")])
    src = _Lines(p, encoding)
    name = str(p)
    it = iter(src)
    first_line = ""
    for first_line in it:
        if first_line.strip("\r\n\t ,;"):
            break
    if not first_line.strip("\r\n\t ,;"):
        src.close()
        raise CsvRejected([Problem(name, 0, "", "empty file: no header row")])
    header_line_no = src.line
    delim = _detect_delimiter(first_line)
    csv.field_size_limit(MAX_FIELD)

    reader = csv.reader(itertools.chain((first_line,), it), delimiter=delim, quotechar='"', doublequote=True, strict=True,
                        skipinitialspace=False)
    try:
        header = next(reader)
    except csv.Error as e:
        src.close()
        raise CsvRejected([Problem(name, header_line_no, "", f"header row: {_csv_message(e)}")]) from None
    header = [h.strip() for h in header]
    while header and header[-1] == "":
        header.pop()  # trailing delimiters after the last column
    size = p.stat().st_size
    info = CsvFile(p, src.encoding, delim, header, header_line_no,
                   tell=lambda: size if src.raw.closed else src.raw.tell(), size=size)
    _check_nul(info, header_line_no, "\x00".join(header))

    def rows() -> Iterator[tuple[int, list[str]]]:
        nonlocal reader
        try:
            while True:
                start = src.line + 1
                try:
                    cells = next(reader)
                except StopIteration:
                    return
                except CsvRejected as e:  # a decoding error further down the file (found by fuzzing)
                    info.problems.extend(e.problems)
                    return
                except csv.Error as e:
                    msg = _csv_message(e)
                    if "unexpected end of data" in msg or "EOF" in msg:
                        info.problems.append(Problem(name, start, "",
                                                     f"unterminated quote (record starting on line {start})"))
                        return
                    info.problems.append(Problem(name, src.line, "", msg))
                    if len([q for q in info.problems if q.severity == "error"]) >= max_problems:
                        return
                    reader = csv.reader(it, delimiter=delim, quotechar='"', doublequote=True, strict=True)
                    continue
                # a record's first physical line: the reader has consumed up to src.line
                if not cells or (not cells[0].strip() and not "".join(cells).strip()):
                    continue  # blank line (or only delimiters)
                if src.line != start:  # the record spans lines: its first line, counted from its last
                    start = src.line - sum(c.count("\n") + c.count("\r") - c.count("\r\n") for c in cells)
                if src.nul and any("\x00" in c for c in cells):
                    col = next(i for i, c in enumerate(cells) if "\x00" in c)
                    info.problems.append(Problem(name, start, _col(header, col), "control character U+0000 (NUL)"))
                    continue
                if len(cells) != len(header):
                    extra = cells[len(header):]
                    if len(cells) > len(header) and all(c == "" for c in extra):
                        cells = cells[: len(header)]  # trailing empty delimiters
                    else:
                        info.problems.append(Problem(
                            name, start, "", f"{len(cells)} fields, expected {len(header)} (as in the header)"))
                        if len([q for q in info.problems if q.severity == "error"]) >= max_problems:
                            return
                        continue
                yield start, cells
        finally:
            src.close()

    return info, _Rows(rows(), src)


class _Rows(Iterator[tuple[int, list[str]]]):
    """The records of an open file; `close()` closes the file even when no record was read (closing a
    generator that never started does not run its `finally`)."""

    def __init__(self, gen: Iterator[tuple[int, list[str]]], src: _Lines):
        self._gen, self._src = gen, src

    def __next__(self) -> tuple[int, list[str]]:
        return next(self._gen)

    def close(self) -> None:
        self._gen.close()  # type: ignore[attr-defined]
        self._src.close()


def _col(header: list[str], i: int) -> str:
    return header[i] if i < len(header) else f"column {i + 1}"


def _check_nul(info: CsvFile, line: int, text: str) -> None:
    if "\x00" in text.replace("\x00", "", len(info.header) - 1):
        raise CsvRejected([Problem(str(info.path), line, "", "control character U+0000 (NUL) in the header")])


def _csv_message(e: csv.Error) -> str:
    msg = str(e)
    if "field larger than field limit" in msg:
        return f"field too long (over {MAX_FIELD:,} characters)"
    if "',' expected after '\"'" in msg or "expected after" in msg:
        return "stray quote inside a field (quote the whole field and double inner quotes)"
    if "new-line character seen in unquoted field" in msg:
        return "line break inside an unquoted field"
    return msg
