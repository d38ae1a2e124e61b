"""Property tests (hypothesis) across the parts that touch data: numbers, dates, and the CSV round trip
of dated and numeric records (extending test_dates.py, test_numbers_text.py, test_exchange_format.py)."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from dossier.domain import dates, numbers

decimals = st.decimals(min_value=Decimal("-1e15"), max_value=Decimal("1e15"), allow_nan=False,
                       allow_infinity=False, places=4)


@given(decimals)
def test_number_format_parse_round_trip(d):
    text = numbers.format_decimal(d)
    assert text.isascii() and "e" not in text.lower() and "_" not in text and "," not in text
    assert numbers.parse_decimal(text) == d
    assert numbers.parse_decimal(text.replace(".", ","), decimal_comma=True) == d


@given(decimals, st.sampled_from(["_", "$", "%", "e3", "k", "'", "\u00a0", " "]), st.integers(0, 6))
def test_number_with_any_decoration_is_rejected(d, junk, pos):
    text = numbers.format_decimal(abs(d)) if d else "1"
    if junk.isspace():  # spaces around a number are trimmed; inside one they are an error
        assume(len(text) >= 2)
        pos = max(1, min(pos, len(text) - 1))
    bad = text[:pos] + junk + text[pos:]
    with pytest.raises(numbers.NumberError):
        numbers.parse_decimal(bad)


@given(st.text(alphabet=st.characters(categories=["Nd"]), min_size=1, max_size=6))
def test_only_ascii_digits_make_numbers(s):
    assume(not s.isascii())
    with pytest.raises(numbers.NumberError):
        numbers.parse_decimal(s)


@given(st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)),
       st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)),
       st.sampled_from(["year", "month", "day"]), st.sampled_from(["year", "month", "day"]))
def test_spans_never_swap_and_keep_each_precision(a, b, pa, pb):
    def text(d, p):
        return {"year": f"{d.year:04d}", "month": f"{d.year:04d}-{d.month:02d}", "day": d.isoformat()}[p]

    s, e = text(a, pa), text(b, pb)
    ps, pe = dates.parse_date(s), dates.parse_date(e)
    try:
        span = dates.parse_span(s, e)
    except dates.DateError:
        assert pe.latest < ps.earliest  # refused only when the end is surely before the start
        return
    assert pe.latest >= ps.earliest
    assert (span.start.text, span.end.text) == (s, e)  # kept as written, never swapped


@given(st.integers(1, 9999), st.integers(13, 99))
def test_impossible_months_are_rejected(y, m):
    with pytest.raises(dates.DateError):
        dates.parse_date(f"{y:04d}-{m:02d}")


_dates = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31))


@st.composite
def dated(draw):
    d = draw(_dates)
    p = draw(st.sampled_from(["year", "month", "day", "none"]))
    mark = draw(st.sampled_from(["", "~", "?", "%"])) if p != "none" else ""
    return {"year": f"{d.year:04d}", "month": f"{d.year:04d}-{d.month:02d}", "day": d.isoformat(), "none": ""}[p] + mark


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(dated(), decimals), min_size=1, max_size=8))
def test_csv_round_trip_of_dates_and_numbers(tmp_path_factory, rows):
    from dossier.services import exporting
    from dossier.services.database import close_database, create_database
    from dossier.services.importing import import_files

    d = tmp_path_factory.mktemp("rt")
    db = create_database(d / "t.db")
    ev = d / "events.csv"
    fig = d / "figures.csv"
    with ev.open("w", encoding="utf-8", newline="") as f1, fig.open("w", encoding="utf-8", newline="") as f2:
        w1, w2 = csv.writer(f1), csv.writer(f2)
        w1.writerow(["id", "kind", "title", "start"])
        w2.writerow(["id", "kind", "a", "year", "value", "unit"])
        for i, (start, value) in enumerate(rows):
            w1.writerow([f"e{i}", "meeting", f"Event {i}", start])
            w2.writerow([f"f{i}", "trade_total", "KHM", 2018, numbers.format_decimal(value), "USD"])
    r = import_files(db, [ev, fig])
    assert r.ok, r.errors[:3]
    out_e, out_f = d / "out" / "events.csv", d / "out" / "figures.csv"
    out_e.parent.mkdir()
    exporting.export_kind_to_file(db, "events", out_e)
    exporting.export_kind_to_file(db, "figures", out_f)
    r2 = import_files(db, [out_e, out_f], dry_run=True)
    assert r2.ok and r2.count("changed") == 0 and r2.count("unchanged") == 2 * len(rows), r2.changes[:3]
    got = {r[0]: r[1] for r in db.execute("SELECT id, start FROM event")}
    assert got == {f"e{i}": s for i, (s, _v) in enumerate(rows)}  # every date exactly as written
    vals = {r[0]: Decimal(r[1]) for r in db.execute("SELECT id, value FROM figure")}
    assert vals == {f"f{i}": v for i, (_s, v) in enumerate(rows)}
    close_database(db)
