import calendar
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dossier.domain import dates


@given(st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)),
       st.sampled_from(["year", "month", "day"]), st.sampled_from(["", "~", "?", "%"]))
def test_parse_keeps_precision_and_invents_nothing(d, precision, mark):
    text = {"year": f"{d.year:04d}", "month": f"{d.year:04d}-{d.month:02d}", "day": d.isoformat()}[precision] + mark
    p = dates.parse_date(text)
    assert p.text == text  # stored as written
    assert p.precision == precision
    assert p.approximate == (mark in "~%" and mark != "")
    assert p.uncertain == (mark in "?%" and mark != "")
    lo, hi = p.earliest_date, p.latest_date
    # the range is exactly the unit named, no more, no less: nothing invented
    if precision == "year":
        assert (lo, hi) == (dt.date(d.year, 1, 1), dt.date(d.year, 12, 31))
    elif precision == "month":
        last = calendar.monthrange(d.year, d.month)[1]
        assert (lo, hi) == (dt.date(d.year, d.month, 1), dt.date(d.year, d.month, last))
    else:
        assert lo == hi == d


@pytest.mark.parametrize("bad, why", [
    ("2019-02-30", "no day 30"), ("2019-13", "no month 13"), ("1900-02-29", "no day 29"),
    ("43794", "Excel serial"), ("05/06/2019", "not an ISO date"), ("٢٠٠٤", "non-ASCII"),
    ("１２", "non-ASCII"), ("Nov 2019", "not a date"), ("2004/2008", "range"),
])
def test_rejects_with_reason(bad, why):
    with pytest.raises(dates.DateError, match=why):
        dates.parse_date(bad)


def test_excel_serial_names_the_probable_date():
    with pytest.raises(dates.DateError, match="2019-11-25"):
        dates.parse_date("43794")


def test_span_rules():
    s = dates.parse_span("2004", "2008")
    assert s.display() == "2004 – 2008"
    assert dates.parse_span("2004", "..").ongoing
    assert dates.parse_span("2004", "").end is None and not dates.parse_span("2004", "").ongoing
    assert dates.parse_span("2008", "2008").display() == "2008"
    with pytest.raises(dates.DateError, match="before start"):
        dates.parse_span("2008", "2004")
    # overlapping imprecise ends are not "before"
    assert dates.parse_span("2004-06", "2004").end.text == "2004"


def test_display_marks():
    assert dates.parse_date("2019-11~").display() == "c. Nov 2019"
    assert dates.parse_date("2019?").display() == "2019?"
    assert dates.parse_date("2019-11-25").display() == "25 Nov 2019"


def test_extended_edtf_forms_go_through_the_library():
    p = dates.parse_date("201X")
    assert p.precision == "decade" and p.earliest_date == dt.date(2010, 1, 1) and p.latest_date == dt.date(2019, 12, 31)


def test_slashed_dates_only_with_declared_order():
    assert dates.convert_slashed("25/11/2019", dayfirst=True) == "2019-11-25"
    assert dates.convert_slashed("11/25/2019", dayfirst=False) == "2019-11-25"
    with pytest.raises(dates.DateError):
        dates.convert_slashed("25/11/2019", dayfirst=False)
    assert dates.is_ambiguous_slashed("05/06/2019") and not dates.is_ambiguous_slashed("25/11/2019")
