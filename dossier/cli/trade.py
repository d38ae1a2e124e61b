"""`dossier export trade --db PATH --pair KHM,KOR [--currency MYR] [--mode total|flows|balance] -o FILE`:
the trade chart as PNG or the table behind it as CSV (chosen by the file's extension)."""

from __future__ import annotations

import argparse
import os
import sys

from dossier.cli.commands import EXPORTERS
from dossier.cli.main import EXIT_OK, EXIT_REJECTED, EXIT_USAGE, db_arg, err, resolve_path

HELP = "the trade chart of a pair of countries as PNG, or the table behind it as CSV"


def _configure(p: argparse.ArgumentParser) -> None:
    db_arg(p)
    p.add_argument("--pair", required=True, metavar="A,B", help="two ISO country codes, e.g. KHM,KOR")
    p.add_argument("--currency", default="USD", metavar="CUR", help="display currency (needs a stored rate)")
    p.add_argument("--mode", default="total", choices=["total", "flows", "balance"], help="what the chart shows")
    p.add_argument("--width", type=int, default=2000, help="image width in pixels (PNG)")
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="FILE.png or FILE.csv")


def _run(args: argparse.Namespace) -> int:
    from dossier.domain import countries
    from dossier.services.database import StorageError, close_database, open_database
    from dossier.services.trade import TradeService

    parts = [s.strip() for s in args.pair.split(",")]
    try:
        if len(parts) != 2:
            raise countries.CountryError(f"--pair {args.pair!r}: give two country codes separated by a comma")
        a, b = (countries.normalise(x) for x in parts)
    except countries.CountryError as e:
        err(str(e))
        return EXIT_USAGE
    out = resolve_path(args.output)
    ext = out.suffix.lower()
    if ext not in (".png", ".csv"):
        err(f"{args.output}: the output must end in .png or .csv")
        return EXIT_USAGE
    try:
        db = open_database(resolve_path(args.db))
    except StorageError as e:
        err(str(e))
        return EXIT_REJECTED
    try:
        view = TradeService(db).view(a, b, args.currency.upper())
    finally:
        close_database(db)
    for m in view.missing_rates:
        print(f"dossier: warning: {m}", file=sys.stderr)
    try:
        if ext == ".csv":
            n = view.write_csv(out)
            print(f"wrote {n} rows to {args.output}", file=sys.stderr)
            return EXIT_OK
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from PySide6.QtWidgets import QApplication

        from dossier.plotting.trade_export import render_trade_image

        app = QApplication.instance() or QApplication(sys.argv[:1])  # noqa: F841
        img = render_trade_image(view, width=args.width, mode=args.mode)
        if not img.save(str(out), "PNG"):
            raise OSError("the image could not be written")
    except OSError as e:
        err(f"cannot write {args.output}: {e.strerror or e}")
        return EXIT_REJECTED
    print(f"wrote {img.width()}x{img.height()} image to {args.output}", file=sys.stderr)
    return EXIT_OK


EXPORTERS["trade"] = (_configure, _run, HELP)
