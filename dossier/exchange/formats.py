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
from dossier.exchange.dossier_csv import Options, ParsedFile, StreamedFile, parse_file, recognise, stream_file

Sniff = Callable[[list[str]], bool]
Parse = Callable[[Path, Options], ParsedFile]
READERS: list[tuple[str, Sniff, Parse]] = []


def register(name: str, sniff: Sniff, parse: Parse) -> None:
    READERS.append((name, sniff, parse))


def detect(path: Path, opts: Options) -> str:
    """'dossier' or the name of a foreign format (by the header row).  A header that is a valid
    Dossier header is always ours."""
    try:
        info, rows = read_csv(path, encoding=opts.encoding)
    except CsvRejected:
        return "dossier"  # the Dossier parser reports the problem
    rows.close()
    kind, _probs = recognise(info.header, path)
    if kind is not None:
        return "dossier"
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


def stream_any(path: str | Path, opts: Options = Options()) -> list[StreamedFile]:
    """Like parse_any, but a Dossier file is streamed (bounded memory).  A foreign file may map onto
    several kinds: one StreamedFile per kind, in the order they were produced."""
    p = Path(path)
    fmt = detect(p, opts) if READERS else "dossier"
    for name, _sniff, parse in READERS:
        if name == fmt:
            pf = parse(p, opts)
            by_kind: dict[str, list] = {}
            for r in pf.rows:
                by_kind.setdefault(r.kind.name, []).append(r)
            if not by_kind:
                return [StreamedFile(p, pf.kind, pf.info, iter(()), list(pf.problems), fmt)]
            out = []
            for i, rows in enumerate(by_kind.values()):
                out.append(StreamedFile(p, rows[0].kind, pf.info, iter(rows), list(pf.problems) if i == 0 else [], fmt))
            return out
    return [stream_file(p, opts)]


# Foreign readers register themselves on import (one line each).
from dossier.exchange import comtrade  # noqa: E402,F401  (UN Comtrade v1 API and legacy bulk CSV)
from dossier.exchange import foreign  # noqa: E402,F401  (TimelineJS, EveryPolitician, rosters)
