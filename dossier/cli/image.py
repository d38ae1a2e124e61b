"""`dossier export image`: the timeline rendered offscreen to a PNG, by the code that draws the screen."""

from __future__ import annotations

import argparse
import os
import re

from dossier.cli.commands import EXPORTERS
from dossier.cli.main import EXIT_OK, EXIT_REJECTED, db_arg, err, resolve_path

HELP = "the timeline as a PNG image (same drawing as the window)"


def _configure(p: argparse.ArgumentParser) -> None:
    db_arg(p)
    p.add_argument("-o", "--output", metavar="FILE.png", required=True, help="the PNG file to write")
    p.add_argument("--from", dest="start", metavar="DATE", help="window start (YYYY, YYYY-MM or YYYY-MM-DD)")
    p.add_argument("--to", dest="end", metavar="DATE", help="window end (YYYY, YYYY-MM or YYYY-MM-DD)")
    p.add_argument("--lanes", nargs="+", metavar="ID", help="only these lanes (person/organisation ids, country codes)")
    p.add_argument("--size", metavar="WxH", default="2000x0", help="image size in pixels (H 0 = fit the lanes)")


def _run(args: argparse.Namespace) -> int:
    from dossier.domain import dates

    m = re.fullmatch(r"([0-9]{2,5})x([0-9]{1,5})", args.size or "")
    if not m or int(m[1]) < 200:
        err(f"--size {args.size!r}: expected WxH in pixels, e.g. 2000x1200 (W at least 200)")
        return EXIT_REJECTED
    try:
        start = dates.parse_date(args.start).earliest if args.start else None
        end = dates.parse_date(args.end).latest if args.end else None
    except dates.DateError as e:
        err(f"--from/--to: {e}")
        return EXIT_REJECTED
    if (start is None) != (end is None):
        err("give both --from and --to (or neither)")
        return EXIT_REJECTED
    if start is not None and end < start:
        err("--to is before --from")
        return EXIT_REJECTED
    from dossier.cli.commands import _open

    db = _open(args.db)
    if db is None:
        return EXIT_REJECTED
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from dossier.plotting.timeline_export import render_timeline_image
    from dossier.services.database import close_database
    from dossier.ui.fonts import register_fonts

    app = QApplication.instance() or QApplication(["dossier"])  # noqa: F841 - must exist while rendering
    register_fonts()
    try:
        img = render_timeline_image(db, lanes=args.lanes, start=start, end=end, width=int(m[1]),
                                    height=int(m[2]) or None)
    finally:
        close_database(db)
    out = resolve_path(args.output)
    tmp = out.with_name(out.name + ".partial.png")
    if not img.save(str(tmp), "PNG"):
        err(f"cannot write {args.output}")
        tmp.unlink(missing_ok=True)
        return EXIT_REJECTED
    os.replace(tmp, out)
    print(f"wrote {args.output} ({img.width()}x{img.height()})")
    return EXIT_OK


EXPORTERS["image"] = (_configure, _run, HELP)
