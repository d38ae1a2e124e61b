"""UN Comtrade files as users download them, mapped onto Dossier `trade` rows.

Two layouts, recognised by their header row:

* the v1 API "final data" CSV (`refYear`, `refMonth`, `reporterCode`/`reporterISO`, `partnerCode`/
  `partnerISO`, `flowCode` M/X/RM/RX, `cmdCode`, `primaryValue`, `cifvalue`, `fobvalue` ...);
* the legacy bulk CSV (`Year`, `Trade Flow Code` 1-4, `Reporter Code`, `Partner Code`,
  `Commodity Code`, `Trade Value (US$)` ...).

Every cell is read as text by the strict CSV reader (never through pandas' type guessing): the
commodity code '0012' stays '0012', 'NA' stays a string.  Countries come from the ISO column when
present, otherwise from the M49 code (World = 0 -> 'WLD').  Each file becomes a `sources` row of its
own (id from the file's SHA-256, so importing the same file again changes nothing) and every trade
row cites it.

What is not stored, with a warning naming the line: re-exports and re-imports (RX/RM, flow codes 3/4:
they are part of the X/M totals, storing them as exports would count them twice), breakdowns by
second partner, customs procedure or mode of transport (again parts of the totals), and partners that
are not countries ("Areas, nes", economic groupings).  Monthly rows are rejected: the trade table is
annual (refMonth 52)."""

from __future__ import annotations

import hashlib
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from dossier.domain import countries
from dossier.domain.kinds import KINDS
from dossier.exchange.csvio import CsvRejected, Problem, read_csv
from dossier.exchange.dossier_csv import Options, ParsedFile, Row
from dossier.exchange.formats import register

V1 = "comtrade-v1"
LEGACY = "comtrade-bulk"

_V1_REQUIRED = {"refYear", "reporterCode", "partnerCode", "flowCode", "cmdCode", "primaryValue"}
_LEGACY_REQUIRED = {"Year", "Trade Flow Code", "Reporter Code", "Partner Code", "Commodity Code",
                    "Trade Value (US$)"}

# Comtrade reporter/partner codes that differ from ISO 3166-1 numeric (M49 "area" codes).
_COMTRADE_CODES = {842: "USA", 251: "FRA", 699: "IND", 757: "CHE", 579: "NOR", 711: "ZAF", 58: "BEL",
                   280: "DEU", 381: "ITA", 0: "WLD"}

_V1_FLOWS = {"X": "export", "M": "import", "RX": None, "RM": None}
_LEGACY_FLOWS = {"1": "import", "2": "export", "3": None, "4": None}


def sniff_v1(header: list[str]) -> bool:
    return _V1_REQUIRED <= set(h.strip() for h in header)


def sniff_legacy(header: list[str]) -> bool:
    return _LEGACY_REQUIRED <= set(h.strip() for h in header)


class _Skip(Exception):
    """The row is valid Comtrade but not stored (re-exports, breakdowns, non-country areas)."""


class _Bad(Exception):
    def __init__(self, column: str, message: str):
        super().__init__(message)
        self.column = column


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _country(code_col: str, code: str, iso_col: str | None, iso: str, *, partner: bool) -> str:
    code = code.strip()
    iso = iso.strip().upper()
    if code == "0" or iso in ("W00", "WLD"):
        if not partner:
            raise _Bad(code_col, "the reporter cannot be the World (code 0)")
        return "WLD"
    if iso and iso_col:
        try:
            return countries.normalise(iso)
        except countries.CountryError:
            pass  # Comtrade's own area codes (e.g. 'S19', 'X1 ') fall back to the numeric code
    if not code.isascii() or not code.isdigit():
        raise _Bad(code_col, f"{code!r} is not a numeric UN M49 / Comtrade area code")
    n = int(code)
    if n in _COMTRADE_CODES:
        return _COMTRADE_CODES[n]
    try:
        return countries.by_m49(n).alpha3
    except countries.CountryError:
        raise _Skip(f"{code_col} {code} is not a country (a grouping or 'nes' area); row not stored") from None


def _value(col: str, raw: str) -> Decimal | None:
    s = raw.strip()
    if not s:
        return None
    try:
        d = Decimal(s)
    except InvalidOperation:
        raise _Bad(col, f"{raw!r} is not a number") from None
    if not d.is_finite():
        raise _Bad(col, f"{raw!r} is not a number")
    return d


def _commodity(col: str, raw: str) -> str:
    s = raw.strip()
    if s.upper() in ("TOTAL", "ALL", "AG0", ""):
        return ""  # all goods
    if not s.isascii() or not s.isalnum():
        raise _Bad(col, f"{raw!r} is not a commodity code")
    return s  # text: leading zeros kept


def _year(col: str, raw: str) -> int:
    s = raw.strip()
    if len(s) != 4 or not s.isascii() or not s.isdigit():
        raise _Bad(col, f"{raw!r} is not a four-digit year")
    return int(s)


def _is_total(cells: dict[str, str], col: str, totals: tuple[str, ...]) -> None:
    v = cells.get(col)
    if v is not None and v.strip() not in totals:
        raise _Skip(f"{col} {v.strip()} is a breakdown (part of the total); row not stored")


def _map_v1(c: dict[str, str]) -> dict[str, Any]:
    month = c.get("refMonth", "52").strip() or "52"
    if month != "52":
        raise _Bad("refMonth", f"monthly data (refMonth {month}); only annual rows (refMonth 52) can be imported")
    freq = c.get("freqCode", "A").strip() or "A"
    if freq != "A":
        raise _Bad("freqCode", f"frequency {freq!r}; only annual data (A) can be imported")
    flow_code = c["flowCode"].strip().upper()
    if flow_code not in _V1_FLOWS:
        raise _Bad("flowCode", f"flow {flow_code!r} is not one of M, X, RM, RX")
    flow = _V1_FLOWS[flow_code]
    if flow is None:
        raise _Skip(f"flow {flow_code} (re-{'export' if flow_code == 'RX' else 'import'}s) is part of "
                    f"{flow_code[1]}; not stored separately")
    _is_total(c, "partner2Code", ("0", ""))
    _is_total(c, "motCode", ("0", ""))
    _is_total(c, "customsCode", ("C00", ""))
    primary = _value("primaryValue", c["primaryValue"])
    cif = _value("cifvalue", c.get("cifvalue", ""))
    fob = _value("fobvalue", c.get("fobvalue", ""))
    return _finish(c, flow, primary, cif, fob, year=_year("refYear", c["refYear"]),
                   reporter=_country("reporterCode", c["reporterCode"], "reporterISO" if "reporterISO" in c else None,
                                     c.get("reporterISO", ""), partner=False),
                   partner=_country("partnerCode", c["partnerCode"], "partnerISO" if "partnerISO" in c else None,
                                    c.get("partnerISO", ""), partner=True),
                   commodity=_commodity("cmdCode", c["cmdCode"]))


def _map_legacy(c: dict[str, str]) -> dict[str, Any]:
    period = c.get("Period", "").strip()
    year = _year("Year", c["Year"])
    if period and period != str(year):
        raise _Bad("Period", f"period {period!r} is not annual; only annual rows can be imported")
    code = c["Trade Flow Code"].strip()
    if code not in _LEGACY_FLOWS:
        raise _Bad("Trade Flow Code", f"flow code {code!r} is not one of 1-4")
    flow = _LEGACY_FLOWS[code]
    if flow is None:
        raise _Skip(f"flow code {code} (re-{'export' if code == '3' else 'import'}s) is part of "
                    f"{'exports' if code == '3' else 'imports'}; not stored separately")
    _is_total(c, "2nd Partner Code", ("0", ""))
    _is_total(c, "Mode of Transport Code", ("0", ""))
    _is_total(c, "Customs Proc. Code", ("C00", ""))
    primary = _value("Trade Value (US$)", c["Trade Value (US$)"])
    cif = _value("CIF Trade Value (US$)", c.get("CIF Trade Value (US$)", ""))
    fob = _value("FOB Trade Value (US$)", c.get("FOB Trade Value (US$)", ""))
    return _finish(c, flow, primary, cif, fob, year=year,
                   reporter=_country("Reporter Code", c["Reporter Code"], "Reporter ISO" if "Reporter ISO" in c else None,
                                     c.get("Reporter ISO", ""), partner=False),
                   partner=_country("Partner Code", c["Partner Code"], "Partner ISO" if "Partner ISO" in c else None,
                                    c.get("Partner ISO", ""), partner=True),
                   commodity=_commodity("Commodity Code", c["Commodity Code"]))


def _finish(c: dict[str, str], flow: str, primary: Decimal | None, cif: Decimal | None, fob: Decimal | None, *,
            year: int, reporter: str, partner: str, commodity: str) -> dict[str, Any]:
    if reporter == partner:
        raise _Bad("partnerCode", f"reporter and partner are both {reporter}")
    # The valuation basis is the one whose value the primary value is; unknown when neither says so.
    basis = "unknown"
    if primary is None:
        primary, basis = (cif, "cif") if cif is not None else (fob, "fob") if fob is not None else (None, "unknown")
    elif cif is not None and cif == primary and not (fob is not None and fob == primary and flow == "export"):
        basis = "cif"
    elif fob is not None and fob == primary:
        basis = "fob"
    if primary is None:
        raise _Bad("primaryValue", "no trade value in the row")
    return {"reporter": reporter, "partner": partner, "year": year, "flow": flow, "commodity": commodity,
            "value": primary, "currency": "USD", "basis": basis}


def _parse(path: Path, opts: Options, layout: str) -> ParsedFile:
    name = str(path)
    try:
        info, records = read_csv(path, encoding=opts.encoding, max_problems=opts.max_problems)
    except CsvRejected as e:
        return ParsedFile(path, None, None, [], e.problems)
    header = [h.strip() for h in info.header]
    sha = _sha256(path)
    source_id = f"comtrade-{sha[:12]}"
    label = "UN Comtrade v1 API final data" if layout == V1 else "UN Comtrade legacy bulk download"
    rows: list[Row] = [Row(KINDS["sources"], name, info.header_line, {
        "id": source_id, "publisher": "United Nations Statistics Division (UN Comtrade)",
        "title": f"{label}: {path.name}", "published": None, "url": "",
        "reference": f"file {path.name}, SHA-256 {sha}", "reliability": None, "credibility": None,
        "language": "en", "notes": "Imported from a Comtrade file; values in US dollars as reported.",
    })]
    problems: list[Problem] = list(info.problems)
    mapper = _map_v1 if layout == V1 else _map_legacy
    skipped = 0
    for line, cells in records:
        c = dict(zip(header, cells, strict=True))
        try:
            values = mapper(c)
        except _Skip as s:
            skipped += 1
            if skipped <= 20:
                problems.append(Problem(name, line, "", str(s), "warning"))
            continue
        except _Bad as b:
            problems.append(Problem(name, line, b.column, str(b)))
            if sum(p.severity == "error" for p in problems) >= opts.max_problems:
                break
            continue
        values["source"] = [source_id]
        values["quote"] = ""
        rows.append(Row(KINDS["trade"], name, line, values))
    if skipped > 20:
        problems.append(Problem(name, 0, "", f"{skipped} rows in all were not stored (see the first 20 above)",
                                "warning"))
    kind = KINDS["trade"]
    pf = ParsedFile(path, kind, info, [], problems)
    pf.rows = rows  # a sources row first, then trade rows (the import plans them by their own kinds)
    return pf


def parse_v1(path: Path, opts: Options = Options()) -> ParsedFile:
    return _parse(path, opts, V1)


def parse_legacy(path: Path, opts: Options = Options()) -> ParsedFile:
    return _parse(path, opts, LEGACY)


register(V1, sniff_v1, parse_v1)
register(LEGACY, sniff_legacy, parse_legacy)
