"""`dossier export pdf`: a sourced person, country (or pair) or event dossier as PDF.

    dossier export pdf --db PATH (--person ID|NAME | --country ISO[,ISO] | --event ID) -o FILE
                       [--as-of DATE] [--caveat TEXT] [--paper a4|letter] [--author TEXT] [--no-charts]

Rendering needs a QGuiApplication: one is created offscreen when none exists (QT_QPA_PLATFORM=offscreen
is set only when there is no display)."""

from __future__ import annotations

import argparse
import os
import sys

from dossier.cli.commands import EXPORTERS, _open
from dossier.cli.main import EXIT_OK, EXIT_REJECTED, db_arg, err, resolve_path

DEFAULT_CAVEAT = "UNCLASSIFIED // FOR OFFICIAL USE ONLY"


def _configure(p: argparse.ArgumentParser) -> None:
    db_arg(p)
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--person", metavar="ID|NAME", help="a person's id or any of their names (any script)")
    who.add_argument("--country", metavar="ISO[,ISO]", help="one country or a pair, e.g. KHM or KHM,KOR")
    who.add_argument("--event", metavar="ID", help="an event's id")
    p.add_argument("-o", "--output", metavar="FILE", required=True, help="the PDF file to write")
    p.add_argument("--as-of", metavar="DATE", help="information as of this date (YYYY-MM-DD; default: the "
                                                   "date of the latest import)")
    p.add_argument("--caveat", metavar="TEXT", default=DEFAULT_CAVEAT,
                   help=f"handling caveat on every page (default {DEFAULT_CAVEAT!r}; '' for none)")
    p.add_argument("--paper", choices=("a4", "letter"), default="a4", help="paper size (default a4)")
    p.add_argument("--author", metavar="TEXT", default="", help="'prepared by' on the cover")
    p.add_argument("--no-charts", action="store_true", help="leave out the timeline and trade charts")


def ensure_gui_app():
    """A QApplication for fonts, painting and charts; offscreen when there is no display."""
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")) and sys.platform.startswith("linux"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QLoggingCategory
    from PySide6.QtWidgets import QApplication

    # Qt notes, once per font, that a Latin font has no Khmer shaping tables before falling back to the
    # bundled Khmer font: noise on a command line.
    QLoggingCategory.setFilterRules("qt.text.font.db=false")
    # a QApplication (not only QGuiApplication): the charts are drawn with pyqtgraph widgets
    return QApplication.instance() or QApplication(sys.argv[:1])


def run(args: argparse.Namespace) -> int:
    from dossier.services import dossier_data
    from dossier.services.database import close_database

    kind, subject = (("person", args.person) if args.person is not None else
                     ("country", args.country) if args.country is not None else ("event", args.event))
    db = _open(args.db)
    if db is None:
        return EXIT_REJECTED
    try:
        try:
            d = dossier_data.build(db, kind, subject, as_of=args.as_of)
        except dossier_data.DossierError as e:
            err(f"{args.db}: {e}")
            return EXIT_REJECTED
    finally:
        close_database(db)
    _app = ensure_gui_app()
    from dossier.reports.charts import render_charts
    from dossier.reports.pdf import PdfOptions, write_pdf
    from dossier.reports.safe_output import ReportWriteError

    charts = render_charts(d, resolve_path(args.db), enabled=not args.no_charts)
    try:
        r = write_pdf(d, resolve_path(args.output), PdfOptions(paper=args.paper, caveat=args.caveat,
                                                               author=args.author), charts)
    except ReportWriteError as e:
        err(str(e))
        return EXIT_REJECTED
    missing = f"; charts unavailable: {len(charts.unavailable)}" if charts.unavailable else ""
    print(f"wrote {args.output}: {r.pages} pages, {len(d.notes)} notes, {len(d.sources)} sources{missing}",
          file=sys.stderr)
    return EXIT_OK


EXPORTERS["pdf"] = (_configure, run, "a sourced person, country (or pair) or event dossier as PDF")
