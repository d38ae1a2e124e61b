"""Edits through the importer's code path: journalled batches, exact undo, redo, history, as-of, merge
with redirects.  Real edits on the sample database; every comparison is a full dump of the tables."""

from __future__ import annotations

import datetime as _dt
import time

import pytest

from dossier.domain import dates
from dossier.exchange.dossier_csv import CellError, validate_cell
from dossier.services import editing, history
from dossier.storage import editing as st

JOURNAL = ("import_batch", "change_log")


def dump(db, mask: set[int] = frozenset()):
    """Every table but the batch list and the journal; batch ids in `mask` read as 'B'."""
    out = st.dump(db, skip=JOURNAL)
    for t, rows in out.items():
        cols = [r[1] for r in db.conn.execute(f'PRAGMA table_info("{t}")')] if t != "search_fts" else []
        if "batch_id" in cols:
            i = cols.index("batch_id")
            out[t] = sorted((tuple("B" if (j == i and v in mask) else v for j, v in enumerate(r)) for r in rows),
                            key=repr)
    return out


def typed(kind: str, cells: dict[str, str]) -> dict:
    return {c: validate_cell(kind, c, v)[0] for c, v in cells.items()}


def meeting_rows(eid="ri-sokhonn-2nd", start="2019-12"):
    ev = typed("events", {"id": eid, "kind": "meeting", "title": "Second Ri-Sokhonn meeting", "start": start,
                          "place": "Phnom Penh", "country": "KHM"})
    ev.update(source=["seed-article"], quote="they met again")
    parts = [editing.EditRow("participants", {"event": eid, "participant": p, "role": "participant",
                                              "source": ["seed-article"], "quote": ""})
             for p in ("ri-kil-song", "prak-sokhonn")]
    return [editing.EditRow("events", ev)] + parts


@pytest.fixture
def db(sample_db):
    srcs = [r[0] for r in sample_db.conn.execute("SELECT id FROM source")]
    assert "seed-article" in srcs, srcs
    return sample_db


def test_validate_cell_is_the_importers_rule():
    assert validate_cell("events", "start", "2019-11")[0] == dates.parse_date("2019-11")
    with pytest.raises(CellError, match="no month 13"):
        validate_cell("events", "start", "2019-13")
    with pytest.raises(CellError, match="ambiguous"):
        validate_cell("events", "start", "03/04/2019")
    with pytest.raises(CellError):
        validate_cell("people", "nationality", "Narnia")
    assert validate_cell("people", "nationality", "kh")[0] == "KHM"
    with pytest.raises(CellError):
        validate_cell("figures", "value", "12,3,4")


def test_edit_undo_redo_exact(db):
    before = dump(db)
    b1 = editing.apply(db, meeting_rows(), "new meeting")
    after = dump(db, {b1})
    assert after != before
    assert db.conn.execute("SELECT kind FROM import_batch WHERE id = ?", (b1,)).fetchone()[0] == "edit"
    assert db.conn.execute("SELECT count(*) FROM participant WHERE event = 'ri-sokhonn-2nd'").fetchone()[0] == 2
    editing.undo(db, b1)
    assert dump(db) == before  # exactly, row for row (search index and timeline index included)
    b2 = editing.apply(db, meeting_rows(), "new meeting")  # redo
    assert b2 != b1
    assert dump(db, {b2}) == after  # the same rows again; only the batch that wrote them differs


def test_change_keeps_other_fields_and_undo_restores(db):
    rec = editing.record(db, "postings", ("ri-kil-song-embassy-advisor",))
    before = dump(db)
    vals = {c: validate_cell("postings", c, editing.cell_text("postings", c, rec.get(c)))[0]
            for c in editing.kind_columns("postings") if c != "source"}
    vals["end"] = dates.parse_date("2009")
    vals["source"], vals["quote"] = list(rec["source"]), rec["quote"]
    b = editing.apply(db, [editing.EditRow("postings", vals)], "end 2009")
    now = editing.record(db, "postings", (rec["id"],))
    assert now["end"] == "2009" and now["start"] == rec["start"] and now["position"] == rec["position"]
    editing.undo(db, b)
    assert dump(db) == before


def test_unsourced_creates_the_builtin_source_once(db):
    rows = meeting_rows()
    rows[0].values["source"] = [editing.UNSOURCED]
    b = editing.apply(db, rows, "unsourced meeting")
    assert editing.record(db, "sources", (editing.UNSOURCED,)) is not None
    ev = editing.record(db, "events", ("ri-sokhonn-2nd",))
    assert ev["source"] == [editing.UNSOURCED]
    from dossier.services import browse

    d = browse.details(db, "event", "ri-sokhonn-2nd")
    assert "[UNSOURCED]" in d.plain_text()
    assert b is not None


def test_rejected_edit_writes_nothing(db):
    before = dump(db)
    rows = meeting_rows()
    rows[1].values["participant"] = "nobody-of-that-name"
    with pytest.raises(editing.EditRejected, match="nobody-of-that-name"):
        editing.apply(db, rows, "bad")
    assert dump(db) == before
    assert db.conn.execute("SELECT count(*) FROM import_batch WHERE kind = 'edit'").fetchone()[0] == 0


def test_history_shows_the_change_with_old_and_new(db):
    b1 = editing.apply(db, meeting_rows(start="2019-12"), "new meeting; source: seed-article")
    time.sleep(1.1)  # batches are stamped to the second
    rows = meeting_rows(start="2019-12-03")[:1]
    b2 = editing.apply(db, rows, "correct the day")
    h = history.record_history(db, "event", "ri-sokhonn-2nd")
    assert [e.batch for e in h] == [b2, b1]
    assert h[0].op == "changed" and ("start", "2019-12", "2019-12-03") in h[0].changes
    assert h[1].op == "created" and ("participants", "", "prak-sokhonn (participant); ri-kil-song (participant)") \
        in h[1].changes
    # a sample record: its first recorded state comes from the sample batch
    hs = history.record_history(db, "person", "ri-kil-song")
    assert hs and hs[-1].op == "first recorded" and hs[-1].kind == "sample"


def test_as_of_before_the_change_does_not_contain_it(db):
    t0 = _dt.datetime.now(_dt.UTC).replace(microsecond=0)
    time.sleep(1.1)
    editing.apply(db, meeting_rows(), "new meeting")
    past = history.as_of(db, t0.isoformat())
    try:
        assert past.conn.execute("SELECT count(*) FROM event WHERE id = 'ri-sokhonn-2nd'").fetchone()[0] == 0
        assert dump(past, set()).get("person") == dump(db).get("person")
    finally:
        history.close(past)
    assert db.conn.execute("SELECT count(*) FROM event WHERE id = 'ri-sokhonn-2nd'").fetchone()[0] == 1
    with pytest.raises(history.HistoryError):
        history.as_of(db, "1999-01-01")  # before the sample, which has no undoable journal


def _dup_person(db):
    v = typed("people", {"id": "ri-kil-song-2", "name": "Ri Kil-song", "native_name": "리길성", "nationality": "PRK",
                         "birth_date": "1956"})
    v["aliases"] = [("Ri Gil Song", "en")]
    v["source"], v["quote"] = ["seed-article"], ""
    p = typed("postings", {"id": "ri-2-deputy", "person": "ri-kil-song-2", "position": "Deputy foreign minister",
                           "country": "PRK", "start": "2017"})
    p["source"], p["quote"] = ["seed-article"], ""
    return editing.apply(db, [editing.EditRow("people", v), editing.EditRow("postings", p)], "duplicate")


def test_merge_moves_everything_and_is_undoable(db):
    _dup_person(db)
    assert editing.duplicates(db, "person", "ri-kil-song") == ["ri-kil-song-2"]
    before = dump(db)
    b = editing.merge(db, "person", "ri-kil-song", "ri-kil-song-2")
    assert db.conn.execute("SELECT count(*) FROM person WHERE id = 'ri-kil-song-2'").fetchone()[0] == 0
    assert db.conn.execute("SELECT person FROM posting WHERE id = 'ri-2-deputy'").fetchone()[0] == "ri-kil-song"
    names = {r[0] for r in db.conn.execute("SELECT name FROM alias WHERE entity = 'ri-kil-song'")}
    assert {"Ri Kil-song", "Ri Gil Song"} <= names
    assert db.conn.execute("SELECT birth_date FROM person WHERE id = 'ri-kil-song'").fetchone()[0] == "1956"
    assert st.merged_targets(db, ["ri-kil-song-2"]) == {"ri-kil-song-2": "ri-kil-song"}
    assert db.conn.execute("PRAGMA foreign_key_check").fetchall() == []
    editing.undo(db, b)
    assert dump(db) == before
    assert st.merged_targets(db, ["ri-kil-song-2"]) == {}


def test_csv_update_with_the_merged_id_lands_on_the_survivor(db, tmp_path):
    from dossier.services.importing import import_files

    _dup_person(db)
    editing.merge(db, "person", "ri-kil-song", "ri-kil-song-2")
    f = tmp_path / "postings.csv"
    f.write_text("id,person,position,country,start,end,source\n"
                 "ri-2-envoy,ri-kil-song-2,Special envoy,PRK,2020,,seed-article\n", encoding="utf-8")
    rep = import_files(db, [f], backup=False)
    assert rep.ok, rep.errors
    assert db.conn.execute("SELECT person FROM posting WHERE id = 'ri-2-envoy'").fetchone()[0] == "ri-kil-song"
