"""Catalogue group C under fuzzing: for any bytes the CSV reader yields rows or problems, nothing else.

A hypothesis byte fuzzer always runs; a short atheris (coverage-guided) run of bench/fuzz_csv.py runs
when atheris is installed.  The first atheris run here found a real bug: a decoding error after the
header escaped the parser as an exception instead of becoming a problem (regression test below)."""

from __future__ import annotations

import codecs
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

REPO = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("fuzz_csv", REPO / "bench" / "fuzz_csv.py")
fuzz = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fuzz)


def test_decoding_error_after_the_header_is_a_problem_not_a_crash(tmp_path, sample_db):
    """Found by atheris: a truncated UTF-8 character at the end of a long file."""
    from dossier.services.importing import import_files

    data = b"id,name\n" + b"".join(b"p%d,Person %d\n" % (i, i) for i in range(3000)) + b"p-last,Kil S\xec"
    f = tmp_path / "people.csv"
    f.write_bytes(data)
    rows, problems = fuzz.check_one(data, tmp_path)
    assert problems >= 1
    r = import_files(sample_db, [f])
    assert not r.ok and r.errors[0].line == 3002 and "not UTF-8" in r.errors[0].message
    assert sample_db.execute("SELECT count(*) FROM person WHERE id = 'p1'").fetchone()[0] == 0


TOKENS = [b",", b";", b"\t", b'"', b'""', b"\r\n", b"\n", b"\r", b"\x00", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff",
          b"id", b"name", b"start", b"end", b"value", b"source", b"deleted", b"yes", b"2019", b"2019-11-25",
          b"05/06/2019", b"43794", b"..", b"-", b"1e9", b"nan", b"\xd9\xa2", b"\xe2\x80\xae", b"\xec", b"\x96",
          b"=SUM(A1)", b"'=x", b"<b>", b"KH", b"KHM", b"|", b"@ko", b"x" * 70000, b" ", b"people", b"id,name\n"]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.one_of(st.binary(max_size=600),
                 st.lists(st.sampled_from(TOKENS), max_size=60).map(b"".join),
                 st.tuples(st.sampled_from([b"id,name,start,end\n", b"\xef\xbb\xbfid,name\n",
                                            codecs.BOM_UTF16_LE + "id\tname\n".encode("utf-16-le")]),
                           st.lists(st.sampled_from(TOKENS), max_size=40).map(b"".join)).map(b"".join)))
def test_any_bytes_give_rows_or_problems(tmp_path_factory, data):
    fuzz.check_one(data, tmp_path_factory.mktemp("fz"))


def _atheris() -> bool:
    return importlib.util.find_spec("atheris") is not None


@pytest.mark.slow
@pytest.mark.skipif(not _atheris(), reason="atheris is not installed (pip install atheris; Linux wheels only)")
def test_atheris_short_run_finds_nothing(tmp_path, capsys):
    corpus = tmp_path / "corpus"
    r = subprocess.run([sys.executable, str(REPO / "bench" / "fuzz_csv.py"), "-max_total_time=20",
                        "-rss_limit_mb=2048", "-timeout=10", str(corpus)], cwd=tmp_path,
                       capture_output=True, text=True, timeout=180)
    crashes = list(tmp_path.glob("crash-*")) + list(tmp_path.glob("timeout-*")) + list(tmp_path.glob("oom-*"))
    tail = "\n".join(r.stderr.splitlines()[-25:])
    assert r.returncode == 0 and not crashes, f"atheris found an input that breaks the reader:\n{tail}"
    m = re.search(r"Done (\d+) runs in (\d+) second", r.stderr)
    assert m and int(m.group(1)) > 500, tail
    with capsys.disabled():
        print(f"\natheris: {m.group(1)} executions in {m.group(2)} s, corpus after the run "
              f"{len(list(corpus.iterdir()))} files, findings: 0")
