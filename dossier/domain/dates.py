"""Partial dates that keep their precision and never invent any (DATA-MODEL.md rule 3).

A `PartialDate` is the text as given (EDTF level 0/1 subset) plus what can be derived from it without
guessing: the earliest and the latest possible day, the precision, and the approximate (`~`) /
uncertain (`?`) marks.  "2004" is *some day in 2004*: earliest 2004-01-01, latest 2004-12-31,
precision "year".  Nothing here ever fills in a missing month or day.

The common forms (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`, each with an optional `~`, `?` or `%`) are parsed
by a small exact parser: the `edtf` library takes about 4.4 ms per value on this machine, which would
cost over an hour on a million-row import.  Rarer EDTF forms (`201X`, `2019-21` seasons ...) are
handed to the `edtf` library, lazily imported, and kept as written.

Day numbers are proleptic Gregorian ordinals (`datetime.date.toordinal()`), which index well in
SQLite and convert to timeline coordinates without time zones.
"""

from __future__ import annotations

import calendar
import datetime as _dt
import re
from dataclasses import dataclass
from typing import Literal

Precision = Literal["year", "month", "day", "decade", "century", "range"]

ONGOING = ".."

_SIMPLE = re.compile(r"(?P<y>-?[0-9]{4})(?:-(?P<m>[0-9]{2})(?:-(?P<d>[0-9]{2}))?)?(?P<q>[~?%])?\Z", re.ASCII)
_EXCEL_SERIAL = re.compile(r"[0-9]{5}(?:\.[0-9]+)?\Z", re.ASCII)
_SLASHED = re.compile(r"([0-9]{1,2})[/.]([0-9]{1,2})[/.]([0-9]{4})\Z", re.ASCII)
_EXCEL_EPOCH = _dt.date(1899, 12, 30)


class DateError(ValueError):
    """A date text that is not a date, or is ambiguous; the message says why, for a user."""


@dataclass(frozen=True, slots=True)
class PartialDate:
    text: str  # canonical text as stored (EDTF)
    earliest: int  # ordinal of the earliest possible day
    latest: int  # ordinal of the latest possible day
    precision: Precision
    approximate: bool = False
    uncertain: bool = False

    @property
    def earliest_date(self) -> _dt.date:
        return _dt.date.fromordinal(self.earliest)

    @property
    def latest_date(self) -> _dt.date:
        return _dt.date.fromordinal(self.latest)

    @property
    def year(self) -> int:
        return self.earliest_date.year

    def display(self) -> str:
        """Human text at the date's own precision: '2004', 'Nov 2019', '25 Nov 2019', with marks."""
        d = self.earliest_date
        if self.precision == "day":
            s = f"{d.day} {calendar.month_abbr[d.month]} {d.year}"
        elif self.precision == "month":
            s = f"{calendar.month_abbr[d.month]} {d.year}"
        elif self.precision == "year":
            s = str(d.year)
        else:
            s = self.text
        if self.approximate and self.uncertain:
            s = f"{s} (approx., uncertain)"
        elif self.approximate:
            s = f"c. {s}"
        elif self.uncertain:
            s = f"{s}?"
        return s

    def __str__(self) -> str:
        return self.text


def _ordinal(y: int, m: int, d: int) -> int:
    return _dt.date(y, m, d).toordinal()


def parse_date(text: str, *, allow_extended: bool = True) -> PartialDate:
    """Parse one date.  Raises DateError with a user-facing reason.  Empty text is not a date."""
    s = text.strip()
    if not s:
        raise DateError("empty date")
    if not s.isascii():
        bad = next(ch for ch in s if not ch.isascii())
        raise DateError(f"non-ASCII character {bad!r} (U+{ord(bad):04X}) in date {s!r}: write digits 0-9")
    m = _SIMPLE.match(s)
    if m:
        y = int(m["y"])
        if y < 1 or y > 9999:
            raise DateError(f"year out of range in {s!r}")
        q = m["q"] or ""
        approx = q in ("~", "%")
        uncert = q in ("?", "%")
        if m["m"] is None:
            return PartialDate(s, _ordinal(y, 1, 1), _ordinal(y, 12, 31), "year", approx, uncert)
        mo = int(m["m"])
        if not 1 <= mo <= 12:
            raise DateError(f"no month {mo} in {s!r}")
        last = calendar.monthrange(y, mo)[1]
        if m["d"] is None:
            return PartialDate(s, _ordinal(y, mo, 1), _ordinal(y, mo, last), "month", approx, uncert)
        d = int(m["d"])
        if not 1 <= d <= last:
            raise DateError(f"no day {d} in {calendar.month_name[mo]} {y} ({s!r})")
        o = _ordinal(y, mo, d)
        return PartialDate(s, o, o, "day", approx, uncert)
    if _EXCEL_SERIAL.match(s):
        n = float(s)
        guess = _EXCEL_EPOCH + _dt.timedelta(days=int(n))
        raise DateError(
            f"{s!r} looks like an Excel serial date ({int(n)} = {guess.isoformat()}); "
            f"write it as {guess.isoformat()} if that is what it means"
        )
    sm = _SLASHED.match(s)
    if sm:
        raise DateError(
            f"{s!r} is not an ISO date; write YYYY-MM-DD (or import with --dayfirst / --monthfirst)"
        )
    if allow_extended:
        return _parse_extended(s)
    raise DateError(f"{s!r} is not a date (expected YYYY, YYYY-MM or YYYY-MM-DD, optionally followed by ~ or ?)")


def _parse_extended(s: str) -> PartialDate:
    """Rarer EDTF forms through the edtf library (slow, so only when the fast path fails)."""
    try:
        from edtf import parse_edtf  # noqa: PLC0415 - optional slow path
        from edtf.parser.edtf_exceptions import EDTFParseException  # noqa: PLC0415
    except ImportError:  # pragma: no cover - edtf is a declared dependency
        raise DateError(f"{s!r} is not a date") from None
    if "/" in s:
        raise DateError(f"{s!r} is a date range; give start and end in their own columns")
    try:
        e = parse_edtf(s)
        lo, hi = e.lower_strict(), e.upper_strict()
        if not isinstance(lo, tuple) and not hasattr(lo, "tm_year"):
            raise TypeError
        lo_o = _ordinal(lo.tm_year, lo.tm_mon, lo.tm_mday)
        hi_o = _ordinal(hi.tm_year, hi.tm_mon, hi.tm_mday)
    except (EDTFParseException, TypeError, ValueError, AttributeError, OverflowError):
        raise DateError(
            f"{s!r} is not a date (expected YYYY, YYYY-MM or YYYY-MM-DD, optionally followed by ~ or ?)"
        ) from None
    span = hi_o - lo_o
    prec: Precision = "decade" if 3000 <= span <= 3700 else "century" if span > 30000 else "range"
    return PartialDate(s, lo_o, hi_o, prec, "~" in s or "%" in s, "?" in s or "%" in s)


def parse_date_or_none(text: str | None) -> PartialDate | None:
    if text is None or not text.strip():
        return None
    return parse_date(text)


def convert_slashed(text: str, *, dayfirst: bool) -> str:
    """Turn `25/11/2019` into `2019-11-25` when the user has declared the order; else raise."""
    m = _SLASHED.match(text.strip())
    if not m:
        raise DateError(f"{text!r} is not a DD/MM/YYYY or MM/DD/YYYY date")
    a, b, y = int(m[1]), int(m[2]), int(m[3])
    d, mo = (a, b) if dayfirst else (b, a)
    try:
        return _dt.date(y, mo, d).isoformat()
    except ValueError:
        order = "DD/MM/YYYY" if dayfirst else "MM/DD/YYYY"
        raise DateError(f"{text!r} is not a valid {order} date") from None


def is_ambiguous_slashed(text: str) -> bool:
    m = _SLASHED.match(text.strip())
    return bool(m) and int(m[1]) <= 12 and int(m[2]) <= 12 and m[1] != m[2]


@dataclass(frozen=True, slots=True)
class Span:
    """A start and an end.  end None = unknown; ongoing True = still running (`..`)."""

    start: PartialDate | None
    end: PartialDate | None
    ongoing: bool = False

    @property
    def end_text(self) -> str:
        return ONGOING if self.ongoing else (self.end.text if self.end else "")

    def display(self) -> str:
        a = self.start.display() if self.start else "?"
        if self.ongoing:
            return f"{a} – present"
        if self.end is None:
            return f"{a} – ?" if self.start else ""
        if self.start and self.end.text == self.start.text:
            return a
        return f"{a} – {self.end.display()}"


def parse_span(start: str | None, end: str | None) -> Span:
    """Validate a start/end pair: an end that is certainly before the start is an error."""
    s = parse_date_or_none(start)
    e_text = (end or "").strip()
    if s is not None and s.text == ONGOING:
        raise DateError("'..' means ongoing and belongs in the end column")
    if e_text == ONGOING:
        return Span(s, None, True)
    e = parse_date_or_none(e_text)
    if s is not None and e is not None and e.latest < s.earliest:
        raise DateError(f"end {e.text} is before start {s.text}")
    return Span(s, e, False)


def today_ordinal() -> int:
    return _dt.date.today().toordinal()


def ordinal_to_iso(o: int) -> str:
    return _dt.date.fromordinal(o).isoformat()
