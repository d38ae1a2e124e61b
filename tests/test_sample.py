from dossier.services import browse, exporting
from dossier.storage import queries


def test_ri_kil_song_posting_is_year_precise_and_cited(sample_db):
    rows = [r for r in queries.postings_of_person(sample_db, "ri-kil-song") if r["place"] == "Phnom Penh"]
    assert len(rows) == 1
    p = rows[0]
    assert (p["start"], p["end"]) == ("2004", "2008")
    full = sample_db.execute("SELECT start_lo, start_hi, end_lo, end_hi FROM posting WHERE rid = ?",
                             (p["rid"],)).fetchone()
    import datetime as dt
    assert [dt.date.fromordinal(x).isoformat() for x in full] == ["2004-01-01", "2004-12-31", "2008-01-01", "2008-12-31"]
    cites = queries.citations(sample_db, "posting", p["rid"])
    assert cites and cites[0]["id"] == "seed-article" and "2004 to 2008" in cites[0]["quote"]


def test_every_fact_in_the_sample_is_cited(sample_db):
    for table in ("person", "organization", "posting", "event", "participant", "relation", "statement", "figure",
                  "fx_rate"):
        uncited = sample_db.execute(
            f"SELECT count(*) FROM {table} t WHERE NOT EXISTS (SELECT 1 FROM citation c "
            f"WHERE c.fact_table = ? AND c.fact_rid = t.rid)", (table,)).fetchone()[0]
        assert uncited == 0, table
    # and every citation of the article carries the sentence it comes from
    assert sample_db.execute("SELECT count(*) FROM citation WHERE source = 'seed-article' AND quote = '' "
                             "AND fact_table <> 'participant'").fetchone()[0] == 0


def test_vague_dates_stay_vague(sample_db):
    meeting = queries.event(sample_db, "ri-sokhonn-meeting-2019")
    assert meeting["start"] == "2019" and meeting["end"] == ""
    summit = queries.event(sample_db, "asean-rok-summit-2019")
    assert (summit["start"], summit["end"]) == ("2019-11-25", "2019-11-26")
    cited = {c["id"] for c in queries.citations(sample_db, "event", summit["rid"])}
    assert "asean-rok-2019-record" in cited  # the exact dates need their own source


def test_names_in_scripts_and_quoted_figures(sample_db):
    names = {a["name"] for a in queries.aliases(sample_db, "ri-kil-song")}
    assert {"리길성", "Ri Kil-song"} <= names
    assert queries.person(sample_db, "prak-sokhonn")["native_name"] == "ប្រាក់ សុខុន"
    csv_text = exporting.export_kind_text(sample_db, "figures")
    assert "756000000,USD" in csv_text and "14.7,percent,2017" in csv_text


def test_details_of_person_show_career_with_sources(sample_db):
    d = browse.details(sample_db, "person", "ri-kil-song")
    text = d.plain_text()
    assert "2004 – 2008: Advisor, Embassy of the DPRK in Cambodia, Phnom Penh" in text
    assert "[B2]" in text and "2004 to 2008" in text


def test_search_any_script(sample_db):
    assert [h["id"] for h in queries.search(sample_db, "리길")] == ["ri-kil-song"]  # 2 chars: LIKE fallback
    assert "prak-sokhonn" in [h["id"] for h in queries.search(sample_db, "ប្រាក់")]
    assert "ri-kil-song" in [h["id"] for h in queries.search(sample_db, "Kil-song")]
    assert queries.search(sample_db, 'ASEAN-ROK "') == []  # FTS syntax is quoted, not executed
    assert queries.search(sample_db, "%") == [] and queries.search(sample_db, "_") == []
