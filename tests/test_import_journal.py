"""Undo restores the database exactly; re-import changes nothing; local edits are conflicts."""

from __future__ import annotations

import csv
import io
import json

import pytest

from dossier.cli.main import main
from dossier.services import exporting
from dossier.services.importing import JournalError, import_files, undo_batch
from dossier.storage import journal, records
from dossier.storage.connection import atomic

BOOKKEEPING = {"import_batch", "change_log"}


def dump(db, skip=BOOKKEEPING) -> dict[str, list]:
    """Every row of every table (search index included), in a stable order."""
    out = {}
    names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                      "AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'search_fts_%'")]
    for n in names:
        if n in skip:
            continue
        if n == "search_fts":
            out[n] = db.execute("SELECT rowid, text, entity_table, entity_rid FROM search_fts ORDER BY rowid").fetchall()
        else:
            out[n] = sorted(db.execute(f'SELECT * FROM "{n}"').fetchall(), key=repr)
    return out


def export(db, kind, tmp_path):
    f = tmp_path / f"{kind}.csv"
    exporting.export_kind_to_file(db, kind, f)
    return f


def edit_csv(path, fn):
    rows = list(csv.DictReader(io.StringIO(path.read_text("utf-8-sig"))))
    header = list(rows[0].keys())
    rows = fn(rows)
    buf = io.StringIO()
    w = csv.DictWriter(buf, header, lineterminator="\r\n")
    w.writeheader()
    w.writerows(rows)
    path.write_text(buf.getvalue(), "utf-8")
    return path


def test_undo_restores_every_table_exactly(sample_db, tmp_path):
    before = dump(sample_db)
    people = export(sample_db, "people", tmp_path)
    postings = export(sample_db, "postings", tmp_path)

    def change_people(rows):
        rows[0]["summary"] = "Changed summary"
        rows[0]["aliases"] = "Only One Alias@en"
        rows[1]["source"] = "khmer-times|seed-article"
        rows[2]["deleted"] = "yes"  # cascades: postings, participants, aliases, citations
        gone.append(rows[2]["id"])
        rows.append({**rows[3], "id": "new-person", "name": "New Person", "deleted": ""})
        return rows

    gone = []

    def change_postings(rows):
        rows = [r for r in rows if r["person"] not in gone]
        rows[0]["end"] = "2009"
        rows[1]["person"] = "new-person"
        rows.append({**rows[2], "id": "new-posting", "position": "A brand new position"})
        return rows

    rows = list(csv.DictReader(io.StringIO(people.read_text("utf-8-sig"))))
    header = list(rows[0].keys()) + ["deleted"]
    buf = io.StringIO()
    w = csv.DictWriter(buf, header, lineterminator="\r\n")
    w.writeheader()
    w.writerows(change_people([{**r, "deleted": ""} for r in rows]))
    people.write_text(buf.getvalue(), "utf-8")
    edit_csv(postings, change_postings)
    events = export(sample_db, "events", tmp_path)
    edit_csv(events, lambda rows: [{**rows[0], "start": "2019-10", "title": "Moved"}] + rows[1:] +
             [{**rows[1], "id": "new-event", "title": "A new event", "parent": ""}])
    r = import_files(sample_db, [people, postings, events])
    assert r.ok, r.errors
    assert r.applied and r.count("added") == 3 and r.count("deleted") == 1 and r.count("changed") >= 5
    after = dump(sample_db)
    assert after != before
    assert sample_db.execute("SELECT count(*) FROM person WHERE id = ?", (gone[0],)).fetchone()[0] == 0
    # the journal holds the full old rows
    ops = dict(sample_db.execute("SELECT op, count(*) FROM change_log WHERE batch_id = ? GROUP BY op",
                                 (r.batch,)).fetchall())
    assert ops["delete"] > 0 and ops["update"] > 0 and ops["insert"] == len(journal.TABLES)
    undone = undo_batch(sample_db, r.batch)
    assert undone
    assert dump(sample_db) == before
    b = journal.batch_info(sample_db, r.batch)
    assert b.undone_at
    with pytest.raises(JournalError, match="already undone"):
        undo_batch(sample_db, r.batch)
    assert sample_db.execute("PRAGMA foreign_key_check").fetchall() == []
    assert sample_db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_reimport_changes_nothing_and_says_so(sample_db, tmp_path):
    f = edit_csv(export(sample_db, "people", tmp_path), lambda rows: rows + [{**rows[0], "id": "x-1", "name": "X"}])
    r1 = import_files(sample_db, [f])
    assert r1.applied and r1.count("added") == 1
    before = dump(sample_db, skip=set())
    r2 = import_files(sample_db, [f])
    assert r2.ok and not r2.applied and r2.batch is None
    assert r2.count("added") == r2.count("changed") == r2.count("deleted") == 0
    assert r2.already_imported == ["people.csv"]
    assert dump(sample_db, skip=set()) == before


def test_only_the_latest_batch_can_be_undone(sample_db, tmp_path):
    f1 = edit_csv(export(sample_db, "people", tmp_path), lambda rows: rows + [{**rows[0], "id": "a", "name": "A"}])
    b1 = import_files(sample_db, [f1]).batch
    f2 = edit_csv(f1, lambda rows: rows + [{**rows[0], "id": "b", "name": "B"}])
    b2 = import_files(sample_db, [f2]).batch
    with pytest.raises(JournalError, match=f"followed by batch {b2}"):
        undo_batch(sample_db, b1)
    undo_batch(sample_db, b2)
    undo_batch(sample_db, b1)
    assert sample_db.execute("SELECT count(*) FROM person WHERE id IN ('a', 'b')").fetchone()[0] == 0
    with pytest.raises(JournalError, match="only imports and edits"):
        undo_batch(sample_db, 1)  # the sample data set


def _local_edit(db, person_id, summary):
    """A local edit as the editing feature makes it: a batch of kind 'edit' through storage functions."""
    with atomic(db):
        b = records.new_batch(db, "edit", "2030-01-01T00:00:00+00:00", "[]", "edit in the window")
        journal.begin(db, b, "2030-01-01T00:00:00+00:00")
        ex = records.get_record(db, "people", (person_id,))
        records.upsert(db, "people", {"id": person_id, "summary": summary}, ex, b)
        journal.end(db)
    return b


def test_a_local_edit_is_a_conflict_not_overwritten(sample_db, tmp_path):
    f = edit_csv(export(sample_db, "people", tmp_path),
                 lambda rows: [{**r, "summary": "HQ says " + r["summary"]} if r["id"] in ("kin-phea", "pan-sorasak")
                               else r for r in rows])
    edit = _local_edit(sample_db, "kin-phea", "My own note")
    r = import_files(sample_db, [f], dry_run=True)
    assert r.ok
    s = r.summary()
    assert [c["key"] for c in s["conflicts"]] == [["kin-phea"]]
    c = s["conflicts"][0]
    assert c["intended"] == "changed" and f"edit batch {edit}" in c["reason"]
    assert c["fields"]["summary"]["old"] == "My own note" and c["fields"]["summary"]["new"].startswith("HQ says")
    assert s["changed"] == 1  # pan-sorasak only
    r = import_files(sample_db, [f])
    assert sample_db.execute("SELECT summary FROM person WHERE id = 'kin-phea'").fetchone()[0] == "My own note"
    assert sample_db.execute("SELECT summary FROM person WHERE id = 'pan-sorasak'").fetchone()[0].startswith("HQ says")
    # the user decides to take the file's value
    from dossier.exchange.dossier_csv import Options
    r = import_files(sample_db, [f], Options(overwrite_conflicts=True))
    assert r.applied and r.count("changed") == 1 and r.count("conflict") == 0
    assert sample_db.execute("SELECT summary FROM person WHERE id = 'kin-phea'").fetchone()[0].startswith("HQ says")


def test_another_sources_later_change_is_a_conflict(sample_db, tmp_path):
    hq = tmp_path / "hq"
    hq.mkdir()
    f = export(sample_db, "people", hq)
    assert import_files(sample_db, [f]).batch is None  # same as sample: nothing to do
    other = tmp_path / "embassy_people.csv"
    other.write_text("id,name,summary\nkin-phea,Kin Phea,Embassy's view\n", "utf-8")
    rb = import_files(sample_db, [other])
    assert rb.applied
    # people.csv (the sample's file name) was last imported by the sample; the embassy file changed
    # kin-phea after it, so HQ's next people.csv conflicts on that record
    edit_csv(f, lambda rows: [{**r, "summary": "HQ update"} if r["id"] == "kin-phea" else r for r in rows])
    r = import_files(sample_db, [f], dry_run=True)
    assert [c.key for c in r.conflicts] == [("kin-phea",)]
    assert f"batch {rb.batch}" in r.conflicts[0].reason


def test_cli_json_contract_dry_run_apply_and_undo(sample_db_path, tmp_path, capsys):
    from dossier.services.database import close_database, open_database

    db = open_database(sample_db_path)
    f = edit_csv(export(db, "people", tmp_path), lambda rows: [{**rows[0], "summary": "New"}] + rows[1:] +
                 [{**rows[1], "id": "zz", "name": "Zed"}])
    close_database(db)
    assert main(["import", "--db", str(sample_db_path), str(f), "--dry-run", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    for k in ("batch", "added", "changed", "unchanged", "deleted", "conflicts", "rejected", "errors"):
        assert k in out
    assert out["batch"] is None and out["added"] == 1 and out["changed"] == 1 and out["unchanged"] == 5
    assert main(["import", "--db", str(sample_db_path), str(f), "--json"]) == 0
    applied = json.loads(capsys.readouterr().out)
    assert isinstance(applied["batch"], int)
    assert main(["import", "--db", str(sample_db_path), str(f)]) == 0
    assert "nothing to change" in capsys.readouterr().out
    assert main(["import", "--db", str(sample_db_path), "--undo", str(applied["batch"])]) == 0
    assert "undid batch" in capsys.readouterr().out
    db = open_database(sample_db_path)
    assert db.execute("SELECT count(*) FROM person WHERE id = 'zz'").fetchone()[0] == 0
    close_database(db)
    bad = tmp_path / "people2.csv"
    bad.write_text("id,name,birth_date\n" + "".join(f"p{i},P,2019-02-3{i % 2}\n" for i in range(120)), "utf-8")
    before = sample_db_path.read_bytes()
    assert main(["import", "--db", str(sample_db_path), str(bad), "--dry-run", "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert len(out["errors"]) == 50 and out["errors"][0] == {"file": str(bad), "line": 2, "column": "birth_date",
                                                            "message": out["errors"][0]["message"]}
    assert sample_db_path.read_bytes() == before


def test_a_repeated_record_is_rejected_with_its_first_line(sample_db, tmp_path):
    f = tmp_path / "participants.csv"
    f.write_text("event,participant,role\nri-sokhonn-meeting-2019,kin-phea,witness\n"
                 "ri-sokhonn-meeting-2019,pan-sorasak,witness\nri-sokhonn-meeting-2019,kin-phea,witness\n", "utf-8")
    r = import_files(sample_db, [f], dry_run=True)
    assert [(e.line, e.message) for e in r.errors] == [(4, "the same record appears again (first on line 2)")]
    g = tmp_path / "people.csv"
    g.write_text("id,name\nx,X\ny,Y\nx,X again\n", "utf-8")
    r = import_files(sample_db, [g], dry_run=True)
    assert [(e.line, e.column) for e in r.errors] == [(4, "id")]
