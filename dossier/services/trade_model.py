"""What the trade panel shows for a pair of countries, as plain data (no Qt): the series, the quoted
figures, the conversion used, the events between the two states, and the table behind the chart.

Perspective: a view of (A, B) is A's trade with B.  "Exports" are A's exports to B, "imports" A's
imports from B, "balance" exports minus imports.  Each measure exists twice, never added together:
as reported by A, and as mirrored from B's own report (B's imports from A are A's exports to B)."""

from __future__ import annotations

import csv
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

MEASURES = ("exports", "imports", "total", "balance")
MEASURE_LABELS = {"exports": "Exports", "imports": "Imports", "total": "Total trade", "balance": "Balance"}
BASIS_LABELS = {"fob": "FOB", "cif": "CIF", "unknown": "basis not stated", "mixed": "CIF and FOB"}


@dataclass(frozen=True)
class Source:
    id: str
    publisher: str = ""
    title: str = ""
    grade: str = ""
    quote: str = ""

    def line(self) -> str:
        name = self.publisher or self.title or self.id
        grade = f" [{self.grade}]" if self.grade else ""
        return f"{self.id}: {name}{grade}"


@dataclass(frozen=True)
class Conversion:
    """Values in `frm` are shown in `to` at one stored, dated, sourced rate (1 frm = rate to)."""
    frm: str
    to: str
    rate: float
    rate_text: str
    date: str
    rate_id: str
    inverted: bool  # the stored rate is `to` -> `frm`; we use its reciprocal
    sources: tuple[Source, ...] = ()

    def describe(self) -> str:
        src = ", ".join(s.id for s in self.sources) or "no source"
        how = f" (reciprocal of stored {self.to}->{self.frm} {self.rate_id})" if self.inverted else ""
        return f"1 {self.frm} = {self.rate:.6g} {self.to}, rate of {self.date}{how}, source: {src}"


@dataclass(frozen=True)
class QuotedPoint:
    id: str
    kind: str  # trade_total, trade_export, trade_import, trade_growth
    measure: str  # total, exports, imports, growth
    year: int
    value: float | None  # in the display currency (or percent); None when it cannot be converted
    unit: str  # display currency or 'percent'
    original: str  # as quoted ('about US$756 million')
    original_value: str
    original_unit: str
    base_year: int | None
    converted: bool
    sources: tuple[Source, ...] = ()
    note: str = ""

    def describe(self) -> str:
        head = f"Quoted figure ({self.kind.replace('_', ' ')}, {self.year}): {self.original or self.original_value}"
        if self.base_year:
            head += f" (base year {self.base_year})"
        if self.converted and self.value is not None:
            head += f" = {fmt_money(self.value, self.unit)} converted"
        lines = [head]
        for s in self.sources:
            lines.append(f"  source {s.line()}" + (f": “{s.quote}”" if s.quote else ""))
        if self.note:
            lines.append(f"  {self.note}")
        return "\n".join(lines)


@dataclass(frozen=True)
class EventMarker:
    id: str
    kind: str
    title: str
    start: str
    end: str
    lo: int  # earliest day (ordinal)
    hi: int  # latest day (ordinal)

    @property
    def years(self) -> range:
        import datetime as dt
        return range(dt.date.fromordinal(self.lo).year, dt.date.fromordinal(self.hi).year + 1)


@dataclass
class TradeView:
    a: str
    b: str
    currency: str
    names: dict[str, str]
    years: list[int]
    table: pd.DataFrame  # long: year, measure, reporter, perspective, basis, value, value_orig, currency_orig, ...
    growth: pd.DataFrame  # year, reporter, perspective, growth (percent), base_year, note
    quoted: list[QuotedPoint]
    events: list[EventMarker]
    # per source currency: the distinct dated rates used (oldest first); and which one for each year
    conversions: dict[str, tuple[Conversion, ...]] = field(default_factory=dict)
    missing_rates: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # () -> (commodities, named goods); run once, on first use (the chart does not need them)
    goods_loader: Callable[[], tuple[pd.DataFrame, list[tuple[str, str, str]]]] | None = field(default=None, repr=False)
    _goods: tuple[pd.DataFrame, list[tuple[str, str, str]]] | None = field(default=None, repr=False)
    _arrays: dict[tuple[str, ...], tuple[np.ndarray, np.ndarray]] = field(default_factory=dict, repr=False)
    _labels: dict[tuple[str, str], str] = field(default_factory=dict, repr=False)
    _cols: dict[str, dict[str, np.ndarray]] = field(default_factory=dict, repr=False)
    year_rates: dict[str, dict[int, Conversion]] = field(default_factory=dict)

    def rate_for(self, currency: str, year: int) -> Conversion | None:
        """The stored rate used to show `year`'s values in `currency` (None: not converted)."""
        return self.year_rates.get(currency, {}).get(year)

    def rate_years(self, conv: Conversion) -> list[int]:
        return sorted(y for y, c in self.year_rates.get(conv.frm, {}).items() if c is conv)

    def rates_used(self) -> list[str]:
        """One line per dated rate used: the rate, its date, source, and the years it converts."""
        return [f"{c.describe()}; used for {years_text(self.rate_years(c))}"
                for convs in self.conversions.values() for c in convs]

    def name(self, code: str) -> str:
        return self.names.get(code, code)

    def _load_goods(self) -> tuple[pd.DataFrame, list[tuple[str, str, str]]]:
        if self._goods is None:
            self._goods = self.goods_loader() if self.goods_loader is not None else (pd.DataFrame(), [])
        return self._goods

    @property
    def commodities(self) -> pd.DataFrame:
        """reporter, partner, flow, year, commodity, label, value, value_orig, currency_orig, sources."""
        return self._load_goods()[0]

    @property
    def named_goods(self) -> list[tuple[str, str, str]]:
        """(reporter, flow, good) named without a value (or without an HS code)."""
        return self._load_goods()[1]

    def _columns(self, which: str) -> dict[str, np.ndarray]:
        """The table's (or growth's) columns as numpy arrays, once: per-series lookups on them cost
        microseconds where a pandas filter costs about a millisecond (a redraw makes a dozen)."""
        if which not in self._cols:
            t = self.table if which == "table" else self.growth
            self._cols[which] = {c: t[c].to_numpy() for c in t.columns}
        return self._cols[which]

    def _pick(self, which: str, mask: np.ndarray, col: str) -> tuple[np.ndarray, np.ndarray]:
        c = self._columns(which)
        if not mask.any():
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        years = c["year"][mask].astype(np.int64)
        order = np.argsort(years, kind="stable")
        return years[order], c[col][mask].astype(float)[order]

    def _mask(self, measure: str, reporter: str) -> np.ndarray:
        if not len(self.table):
            return np.zeros(0, dtype=bool)
        c = self._columns("table")
        return (c["measure"] == measure) & (c["reporter"] == reporter)

    def growth_arrays(self, reporter: str) -> tuple[np.ndarray, np.ndarray]:
        """(years, growth in percent) of one reporter's total, NaN where it cannot be computed."""
        key = ("growth", reporter)
        if key not in self._arrays:
            m = self._columns("growth")["reporter"] == reporter if len(self.growth) else np.zeros(0, dtype=bool)
            self._arrays[key] = self._pick("growth", m, "growth")
        return self._arrays[key]

    def arrays(self, measure: str, reporter: str, column: str = "value") -> tuple[np.ndarray, np.ndarray]:
        """(years, values) of one series as numpy arrays, NaN where not reported (or, for `value`, not
        convertible); `column` 'value_orig' gives the values as reported.  Computed once."""
        key = (measure, reporter) if column == "value" else (measure, reporter, column)
        if key not in self._arrays:
            self._arrays[key] = self._pick("table", self._mask(measure, reporter), column)
        return self._arrays[key]

    @property
    def title(self) -> str:
        return f"{self.name(self.a)} – {self.name(self.b)}: trade as {self.name(self.a)}'s"

    def axis_label(self) -> str:
        parts = []
        if self.missing_rates:
            parts.append("no stored rate: " + "; ".join(self.missing_rates))
        if self.conversions:
            parts.append("converted: " + "; ".join(self.rates_used()))
        if not parts:
            return f"{self.currency} (as reported, no conversion)"
        return f"{self.currency} — " + "; ".join(parts)

    def series(self, measure: str, reporter: str) -> pd.DataFrame:
        t = self.table
        return t[(t["measure"] == measure) & (t["reporter"] == reporter)].sort_values("year")

    def series_label(self, measure: str, reporter: str) -> str:
        key = (measure, reporter)
        if key not in self._labels:
            self._labels[key] = self._series_label(measure, reporter)
        return self._labels[key]

    def _series_label(self, measure: str, reporter: str) -> str:
        m = self._mask(measure, reporter)
        bases = sorted({b for b in self._columns("table")["basis"][m] if b}) if m.any() else []
        basis = BASIS_LABELS.get(bases[0], bases[0]) if len(bases) == 1 else ("mixed bases" if bases else "")
        who = self.name(reporter)
        if reporter == self.a:
            return f"{MEASURE_LABELS[measure]}, reported by {who}" + (f" ({basis})" if basis else "")
        return f"{MEASURE_LABELS[measure]}, mirror: reported by {who}" + (f" ({basis})" if basis else "")

    def year_text(self, year: int) -> str:
        """Everything known for one year, exactly, with sources (the chart's hover text)."""
        lines = [f"{year} — {self.name(self.a)} with {self.name(self.b)}"]
        t = self.table[self.table["year"] == year]
        for measure in MEASURES:
            for rep in (self.a, self.b):
                r = t[(t["measure"] == measure) & (t["reporter"] == rep)]
                if r.empty:
                    continue
                row = r.iloc[0]
                label = self.series_label(measure, rep)
                if pd.isna(row["value"]):
                    lines.append(f"{label}: {row['note']}")
                    continue
                txt = f"{label}: {fmt_money(row['value'], self.currency)}"
                if row["currency_orig"] != self.currency:
                    conv = self.rate_for(row["currency_orig"], year)
                    at = f", at {conv.rate:.6g} {self.currency} per {conv.frm}, rate of {conv.date}" if conv else ""
                    txt += f" (= {fmt_money(row['value_orig'], row['currency_orig'])} as reported{at})"
                if row["sources"]:
                    txt += f" — source: {row['sources']}"
                if row["note"]:
                    txt += f" ({row['note']})"
                lines.append(txt)
        g = self.growth[self.growth["year"] == year]
        for _, row in g.iterrows():
            if not pd.isna(row["growth"]):
                lines.append(f"Growth of total on {int(row['base_year'])}, reported by {self.name(row['reporter'])}: "
                             f"{row['growth']:+.1f}%")
        for q in self.quoted:
            if q.year == year:
                lines.append(q.describe())
        for e in self.events:
            if year in e.years:
                lines.append(f"Event: {e.title} ({e.start}{' – ' + e.end if e.end and e.end != e.start else ''})")
        return "\n".join(lines)

    def events_in_year(self, year: int) -> list[str]:
        return [e.id for e in self.events if year in e.years]

    def write_csv(self, path: str | Path) -> int:
        """The table behind the chart (UTF-8 with BOM, one row per year x measure x reporter), then the
        quoted figures.  Text cells that could be read as formulas get a leading apostrophe."""
        from dossier.exchange.dossier_csv import neutralise

        cols = ["year", "measure", "reporter", "partner", "perspective", "basis", "value", "currency",
                "value_as_reported", "currency_as_reported", "rate_used", "sources", "note"]
        n = 0
        with Path(path).open("w", encoding="utf-8-sig", newline="") as f:
            w = csv.writer(f, lineterminator="\r\n")
            w.writerow(cols)
            for _, r in self.table.sort_values(["year", "measure", "perspective"]).iterrows():
                conv = self.rate_for(r["currency_orig"], int(r["year"]))
                w.writerow([int(r["year"]), r["measure"], r["reporter"],
                            self.b if r["reporter"] == self.a else self.a, r["perspective"], r["basis"],
                            _num(r["value"]), self.currency, _num(r["value_orig"]), r["currency_orig"] or "",
                            conv.describe() if conv else "", neutralise(r["sources"]), neutralise(r["note"])])
                n += 1
            for q in self.quoted:
                w.writerow([q.year, f"quoted {q.measure}", self.a, self.b, "quoted", "", _num(q.value), q.unit,
                            q.original_value, q.original_unit, "", neutralise("|".join(s.id for s in q.sources)),
                            neutralise(q.original)])
                n += 1
        return n


def _num(v: object) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    f = float(v)  # type: ignore[arg-type]
    return str(int(f)) if f.is_integer() else repr(f)


def years_text(ys: list[int]) -> str:
    """[2015, 2016, 2017, 2019] -> '2015–2017, 2019'."""
    out: list[str] = []
    start = prev = None
    for y in sorted(ys):
        if start is None:
            start = prev = y
        elif y == prev + 1:
            prev = y
        else:
            out.append(str(start) if start == prev else f"{start}–{prev}")
            start = prev = y
    if start is not None:
        out.append(str(start) if start == prev else f"{start}–{prev}")
    return ", ".join(out)


def fmt_money(v: float, unit: str) -> str:
    if unit == "percent":
        return f"{v:+.1f}%"
    return f"{unit} {v:,.0f}"


def fmt_short(v: float) -> str:
    a = abs(v)
    for div, suf in ((1e12, "tn"), (1e9, "bn"), (1e6, "m"), (1e3, "k")):
        if a >= div:
            return f"{v / div:.3g}{suf}"
    return f"{v:.0f}"
