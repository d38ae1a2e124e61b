"""The layering (ARCHITECTURE.md) is enforced by import-linter contracts in pyproject.toml."""

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_import_linter_contracts_hold():
    exe = Path(sys.executable).with_name("lint-imports")
    r = subprocess.run([str(exe), "--no-cache"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Contracts: " in r.stdout and " broken" not in r.stdout.replace("0 broken", "")


def test_contracts_would_catch_a_violation(tmp_path):
    """A contract that cannot fail proves nothing: plant a UI module importing sqlite3 in a copy."""
    import shutil
    copy = tmp_path / "repo"
    shutil.copytree(REPO / "dossier", copy / "dossier")
    shutil.copy(REPO / "pyproject.toml", copy / "pyproject.toml")
    (copy / "dossier" / "ui" / "bad.py").write_text("import sqlite3\n")
    exe = Path(sys.executable).with_name("lint-imports")
    env = {"PYTHONPATH": str(copy), "PATH": "/usr/bin:/bin"}
    r = subprocess.run([str(exe), "--no-cache"], cwd=copy, capture_output=True, text=True, timeout=300, env=env)
    assert r.returncode != 0 and "BROKEN" in r.stdout.upper()
