"""Anniversaries computed from stored dates, at the precision the date has (DATA-MODEL.md rule 6).

A relation established in "1965~" (some day in about 1965) has its 55th anniversary in about 2020;
one established on 1965-12-24 has it on 24 Dec 2020; one established in "196X" has its 55th some time
between 2015 and 2024.  Nothing is invented: the text says how sure the count is.
"""

from __future__ import annotations

import calendar
import datetime as _dt
from dataclasses import dataclass

from dossier.domain.dates import PartialDate


def ordinal_word(n: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st, 55th ..."""
    if 10 <= n % 100 <= 20:
        return f"{n}th"
    return f"{n}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


@dataclass(frozen=True, slots=True)
class Anniversary:
    number: int  # the 55th
    year_lo: int  # the earliest year it can fall in
    year_hi: int  # the latest year it can fall in
    text: str  # 'about the 55th anniversary, in 2020'
    when: str  # 'past', 'this year', 'upcoming' relative to the reference date

    @property
    def certain(self) -> bool:
        return self.year_lo == self.year_hi


def _when_text(start: PartialDate, n: int) -> str:
    d = start.earliest_date
    y = d.year + n
    if start.precision == "day":
        day = d.day
        if d.month == 2 and d.day == 29 and not calendar.isleap(y):
            return f"on 28 Feb / 1 Mar {y} (founded on 29 Feb)"
        return f"on {day} {calendar.month_abbr[d.month]} {y}"
    if start.precision == "month":
        return f"in {calendar.month_abbr[d.month]} {y}"
    lo, hi = start.earliest_date.year + n, start.latest_date.year + n
    return f"in {lo}" if lo == hi else f"some time between {lo} and {hi}"


def anniversary(start: PartialDate, n: int, reference: _dt.date) -> Anniversary:
    lo, hi = start.earliest_date.year + n, start.latest_date.year + n
    word = ordinal_word(n)
    if start.approximate:
        head = f"about the {word} anniversary"
    else:
        head = f"the {word} anniversary"
    text = f"{head}, {_when_text(start, n)}"
    if start.uncertain:
        text += " (the founding date is uncertain)"
    if hi < reference.year:
        when = "past"
    elif lo > reference.year:
        when = "upcoming"
    elif lo == hi == reference.year:
        when = "this year"
    else:
        when = "around now"
    return Anniversary(n, lo, hi, text, when)


def anniversaries(start: PartialDate, reference: _dt.date, *, every: int = 5, years_back: int = 10,
                  years_ahead: int = 10) -> list[Anniversary]:
    """Round anniversaries (every `every` years) falling within [reference - back, reference + ahead],
    plus the one falling in the reference year itself, in order."""
    first = start.earliest_date.year
    out: dict[int, Anniversary] = {}
    for n in range(every, reference.year + years_ahead - first + 1, every):
        a = anniversary(start, n, reference)
        if a.year_hi >= reference.year - years_back and a.year_lo <= reference.year + years_ahead:
            out[n] = a
    this = reference.year - first
    if this > 0 and this not in out:
        out[this] = anniversary(start, this, reference)
    return [out[k] for k in sorted(out)]
