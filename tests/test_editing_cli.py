"""`dossier history` and `dossier export snapshot --as-of` on real edits."""

from __future__ import annotations

import datetime as _dt
import json
import time

from dossier.cli.main import main
from dossier.exchange.dossier_csv import validate_cell
from dossier.services import editing
from dossier.services.database import close_database, open_database


def _edit_meeting(path):
    db = open_database(path)
    try:
        ev = {c: validate_cell("events", c, t)[0] for c, t in
              {"id": "second-meeting", "kind": "meeting", "title": "Second meeting", "start": "2019-12"}.items()}
        ev.update(source=["seed-article"], quote="")
        editing.apply(db, [editing.EditRow("events", ev)], "new event second-meeting")
        time.sleep(1.1)
        ev["start"] = validate_cell("events", "start", "2019-12-02")[0]
        editing.apply(db, [editing.EditRow("events", ev)], "correct the day")
    finally:
        close_database(db)


def test_history_and_as_of_snapshot(sample_db_path, tmp_path, capsys):
    t0 = _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat()
    time.sleep(1.1)
    _edit_meeting(sample_db_path)
    assert main(["history", "--db", str(sample_db_path), "event", "second-meeting", "--json"]) == 0
    entries = json.loads(capsys.readouterr().out)
    assert [e["op"] for e in entries] == ["changed", "created"]
    assert {"field": "start", "old": "2019-12", "new": "2019-12-02"} in entries[0]["changes"]
    assert entries[0]["note"] == "correct the day"
    out = tmp_path / "then"
    assert main(["export", "snapshot", "--db", str(sample_db_path), "--as-of", t0, "-o", str(out)]) == 0
    then = (out / "events.csv").read_text("utf-8-sig")
    assert "second-meeting" not in then and "ri-sokhonn-meeting-2019" in then
    now = tmp_path / "now"
    assert main(["export", "snapshot", "--db", str(sample_db_path), "--as-of", "2999-01-01", "-o", str(now)]) == 0
    assert "second-meeting,meeting,Second meeting,2019-12-02" in (now / "events.csv").read_text("utf-8-sig")
    assert main(["export", "snapshot", "--db", str(sample_db_path), "--as-of", "yesterday", "-o", str(now)]) == 1
    assert "not a date" in capsys.readouterr().err


def test_pdf_as_of_shows_the_record_as_it_stood(qapp, sample_db_path, tmp_path):
    """`dossier export pdf --as-of` before an edit: the posting as it stood, the new event absent."""
    import re

    import pypdf

    db = open_database(sample_db_path)
    try:  # the sample was loaded long ago (set-up): only today's edits are after the as-of date
        db.conn.execute("UPDATE import_batch SET started_at = '2020-01-01T09:00:00+00:00', "
                        "finished_at = '2020-01-01T09:00:01+00:00' WHERE kind = 'sample'")
        rec = editing.record(db, "postings", ("ri-kil-song-embassy-advisor",))
        vals = {c: validate_cell("postings", c, editing.cell_text("postings", c, rec.get(c)))[0]
                for c in editing.kind_columns("postings") if c != "source"}
        vals["end"] = validate_cell("postings", "end", "2010")[0]
        vals.update(source=["seed-article"], quote=rec["quote"])
        editing.apply(db, [editing.EditRow("postings", vals)], "end 2010")
        ev = {c: validate_cell("events", c, t)[0] for c, t in
              {"id": "later-meeting", "kind": "meeting", "title": "Meeting added today", "start": "2019-12"}.items()}
        ev.update(source=["seed-article"], quote="")
        editing.apply(db, [editing.EditRow("events", ev),
                           editing.EditRow("participants", {"event": "later-meeting", "participant": "ri-kil-song",
                                                            "role": "guest", "source": ["seed-article"]})], "new")
    finally:
        close_database(db)

    def text(as_of: str | None) -> str:
        out = tmp_path / f"ri-{as_of}.pdf"
        args = ["export", "pdf", "--db", str(sample_db_path), "--person", "ri-kil-song", "-o", str(out),
                "--no-charts"] + (["--as-of", as_of] if as_of else [])
        assert main(args) == 0
        return re.sub(r"\s+", " ", " ".join(p.extract_text() or "" for p in pypdf.PdfReader(str(out)).pages))

    yesterday = (_dt.date.today() - _dt.timedelta(days=1)).isoformat()
    then, now = text(yesterday), text(None)
    assert re.search(r"Advisor\s*\[\d+\].*2004 2008 ended", then) and "Meeting added today" not in then
    assert "left out" not in then  # reconstructed, not approximated
    assert re.search(r"Advisor\s*\[\d+\].*2004 2010 ended", now) and "Meeting added today" in now
