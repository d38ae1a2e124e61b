"""The foundation's sub-commands: init, check, export csv, import.  Other features register their
own sub-commands in modules of their own, imported at the end of this file."""

from __future__ import annotations

import argparse
import sys

from dossier.cli.main import EXIT_OK, EXIT_REJECTED, EXIT_USAGE, command, db_arg, err, kinds_help, print_json, \
    resolve_path
from dossier.domain.kinds import KINDS, ORDER


def _open(path: str, purpose: str | None = None):
    from dossier.cli.safety import open_for_write, report_open_failure
    from dossier.services.database import StorageError, open_database

    if purpose:  # a write: one Dossier per database, and a report of an interrupted import
        return open_for_write(path, purpose)
    try:
        return open_database(resolve_path(path))
    except StorageError as e:
        report_open_failure(resolve_path(path), e)
        return None


def _init_configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", metavar="PATH", help="the new database file (must not exist)")
    p.add_argument("--sample", action="store_true", help="fill it with the built-in sample data set")


@command("init", "Create a new Dossier database (optionally with the sample data set).")
def cmd_init(args: argparse.Namespace) -> int:
    from dossier.services.database import StorageError, close_database, create_database

    try:
        db = create_database(resolve_path(args.path), sample=args.sample)
    except StorageError as e:
        err(str(e))
        return EXIT_REJECTED
    close_database(db)
    print(f"created {args.path}" + (" with the sample data set" if args.sample else ""))
    return EXIT_OK


cmd_init.configure = _init_configure


def _check_configure(p: argparse.ArgumentParser) -> None:
    db_arg(p)


@command("check", "Check a database: integrity and foreign keys (exit 0 when sound, 1 when not).")
def cmd_check(args: argparse.Namespace) -> int:
    from dossier.services.database import StorageError, check, close_database, connect_for_check

    from dossier.cli.safety import report_interrupted, report_offer, report_open_failure

    try:
        db = connect_for_check(resolve_path(args.db))
    except StorageError as e:
        report_open_failure(resolve_path(args.db), e)
        return EXIT_REJECTED
    report_interrupted(db, resolve_path(args.db))
    result = check(db)
    close_database(db)
    for m in result.messages:
        print(m if result.ok else f"{args.db}: {m}", file=sys.stdout if result.ok else sys.stderr)
    if not result.ok:
        report_offer(resolve_path(args.db))
    return EXIT_OK if result.ok else EXIT_REJECTED


cmd_check.configure = _check_configure


def _export_configure(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="format", metavar="FORMAT", required=True)
    c = sub.add_parser("csv", help="one kind of record as Dossier CSV (UTF-8 with BOM)",
                       description="Write one kind of record as Dossier CSV (see docs/csv-format.md).")
    db_arg(c)
    c.add_argument("--kind", required=True, choices=[k for k in ORDER if k in KINDS], metavar="KIND",
                   help=f"one of: {kinds_help()}")
    c.add_argument("-o", "--output", metavar="FILE", help="write to FILE (default: standard output)")
    for name, (configure, _run, help_) in EXPORTERS.items():
        configure(sub.add_parser(name, help=help_, description=help_))


EXPORTERS: dict = {}  # other export formats (pdf, image) register here: name -> (configure, run, help)


@command("export", "Export data: csv (and further formats as they are added).")
def cmd_export(args: argparse.Namespace) -> int:
    if args.format != "csv":
        return EXPORTERS[args.format][1](args)
    from dossier.services import exporting
    from dossier.services.database import close_database

    db = _open(args.db)
    if db is None:
        return EXIT_REJECTED
    try:
        if args.output:
            n = exporting.export_kind_to_file(db, args.kind, resolve_path(args.output))
            print(f"wrote {n} {args.kind} to {args.output}", file=sys.stderr)
        else:
            sys.stdout.reconfigure(newline="")  # type: ignore[attr-defined]
            if sys.stdout.isatty():
                exporting.export_kind(db, args.kind, sys.stdout)
            else:
                sys.stdout.write("\ufeff")
                exporting.export_kind(db, args.kind, sys.stdout)
            sys.stdout.flush()
    except BrokenPipeError:
        raise
    except OSError as e:
        err(f"cannot write {args.output}: {e.strerror or e}")
        return EXIT_REJECTED
    finally:
        close_database(db)
    return EXIT_OK


cmd_export.configure = _export_configure


def _import_configure(p: argparse.ArgumentParser) -> None:
    db_arg(p)
    p.add_argument("files", nargs="*", metavar="FILE", help="CSV files (one change set): Dossier CSV, TimelineJS "
                   "sheets, EveryPolitician term CSVs, simple rosters (name,role,start,end)")
    p.add_argument("--dry-run", action="store_true", help="validate and show the change set; write nothing")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--encoding", metavar="ENC", help="the files' encoding when not UTF-8/UTF-16 with BOM")
    order = p.add_mutually_exclusive_group()
    order.add_argument("--dayfirst", action="store_true", help="read NN/NN/YYYY dates as DD/MM/YYYY")
    order.add_argument("--monthfirst", action="store_true", help="read NN/NN/YYYY dates as MM/DD/YYYY")
    p.add_argument("--decimal-comma", action="store_true", help="numbers use ',' as the decimal separator")
    p.add_argument("--overwrite-conflicts", action="store_true",
                   help="apply rows that conflict with local edits made since the record's last import")
    p.add_argument("--merge-matches", action="store_true",
                   help="confirm the suggested matches (rows without ids matched by name and dates)")
    p.add_argument("--term", action="append", default=[], metavar="ID=START/END",
                   help="EveryPolitician term dates, e.g. 5=2013-09-23/2018-08-31 (members inherit them)")
    p.add_argument("--undo", type=int, metavar="BATCH", help="undo import batch BATCH (the latest) instead")


def _terminal_progress():
    if not sys.stderr.isatty():
        return None
    state = {"last": -1}

    def progress(done: int, total: int, what: str) -> None:
        pct = int(100 * done / max(total, 1))
        if pct != state["last"]:
            state["last"] = pct
            sys.stderr.write(f"\r{pct:3d}%  {what[:60]:<60}")
            sys.stderr.flush()
            if done >= total:
                sys.stderr.write("\n")

    return progress


def _undo(args: argparse.Namespace) -> int:
    from dossier.services.database import close_database
    from dossier.services.database import StorageError
    from dossier.services.importing import JournalError, undo_batch

    db = _open(args.db, "dossier import --undo")  # a write: one Dossier per database
    if db is None:
        return EXIT_REJECTED
    try:
        touched = undo_batch(db, args.undo)
    except (JournalError, StorageError) as e:
        err(str(e))
        return EXIT_REJECTED
    finally:
        close_database(db)
    if args.json:
        print_json({"undone": args.undo, "rows": touched})
    else:
        print(f"undid batch {args.undo}: " + (", ".join(f"{t} {n}" for t, n in touched.items()) or "no rows"))
    return EXIT_OK


@command("import", "Import CSV files as one validated change set (nothing is written if any row is rejected).")
def cmd_import(args: argparse.Namespace) -> int:
    import codecs

    from dossier.exchange.dossier_csv import Options
    from dossier.services.database import close_database
    from dossier.services.importing import import_files

    if args.undo is not None:
        return _undo(args)
    if not args.files:
        err("import: name at least one FILE (or --undo BATCH)")
        return EXIT_USAGE
    if args.encoding:
        try:
            codecs.lookup(args.encoding)
        except LookupError:
            err(f"unknown encoding {args.encoding!r}")
            return EXIT_USAGE
    for f in args.files:
        if "://" in f:
            err(f"{f}: only local files can be imported")
            return EXIT_REJECTED
    terms = []
    for t in args.term:
        tid, _, span = t.partition("=")
        start, _, end = span.partition("/")
        if not tid or not span:
            err(f"--term {t!r}: write ID=START/END, e.g. 5=2013-09-23/2018-08-31")
            return EXIT_USAGE
        terms.append((tid.strip(), start.strip(), end.strip()))
    from dossier.services.database import StorageError

    db = _open(args.db, "dossier import")
    if db is None:
        return EXIT_REJECTED
    opts = Options(encoding=args.encoding, dayfirst=args.dayfirst, monthfirst=args.monthfirst,
                   decimal_comma=args.decimal_comma, overwrite_conflicts=args.overwrite_conflicts,
                   merge_matches=args.merge_matches, terms=tuple(terms))
    try:
        report = import_files(db, args.files, opts, dry_run=args.dry_run, progress=_terminal_progress())
    except StorageError as e:  # disk full, read-only ...: rolled back
        err(str(e))
        return EXIT_REJECTED
    finally:
        close_database(db)
    if args.json:
        print_json(report.summary() if args.dry_run or not report.ok else {"batch": report.batch})
    else:
        for e in report.errors:
            print(str(e), file=sys.stderr)
        for w in report.warnings[:50]:
            print(str(w), file=sys.stderr)
        s = report.summary()
        verb = "would apply" if args.dry_run else "applied"
        if report.ok:
            if report.already_imported:
                print(f"note: already imported before: {', '.join(report.already_imported)}", file=sys.stderr)
            for c in report.conflicts:
                print(f"{c.file}:{c.line}: conflict: {c.kind} {'/'.join(map(str, c.key))} {c.reason}; kept as it is "
                      "(--overwrite-conflicts to take the file's values)", file=sys.stderr)
            for m in report.matches:
                print(f"{m['file']}:{m['line']}: {m['status']}: {m['name']!r} -> {m['record']} ({m['how']})",
                      file=sys.stderr)
            nothing = not (s["added"] or s["changed"] or s["deleted"])
            print(f"{verb}: {s['added']} added, {s['changed']} changed, {s['deleted']} deleted, "
                  f"{s['unchanged']} unchanged, {len(s['conflicts'])} conflicts ({report.rows} records)"
                  + (" (nothing to change)" if nothing else "")
                  + (f"; batch {report.batch}" if report.batch else ""))
        else:
            print(f"rejected: {len(report.errors)} problem(s); nothing was written", file=sys.stderr)
    return EXIT_OK if report.ok else EXIT_REJECTED


cmd_import.configure = _import_configure
from dossier.cli import image as _image  # noqa: E402,F401  (dossier export image)
from dossier.cli import trade as _trade  # noqa: E402,F401  (dossier export trade)
from dossier.cli import pdf as _pdf  # noqa: E402,F401  (registers 'export pdf')
from dossier.cli import safety  # noqa: E402,F401  (backup, restore)
from dossier.cli import about  # noqa: E402,F401  (registers `dossier about`)
from dossier.cli import history as _history  # noqa: E402,F401  (dossier history, dossier export snapshot)
