"""The reviewed plan (services.import_review) without the window: what makes it stale, and that a stale
plan writes nothing, even when the database changes after the check and before the transaction."""

from __future__ import annotations

from dataclasses import replace

import pytest

from conftest import raw_sqlite
from dossier.exchange.dossier_csv import Options, validate_cell
from dossier.services import backups, editing
from dossier.services.import_review import StalePlan, apply_or_replan, apply_reviewed, review_import
from dossier.services.importing import import_files, undo_batch
from dossier.storage import batches
from test_import_journal import dump
from test_import_single_read import _events


def test_the_write_mark_moves_with_every_kind_of_write_and_only_then(sample_db, sample_db_path, tmp_path):
    m0 = batches.write_mark(sample_db)
    review_import(sample_db, [_events(tmp_path / "events.csv", 30)])
    import_files(sample_db, [_events(tmp_path / "events.csv", 30)], dry_run=True)
    assert batches.write_mark(sample_db) == m0  # reads leave it alone
    r = import_files(sample_db, [_events(tmp_path / "a.csv", 3)], backup=False)
    m1 = batches.write_mark(sample_db)
    assert m1 != m0
    undo_batch(sample_db, r.batch, backup=False)
    m2 = batches.write_mark(sample_db)
    assert m2 not in (m0, m1)
    ev = {c: validate_cell("events", c, t)[0] for c, t in
          {"id": "edited", "kind": "meeting", "title": "Edited", "start": "2019-12"}.items()}
    editing.apply(sample_db, [editing.EditRow("events", {**ev, "source": ["seed-article"], "quote": ""})], "e")
    m3 = batches.write_mark(sample_db)
    assert m3 != m2
    other = raw_sqlite(sample_db_path)
    other.execute("INSERT INTO source(id, title) VALUES ('raw-source', 'Raw')")
    other.commit()
    other.close()
    assert batches.write_mark(sample_db) != m3


def test_an_undo_between_review_and_apply_makes_the_plan_stale(sample_db, tmp_path):
    r = import_files(sample_db, [_events(tmp_path / "a.csv", 5)], backup=False)
    rv = review_import(sample_db, [_events(tmp_path / "b.csv", 8)])
    assert rv.report.count("added") == 3 and rv.report.count("unchanged") == 5
    undo_batch(sample_db, r.batch, backup=False)
    before = dump(sample_db.conn, skip=set())
    with pytest.raises(StalePlan, match="the database changed since the review"):
        apply_reviewed(sample_db, rv, backup=False)
    assert dump(sample_db.conn, skip=set()) == before
    out = apply_or_replan(sample_db, rv, backup=False)
    assert out.review.report.count("added") == 8 and not rv.staged  # the stale plan was let go


def test_other_options_or_a_second_apply_are_refused(sample_db, tmp_path):
    rv = review_import(sample_db, [_events(tmp_path / "a.csv", 5)])
    with pytest.raises(StalePlan, match="options changed"):
        apply_reviewed(sample_db, rv, replace(Options(), overwrite_conflicts=True), backup=False)
    r = apply_reviewed(sample_db, rv, Options(), backup=False)
    assert r.applied and r.count("added") == 5 and not rv.staged
    with pytest.raises(StalePlan, match="already applied"):
        apply_reviewed(sample_db, rv, backup=False)


def test_a_write_after_the_check_and_before_the_transaction_is_caught_inside_it(sample_db, sample_db_path, tmp_path,
                                                                                monkeypatch):
    rv = review_import(sample_db, [_events(tmp_path / "a.csv", 20)])
    real = backups.backup_before
    wrote = []

    def backup_then_someone_writes(db, path, why):  # runs between the checks and BEGIN IMMEDIATE
        out = real(db, path, why)
        if wrote:
            return out
        wrote.append(1)
        other = raw_sqlite(sample_db_path)
        other.execute("INSERT INTO event(id, kind, title, start, place, country, summary) VALUES "
                      "('ev-7', 'meeting', 'Written elsewhere', '2001', 'Seoul', 'KOR', '')")
        other.commit()
        other.close()
        return out

    monkeypatch.setattr(backups, "backup_before", backup_then_someone_writes)
    n = sample_db.conn.execute("SELECT count(*) FROM import_batch").fetchone()[0]
    with pytest.raises(StalePlan, match="database changed"):
        apply_reviewed(sample_db, rv)
    assert wrote and sample_db.conn.execute("SELECT count(*) FROM import_batch").fetchone()[0] == n
    assert sample_db.conn.execute("SELECT id FROM event WHERE id LIKE 'ev-%'").fetchall() == [("ev-7",)]


def test_a_rejected_review_keeps_nothing(sample_db, tmp_path):
    f = _events(tmp_path / "events.csv", 10)
    f.write_text(f.read_text("utf-8").replace("ev-4,meeting", "ev-4,nope"), "utf-8")
    rv = review_import(sample_db, [f])
    assert not rv.report.ok and not rv.staged
    with pytest.raises(ValueError):
        apply_reviewed(sample_db, rv, backup=False)
