"""Reading a CSV closes the file in every path: after format detection (which reads the header only and
never starts the records), after a full read, and when a reader stops early."""

from __future__ import annotations

import gc
import warnings

from dossier.exchange.csvio import read_csv
from dossier.exchange.dossier_csv import Options
from dossier.exchange.formats import detect


def _unclosed(fn) -> list[str]:
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        fn()
        gc.collect()
    return [str(w.message) for w in seen if issubclass(w.category, ResourceWarning)]


def test_detect_closes_the_file_it_sniffed(tmp_path):
    p = tmp_path / "people.csv"
    p.write_text("id,name\np-1,Ri Kil Song\n", encoding="utf-8")
    assert detect(p, Options()) == "dossier"
    assert _unclosed(lambda: detect(p, Options())) == []


def test_records_closed_unread_read_or_stopped_early(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("a,b\n" + "".join(f"{i},{i}\n" for i in range(100)), encoding="utf-8")

    def unread():
        _info, rows = read_csv(p)
        rows.close()

    def read_all():
        _info, rows = read_csv(p)
        assert len(list(rows)) == 100

    def stopped():
        _info, rows = read_csv(p)
        next(rows)
        rows.close()

    for fn in (unread, read_all, stopped):
        assert _unclosed(fn) == [], fn.__name__
