"""Bilateral trade for the trade panel and reports, aggregated with pandas, cached per pair.

Rules (DATA-MODEL.md rule 5): reporter and mirror figures are separate series, never added; a year a
country did not report is a gap with a note, never zero; values keep their currency and basis and
are converted only with a stored, dated, sourced rate (none stored: we say so and show nothing
converted); figures quoted by the press are sourced points, not statistics.

Caches are keyed on the pair and display currency: the statistics part holds until trade rows or
exchange rates change (`storage.trade.data_version`), the quoted figures and events over it are
re-read when those change; the commodity breakdown is computed only when first used."""

from __future__ import annotations

import datetime as _dt
from collections import Counter, OrderedDict
from dataclasses import dataclass

import numpy as np
import pandas as pd
import sqlite_utils

from dossier.services import trade_series as series
from dossier.services.trade_model import (
    Conversion,
    EventMarker,
    QuotedPoint,
    Source,
    TradeView,
    years_text,
)
from dossier.storage import trade as store

_KIND_MEASURE = {"trade_total": "total", "trade_export": "exports", "trade_import": "imports",
                 "trade_growth": "growth"}


@dataclass(frozen=True)
class Country:
    code: str
    name: str
    has_trade: bool


class TradeService:
    """Views per (pair, display currency), cached in two layers: the statistics part (the SQL and
    pandas over trade rows, and the rates) holds until trade rows or exchange rates change; the view
    on top (quoted figures, events: a few rows) is rebuilt when those change.  `check()` compares the
    data with what the caches hold; `view(check=False)` trusts the last check (the panel checks when
    the window reports changed data, not on every pair switch)."""

    def __init__(self, db: sqlite_utils.Database, cache_size: int = 32):
        self.db = db
        self._cache: OrderedDict[tuple[str, str, str], TradeView] = OrderedDict()
        self._stats: OrderedDict[tuple[str, str, str], _Stats] = OrderedDict()
        self._version: tuple[tuple, tuple] | None = None
        self._size = cache_size
        self.builds = 0  # how many views were computed (not served from the cache)
        self.stats_builds = 0  # how many statistics parts were computed from trade rows

    def check(self) -> set[str]:
        """Drop what changed since the caches were filled: {'statistics', 'annotations'} (or empty)."""
        stats, notes = store.data_version(self.db)
        changed = set()
        if self._version is None or stats != self._version[0]:
            self._stats.clear()
            changed.add("statistics")
        if self._version is None or notes != self._version[1]:
            changed.add("annotations")
        if changed:
            self._cache.clear()
        self._version = (stats, notes)
        return changed

    # --- pickers ---------------------------------------------------------------------------------
    def countries(self) -> list[Country]:
        return [Country(r["code"], r["name"], bool(r["has_trade"])) for r in store.countries(self.db)]

    def currencies(self) -> list[str]:
        return store.currencies(self.db) or ["USD"]

    def default_pair(self) -> tuple[str, str] | None:
        """The first pair with quoted figures or statistics (the sample: KHM, KOR)."""
        return store.first_pair(self.db)

    def event_pair(self, event_id: str) -> list[str]:
        return store.event_countries(self.db, event_id)

    def event_years(self, event_id: str) -> range | None:
        import datetime as dt
        span = store.event_years(self.db, event_id)
        if span is None:
            return None
        return range(dt.date.fromordinal(span[0]).year, dt.date.fromordinal(span[1]).year + 1)

    # --- the view --------------------------------------------------------------------------------
    def view(self, a: str, b: str, currency: str = "USD", check: bool = True) -> TradeView:
        if check or self._version is None:
            self.check()
        key = (a, b, currency)
        hit = self._cache.get(key)
        if hit is not None:
            self._cache.move_to_end(key)
            return hit
        stats = self._stats.get(key)
        if stats is None:
            stats = _Stats(self.db, a, b, currency)
            self.stats_builds += 1
            self._stats[key] = stats
        else:
            self._stats.move_to_end(key)
        v = build_view(self.db, a, b, currency, stats)
        self.builds += 1
        self._cache[key] = v
        for cache in (self._cache, self._stats):
            while len(cache) > self._size:
                cache.popitem(last=False)
        return v


def _sources(db: sqlite_utils.Database, cites: list[dict]) -> tuple[Source, ...]:
    out = []
    for c in cites:
        grade = f"{c.get('reliability') or ''}{c.get('credibility') or ''}"
        out.append(Source(c["id"], c.get("publisher") or "", c.get("title") or "", grade, c.get("quote") or ""))
    return tuple(out)


def _stored_rates(db: sqlite_utils.Database, frm: str, to: str) -> list[tuple[int, int, Conversion]]:
    """Every stored rate between the two currencies (either direction) as (earliest day, latest day,
    conversion frm -> to), newest first (by latest possible day)."""
    out = []
    for r in store.rates(db, frm, to):
        inverted = r["base"] != frm
        rate = 1.0 / r["rate_num"] if inverted else r["rate_num"]
        out.append((r["date_lo"], r["date_hi"],
                    Conversion(frm, to, rate, r["rate"], r["date"], r["id"], inverted, _sources(db, r["citations"]))))
    return out


def _frame(rows: list[tuple]) -> pd.DataFrame:
    """One value per (reporter, partner, year, flow, commodity): the most recently written (highest
    rid); `alternatives` counts the others.  Done on the tuples (a pair has ~120 total rows; pandas'
    sort + groupby + drop_duplicates cost ~2 ms on them)."""
    if not rows:
        return pd.DataFrame(columns=list(store.TRADE_COLUMNS)).astype({"year": "int64", "value_num": "float64"})
    rows = sorted(rows, key=lambda r: r[0])  # rid
    counts = Counter(r[1:6] for r in rows)  # TRADE_COLUMNS[1:6]: reporter, partner, year, flow, commodity
    seen: set[tuple] = set()
    kept = []
    for r in reversed(rows):
        if r[1:6] not in seen:
            seen.add(r[1:6])
            kept.append(r)
    kept.reverse()
    df = pd.DataFrame.from_records(kept, columns=list(store.TRADE_COLUMNS))
    df["alternatives"] = [counts[r[1:6]] - 1 for r in kept]
    return df.astype({"year": "int64", "value_num": "float64"})


class _Stats:
    """The statistics of a pair in a display currency: the all-goods rows (~120 for a pair), the span
    of years of all its rows, the rates looked up, and the commodity breakdown once asked for."""

    def __init__(self, db: sqlite_utils.Database, a: str, b: str, currency: str):
        self.db, self.a, self.b = db, a, b
        self.df = _frame(store.pair_trade(db, a, b, "totals"))
        self.span = store.pair_years(db, a, b)  # over all rows, commodity rows included (index bounds)
        self.rates = _Rates(db, currency)
        self._goods: tuple[pd.DataFrame, list[tuple[str, str, str]]] | None = None

    def goods(self) -> tuple[pd.DataFrame, list[tuple[str, str, str]]]:
        """The commodity breakdown (~3,000 rows for a pair with 97 chapters): only when first asked for."""
        if self._goods is None:
            g = _frame(store.pair_trade(self.db, self.a, self.b, "goods")) if self.span else _frame([])
            self._goods = series.commodities(g, self.rates)
        return self._goods


def build_view(db: sqlite_utils.Database, a: str, b: str, currency: str, stats: _Stats | None = None) -> TradeView:
    """The chart's part from the all-goods rows; the commodity breakdown when first used
    (`view.commodities`)."""
    stats = stats or _Stats(db, a, b, currency)
    df, span, rates = stats.df, stats.span, stats.rates
    names = store.country_names(db, [a, b])
    figs = store.pair_figures(db, a, b)
    events = [EventMarker(e["id"], e["kind"], e["title"], e["start"], e["end"], e["start_lo"],
                          e["end_hi"] if e["end_hi"] is not None else e["start_hi"])
              for e in store.events_between(db, a, b)]
    notes: list[str] = []

    # --- years: statistics, quoted figures, events ---------------------------------------------
    yrs: set[int] = set(range(span[0], span[1] + 1)) if span else set()
    yrs |= {f["year"] for f in figs if f["year"]} | {f["base_year"] for f in figs if f["base_year"]}
    for e in events:
        yrs |= set(e.years)
    years = list(range(min(yrs), max(yrs) + 1)) if yrs else []

    table = series.measures(df, a, b, years, rates, names)
    growth = series.growth(table, a, b, years)
    quoted = _quoted(db, figs, a, b, currency, rates)
    # Name only the rates (and missing rates) the view actually needed: per currency and year.
    needed = set()
    if not df.empty:
        has = df["value_num"].notna() & (df["currency"] != currency)
        needed |= set(zip(df.loc[has, "currency"], df.loc[has, "year"].astype(int), strict=True))
    needed |= {(q.original_unit, q.year) for q in quoted if q.original_unit not in ("percent", currency)}
    conversions, year_rates, missing = _rates_used(rates, needed)
    if span is None:
        notes.append(f"No trade statistics are stored for {names.get(a, a)} and {names.get(b, b)}: "
                     "every year is 'not reported' (a gap, not zero).")
    if not df.empty and int(df["alternatives"].max()) > 0:
        notes.append("Some figures were imported from more than one source; the most recently imported is shown.")
    return TradeView(a=a, b=b, currency=currency, names=names, years=years, table=table, growth=growth,
                     quoted=quoted, events=events, conversions=conversions, missing_rates=missing, notes=notes,
                     goods_loader=stats.goods, year_rates=year_rates)


class _Rates:
    """Conversion into the display currency with the rate dated for each year: the newest stored rate
    dated in that year or before it (the nearest earlier one).  None for a year: that year's values
    are not converted (we say so; a later rate is never used for an earlier year)."""

    def __init__(self, db: sqlite_utils.Database, to: str):
        self.db, self.to = db, to
        self._stored: dict[str, list[tuple[int, int, Conversion]]] = {}
        self._at: dict[tuple[str, int], Conversion | None] = {}

    def has_any(self, frm: str) -> bool:
        return frm == self.to or bool(self._rates(frm))

    def _rates(self, frm: str) -> list[tuple[int, int, Conversion]]:
        if frm not in self._stored:
            self._stored[frm] = _stored_rates(self.db, frm, self.to) if frm and frm != self.to else []
        return self._stored[frm]

    def at(self, frm: str, year: int) -> Conversion | None:
        key = (frm, year)
        if key not in self._at:
            end = _dt.date(year, 12, 31).toordinal()
            self._at[key] = next((c for lo, _hi, c in self._rates(frm) if lo <= end), None)
        return self._at[key]

    def factor(self, frm: str, year: int) -> float:
        if frm == self.to:
            return 1.0
        if not frm:
            return np.nan
        c = self.at(frm, year)
        return c.rate if c is not None else np.nan

    def missing_note(self, frm: str, year: int) -> str:
        if not self.has_any(frm):
            return f"no stored {frm}->{self.to} exchange rate"
        return f"no stored {frm}->{self.to} rate dated {year} or earlier"


def _rates_used(rates: _Rates, needed: set[tuple[str, int]]) -> tuple[dict[str, tuple[Conversion, ...]],
                                                                      dict[str, dict[int, Conversion]], list[str]]:
    """For the (currency, year) pairs a view converts: the distinct rates used per currency (oldest
    first), the rate per year, and one message per currency naming the years without a rate."""
    conversions: dict[str, tuple[Conversion, ...]] = {}
    year_rates: dict[str, dict[int, Conversion]] = {}
    missing: list[str] = []
    for c in sorted({c for c, _y in needed}):
        ys = sorted(y for cc, y in needed if cc == c)
        per = {y: conv for y in ys if (conv := rates.at(c, y)) is not None}
        year_rates[c] = per
        distinct = {id(v): v for v in per.values()}
        conversions[c] = tuple(sorted(distinct.values(), key=lambda v: min(y for y, w in per.items() if w is v)))
        gaps = [y for y in ys if y not in per]
        if not rates.has_any(c):
            missing.append(f"{c}->{rates.to}: no stored rate, values in {c} are not shown in {rates.to}")
        elif gaps:
            missing.append(f"{c}->{rates.to}: no stored rate dated {gaps[-1]} or earlier; {c} values of "
                           f"{years_text(gaps)} are not shown in {rates.to}")
    return {c: v for c, v in conversions.items() if v}, {c: v for c, v in year_rates.items() if v}, missing


def _quoted(db: sqlite_utils.Database, figs: list[dict], a: str, b: str, currency: str,
            rates: _Rates) -> list[QuotedPoint]:
    out: list[QuotedPoint] = []
    in_display = {(_KIND_MEASURE.get(f["kind"]), f["year"]) for f in figs if f["unit"] == currency}
    for f in figs:
        if f["kind"] not in _KIND_MEASURE or f["year"] is None:
            continue
        measure = _KIND_MEASURE[f["kind"]]
        if measure in ("exports", "imports") and f["a"] == b:
            measure = "imports" if measure == "exports" else "exports"  # quoted from the other side
        srcs = _sources(db, f["citations"])
        if f["unit"] == "percent":
            out.append(QuotedPoint(f["id"], f["kind"], measure, f["year"], f["value_num"], "percent", f["text"],
                                   f["value"], "percent", f["base_year"], False, srcs))
            continue
        if f["unit"] == currency:
            out.append(QuotedPoint(f["id"], f["kind"], measure, f["year"], f["value_num"], currency, f["text"],
                                   f["value"], f["unit"], f["base_year"], False, srcs))
            continue
        if (measure, f["year"]) in in_display:
            continue  # the same figure is quoted in the display currency too: draw that one, not a conversion
        factor = rates.factor(f["unit"], f["year"])
        conv = rates.at(f["unit"], f["year"])
        note = (f"converted at {conv.describe()}" if conv else
                f"not converted: {rates.missing_note(f['unit'], f['year'])}")
        value = None if np.isnan(factor) else f["value_num"] * factor
        out.append(QuotedPoint(f["id"], f["kind"], measure, f["year"], value, currency, f["text"], f["value"],
                               f["unit"], f["base_year"], value is not None, srcs, note))
    return out
