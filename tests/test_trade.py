"""Trade statistics: Comtrade layouts import, reporter vs mirror, gaps, growth, conversion, cache."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from trade_files import MYR_RATES, khm_kor_v1, legacy_row, v1_row, write_legacy, write_rates, write_v1  # noqa: E402

from dossier.cli.main import main  # noqa: E402
from dossier.services.importing import import_files  # noqa: E402
from dossier.services.trade import TradeService  # noqa: E402


def _value(view, measure, reporter, year):
    s = view.series(measure, reporter)
    return float(s[s["year"] == year]["value"].iloc[0])


@pytest.fixture
def traded(sample_db, tmp_path):
    rep = import_files(sample_db, [khm_kor_v1(tmp_path / "TradeData.csv")])
    assert rep.ok, rep.errors
    return sample_db


def test_v1_import_through_cli_keeps_leading_zeros_and_is_idempotent(sample_db_path, tmp_path, capsys):
    f = khm_kor_v1(tmp_path / "TradeData.csv")
    assert main(["import", "--db", str(sample_db_path), str(f)]) == 0
    out = capsys.readouterr()
    assert "18 added" in out.out  # 1 source + 17 trade rows (the RX row is skipped)
    assert "RX (re-exports)" in out.err
    assert main(["import", "--db", str(sample_db_path), str(f)]) == 0
    assert "18 unchanged" in capsys.readouterr().out
    assert main(["export", "csv", "--db", str(sample_db_path), "--kind", "trade", "-o", str(tmp_path / "t.csv")]) == 0
    text = (tmp_path / "t.csv").read_text(encoding="utf-8-sig")
    assert ",0901," in text and ",901," not in text
    assert "KHM,KOR,2018,export,61,120000000,USD,fob," in text
    assert "KHM,KOR,2018,import,,450000000,USD,cif," in text


def test_legacy_bulk_layout_and_world_partner(empty_db, tmp_path):
    rows = [legacy_row(2012, "PRK", "WLD", "2", "TOTAL", "1000"),
            legacy_row(2012, "CHN", "PRK", "1", "0012", "77.5"),
            legacy_row(2012, "CHN", "PRK", "3", "TOTAL", "5")]
    rep = import_files(empty_db, [write_legacy(tmp_path / "comtrade.csv", rows)])
    assert rep.ok, rep.errors
    got = {(r[0], r[1], r[2], r[3], r[4]) for r in empty_db.conn.execute(
        "SELECT reporter, partner, flow, commodity, value FROM trade")}
    assert got == {("PRK", "WLD", "export", "", "1000"), ("CHN", "PRK", "import", "0012", "77.5")}
    cites = empty_db.conn.execute("SELECT count(*) FROM citation WHERE fact_table = 'trade' AND source LIKE "
                                  "'comtrade-%'").fetchone()[0]
    assert cites == 2
    assert "legacy bulk" in empty_db.conn.execute("SELECT title FROM source").fetchone()[0]


def test_bad_comtrade_rows_are_rejected_with_line_and_column(empty_db, tmp_path):
    rows = [v1_row(2018, "KHM", "KOR", "X", "TOTAL", "10"), v1_row(2018, "KHM", "KOR", "M", "TOTAL", "1", month="3"),
            v1_row(2018, "KHM", "KOR", "M", "61", "abc")]
    rep = import_files(empty_db, [write_v1(tmp_path / "bad.csv", rows)])
    assert not rep.ok
    msgs = [str(e) for e in rep.errors]
    assert any("bad.csv:3:refMonth" in m and "monthly" in m for m in msgs)
    assert any("bad.csv:4:primaryValue" in m for m in msgs)
    assert empty_db.conn.execute("SELECT count(*) FROM trade").fetchone()[0] == 0  # nothing half-written


def test_reporter_and_mirror_are_separate_never_added(traded):
    v = TradeService(traded).view("KHM", "KOR", "USD")
    assert _value(v, "exports", "KHM", 2015) == 200e6  # Cambodia's own exports (FOB)
    assert _value(v, "exports", "KOR", 2015) == 190e6  # Korea's imports from Cambodia (mirror, CIF)
    assert _value(v, "imports", "KOR", 2015) == 330e6  # Korea's exports to Cambodia
    assert _value(v, "total", "KHM", 2015) == 510e6  # 200 + 310, one reporter only
    assert _value(v, "total", "KOR", 2015) == 520e6
    assert "reported by Cambodia (FOB)" in v.series_label("exports", "KHM")
    assert "mirror: reported by Republic of Korea (CIF)" in v.series_label("exports", "KOR")
    assert not (v.table["value"] == 1030e6).any()


def test_gap_year_is_not_zero(traded):
    v = TradeService(traded).view("KHM", "KOR", "USD")
    assert math.isnan(_value(v, "exports", "KHM", 2016))
    s = v.series("exports", "KHM")
    assert "not reported" in s[s["year"] == 2016]["note"].iloc[0]
    g = v.growth[(v.growth["reporter"] == "KHM") & (v.growth["year"] == 2017)].iloc[0]
    assert math.isnan(g["growth"]) and "2016 not reported" in g["note"]
    g18 = v.growth[(v.growth["reporter"] == "KHM") & (v.growth["year"] == 2018)].iloc[0]
    assert g18["base_year"] == 2017 and g18["growth"] == pytest.approx((750 / 655 - 1) * 100)


def test_conversion_uses_the_rate_dated_for_each_year_and_refuses_without_one(traded, tmp_path):
    svc = TradeService(traded)
    myr = svc.view("KHM", "KOR", "MYR")
    # only the article's late-2019 rate is stored: it is not used for 2015-2018 (never a later rate for an
    # earlier year), and the view says which years have no rate
    assert math.isnan(_value(myr, "exports", "KHM", 2018))
    s = myr.series("exports", "KHM")
    assert s[s["year"] == 2018]["note"].iloc[0] == "no stored USD->MYR rate dated 2018 or earlier"
    assert any("USD->MYR" in m and "2015–2018" in m for m in myr.missing_rates)
    assert "no stored rate" in myr.axis_label()
    assert import_files(traded, [write_rates(tmp_path / "rates.csv", MYR_RATES)]).ok
    myr = svc.view("KHM", "KOR", "MYR")
    assert _value(myr, "exports", "KHM", 2015) == pytest.approx(200e6 * 4.29)  # the rate of 2015-12-31
    assert math.isnan(_value(myr, "exports", "KHM", 2016))  # still a gap: not reported, not converted zero
    assert _value(myr, "exports", "KOR", 2016) == pytest.approx(215e6 * 4.29)  # no 2016 rate: 2015's is nearest
    assert _value(myr, "exports", "KHM", 2018) == pytest.approx(300e6 * 4.28)  # 2017-06's, not late-2019's
    conv = myr.rate_for("USD", 2018)
    assert conv.rate_id == "usd-myr-2017" and conv.date == "2017-06"
    assert [s.id for s in conv.sources] == ["seed-article"]
    assert [c.rate_id for c in myr.conversions["USD"]] == ["usd-myr-2015", "usd-myr-2017"]
    assert myr.missing_rates == []
    label = myr.axis_label()
    assert "4.29" in label and "used for 2015–2016" in label and "used for 2017–2018" in label
    assert "at 4.28 MYR per USD, rate of 2017-06" in myr.year_text(2018)
    eur = svc.view("KHM", "KOR", "EUR")
    assert eur.table["value"].isna().all()
    assert any("USD->EUR" in m for m in eur.missing_rates)
    assert "no stored rate" in eur.axis_label()


def test_sample_quoted_figures_are_sourced_points(sample_db):
    v = TradeService(sample_db).view("KHM", "KOR", "USD")
    q = next(q for q in v.quoted if q.measure == "total")
    assert (q.year, q.value, q.unit) == (2018, 756e6, "USD")
    assert {s.id for s in q.sources} == {"seed-article", "khmer-times"}
    g = next(q for q in v.quoted if q.measure == "growth")
    assert (g.value, g.base_year) == (14.7, 2017)
    assert v.table["value"].isna().all()  # no statistics: the quote is not turned into one
    # the reverse pair sees the same figures
    assert TradeService(sample_db).view("KOR", "KHM", "USD").quoted


def test_cache_is_per_pair_and_refreshed_when_trade_data_changes(sample_db, tmp_path):
    svc = TradeService(sample_db)
    v1 = svc.view("KHM", "KOR", "USD")
    assert svc.view("KHM", "KOR", "USD") is v1 and svc.builds == 1
    svc.view("KHM", "PRK", "USD")
    assert svc.view("KHM", "KOR", "USD") is v1 and svc.builds == 2
    assert import_files(sample_db, [khm_kor_v1(tmp_path / "t.csv")]).ok
    v2 = svc.view("KHM", "KOR", "USD")
    assert v2 is not v1 and svc.builds == 3 and _value(v2, "exports", "KHM", 2018) == 300e6


def test_commodities_chapters_and_headings_rolled_up(traded):
    v = TradeService(traded).view("KHM", "KOR", "USD")
    c = v.commodities
    assert set(c["commodity"]) == {"61", "09", "87"}
    assert c[c["commodity"] == "61"]["label"].iloc[0] == "HS 61 Knitted apparel"


def test_events_between_the_pair(sample_db):
    v = TradeService(sample_db).view("KHM", "KOR", "USD")
    assert {e.id for e in v.events} == {"khm-kor-fta-study-signing", "asean-rok-summit-2019"}
    assert set(v.events_in_year(2019)) == {"khm-kor-fta-study-signing", "asean-rok-summit-2019"}
    assert {e.id for e in TradeService(sample_db).view("KHM", "PRK", "USD").events} >= {"ri-sokhonn-meeting-2019"}


def test_export_trade_cli_png_and_csv(sample_db_path, tmp_path):
    assert main(["import", "--db", str(sample_db_path), str(khm_kor_v1(tmp_path / "t.csv"))]) == 0
    png, csv_ = tmp_path / "k.png", tmp_path / "k.csv"
    assert main(["export", "trade", "--db", str(sample_db_path), "--pair", "KHM,KOR", "-o", str(png)]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    from PySide6.QtGui import QImage
    img = QImage(str(png))
    assert img.width() == 2000
    assert main(["import", "--db", str(sample_db_path), str(write_rates(tmp_path / "r.csv", MYR_RATES))]) == 0
    assert main(["export", "trade", "--db", str(sample_db_path), "--pair", "KHM,KOR", "--currency", "MYR",
                 "-o", str(csv_)]) == 0
    text = csv_.read_text(encoding="utf-8-sig")
    assert "2018,exports,KHM,KOR,reported,fob,1284000000,MYR,300000000,USD,\"1 USD = 4.28 MYR, rate of 2017-06" in text
    assert "2015,exports,KHM,KOR,reported,fob,858000000,MYR,200000000,USD,\"1 USD = 4.29 MYR, rate of 2015-12-31" in text
    assert "2016,exports,KHM,KOR,reported,,,MYR,,," in text  # a gap: empty, not 0
    assert "quoted total" in text and "RM3.15 billion" in text
    assert main(["export", "trade", "--db", str(sample_db_path), "--pair", "KHM", "-o", str(png)]) == 2
