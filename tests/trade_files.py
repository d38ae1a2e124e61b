"""Made-up files in UN Comtrade layouts (Comtrade data may not be redistributed: every value here is
invented for the tests)."""

from __future__ import annotations

import csv
from pathlib import Path

V1_HEADER = ["typeCode", "freqCode", "refPeriodId", "refYear", "refMonth", "period", "reporterCode", "reporterISO",
             "reporterDesc", "flowCode", "flowDesc", "partnerCode", "partnerISO", "partnerDesc", "partner2Code",
             "classificationCode", "cmdCode", "cmdDesc", "aggrLevel", "customsCode", "motCode", "qty", "netWgt",
             "cifvalue", "fobvalue", "primaryValue", "isReported", "isAggregate"]
LEGACY_HEADER = ["Classification", "Year", "Period", "Period Desc.", "Aggregate Level", "Is Leaf Code",
                 "Trade Flow Code", "Trade Flow", "Reporter Code", "Reporter", "Reporter ISO", "Partner Code",
                 "Partner", "Partner ISO", "Commodity Code", "Commodity", "Qty Unit Code", "Qty",
                 "Netweight (kg)", "Trade Value (US$)", "CIF Trade Value (US$)", "FOB Trade Value (US$)", "Flag"]

M49 = {"KHM": "116", "KOR": "410", "PRK": "408", "CHN": "156", "WLD": "0"}


def v1_row(year, reporter, partner, flow, cmd, value, *, month="52", cif=None, fob=None, iso=True):
    basis_cif = value if flow == "M" else ""
    basis_fob = value if flow == "X" else ""
    return {"typeCode": "C", "freqCode": "A", "refPeriodId": f"{year}0101", "refYear": str(year), "refMonth": month,
            "period": str(year), "reporterCode": M49[reporter], "reporterISO": reporter if iso else "",
            "reporterDesc": reporter, "flowCode": flow, "flowDesc": flow, "partnerCode": M49[partner],
            "partnerISO": (partner if partner != "WLD" else "W00") if iso else "", "partnerDesc": partner,
            "partner2Code": "0", "classificationCode": "H5", "cmdCode": cmd, "cmdDesc": "made up",
            "aggrLevel": "0" if cmd == "TOTAL" else str(len(cmd)), "customsCode": "C00", "motCode": "0", "qty": "",
            "netWgt": "", "cifvalue": basis_cif if cif is None else cif, "fobvalue": basis_fob if fob is None else fob,
            "primaryValue": value, "isReported": "True", "isAggregate": "True"}


def write_v1(path: Path, rows: list[dict]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, V1_HEADER)
        w.writeheader()
        w.writerows(rows)
    return path


def legacy_row(year, reporter, partner, flow_code, cmd, value):
    return {"Classification": "H4", "Year": str(year), "Period": str(year), "Period Desc.": str(year),
            "Aggregate Level": str(len(cmd)) if cmd != "TOTAL" else "0", "Is Leaf Code": "0",
            "Trade Flow Code": flow_code, "Trade Flow": {"1": "Import", "2": "Export", "3": "Re-Export",
                                                         "4": "Re-Import"}[flow_code],
            "Reporter Code": M49[reporter], "Reporter": reporter, "Reporter ISO": reporter,
            "Partner Code": M49[partner], "Partner": partner, "Partner ISO": partner, "Commodity Code": cmd,
            "Commodity": "made up", "Qty Unit Code": "1", "Qty": "", "Netweight (kg)": "", "Trade Value (US$)": value,
            "CIF Trade Value (US$)": "", "FOB Trade Value (US$)": "", "Flag": "0"}


def write_legacy(path: Path, rows: list[dict]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, LEGACY_HEADER)
        w.writeheader()
        w.writerows(rows)
    return path


def khm_kor_v1(path: Path) -> Path:
    """Cambodia reports 2015-2018 except 2016 (a gap); Korea reports 2015-2018 (mirror).  Invented values."""
    rows = []
    khm = {2015: ("200000000", "310000000"), 2017: ("260000000", "395000000"), 2018: ("300000000", "450000000")}
    kor = {2015: ("330000000", "190000000"), 2016: ("350000000", "215000000"), 2017: ("420000000", "240000000"),
           2018: ("480000000", "275000000")}
    for y, (x, m) in khm.items():
        rows.append(v1_row(y, "KHM", "KOR", "X", "TOTAL", x))
        rows.append(v1_row(y, "KHM", "KOR", "M", "TOTAL", m))
    for y, (x, m) in kor.items():
        rows.append(v1_row(y, "KOR", "KHM", "X", "TOTAL", x))
        rows.append(v1_row(y, "KOR", "KHM", "M", "TOTAL", m))
    rows.append(v1_row(2018, "KHM", "KOR", "X", "61", "120000000"))
    rows.append(v1_row(2018, "KHM", "KOR", "X", "0901", "5000000"))  # heading under chapter 09 (no chapter row)
    rows.append(v1_row(2018, "KHM", "KOR", "M", "87", "90000000"))
    rows.append(v1_row(2018, "KHM", "KOR", "RX", "TOTAL", "1000000"))  # re-exports: skipped with a warning
    return write_v1(path, rows)


def write_rates(path: Path, rows: list[tuple[str, str, str, str, str]]) -> Path:
    """Dossier CSV `rates`: (id, base, currency, date, rate), cited to the sample's seed article."""
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "base", "currency", "date", "rate", "source"])
        for r in rows:
            w.writerow([*r, "seed-article"])
    return path


# made-up dated USD->MYR rates for the tests (the sample stores only the article's late-2019 one)
MYR_RATES = [("usd-myr-2015", "USD", "MYR", "2015-12-31", "4.29"), ("usd-myr-2017", "USD", "MYR", "2017-06", "4.28")]
