"""`dossier history` (what every batch did to one record) and `dossier export snapshot --as-of DATE`
(every kind as Dossier CSV, as the data stood at a past moment), both from the change journal."""

from __future__ import annotations

import argparse
import sys

from dossier.cli.commands import EXPORTERS
from dossier.cli.main import EXIT_OK, EXIT_REJECTED, command, db_arg, err, print_json, resolve_path

TABLES = ("person", "organization", "event", "posting", "relation", "statement", "figure", "source")


def _history_configure(p: argparse.ArgumentParser) -> None:
    db_arg(p)
    p.add_argument("table", choices=TABLES, metavar="TABLE", help=f"one of: {', '.join(TABLES)}")
    p.add_argument("id", help="the record's id, e.g. ri-kil-song")
    p.add_argument("--json", action="store_true", help="print the entries as JSON")


@command("history", "Show what every import, edit and merge did to one record (newest first).")
def cmd_history(args: argparse.Namespace) -> int:
    from dossier.cli.commands import _open
    from dossier.services import history
    from dossier.services.database import close_database

    db = _open(args.db)
    if db is None:
        return EXIT_REJECTED
    try:
        entries = history.record_history(db, args.table, args.id)
    except history.HistoryError as e:
        err(str(e))
        return EXIT_REJECTED
    finally:
        close_database(db)
    if args.json:
        print_json([{"batch": e.batch, "at": e.at, "kind": e.kind, "note": e.note, "op": e.op, "files": e.files,
                     "changes": [{"field": f, "old": o, "new": n} for f, o, n in e.changes]} for e in entries])
        return EXIT_OK
    if not entries:
        print(f"no recorded changes of {args.table} {args.id}")
    for e in entries:
        print(f"{e.at}  batch {e.batch} ({e.kind})  {e.op}  {e.note}")
        for line in e.lines():
            print(f"    {line}")
    return EXIT_OK


cmd_history.configure = _history_configure

SNAPSHOT_HELP = "every kind as Dossier CSV files in a folder, as the data stood at --as-of DATE"


def _snapshot_configure(p: argparse.ArgumentParser) -> None:
    db_arg(p)
    p.add_argument("--as-of", required=True, metavar="DATE",
                   help="YYYY-MM-DD (the end of that day, UTC) or YYYY-MM-DDTHH:MM[:SS] (UTC)")
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="the folder to write the CSV files into")


def _snapshot_run(args: argparse.Namespace) -> int:
    from dossier.cli.commands import _open
    from dossier.domain.kinds import ORDER
    from dossier.services import exporting, history
    from dossier.services.database import close_database

    db = _open(args.db)
    if db is None:
        return EXIT_REJECTED
    try:
        past = history.as_of(db, args.as_of)
    except history.HistoryError as e:
        err(str(e))
        close_database(db)
        return EXIT_REJECTED
    close_database(db)
    out = resolve_path(args.output)
    try:
        out.mkdir(parents=True, exist_ok=True)
        counts = [f"{k} {exporting.export_kind_to_file(past, k, out / f'{k}.csv')}" for k in ORDER]
    except OSError as e:
        err(f"cannot write into {args.output}: {e.strerror or e}")
        return EXIT_REJECTED
    finally:
        history.close(past)
    print(f"wrote the data as of {args.as_of} to {args.output}: " + ", ".join(counts), file=sys.stderr)
    return EXIT_OK


EXPORTERS["snapshot"] = (_snapshot_configure, _snapshot_run, SNAPSHOT_HELP)
