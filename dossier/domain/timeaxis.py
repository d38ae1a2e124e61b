"""The shared time axis: x = seconds since 1970-01-01 UTC (docs/conventions.md)."""

from __future__ import annotations

import datetime as _dt

EPOCH_ORDINAL = _dt.date(1970, 1, 1).toordinal()  # 719163
DAY = 86400.0


def ordinal_to_x(o: int) -> float:
    return (o - EPOCH_ORDINAL) * DAY


def x_to_ordinal(x: float) -> int:
    return int(x // DAY) + EPOCH_ORDINAL


def year_to_x(year: int) -> float:
    return ordinal_to_x(_dt.date(year, 1, 1).toordinal())


def x_to_date(x: float) -> _dt.date:
    return _dt.date.fromordinal(x_to_ordinal(x))
