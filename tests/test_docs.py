"""Docs stay honest: every command and export format the CLI registers is in the README."""

from pathlib import Path

from dossier.cli import commands  # noqa: F401  (registers everything)
from dossier.cli.commands import EXPORTERS
from dossier.cli.main import COMMANDS

README = (Path(__file__).resolve().parents[1] / "README.md").read_text("utf-8")


def test_every_command_is_in_the_readme():
    missing = [c for c in COMMANDS if f"dossier {c}" not in README]
    missing += [f"export {e}" for e in ["csv", *EXPORTERS] if f"dossier export {e}" not in README]
    assert not missing, f"document these in README.md (Command line): {missing}"


def test_readme_starts_with_the_two_commands():
    lines = [ln for ln in README.splitlines() if ln.strip()]
    assert lines[1] == "```sh"
    assert lines[2].startswith("scripts/bootstrap.sh app") and lines[3].startswith("scripts/bootstrap.sh test")
    assert lines[4] == "```"
    ci = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text("utf-8")
    assert [ln for ln in ci.splitlines() if ln.strip() and not ln.startswith(("#", "set ", "cd "))] == \
        ["scripts/bootstrap.sh test"]
