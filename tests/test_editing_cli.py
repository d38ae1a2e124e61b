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
