"""Foreign formats on the real files as they are (shared/realdata): TimelineJS sheets, EveryPolitician
term and position CSVs, and matching of rows without ids (identifiers exact; names suggested)."""

from __future__ import annotations

import csv

import pytest

from dossier.exchange.dossier_csv import Options
from dossier.services.importing import import_files
from tests.conftest import REALDATA

TL = sorted((REALDATA / "timelinejs").glob("*.csv"))
TL_SHEETS = [p for p in TL if "parser_test" not in p.name]
EP_TERM = REALDATA / "popolo" / "ep_cambodia_national_assembly_term-5_EXCERPT.csv"
EP_POS = REALDATA / "popolo" / "ep_cambodia_national_assembly_unstable_positions.csv"


def _dated_rows(path):
    with path.open(encoding="utf-8-sig", newline="") as f:
        return [r for r in csv.DictReader(f) if r["Year"].strip()]


@pytest.mark.parametrize("path", TL_SHEETS, ids=lambda p: p.name)
def test_timelinejs_sheet_imports_every_dated_row_cited_to_the_file(empty_db, path):
    r = import_files(empty_db, [path])
    assert r.ok, r.errors
    want = _dated_rows(path)
    events = empty_db.execute("SELECT id, title, start, summary FROM event ORDER BY rid").fetchall()
    assert len(events) == len(want) > 0
    assert [e[1] for e in events] == [w["Headline"].strip() or w["Display Date"] for w in want]
    # every event cites the file's source, whose reference names the file
    src = empty_db.execute("SELECT id, reference, title FROM source").fetchall()
    assert len(src) == 1 and path.name in src[0][1]
    assert empty_db.execute("SELECT count(*) FROM citation WHERE fact_table = 'event' AND source = ?",
                            (src[0][0],)).fetchone()[0] == len(want)
    # the precision written is the precision kept
    for (_id, _t, start, _s), w in zip(events, want, strict=True):
        assert start.count("-") == (1 if w["Month"].strip() else 0) + (1 if w["Day"].strip() else 0)
    again = import_files(empty_db, [path])
    assert again.ok and not again.applied and again.count("unchanged") == len(want) + 1


def test_timelinejs_template_details(empty_db):
    path = REALDATA / "timelinejs" / "knightlab_my-own-timeline.csv"
    assert import_files(empty_db, [path]).ok
    ada = empty_db.execute("SELECT start, \"end\", start_lo, end_hi, summary FROM event WHERE title = 'Ada Lovelace'"
                           ).fetchone()
    assert ada[:2] == ("1815-12-10", "1852-11-27") and "<a href=" in ada[4]  # HTML kept verbatim, as text
    title = empty_db.execute("SELECT title FROM source").fetchone()[0]
    assert title == "MY OWN CSV"  # the title slide names the source; it is not an event


def test_a_csv_that_is_no_known_format_is_rejected_on_its_header(empty_db):
    path = REALDATA / "timelinejs" / "knightlab_parser_test_quoted_newline.csv"
    r = import_files(empty_db, [path])
    assert not r.ok and {e.line for e in r.errors} == {1}
    assert any(e.column == "description" and "unknown column" in e.message for e in r.errors)


def test_everypolitician_term_members_inherit_the_terms_dates(empty_db):
    r = import_files(empty_db, [EP_TERM], Options(terms=(("5", "2013-09-23", "2018-08-31"),)))
    assert r.ok, r.errors
    with EP_TERM.open(encoding="utf-8", newline="") as f:
        members = list(csv.DictReader(f))
    assert empty_db.execute("SELECT count(*) FROM person").fetchone()[0] == len(members)
    rows = empty_db.execute("SELECT pe.name, p.start, p.\"end\", p.place, p.note, pos.title FROM posting p "
                            "JOIN person pe ON pe.id = p.person JOIN position pos ON pos.id = p.position").fetchall()
    assert len(rows) == len(members)
    hun = [x for x in rows if x[0] == "Hun Sen"][0]
    assert hun[1:] == ("2013-09-23", "2018-08-31", "Kandal Province", "Cambodian People's Party; term 5",
                       "Member of the National Assembly")
    assert empty_db.execute("SELECT entity FROM identifier WHERE scheme = 'wikidata' AND value = 'Q57788'"
                            ).fetchone()[0] == "hun-sen"
    assert empty_db.execute("SELECT count(*) FROM identifier WHERE scheme = 'everypolitician'").fetchone()[0] == len(members)


def test_everypolitician_without_term_dates_invents_none(empty_db):
    r = import_files(empty_db, [EP_TERM])
    assert r.ok and any("term 5's dates are unknown" in w.message for w in r.warnings)
    assert empty_db.execute("SELECT count(*) FROM posting WHERE start <> '' OR \"end\" <> ''").fetchone()[0] == 0


def test_everypolitician_positions_match_members_by_their_uuid(empty_db):
    assert import_files(empty_db, [EP_TERM]).ok
    people = empty_db.execute("SELECT count(*) FROM person").fetchone()[0]
    r = import_files(empty_db, [EP_POS])
    assert r.ok, r.errors
    # Hun Sen is the same person (same EveryPolitician id): no second Hun Sen
    assert empty_db.execute("SELECT count(*) FROM person WHERE name = 'Hun Sen'").fetchone()[0] == 1
    assert empty_db.execute("SELECT count(*) FROM person").fetchone()[0] == people + 2  # Chea Sim, Pen Sovan
    pm = empty_db.execute("SELECT start, \"end\" FROM posting WHERE person = 'hun-sen' AND note = 'executive'"
                          ).fetchone()
    assert pm == ("1998-11-30", "1998-11-30")  # the real defect kept as it is, with a warning
    assert any("starts and ends on 1998-11-30" in w.message for w in r.warnings)
    assert import_files(empty_db, [EP_POS]).batch is None  # re-import: nothing to change


def test_identifier_match_uses_an_existing_record(sample_db, tmp_path):
    """A Wikidata QID already recorded for a person makes a foreign row update that person."""
    ids = tmp_path / "identifiers.csv"
    ids.write_text("entity,scheme,value,source\nprak-sokhonn,wikidata,Q57788,seed-article\n", "utf-8")
    assert import_files(sample_db, [ids]).ok
    r = import_files(sample_db, [EP_TERM], dry_run=True)
    assert r.ok
    hun = [c for c in r.changes if c.kind == "postings" and c.key[0].startswith("ep-98d3e0dc")]
    assert hun and hun[0].fields["person"] == ("", "prak-sokhonn")


def test_name_match_is_suggested_never_merged_unless_confirmed(sample_db, tmp_path):
    roster = tmp_path / "hq_list.csv"
    roster.write_text("name,role,start,end\nPrak  Sokhon,Minister of Foreign Affairs,2016,\n", "utf-8")
    people = sample_db.execute("SELECT count(*) FROM person").fetchone()[0]
    r = import_files(sample_db, [roster])
    assert r.ok and [m["record"] for m in r.matches] == ["prak-sokhonn"]
    assert "to confirm" in r.matches[0]["status"]
    assert sample_db.execute("SELECT count(*) FROM person").fetchone()[0] == people + 1  # added, not merged
    r2 = import_files(sample_db, [roster])
    assert r2.batch is None and not r2.matches  # the file's own key now finds its record exactly

    roster2 = tmp_path / "hq_list2.csv"
    roster2.write_text("name,role,start,end\nRi Kil-Song,Ambassador,2020,\n", "utf-8")
    r3 = import_files(sample_db, [roster2], Options(merge_matches=True))
    assert r3.ok and r3.matches[0]["status"].startswith("merged")
    assert sample_db.execute("SELECT count(*) FROM person").fetchone()[0] == people + 1
    assert sample_db.execute("SELECT name FROM person WHERE id = 'ri-kil-song'").fetchone()[0] == "Ri Kil Song"
    assert sample_db.execute("SELECT count(*) FROM posting WHERE person = 'ri-kil-song'").fetchone()[0] == 3
    assert import_files(sample_db, [roster2]).batch is None
