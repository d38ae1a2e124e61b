"""A printed dossier does not change with the day it is printed: its timeline slice ends open spans and
stands its marker at the dossier's as-of date (printed on the page), not at the machine's date."""

from __future__ import annotations

import datetime
import re
import subprocess

import pypdf
import pytest

from dossier.cli.main import main as cli
from dossier.services import dossier_data as dd
from dossier.services.database import close_database, open_database


def _clock_at(monkeypatch, day: datetime.date) -> None:
    """The machine's date is `day` (datetime.date.today(), as every module that asks sees it)."""
    real = datetime.date

    class _Date(real):
        @classmethod
        def today(cls):
            return cls(day.year, day.month, day.day)

    monkeypatch.setattr(datetime, "date", _Date)
    assert datetime.date.today() == day


def _export(monkeypatch, db_path, out, day, *extra) -> bytes:
    with monkeypatch.context() as m:
        _clock_at(m, day)
        assert cli(["export", "pdf", "--db", str(db_path), "--person", "ri-kil-song", "-o", str(out), *extra]) == 0
    return out.read_bytes()


def _text(path) -> str:
    return re.sub(r"\s+", " ", " ".join(p.extract_text() or "" for p in pypdf.PdfReader(str(path)).pages))


def test_same_as_of_same_pdf_on_any_day(qapp, sample_db_path, tmp_path, monkeypatch):
    db = open_database(sample_db_path)
    try:
        as_of = dd.resolve_as_of(db, None).day  # the date of the latest import: the default as-of
    finally:
        close_database(db)
    a = _export(monkeypatch, sample_db_path, tmp_path / "a.pdf", as_of + datetime.timedelta(days=40))
    b = _export(monkeypatch, sample_db_path, tmp_path / "b.pdf", as_of + datetime.timedelta(days=300))
    assert a == b, "the dossier changed with the day it was printed"
    text = _text(tmp_path / "a.pdf")
    assert f"Information as of {as_of.isoformat()}" in text
    assert text == _text(tmp_path / "b.pdf")
    # an explicit --as-of from the command line is printed, and is the charts' "today" too
    c = _export(monkeypatch, sample_db_path, tmp_path / "c.pdf", as_of + datetime.timedelta(days=5),
                "--as-of", as_of.isoformat())
    d = _export(monkeypatch, sample_db_path, tmp_path / "d.pdf", as_of + datetime.timedelta(days=700),
                "--as-of", as_of.isoformat())
    assert c == d
    assert f"Information as of {as_of.isoformat()}" in _text(tmp_path / "c.pdf")


def test_timeline_image_marks_the_as_of_date(qapp, sample_db_path):
    """The slice's marker is drawn at as_of (a dashed line one can see, labelled with the date) and open
    spans end there, whatever the machine's date."""
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QColor

    from dossier.domain.timeaxis import ordinal_to_x
    from dossier.plotting.timeline_export import build_plot, render_plot, render_timeline_image
    from dossier.plotting.timeline_style import TODAY
    from dossier.services import timeline as tl

    db = open_database(sample_db_path)
    try:
        day = datetime.date(2010, 6, 30).toordinal()
        lo, hi = datetime.date(2000, 1, 1).toordinal(), datetime.date(2021, 1, 1).toordinal()
        assert not render_timeline_image(db, start=lo, end=hi, width=900, as_of=day).isNull()
        lay = tl.layout(tl.load(db, today=day))
        assert lay.data.today == day
        # an ongoing span (the diplomatic relations) ends at as_of, not at the machine's date
        ongoing = (lay.data.flags & tl.ONGOING) != 0
        assert ongoing.any() and (lay.data.e_hi[ongoing] <= max(day, *lay.data.s_hi[ongoing])).all()
        plot = build_plot(db, lay)
        img = render_plot(plot, 900, 420, lo, hi)
        assert plot.today_line.value() == pytest.approx(ordinal_to_x(day))
        # the line's pixels: a column of the marker colour where as_of maps to in the image
        x = plot.vb.mapViewToScene(QPointF(ordinal_to_x(day), 0)).x() - plot.plot_item.sceneBoundingRect().left()
        x *= img.width() / plot.plot_item.sceneBoundingRect().width()
        vb_rect = plot.vb.sceneBoundingRect()
        ys = range(int(vb_rect.top() + 20), int(vb_rect.bottom() - 5), 2)

        def marker_pixels(col: int) -> int:
            return sum(1 for y in ys if _near(QColor(img.pixel(col, y)), TODAY))

        best = max(range(int(x) - 3, int(x) + 4), key=marker_pixels)
        assert marker_pixels(best) >= len(ys) // 4, "no visible as-of line"
        assert max(marker_pixels(c) for c in range(0, img.width(), 7) if abs(c - x) > 20) < len(ys) // 4
    finally:
        close_database(db)


def _near(c, want, tol: int = 40) -> bool:
    return abs(c.red() - want.red()) < tol and abs(c.green() - want.green()) < tol and abs(c.blue() - want.blue()) < tol


def test_pdf_text_via_pdftotext_names_the_as_of(qapp, sample_db_path, tmp_path, monkeypatch):
    import shutil

    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext not installed")
    out = tmp_path / "e.pdf"
    _export(monkeypatch, sample_db_path, out, datetime.date(2031, 1, 1), "--as-of", "2030-12-31")
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert "Information as of 2030-12-31" in re.sub(r"\s+", " ", text)
