"""Which reader a file needs: the Dossier CSV format, or a foreign format recognised by its header.

Foreign readers (UN Comtrade, TimelineJS, EveryPolitician ...) register themselves in `READERS`: each is
`(name, sniff(header: list[str]) -> bool, parse(path, opts, info_header) -> ParsedFile)`.  A foreign
reader maps the file onto our kinds (Rows of `trade`, `events`, `people` ...) with every row cited to
the file (a synthetic source).  The Dossier format is tried first; its own recognition reports
unknown and missing columns when nothing fits."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from dossier.exchange.csvio import CsvRejected, read_csv
from dossier.exchange.dossier_csv import Options, ParsedFile, parse_file

Sniff = Callable[[list[str]], bool]
Parse = Callable[[Path, Options], ParsedFile]
READERS: list[tuple[str, Sniff, Parse]] = []


def register(name: str, sniff: Sniff, parse: Parse) -> None:
    READERS.append((name, sniff, parse))


def detect(path: Path, opts: Options) -> str:
    """'dossier' or the name of a foreign format (by the header row)."""
    try:
        info, rows = read_csv(path, encoding=opts.encoding)
    except CsvRejected:
        return "dossier"  # the Dossier parser reports the problem
    rows.close()
    for name, sniff, _parse in READERS:
        if sniff(info.header):
            return name
    return "dossier"


def parse_any(path: str | Path, opts: Options = Options()) -> ParsedFile:
    p = Path(path)
    fmt = detect(p, opts) if READERS else "dossier"
    for name, _sniff, parse in READERS:
        if name == fmt:
            return parse(p, opts)
    return parse_file(p, opts)


# Foreign readers register themselves on import (one line each).
from dossier.exchange import comtrade  # noqa: E402,F401  (UN Comtrade v1 API and legacy bulk CSV)
