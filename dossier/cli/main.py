"""The `dossier` command line.  Opens the GUI by default; sub-commands do headless work through the
same services the GUI uses.  Qt is imported only when the GUI (or a renderer) is needed.

Exit codes: 0 success; 1 rejected input or failed check (with a message naming what and where);
2 usage error (argparse's own).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

from dossier import __version__
from dossier.domain.kinds import KINDS, ORDER

EXIT_OK, EXIT_REJECTED, EXIT_USAGE = 0, 1, 2

# Sub-commands register here: name -> (configure parser, run).  Features add themselves in
# dossier/cli/__init__.py so this file does not grow with every feature.
Command = tuple[Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int], str]
COMMANDS: dict[str, Command] = {}


def command(name: str, help_: str) -> Callable:
    def deco(fn: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
        COMMANDS[name] = (lambda p: getattr(fn, "configure", lambda _p: None)(p), fn, help_)
        return fn

    return deco


def err(msg: str) -> None:
    print(f"dossier: {msg}", file=sys.stderr)


def db_arg(p: argparse.ArgumentParser, required: bool = True) -> None:
    p.add_argument("--db", metavar="PATH", required=required, help="the Dossier database file")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="dossier",
        description="Dossier: sourced dossiers of officials, organisations, events and trade. "
                    "Without a command, opens the window on the default database "
                    "(created with the sample data on first start; $DOSSIER_DB overrides it).",
    )
    p.add_argument("--version", action="version", version=f"dossier {__version__}")
    p.add_argument("--db", metavar="PATH", help="open this database in the window")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    for name, (configure, _run, help_) in COMMANDS.items():
        sp = sub.add_parser(name, help=help_, description=help_)
        configure(sp)
    return p


def main(argv: list[str] | None = None) -> int:
    from dossier.cli import commands  # noqa: F401  (registers the sub-commands)

    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        from dossier.app import run_gui

        return run_gui(args.db)
    _configure, run, _help = COMMANDS[args.command]
    from dossier.cli.crypto import exit_code, install_key_provider

    install_key_provider()  # encrypted databases: $DOSSIER_PASSPHRASE or a terminal prompt
    try:
        return exit_code(run(args))
    except KeyboardInterrupt:
        err("interrupted; nothing was changed")
        return EXIT_REJECTED
    except BrokenPipeError:
        # stdout closed early (e.g. `| head`): not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


def print_json(obj: object) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=2))


def kinds_help() -> str:
    return ", ".join(k for k in ORDER if k in KINDS)


def resolve_path(p: str) -> Path:
    return Path(p).expanduser()
