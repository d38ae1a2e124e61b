"""Editing costs on a database with N extra events (imported as one batch after the sample):
one form save (an edit batch through the import's change pass, journalled), its exact undo, a record's
history, the data as of a moment before the import (in-memory copy + undo), and a merge.

    .venv/bin/python bench/editing.py [N ...]      (default: 1000 20000)
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from dossier.exchange.dossier_csv import validate_cell
from dossier.services import editing, history
from dossier.services.database import close_database, create_database
from dossier.services.importing import import_files


def _events_csv(path: Path, n: int) -> None:
    with path.open("w", encoding="utf-8") as f:
        f.write("id,kind,title,start,place,country,source\n")
        for i in range(n):
            f.write(f"ev-{i},meeting,Meeting {i},{2000 + i % 20}-{1 + i % 12:02d},Phnom Penh,KHM,seed-article\n")


def _timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, (time.perf_counter() - t) * 1000


def run(n: int) -> dict[str, float]:
    tmp = Path(tempfile.mkdtemp())
    db = create_database(tmp / "b.db", sample=True)
    try:
        time.sleep(1.05)
        before_import = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(time.time() - 0.5))
        _events_csv(tmp / "events.csv", n)
        rep, t_import = _timed(lambda: import_files(db, [tmp / "events.csv"], backup=False))
        assert rep.applied
        ev = {c: validate_cell("events", c, t)[0] for c, t in
              {"id": "ev-7", "kind": "meeting", "title": "Meeting 7 (corrected)", "start": "2007-08-15"}.items()}
        ev.update(source=["seed-article"], quote="")
        b, t_edit = _timed(lambda: editing.apply(db, [editing.EditRow("events", ev)], "bench edit"))
        _, t_undo = _timed(lambda: editing.undo(db, b))
        editing.apply(db, [editing.EditRow("events", ev)], "bench edit again")
        _, t_hist = _timed(lambda: history.record_history(db, "event", "ev-7"))
        past, t_asof = _timed(lambda: history.as_of(db, before_import))
        assert past.conn.execute("SELECT count(*) FROM event WHERE id LIKE 'ev-%'").fetchone()[0] == 0
        history.close(past)
        return {"import": t_import, "edit": t_edit, "undo": t_undo, "history": t_hist, "as_of": t_asof}
    finally:
        close_database(db)


def main() -> int:
    sizes = [int(a) for a in sys.argv[1:]] or [1000, 20000]
    print(f"{'events':>8} {'import ms':>10} {'edit ms':>8} {'undo ms':>8} {'history ms':>11} {'as-of ms':>9}"
          f" {'edit/import':>12}")
    for n in sizes:
        r = run(n)
        print(f"{n:>8} {r['import']:>10.0f} {r['edit']:>8.1f} {r['undo']:>8.1f} {r['history']:>11.1f} "
              f"{r['as_of']:>9.1f} {r['edit'] / r['import']:>12.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
