"""Cells of the Dossier CSV format: one cell to its typed value, and per-column converters.

`convert_cell` holds every rule of every column type (dates as PartialDate, countries as alpha-3,
numbers as Decimal ...); `column_converter` specialises it once per column of a file for the common
types, which is the import's hot loop.  The editing forms reach the same rules through
`dossier_csv.validate_cell`, so a form and a CSV file accept and reject the same values.

Formula neutralisation (OWASP CSV injection): on export a text cell that begins with = + - @, tab,
CR or LF, or with an apostrophe, gets one leading apostrophe; on import one leading apostrophe
followed by one of those characters is removed.  Export -> import is therefore exact.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pycountry

from dossier.domain import countries, dates, numbers, text
from dossier.domain.kinds import Column

if TYPE_CHECKING:
    from dossier.exchange.dossier_csv import Options

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
_ID = re.compile(r"[^\s|][^|]*\Z")
_YES = {"yes", "y", "true", "1"}
_NO = {"", "no", "n", "false", "0"}


def unneutralise(value: str) -> str:
    if len(value) >= 2 and value[0] == "'" and (value[1] in _TRIGGERS or value[1] == "'"):
        return value[1:]
    return value


def neutralise(value: str) -> str:
    if value and (value[0] in _TRIGGERS or value[0] == "'"):
        return "'" + value
    return value


class CellError(ValueError):
    pass


def convert_cell(col: Column, raw: str, opts: Options, warnings: list[str]) -> Any:
    """One cell of column `col` to its typed value (warnings appended), or CellError saying why not."""
    t = col.type
    if t in ("text", "name"):
        v = unneutralise(raw).replace("\r\n", "\n").replace("\r", "\n")
        v, w = text.clean(v)
        warnings.extend(w)
        if t == "name" and not v:
            raise CellError("must not be empty")
        return v
    v = raw.strip()
    if t == "id":
        v = unneutralise(v)
        v, w = text.clean(v)
        if not v:
            raise CellError("id must not be empty")
        if not _ID.match(v) or len(v) > 200:
            raise CellError(f"id {v!r} must not contain '|' or start with a space (at most 200 characters)")
        return v
    if t in ("date", "end"):
        if t == "end" and v == dates.ONGOING:
            return dates.ONGOING
        if not v:
            return None
        if (opts.dayfirst or opts.monthfirst) and "/" in v:
            v = dates.convert_slashed(v, dayfirst=opts.dayfirst)
        elif dates.is_ambiguous_slashed(v):
            raise CellError(f"{v!r} is ambiguous (day/month or month/day?); write YYYY-MM-DD, "
                            "or import with --dayfirst or --monthfirst")
        try:
            return dates.parse_date(v)
        except dates.DateError as e:
            raise CellError(str(e)) from None
    if t in ("country", "partner"):
        if not v:
            if col.required:
                raise CellError("must not be empty")
            return None
        if t == "partner" and v.upper() in ("WLD", "WORLD", "0"):
            return "WLD"
        try:
            return countries.normalise(v)
        except countries.CountryError as e:
            raise CellError(str(e)) from None
    if t.startswith("ref:"):
        v = unneutralise(v)
        if not v:
            if col.required:
                raise CellError("must not be empty")
            return None
        return v
    if t == "refs:source":
        return [s.strip() for s in v.split("|") if s.strip()]
    if t == "aliases":
        out = []
        for part in unneutralise(raw).split("|"):
            part, w = text.clean(part)
            warnings.extend(w)
            if not part:
                continue
            name, lang = part, ""
            m = re.match(r"(.+)@([a-z]{2,3}(?:-[A-Za-z0-9]+)?)\Z", part)
            if m:
                name, lang = m[1].strip(), m[2]
            out.append((name, lang))
        return out
    if t == "enum":
        v = v.lower()
        if not v:
            if col.required:
                raise CellError("must not be empty")
            return col.default
        if v not in col.choices:
            raise CellError(f"{v!r} is not one of: {', '.join(c for c in col.choices if c)}")
        return v
    if t == "year":
        if not v:
            if col.required:
                raise CellError("must not be empty")
            return None
        if not re.fullmatch(r"[0-9]{4}", v, re.ASCII):
            raise CellError(f"{v!r} is not a four-digit year")
        return int(v)
    if t == "decimal":
        if not v:
            if col.required:
                raise CellError("must not be empty")
            return None
        try:
            return numbers.parse_decimal(v, decimal_comma=opts.decimal_comma)
        except numbers.NumberError as e:
            raise CellError(str(e)) from None
    if t in ("currency", "unit"):
        v = v.upper() if t == "currency" or v.lower() != "percent" else "percent"
        if not v:
            if col.required:
                raise CellError("must not be empty")
            return col.default or None
        if v == "percent":
            return v
        if not re.fullmatch(r"[A-Z]{3}", v) or pycountry.currencies.get(alpha_3=v) is None:
            raise CellError(f"{v!r} is not an ISO 4217 currency code" + (" or 'percent'" if t == "unit" else ""))
        return v
    if t == "reliability":
        v = v.upper()
        if not v:
            return None
        if v not in ("A", "B", "C", "D", "E", "F"):
            raise CellError(f"reliability {v!r} must be A-F (or empty)")
        return v
    if t == "credibility":
        if not v:
            return None
        if v not in ("1", "2", "3", "4", "5", "6"):
            raise CellError(f"credibility {v!r} must be 1-6 (or empty)")
        return int(v)
    if t == "deleted":
        if v.lower() in _YES:
            return True
        if v.lower() in _NO:
            return False
        raise CellError(f"deleted must be 'yes' or empty, not {v!r}")
    raise AssertionError(f"unknown column type {t}")  # pragma: no cover


def column_converter(col: Column, opts: Options) -> Callable[[str, list[str]], Any]:
    """`convert_cell` for one column, specialised once per file for the common types (the import's hot
    loop); every other type, and every unusual cell, goes through `convert_cell` itself."""
    t = col.type

    def general(raw: str, w: list[str]) -> Any:
        return convert_cell(col, raw, opts, w)

    if t in ("text", "name"):
        must = t == "name"

        def text_cell(raw: str, w: list[str]) -> Any:
            v = raw
            if v[:1] == "'":
                v = unneutralise(v)
            if "\r" in v:
                v = v.replace("\r\n", "\n").replace("\r", "\n")
            v, ww = text.clean(v)
            if ww:
                w.extend(ww)
            if must and not v:
                raise CellError("must not be empty")
            return v
        return text_cell
    if t in ("date", "end"):
        cache: dict[str, Any] = {}
        end = t == "end"

        def date_cell(raw: str, w: list[str]) -> Any:
            v = raw.strip()
            d = cache.get(v)
            if d is not None:
                return d
            if not v or "/" in v or (end and v == dates.ONGOING):
                return general(raw, w)
            try:
                d = dates.parse_date(v)
            except dates.DateError as e:
                raise CellError(str(e)) from None
            if len(cache) > 100_000:
                cache.clear()
            cache[v] = d
            return d
        return date_cell
    if t == "country":
        known: dict[str, str] = {}

        def country_cell(raw: str, w: list[str]) -> Any:
            c = known.get(raw)
            if c is None:
                c = general(raw, w)
                if c is not None and len(known) < 10_000:
                    known[raw] = c
            return c
        return country_cell
    if t == "id":
        def id_cell(raw: str, w: list[str]) -> Any:
            v = raw.strip()
            if v[:1] != "'":
                v = text.clean(v)[0]
                if v and len(v) <= 200 and _ID.match(v):
                    return v
            return general(raw, w)
        return id_cell
    if t == "refs:source":
        def sources_cell(raw: str, w: list[str]) -> Any:
            v = raw.strip()
            if "|" in v:
                return [s.strip() for s in v.split("|") if s.strip()]
            return [v] if v else []
        return sources_cell
    if t == "enum":
        choices = col.choices

        def enum_cell(raw: str, w: list[str]) -> Any:
            v = raw.strip().lower()
            if v and v in choices:
                return v
            return general(raw, w)
        return enum_cell
    if t.startswith("ref:"):
        def ref_cell(raw: str, w: list[str]) -> Any:
            v = raw.strip()
            if v and v[0] != "'":
                return v
            return general(raw, w)
        return ref_cell
    return general
