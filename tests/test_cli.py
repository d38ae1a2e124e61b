import csv
import io
import subprocess
import sys

import pytest

from dossier.cli.main import main


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "dossier", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=120)


def test_done_means_command(tmp_path):
    """The issue's acceptance command, end to end through the installed entry point."""
    db = tmp_path / "s.db"
    r = run("init", str(db), "--sample")
    assert r.returncode == 0, r.stderr
    r = run("export", "csv", "--db", str(db), "--kind", "postings")
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader(io.StringIO(r.stdout.lstrip("\ufeff"))))
    ri = [x for x in rows if x["person"] == "ri-kil-song" and x["place"] == "Phnom Penh"]
    assert ri and ri[0]["start"] == "2004" and ri[0]["end"] == "2008" and ri[0]["source"] == "seed-article"


def test_exit_codes(tmp_path, capsys):
    db = tmp_path / "a.db"
    assert main(["init", str(db), "--sample"]) == 0
    assert main(["init", str(db)]) == 1  # exists: refused
    assert main(["check", "--db", str(db)]) == 0
    assert main(["check", "--db", str(tmp_path / "missing.db")]) == 1
    with pytest.raises(SystemExit) as e:
        main(["export", "csv", "--db", str(db), "--kind", "nonsense"])
    assert e.value.code == 2
    with pytest.raises(SystemExit) as e:
        main(["frobnicate"])
    assert e.value.code == 2
    bad = tmp_path / "people.csv"
    bad.write_text("id,name,birth_date\nx,y,2019-02-30\n", "utf-8")
    before = db.read_bytes()
    assert main(["import", "--db", str(db), str(bad)]) == 1
    err = capsys.readouterr().err
    assert f"{bad}:2:birth_date: " in err
    assert main(["export", "csv", "--db", str(db), "--kind", "people", "-o", str(tmp_path / "p.csv")]) == 0


def test_check_fails_on_broken_foreign_key(tmp_path):
    import sqlite3
    db = tmp_path / "a.db"
    assert main(["init", str(db), "--sample"]) == 0
    c = sqlite3.connect(db)
    c.execute("PRAGMA foreign_keys = OFF")
    c.execute("UPDATE posting SET person = 'ghost' WHERE id = 'ri-kil-song-embassy-advisor'")
    c.commit()
    c.close()
    assert main(["check", "--db", str(db)]) == 1


@pytest.mark.parametrize("cmd", [[], ["init"], ["check"], ["export"], ["export", "csv"], ["import"]])
def test_help_everywhere(cmd):
    with pytest.raises(SystemExit) as e:
        main([*cmd, "--help"])
    assert e.value.code == 0


def test_version():
    r = run("--version")
    assert r.returncode == 0 and r.stdout.startswith("dossier ")
