"""Bilateral trade for the trade panel and reports, aggregated with pandas, cached per pair.

Rules (DATA-MODEL.md rule 5): reporter and mirror figures are separate series, never added; a year a
country did not report is a gap with a note, never zero; values keep their currency and basis and
are converted only with a stored, dated, sourced rate (none stored: we say so and show nothing
converted); figures quoted by the press are sourced points, not statistics.

The cache is keyed on the pair and display currency and holds while `storage.trade.data_version`
(cheap maxima and counts) is unchanged, i.e. until trade data, figures, rates or events change."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import pandas as pd
import sqlite_utils

from dossier.domain import hs
from dossier.services.trade_model import (
    Conversion,
    EventMarker,
    QuotedPoint,
    Source,
    TradeView,
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
    def __init__(self, db: sqlite_utils.Database, cache_size: int = 32):
        self.db = db
        self._cache: OrderedDict[tuple[str, str, str], TradeView] = OrderedDict()
        self._version: tuple | None = None
        self._size = cache_size
        self.builds = 0  # how many views were computed (not served from the cache)

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
    def view(self, a: str, b: str, currency: str = "USD") -> TradeView:
        version = store.data_version(self.db)
        if version != self._version:
            self._cache.clear()
            self._version = version
        key = (a, b, currency)
        hit = self._cache.get(key)
        if hit is not None:
            self._cache.move_to_end(key)
            return hit
        v = build_view(self.db, a, b, currency)
        self.builds += 1
        self._cache[key] = v
        while len(self._cache) > self._size:
            self._cache.popitem(last=False)
        return v


def _sources(db: sqlite_utils.Database, cites: list[dict]) -> tuple[Source, ...]:
    out = []
    for c in cites:
        grade = f"{c.get('reliability') or ''}{c.get('credibility') or ''}"
        out.append(Source(c["id"], c.get("publisher") or "", c.get("title") or "", grade, c.get("quote") or ""))
    return tuple(out)


def _conversion(db: sqlite_utils.Database, frm: str, to: str) -> Conversion | None:
    rs = store.rates(db, frm, to)
    if not rs:
        return None
    r = rs[0]  # the newest stored rate (by its latest possible day)
    inverted = r["base"] != frm
    rate = 1.0 / r["rate_num"] if inverted else r["rate_num"]
    return Conversion(frm, to, rate, r["rate"], r["date"], r["id"], inverted, _sources(db, r["citations"]))


def _frame(rows: list[tuple]) -> pd.DataFrame:
    df = pd.DataFrame.from_records(rows, columns=list(store.TRADE_COLUMNS))
    if df.empty:
        return df.astype({"year": "int64", "value_num": "float64"})
    # One value per (reporter, partner, year, flow, commodity): the most recently written; others noted.
    df = df.sort_values("rid")
    keys = ["reporter", "partner", "year", "flow", "commodity"]
    df["alternatives"] = df.groupby(keys, sort=False)["rid"].transform("size") - 1
    return df.drop_duplicates(keys, keep="last")


def build_view(db: sqlite_utils.Database, a: str, b: str, currency: str) -> TradeView:
    names = store.country_names(db, [a, b])
    df = _frame(store.pair_trade(db, a, b))
    figs = store.pair_figures(db, a, b)
    events = [EventMarker(e["id"], e["kind"], e["title"], e["start"], e["end"], e["start_lo"],
                          e["end_hi"] if e["end_hi"] is not None else e["start_hi"])
              for e in store.events_between(db, a, b)]
    notes: list[str] = []
    conversions: dict[str, Conversion] = {}
    missing: list[str] = []
    cur_in = set(df["currency"].unique()) if not df.empty else set()
    cur_in |= {f["unit"] for f in figs if f["unit"] != "percent"}
    factors: dict[str, float] = {currency: 1.0}
    for c in sorted(cur_in - {currency}):
        conv = _conversion(db, c, currency)
        if conv is None:
            missing.append(f"{c}->{currency}: no stored rate, values in {c} are not shown in {currency}")
            factors[c] = np.nan
        else:
            conversions[c] = conv
            factors[c] = conv.rate

    # --- years: statistics, quoted figures, events ---------------------------------------------
    yrs: set[int] = set(int(y) for y in df["year"].unique()) if not df.empty else set()
    yrs |= {f["year"] for f in figs if f["year"]} | {f["base_year"] for f in figs if f["base_year"]}
    for e in events:
        yrs |= set(e.years)
    years = list(range(min(yrs), max(yrs) + 1)) if yrs else []

    totals = df[df["commodity"] == ""] if not df.empty else df
    table = _measures(totals, a, b, years, factors, names)
    growth = _growth(table, a, b, years)
    comm, named = _commodities(df, factors)
    quoted = _quoted(db, figs, a, b, currency, factors, conversions)
    # Name only the conversions (and missing rates) the view actually needed.
    used = set(df["currency"].unique()) if not df.empty else set()
    used |= {q.original_unit for q in quoted if q.original_unit not in ("percent", currency)}
    conversions = {c: v for c, v in conversions.items() if c in used}
    missing = [m for m in missing if m.split("->", 1)[0] in used]
    if df.empty:
        notes.append(f"No trade statistics are stored for {names.get(a, a)} and {names.get(b, b)}: "
                     "every year is 'not reported' (a gap, not zero).")
    if not df.empty and int(df["alternatives"].max()) > 0:
        notes.append("Some figures were imported from more than one source; the most recently imported is shown.")
    return TradeView(a, b, currency, names, years, table, growth, comm, named, quoted, events, conversions,
                     missing, notes)


def _measures(totals: pd.DataFrame, a: str, b: str, years: list[int], factors: dict[str, float],
              names: dict[str, str]) -> pd.DataFrame:
    """Long table: one row per year x measure x reporter, value NaN + note where not reported."""
    # A's exports = a->b export and, mirrored, b->a import; A's imports = a->b import, mirrored b->a export.
    spec = {a: {"export": "exports", "import": "imports", "total": "total"},
            b: {"import": "exports", "export": "imports", "total": "total"}}
    cols = ["year", "measure", "reporter", "perspective", "basis", "value", "value_orig", "currency_orig",
            "sources", "note"]
    frames = []
    index = pd.Index(years, name="year")
    for rep in (a, b):
        partner = b if rep == a else a
        sub = totals[(totals["reporter"] == rep) & (totals["partner"] == partner)] if not totals.empty else totals
        per: dict[str, pd.DataFrame] = {}
        for flow, measure in spec[rep].items():
            s = sub[sub["flow"] == flow] if not sub.empty else sub
            f = pd.DataFrame(index=index)
            if s.empty:
                f["value_orig"], f["currency_orig"], f["basis"], f["sources"] = np.nan, "", "", ""
            else:
                s = s.set_index("year")
                f["value_orig"] = s["value_num"].reindex(index)
                f["currency_orig"] = s["currency"].reindex(index).fillna("")
                f["basis"] = s["basis"].reindex(index).fillna("")
                f["sources"] = s["source_key"].reindex(index).fillna("")
            f["value"] = f["value_orig"] * f["currency_orig"].map(factors).astype(float)
            per[measure] = f
        ex, im, tot = per["exports"], per["imports"], per["total"]
        # total: the reported total, else exports + imports of the SAME reporter when both exist
        both = ex["value"].notna() & im["value"].notna()
        derived = tot["value"].isna() & both
        tot.loc[derived, "value"] = ex["value"] + im["value"]
        same_cur = ex["currency_orig"] == im["currency_orig"]
        tot.loc[derived & same_cur, "value_orig"] = ex["value_orig"] + im["value_orig"]
        tot.loc[derived, "currency_orig"] = ex["currency_orig"]
        tot.loc[derived, "basis"] = np.where(ex["basis"] == im["basis"], ex["basis"], "mixed")[derived.to_numpy()]
        tot.loc[derived, "sources"] = ex["sources"]
        bal = pd.DataFrame(index=index)
        bal["value"] = ex["value"] - im["value"]
        bal["value_orig"] = np.where(same_cur, ex["value_orig"] - im["value_orig"], np.nan)
        bal["currency_orig"] = ex["currency_orig"]
        bal["basis"] = np.where(ex["basis"] == im["basis"], ex["basis"], "mixed")
        bal["sources"] = ex["sources"]
        per["balance"] = bal
        who = names.get(rep, rep)
        flows = {"exports": "exports" if rep == a else "imports", "imports": "imports" if rep == a else "exports"}
        for measure, f in per.items():
            f = f.reset_index()
            f["measure"] = measure
            f["reporter"] = rep
            f["perspective"] = "reported" if rep == a else "mirror"
            if measure in flows:
                why = f"not reported by {who} (its {flows[measure]}): a gap, not zero"
            elif measure == "total":
                why = f"not reported by {who}: no total and not both flows"
            else:
                why = f"cannot be computed: {who} did not report both flows"
            f["note"] = np.where(f["value"].isna(), why, "")
            if measure == "total":
                f.loc[derived.to_numpy(), "note"] = "exports + imports as reported by " + who
            frames.append(f[cols])
    if not frames or not years:
        return pd.DataFrame(columns=cols)
    out = pd.concat(frames, ignore_index=True)
    conv_missing = out["value"].isna() & out["value_orig"].notna()
    out.loc[conv_missing, "note"] = "no stored exchange rate for " + out.loc[conv_missing, "currency_orig"]
    return out


def _growth(table: pd.DataFrame, a: str, b: str, years: list[int]) -> pd.DataFrame:
    rows = []
    for rep in (a, b):
        t = table[(table["measure"] == "total") & (table["reporter"] == rep)].set_index("year")["value"]
        if t.empty:
            continue
        prev = t.shift(1)
        g = (t / prev - 1.0) * 100.0
        for y in years[1:]:
            note = ""
            if pd.isna(t.get(y)):
                note = f"{y} not reported"
            elif pd.isna(prev.get(y)):
                note = f"no growth: {y - 1} not reported"
            rows.append({"year": y, "reporter": rep, "perspective": "reported" if rep == a else "mirror",
                         "growth": g.get(y, np.nan), "base_year": y - 1, "note": note})
    return pd.DataFrame(rows, columns=["year", "reporter", "perspective", "growth", "base_year", "note"])


def _commodities(df: pd.DataFrame, factors: dict[str, float]) -> tuple[pd.DataFrame, list[tuple[str, str, str]]]:
    cols = ["reporter", "partner", "flow", "year", "commodity", "label", "value", "value_orig", "currency_orig",
            "sources"]
    if df.empty:
        return pd.DataFrame(columns=cols), []
    c = df[df["commodity"] != ""]
    named = sorted({(r, f, g) for r, f, g, v in zip(c["reporter"], c["flow"], c["commodity"], c["value_num"],
                                                        strict=True) if pd.isna(v) or not hs.is_hs_code(g)})
    c = c[c["value_num"].notna() & c["commodity"].map(hs.is_hs_code).astype(bool)]
    if c.empty:
        return pd.DataFrame(columns=cols), named
    c = c.assign(chapter=c["commodity"].str[:2], level=c["commodity"].str.len())
    # Use the finest-grained level only where no coarser one exists (never add a chapter to its headings).
    lvl = c.groupby(["reporter", "partner", "flow", "year", "chapter"])["level"].transform("min")
    c = c[c["level"] == lvl]
    codes, uniques = pd.factorize(c["source_key"])
    c = c.assign(src=codes)
    g = c.groupby(["reporter", "partner", "flow", "year", "chapter", "currency"], as_index=False, sort=False,
                  observed=True).agg(value_orig=("value_num", "sum"), src_lo=("src", "min"), src_hi=("src", "max"))
    # vectorised on integer codes (a Python lambda per group cost ~100 ms on a big pair)
    lo = pd.Series(np.asarray(uniques)[g["src_lo"].to_numpy()], index=g.index)
    hi = pd.Series(np.asarray(uniques)[g["src_hi"].to_numpy()], index=g.index)
    g["sources"] = lo.where(lo == hi, lo + "|" + hi + "|…")
    g["value"] = g["value_orig"] * g["currency"].map(factors).astype(float)
    g = g.rename(columns={"chapter": "commodity", "currency": "currency_orig"})
    g["label"] = g["commodity"].map(hs.label)
    return g[cols].sort_values(["year", "flow", "value"], ascending=[True, True, False]), named


def _quoted(db: sqlite_utils.Database, figs: list[dict], a: str, b: str, currency: str, factors: dict[str, float],
            conversions: dict[str, Conversion]) -> list[QuotedPoint]:
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
        factor = factors.get(f["unit"], np.nan)
        conv = conversions.get(f["unit"])
        note = (f"converted at {conv.describe()}" if conv else
                f"not converted: no stored {f['unit']}->{currency} rate")
        value = None if np.isnan(factor) else f["value_num"] * factor
        out.append(QuotedPoint(f["id"], f["kind"], measure, f["year"], value, currency, f["text"], f["value"],
                               f["unit"], f["base_year"], value is not None, srcs, note))
    return out
