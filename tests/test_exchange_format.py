import csv
import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dossier.domain.kinds import KINDS, ORDER
from dossier.exchange.dossier_csv import neutralise, parse_file, unneutralise
from dossier.services import exporting
from dossier.services.database import close_database, create_database
from dossier.services.importing import import_files


def test_every_kind_exports_its_documented_header(sample_db):
    doc = (Path(__file__).resolve().parents[1] / "docs" / "csv-format.md").read_text("utf-8")
    for kind in ORDER:
        text = exporting.export_kind_text(sample_db, kind)
        header = next(csv.reader(io.StringIO(text)))
        assert tuple(header[: len(KINDS[kind].columns)]) == KINDS[kind].column_names
        assert f"`{kind}`" in doc, f"docs/csv-format.md does not document {kind}"
        for col in KINDS[kind].column_names:
            assert f"`{col}`" in doc


def test_export_of_every_kind_reimports_unchanged(sample_db, tmp_path):
    files = []
    for kind in ORDER:
        f = tmp_path / f"{kind}.csv"
        exporting.export_kind_to_file(sample_db, kind, f)
        assert f.read_bytes().startswith(b"\xef\xbb\xbf")  # BOM for Excel
        files.append(f)
    r = import_files(sample_db, files, dry_run=True)
    assert r.ok, r.errors
    assert r.count("added") == r.count("changed") == r.count("deleted") == 0
    assert r.count("unchanged") > 40


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=12))
def test_neutralise_round_trip(s):
    assert unneutralise(neutralise(s)) == s
    n = neutralise(s)
    assert not n or n[0] not in "=+-@\t\r\n"


tricky = st.lists(
    st.sampled_from(list("=+-@'\",;|\n \tAbc리길성0") + ["\u200b", "<img src=x>", "ប្រាក់"]), min_size=1, max_size=12
).map(lambda parts: "".join(parts).strip(" \t\n")).filter(lambda s: s and "|" not in s)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=tricky, summary=tricky, place=tricky)
def test_tricky_values_round_trip_exactly(tmp_path_factory, name, summary, place):
    d = tmp_path_factory.mktemp("rt")
    src = d / "people.csv"
    with src.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "name", "summary", "native_name"])
        w.writerow(["p-0012", neutralise(name), neutralise(summary), neutralise(place)])
    db = create_database(d / "t.db")
    r = import_files(db, [src])
    assert r.ok, r.errors
    out = d / "out.csv"
    exporting.export_kind_to_file(db, "people", out)
    r2 = import_files(db, [out], dry_run=True)
    assert r2.ok and r2.count("unchanged") == 1 and r2.count("changed") == 0, r2.changes
    row = db.execute("SELECT id, name, summary, native_name FROM person").fetchone()
    import unicodedata
    assert row == ("p-0012", unicodedata.normalize("NFC", name), unicodedata.normalize("NFC", summary),
                   unicodedata.normalize("NFC", place))
    close_database(db)


def test_formula_cells_are_neutralised_on_export(empty_db, tmp_path):
    src = tmp_path / "people.csv"
    src.write_text("id,name,summary\nx1,'=HYPERLINK(\"http://evil\"),@SUM(A1)\nx2,+1 555,-minus\n", "utf-8")
    assert import_files(empty_db, [src]).ok
    text = exporting.export_kind_text(empty_db, "people")
    assert "'=HYPERLINK" in text and "'@SUM" in text and "'+1 555" in text and "'-minus" in text
    assert empty_db.execute("SELECT name FROM person WHERE id = 'x1'").fetchone()[0] == '=HYPERLINK("http://evil")'


def test_kind_recognised_from_header_in_any_order(tmp_path):
    f = tmp_path / "whatever.csv"
    f.write_text("partner,year,reporter,flow,value\nKOR,2018,KHM,export,1\n", "utf-8")
    pf = parse_file(f)
    assert pf.kind.name == "trade" and not pf.problems


def test_unknown_and_missing_columns_are_errors(tmp_path):
    f = tmp_path / "people.csv"
    f.write_text("id,name,shoe_size\nx,y,42\n", "utf-8")
    pf = parse_file(f)
    assert pf.kind is None and any("shoe_size" in p.message for p in pf.problems)


@pytest.mark.parametrize("cell, msg", [("2008", "before start"), ("1900-02-29", "no day 29"), ("43794", "Excel")])
def test_cell_errors_name_file_line_column(tmp_path, cell, msg):
    f = tmp_path / "postings.csv"
    f.write_text(f"id,person,position,start,end\na,p,Advisor,2009,{cell}\n", "utf-8")
    pf = parse_file(f)
    assert pf.problems and pf.problems[0].line == 2 and pf.problems[0].column == "end" and msg in pf.problems[0].message
    assert str(pf.problems[0]).startswith(f"{f}:2:end: ")
