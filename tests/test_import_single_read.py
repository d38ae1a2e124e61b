"""Big imports read their files once (issue 5 performance): the plan's validated writes are staged and
replayed inside the transaction; a write by another connection between plan and apply makes the import
recompute its change set instead of applying a stale plan.  The per-column fast converters give exactly
what the general `convert_cell` gives (values, warnings, messages)."""

from __future__ import annotations

import shutil

import pytest

from dossier.domain.kinds import KINDS, extra_columns
from dossier.exchange import dossier_csv, formats
from dossier.exchange.converters import CellError, column_converter, convert_cell
from dossier.exchange.dossier_csv import Options
from dossier.services import importing, staging
from dossier.services.database import close_database, open_database
from dossier.services.importing import import_files, undo_batch
from dossier.storage import journal
from conftest import raw_sqlite
from test_import_journal import dump


def _events(path, n, start=0, title="Meeting"):
    lines = ["id,kind,title,start,end,place,country,summary,source"]
    lines += [f"ev-{i},meeting,{title} {i},2001-0{1 + i % 9},,Seoul,KOR,Summary {i},seed-article"
              for i in range(start, start + n)]
    path.write_text("\r\n".join(lines) + "\r\n", "utf-8")
    return path


def _participants(path, n):
    lines = ["event,participant,role,source"] + [f"ev-{i},KOR,participant,seed-article" for i in range(n)]
    path.write_text("\r\n".join(lines) + "\r\n", "utf-8")
    return path


def _count_opens(monkeypatch) -> list[str]:
    opened: list[str] = []
    real = formats.stream_any

    def spy(path, opts):
        opened.append(str(path))
        return real(path, opts)

    monkeypatch.setattr(importing, "stream_any", spy)
    return opened


def test_files_are_read_once_and_the_staged_writes_equal_a_recomputed_apply(sample_db, sample_db_path, tmp_path,
                                                                           monkeypatch):
    twin_path = tmp_path / "twin.db"
    shutil.copyfile(sample_db_path, twin_path)
    ev, pa = _events(tmp_path / "events.csv", 5000), _participants(tmp_path / "participants.csv", 5000)
    opened = _count_opens(monkeypatch)
    r = import_files(sample_db, [ev, pa], backup=False)
    assert r.applied and not r.replanned and r.count("added") == 10_000
    assert opened == [str(ev), str(pa)]  # once each: no second parse
    # every new fact cites the batch
    n = sample_db.conn.execute("SELECT count(*) FROM event WHERE batch_id = ?", (r.batch,)).fetchone()[0]
    assert n == 5000
    assert journal.batch_info(sample_db, r.batch).counts["added"] == 10_000
    # the same import on a twin database through the recompute path (read twice) writes the same rows
    monkeypatch.setattr(importing.batches, "data_version", _moving_version())
    twin = open_database(twin_path)
    try:
        r2 = import_files(twin, [ev, pa], backup=False)
        assert r2.applied and r2.replanned and r2.count("added") == 10_000 and r2.batch == r.batch
        assert opened[2:] == [str(ev), str(pa)] * 2
        assert dump(twin.conn) == dump(sample_db.conn)
    finally:
        close_database(twin)
    before = dump(sample_db.conn, skip={"change_log", "import_batch"})
    undo_batch(sample_db, r.batch, backup=False)
    assert sample_db.conn.execute("SELECT count(*) FROM event WHERE id LIKE 'ev-%'").fetchone()[0] == 0
    assert before != dump(sample_db.conn, skip={"change_log", "import_batch"})


def _moving_version():
    n = iter(range(10**6))
    return lambda db: next(n)


def test_a_write_by_another_connection_between_plan_and_apply_is_not_lost(sample_db, sample_db_path, tmp_path,
                                                                           monkeypatch):
    ev = _events(tmp_path / "events.csv", 50)
    applied_staged = []
    real_apply, real_find = staging.apply, importing.records.find_batch_by_sha
    monkeypatch.setattr(staging, "apply", lambda *a, **k: applied_staged.append(1) or real_apply(*a, **k))

    def find_and_write_elsewhere(db, sha):  # runs after the plan, before the transaction
        other = raw_sqlite(sample_db_path)
        other.execute("INSERT INTO event(id, kind, title, start, place, country, summary) VALUES "
                      "('ev-7', 'meeting', 'Written elsewhere', '2001', 'Seoul', 'KOR', '')")
        other.commit()
        other.close()
        return real_find(db, sha)

    monkeypatch.setattr(importing.records, "find_batch_by_sha", find_and_write_elsewhere)
    r = import_files(sample_db, [ev], backup=False)
    assert r.applied and r.replanned and not applied_staged  # the stale plan was not replayed
    assert r.count("added") == 49 and r.count("changed") == 1  # ev-7 exists now: changed, not added twice
    rows = sample_db.conn.execute("SELECT title FROM event WHERE id = 'ev-7'").fetchall()
    assert rows == [("Meeting 7",)]


def test_a_rejected_big_import_stages_nothing_and_writes_nothing(sample_db, sample_db_path, tmp_path):
    ev = _events(tmp_path / "events.csv", 3000)
    text = ev.read_text("utf-8").replace("ev-2500,meeting", "ev-2500,not-a-kind")
    ev.write_text(text, "utf-8")
    before = sample_db_path.read_bytes()
    r = import_files(sample_db, [ev], backup=False)
    assert not r.ok and not r.applied
    assert [(e.line, e.column) for e in r.errors] == [(2502, "kind")]
    assert sample_db_path.read_bytes() == before


def test_cancel_during_the_apply_writes_nothing(sample_db, sample_db_path, tmp_path):
    ev = _events(tmp_path / "events.csv", 6000)
    before = dump(sample_db.conn)

    def progress(done, total, what):
        if what.startswith("writing"):
            raise importing.Cancelled()

    with pytest.raises(importing.Cancelled):
        import_files(sample_db, [ev], backup=False, progress=progress)
    assert dump(sample_db.conn) == before


CELLS = ["", " ", "x", " Seoul ", "'=1+2", "'-x", "''x", "a\r\nb", "a\rb", "Ri\u200bKil", "\u200eAhn\u200f",
         "Caf\u0065\u0301", "\u202eevil", "bad\x01", "2001", "2001-02", "2001-02-30", " 1999-12-31 ", "1/2/2003",
         "13/2/2003", "..", "2001~", "KOR", "kr", "Korea", "xx", "WLD", "a|b| |c", "|", "meeting", " Visit ",
         "nope", "ev-1", " ev-1", "'ev", "a|b", "x" * 201, "한국", "ញ\u200bខ"]


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_fast_converters_agree_with_convert(kind):
    k = KINDS[kind]
    for opts in (Options(), Options(dayfirst=True)):
        for col in list(k.columns) + list(extra_columns(k)):
            conv = column_converter(col, opts)
            for raw in CELLS:
                w1: list[str] = []
                w2: list[str] = []
                try:
                    want = ("ok", convert_cell(col, raw, opts, w1))
                except (CellError, ValueError) as e:
                    want = ("error", str(e))
                try:
                    got = ("ok", conv(raw, w2))
                    got2 = ("ok", conv(raw, []))  # again: caches give the same answer
                    assert got == got2
                except (CellError, ValueError) as e:
                    got = ("error", str(e))
                assert (got, w2) == (want, w1), (kind, col.name, raw)


def test_parse_reports_each_bad_cell_and_warning_with_its_column(tmp_path):
    f = tmp_path / "events.csv"
    f.write_text("id,kind,title,start,end,place,country,summary,source\r\n"
                 "ev-1,meeting,\u200eTitle,2001,,Seoul,KOR,,s\r\n"
                 "ev-2,nope,T,2001,1999,Seoul,XX,,s\r\n"
                 "ev-3,meeting,T,2001,1999,Seoul,KOR,,s\r\n", "utf-8")
    pf = dossier_csv.parse_file(f)
    assert [r.line for r in pf.rows] == [2]
    assert [(w.line, w.column) for w in pf.rows[0].warnings] == [(2, "title")]
    assert pf.rows[0].values["title"] == "Title"
    assert [(p.line, p.column) for p in pf.problems] == [(3, "kind"), (3, "country"), (4, "end")]
