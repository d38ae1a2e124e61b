"""The numpy / pandas series of a trading pair's view (services.trade): the long table of measures per
year and reporter, year-on-year growth, and the commodity breakdown by HS chapter.

Gaps stay gaps (NaN with a note saying why: not reported, or no stored exchange rate), never zero;
reporter and mirror figures are separate rows, never added."""

from __future__ import annotations

from typing import Protocol

import numpy as np
import pandas as pd

from dossier.domain import hs


class Rates(Protocol):
    """Conversion into the display currency by year (services.trade._Rates)."""

    def factor(self, frm: str, year: int) -> float: ...

    def missing_note(self, frm: str, year: int) -> str: ...


TABLE_COLS = ["year", "measure", "reporter", "perspective", "basis", "value", "value_orig", "currency_orig",
               "sources", "note"]


def measures(totals: pd.DataFrame, a: str, b: str, years: list[int], rates: Rates,
             names: dict[str, str]) -> pd.DataFrame:
    """Long table: one row per year x measure x reporter, value NaN + note where not reported.

    Works on numpy arrays over the years (a pair has ~120 total rows; pandas indexing per measure
    cost more than the data: ~10 ms of a pair switch)."""
    if not years:
        return pd.DataFrame(columns=TABLE_COLS)
    # A's exports = a->b export and, mirrored, b->a import; A's imports = a->b import, mirrored b->a export.
    spec = {a: {"export": "exports", "import": "imports", "total": "total"},
            b: {"import": "exports", "export": "imports", "total": "total"}}
    y0, ny = years[0], len(years)
    yarr = np.asarray(years, dtype=np.int64)
    have = not totals.empty
    if have:
        t_rep, t_par, t_flow = (totals[c].to_numpy(dtype=object) for c in ("reporter", "partner", "flow"))
        t_year = totals["year"].to_numpy(dtype=np.int64)
        t_val = totals["value_num"].to_numpy(dtype=float)
        t_cur, t_basis, t_src = (totals[c].to_numpy(dtype=object) for c in ("currency", "basis", "source_key"))
    out: dict[str, list[np.ndarray]] = {c: [] for c in TABLE_COLS}

    def blank() -> np.ndarray:
        return np.full(ny, "", dtype=object)

    for rep in (a, b):
        partner = b if rep == a else a
        per: dict[str, dict[str, np.ndarray]] = {}
        for flow, measure in spec[rep].items():
            vo, cur, basis, src = np.full(ny, np.nan), blank(), blank(), blank()
            if have:
                m = (t_rep == rep) & (t_par == partner) & (t_flow == flow) & (t_year >= y0) & (t_year < y0 + ny)
                idx = t_year[m] - y0
                vo[idx], cur[idx], basis[idx], src[idx] = t_val[m], t_cur[m], t_basis[m], t_src[m]
            fac = np.array([rates.factor(c, y) for c, y in zip(cur, years, strict=True)])  # '' (no row): NaN
            per[measure] = {"value": vo * fac, "value_orig": vo, "currency_orig": cur, "basis": basis, "sources": src}
        ex, im, tot = per["exports"], per["imports"], per["total"]
        # total: the reported total, else exports + imports of the SAME reporter when both exist
        both = ~np.isnan(ex["value"]) & ~np.isnan(im["value"])
        both_reported = ~np.isnan(ex["value_orig"]) & ~np.isnan(im["value_orig"])
        # also when both flows were reported but cannot be converted for that year: the total then is
        # "no rate", not "not reported"
        derived = np.isnan(tot["value"]) & (both | (np.isnan(tot["value_orig"]) & both_reported))
        same_cur = ex["currency_orig"] == im["currency_orig"]
        same_basis = ex["basis"] == im["basis"]
        tot["value"][derived] = (ex["value"] + im["value"])[derived]
        tot["value_orig"][derived & same_cur] = (ex["value_orig"] + im["value_orig"])[derived & same_cur]
        tot["currency_orig"][derived] = ex["currency_orig"][derived]
        tot["basis"][derived] = np.where(same_basis, ex["basis"], "mixed")[derived]
        tot["sources"][derived] = ex["sources"][derived]
        per["balance"] = {"value": ex["value"] - im["value"],
                          "value_orig": np.where(same_cur, ex["value_orig"] - im["value_orig"], np.nan),
                          "currency_orig": ex["currency_orig"], "basis": np.where(same_basis, ex["basis"], "mixed"),
                          "sources": ex["sources"]}
        who = names.get(rep, rep)
        flows = {"exports": "exports" if rep == a else "imports", "imports": "imports" if rep == a else "exports"}
        for measure, f in per.items():
            if measure in flows:
                why = f"not reported by {who} (its {flows[measure]}): a gap, not zero"
            elif measure == "total":
                why = f"not reported by {who}: no total and not both flows"
            else:
                why = f"cannot be computed: {who} did not report both flows"
            note = np.where(np.isnan(f["value"]), why, "").astype(object)
            if measure == "total":
                note[derived] = "exports + imports as reported by " + who
            conv_missing = np.isnan(f["value"]) & ~np.isnan(f["value_orig"])
            note[conv_missing] = [rates.missing_note(c, int(y)) for c, y in
                                  zip(f["currency_orig"][conv_missing], yarr[conv_missing], strict=True)]
            out["year"].append(yarr)
            out["measure"].append(np.full(ny, measure, dtype=object))
            out["reporter"].append(np.full(ny, rep, dtype=object))
            out["perspective"].append(np.full(ny, "reported" if rep == a else "mirror", dtype=object))
            for c in ("basis", "value", "value_orig", "currency_orig", "sources"):
                out[c].append(f[c])
            out["note"].append(note)
    return pd.DataFrame({c: np.concatenate(v) for c, v in out.items()}, columns=TABLE_COLS)


def growth(table: pd.DataFrame, a: str, b: str, years: list[int]) -> pd.DataFrame:
    cols = ["year", "reporter", "perspective", "growth", "base_year", "note"]
    out: dict[str, list] = {c: [] for c in cols}
    for rep in (a, b):
        t = table[(table["measure"] == "total") & (table["reporter"] == rep)]
        if t.empty or len(years) < 2:
            continue
        vals = t["value"].to_numpy(dtype=float)  # one per year, in year order
        reported = ~np.isnan(t["value_orig"].to_numpy(dtype=float))
        prev = np.concatenate([[np.nan], vals[:-1]])
        with np.errstate(divide="ignore", invalid="ignore"):
            g = (vals / prev - 1.0) * 100.0
        for i, y in enumerate(years[1:], start=1):
            note = ""
            if np.isnan(vals[i]):
                note = f"{y}: no exchange rate" if reported[i] else f"{y} not reported"
            elif np.isnan(prev[i]):
                note = f"no growth: {y - 1} has no exchange rate" if reported[i - 1] else f"no growth: {y - 1} not reported"
            out["year"].append(y)
            out["reporter"].append(rep)
            out["perspective"].append("reported" if rep == a else "mirror")
            out["growth"].append(g[i])
            out["base_year"].append(y - 1)
            out["note"].append(note)
    return pd.DataFrame(out, columns=cols).astype({"growth": float})


def commodities(df: pd.DataFrame, rates: Rates) -> tuple[pd.DataFrame, list[tuple[str, str, str]]]:
    cols = ["reporter", "partner", "flow", "year", "commodity", "label", "value", "value_orig", "currency_orig",
            "sources"]
    if df.empty:
        return pd.DataFrame(columns=cols), []
    c = df[df["commodity"] != ""]
    is_code = c["commodity"].str.fullmatch(hs.CODE_PATTERN).fillna(False).astype(bool)
    ok = c["value_num"].notna() & is_code
    bad = c[~ok]
    named = sorted(set(zip(bad["reporter"], bad["flow"], bad["commodity"], strict=True)))
    c = c[ok]
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
    g["value"] = g["value_orig"] * np.array([rates.factor(c, int(y)) for c, y in zip(g["currency"], g["year"],
                                                                                  strict=True)], dtype=float)
    g = g.rename(columns={"chapter": "commodity", "currency": "currency_orig"})
    g["label"] = g["commodity"].map(hs.label)
    return g[cols].sort_values(["year", "flow", "value"], ascending=[True, True, False]), named
