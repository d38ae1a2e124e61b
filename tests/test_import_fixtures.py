"""Every file of the bad-input catalogue (shared/fixtures/bad-input), imported byte for byte as it is,
ends as its MANIFEST.tsv says: a correct import, or a rejection naming file:line:column with nothing
written (database and WAL bytes unchanged).  The fixtures use the simple roster layout
(name,role,start,end,amount), which Dossier reads as a foreign format (dossier/exchange/foreign/roster.py):
name -> a person, role -> a posting's position, start/end -> its dates, amount -> its note.

A fixture added to MANIFEST.tsv without an expectation here fails `test_every_fixture_has_an_expectation`."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from dossier.exchange.dossier_csv import Options
from dossier.services import browse, exporting
from dossier.services.importing import import_files
from tests.conftest import FIXTURES

MANIFEST = [line.split("\t") for line in (FIXTURES / "MANIFEST.tsv").read_text("utf-8").splitlines()[1:] if line]


def source_id(name):
    from dossier.domain.text import slug
    return "file-" + slug(name, 80)


def names(db, fname):
    return [r[0] for r in db.execute(
        "SELECT p.name FROM person p JOIN citation c ON c.fact_table = 'person' AND c.fact_rid = p.rid "
        "WHERE c.source = ? ORDER BY p.rid", (source_id(fname),))]


def postings(db, fname):
    return db.execute(
        "SELECT p.start, p.\"end\", pos.title, p.note FROM posting p JOIN position pos ON pos.id = p.position "
        "JOIN citation c ON c.fact_table = 'posting' AND c.fact_rid = p.rid WHERE c.source = ? ORDER BY p.rid",
        (source_id(fname),)).fetchall()


ADVISOR = ("2004", "2008", "advisor at DPRK embassy in Phnom Penh", "")


def _c06(db, r, f):
    assert postings(db, f)[0][2] == "advisor,\nDPRK embassy, Phnom Penh"  # CRLF inside quotes stored as LF
    prak = [c for c in r.changes if c.kind == "people" and "Prak" in c.fields.get("name", ("", ""))[1]]
    assert prak and prak[0].line == 4  # the second record starts on physical line 4


def _u02(db, r, f):
    (n,) = names(db, f)
    assert "\u200b" in n
    pid = db.execute("SELECT id FROM person WHERE name = ?", (n,)).fetchone()[0]
    assert pid in [h["id"] for h in browse.search(db, "ប្រាក់")]


def _u03(db, r, f):
    assert any("invisible character U+200B" in w.message and w.line == 2 for w in r.warnings)
    assert [m["record"] for m in r.matches] == ["ri-kil-song"]  # suggested, not merged
    assert names(db, f) == ["Ri\u200b Kil Song"]


def _s01(db, r, f):
    ns = names(db, f)
    assert ns[0] == '=HYPERLINK("http://x/?"&A1,"x")' and ns[1:] == ["@SUM(1+1)", "+855 23 000", "-5 kg"]
    text = exporting.export_kind_text(db, "people")
    for n in ns:
        assert "'" + n.replace('"', '""') in text


# file -> (options, "accept", check(db, report, file)) or (options, "reject", [(line, column, fragment)])
E: dict[str, tuple] = {
    "c01_utf8_bom.csv": (Options(), "accept", lambda db, r, f: (names(db, f) == ["Ri Kil Song"]
                                                                and postings(db, f) == [ADVISOR])),
    "c02_utf16le_tab_excel_unicode_text.txt": (Options(), "accept", lambda db, r, f: postings(db, f) == [ADVISOR]),
    "c03_cp1252.csv": (Options(), "reject", [(2, "", "not UTF-8: byte 0x96")]),
    "c04_utf16le_no_bom.csv": (Options(), "reject", [(1, "", "UTF-16 without a byte-order mark")]),
    "c05_semicolon_decimal_comma.csv": (Options(), "reject", [(2, "amount", "'756.000.000,00'")]),
    "c06_quoted_newline.csv": (Options(), "accept", _c06),
    "c07_unterminated_quote.csv": (Options(), "reject", [(3, "", "unterminated quote (record starting on line 3)")]),
    "c08_stray_quote.csv": (Options(), "reject", [(2, "", "stray quote")]),
    "c09_ragged.csv": (Options(), "reject", [(3, "", "2 fields, expected 5"), (4, "", "6 fields, expected 5")]),
    "c10_duplicate_header.csv": (Options(), "reject", [(1, "name", "duplicate column 'name'")]),
    "c11_missing_unknown_header.csv": (Options(), "reject", [(1, "fullname", "unknown column 'fullname'"),
                                                             (1, "name", "missing required column 'name'")]),
    "c12_huge_field.csv": (Options(), "reject", [(2, "", "field too long")]),
    "c13_nul_byte.csv": (Options(), "reject", [(2, "name", "U+0000")]),
    "c14_empty.csv": (Options(), "reject", [(0, "", "empty file")]),
    "c15_header_only.csv": (Options(), "accept", lambda db, r, f: r.rows == 0 and r.batch is None),
    "c16_blank_lines_and_trailing_delims.csv": (Options(), "accept", lambda db, r, f: postings(db, f) == [ADVISOR]),
    "c17_mixed_line_endings.csv": (Options(), "accept",
                                   lambda db, r, f: postings(db, f) == [ADVISOR, ("", "", "FM", "")]),
    "c18_no_final_newline.csv": (Options(), "accept", lambda db, r, f: postings(db, f) == [ADVISOR]),
    "u01_korean_nfd.csv": (Options(), "accept", lambda db, r, f: names(db, f) == ["유명희"]
                           and len(names(db, f)[0]) == 3 and unicodedata.is_normalized("NFC", names(db, f)[0])),
    "u02_khmer_zwsp.csv": (Options(), "accept", _u02),
    "u03_zero_width_in_latin.csv": (Options(), "accept", _u03),
    "u04_bidi_override.csv": (Options(), "reject", [(2, "name", "bidi control U+202E")]),
    "u05_rtl_mark.csv": (Options(), "accept", lambda db, r, f: names(db, f) == ["Kin Phea"]
                         and any("direction marks" in w.message for w in r.warnings)),
    "u06_nbsp_and_fullwidth.csv": (Options(), "reject", [(2, "end", "non-ASCII character '１'")]),
    "d01_partial_dates.csv": (Options(), "accept", lambda db, r, f: [p[:2] for p in postings(db, f)] == [
        ("2004", "2008"), ("2019-11", "2019-11"), ("2019-11-25", "2019-11-26")]),
    "d02_ambiguous_dmy.csv": (Options(), "reject", [(2, "start", "ambiguous")]),
    "d03_unambiguous_dmy.csv": (Options(), "reject", [(2, "start", "not an ISO date"), (2, "end", "not an ISO date")]),
    "d04_excel_serial.csv": (Options(), "reject", [(2, "start", "Excel serial date (43794 = 2019-11-25)"),
                                                   (2, "end", "43795 = 2019-11-26")]),
    "d05_impossible_dates.csv": (Options(), "reject", [(2, "start", "no day 30"), (3, "start", "no month 13"),
                                                       (4, "start", "no day 29 in February 1900")]),
    "d06_end_before_start.csv": (Options(), "reject", [(2, "end", "end 2004 is before start 2008")]),
    "d07_nonascii_digits_date.csv": (Options(), "reject", [(2, "start", "non-ASCII character '٢'")]),
    "n01_amount_words_currency.csv": (Options(), "reject", [(2, "amount", "own columns"), (3, "amount", "own columns")]),
    "n02_percent_paren_unicode_minus.csv": (Options(), "reject", [(2, "amount", "percentage"),
                                                                  (3, "amount", "accounting parentheses")]),
    "n03_python_float_traps.csv": (Options(), "reject", [(2, "amount", "1_000"), (3, "amount", "'nan'"),
                                                         (4, "amount", "'inf'"), (5, "amount", "non-ASCII digits"),
                                                         (6, "amount", "'1e3'")]),
    "n04_leading_zero_ids.csv": (Options(), "accept", lambda db, r, f: db.execute(
        "SELECT value FROM identifier WHERE scheme = ?", (f"code:{f}",)).fetchall() == [("0012",)]),
    "n05_na_strings.csv": (Options(), "accept", lambda db, r, f: db.execute(
        "SELECT name, nationality FROM person WHERE name = 'Null'").fetchall() == [("Null", "NAM")]),
    "s01_formula_values.csv": (Options(), "accept", _s01),
    "s02_html_values.csv": (Options(), "accept", lambda db, r, f: names(db, f) == [
        "<img src='file:///etc/hosts'>", "<b>Prak</b>", "<a href='file:///etc/passwd'>Kin Phea</a>"]),
    "s03_nested_table_bomb.csv": (Options(), "accept", lambda db, r, f: names(db, f)[0].startswith("<table><tr><td>" * 3)
                                  and names(db, f)[0].endswith("x")),
    "s04_sql_in_values.csv": (Options(), "accept", lambda db, r, f: names(db, f) == ["x'); DROP TABLE person; --"]
                              and db.execute("SELECT count(*) FROM person").fetchone()[0] == 7),
    "s05_hostile_header.csv": (Options(), "reject", [(1, "name]; DROP TABLE person; --", "unknown column")]),
    "s06_path_names.csv": (Options(), "accept", lambda db, r, f: names(db, f)[:3] == ["../../.bashrc", "CON", "COM¹.pdf"]),
}
# the same files with the profile their MANIFEST line names
PROFILED = {
    "c03_cp1252.csv": (Options(encoding="cp1252"), lambda db, r, f: postings(db, f)[0][2] == "foreign minister – Café"),
    "c05_semicolon_decimal_comma.csv": (Options(decimal_comma=True),
                                        lambda db, r, f: postings(db, f)[0][3] == "amount 756000000"),
    "d02_ambiguous_dmy.csv": (Options(dayfirst=True), lambda db, r, f: postings(db, f)[0][:2] == ("2019-06-05", "")),
    "d03_unambiguous_dmy.csv": (Options(dayfirst=True),
                                lambda db, r, f: postings(db, f)[0][:2] == ("2019-11-25", "2019-11-26")),
}


def test_every_fixture_has_an_expectation():
    files = {m[0] for m in MANIFEST}
    on_disk = {p.name for p in FIXTURES.iterdir() if p.name not in ("MANIFEST.tsv", "README.md")}
    assert files == on_disk, "MANIFEST.tsv and the folder disagree"
    assert files == set(E), f"no expectation for: {sorted(files - set(E))}"


def _state(path: Path, db) -> tuple:
    rows = tuple(tuple(db.execute(f'SELECT * FROM "{t}"').fetchall()) for (t,) in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'search_fts_%' ORDER BY name"))
    wal = Path(str(path) + "-wal")
    return path.read_bytes(), wal.read_bytes() if wal.exists() else b"", rows


def _run(sample_db_path, fname, opts, outcome, expect):
    from dossier.services.database import close_database, open_database

    f = FIXTURES / fname
    db = open_database(sample_db_path)
    try:
        before = _state(sample_db_path, db)
        r = import_files(db, [f], opts)
        if outcome == "reject":
            assert not r.ok and not r.applied and r.batch is None
            got = [(e.line, e.column, e.message) for e in r.errors]
            for line, col, frag in expect:
                assert any(g[0] == line and g[1] == col and frag in g[2] for g in got), (fname, got)
            assert {g[0] for g in got} == {e[0] for e in expect}, got
            for e in r.errors:
                assert e.file == str(f) and str(e).startswith(f"{f}:")
            assert _state(sample_db_path, db) == before, "a rejected import changed the database"
        else:
            assert r.ok, (fname, r.errors)
            assert expect(db, r, fname) is not False, fname
            assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        close_database(db)


@pytest.mark.parametrize("fname", [m[0] for m in MANIFEST])
def test_fixture(sample_db_path, fname):
    if fname not in E:
        pytest.fail(f"{fname}: add its expectation (MANIFEST says: {dict((m[0], m[2]) for m in MANIFEST)[fname]})")
    opts, outcome, expect = E[fname]
    _run(sample_db_path, fname, opts, outcome, expect)


@pytest.mark.parametrize("fname", sorted(PROFILED))
def test_fixture_with_profile(sample_db_path, fname):
    opts, check = PROFILED[fname]
    _run(sample_db_path, fname, opts, "accept", check)


def test_header_only_says_0_records(sample_db_path, capsys):
    from dossier.cli.main import main

    assert main(["import", "--db", str(sample_db_path), str(FIXTURES / "c15_header_only.csv")]) == 0
    assert "(0 records) (nothing to change)" in capsys.readouterr().out


def test_n02_unicode_minus_row_is_accepted(sample_db_path):
    """The file is rejected for lines 2 and 3 only: the U+2212 minus on line 4 is a valid -5."""
    from dossier.domain.numbers import parse_decimal

    assert str(parse_decimal("\u22125")) == "-5"


def test_u06_name_matches_with_nbsp_folded():
    from dossier.domain.text import match_key

    raw = (FIXTURES / "u06_nbsp_and_fullwidth.csv").read_bytes().decode("utf-8").splitlines()[1].split(",")[0]
    assert "\u00a0" in raw and "\u3000" in raw and match_key(raw) == "ri kil song"
