"""Coverage-guided fuzzing (atheris) of the CSV reader and the Dossier CSV parser.

The only allowed outcomes for any bytes are: rows, or problems (file:line:column: message) - the
reader's own CsvRejected is turned into problems by the parser.  Any other exception, a problem
without a file or with a negative line, or a row whose line is not a physical line of the file is a
finding (atheris stops and writes the input as crash-*).

    .venv/bin/python bench/fuzz_csv.py -max_total_time=600 [CORPUS_DIR]   # the long run
    .venv/bin/python bench/fuzz_csv.py -runs=20000                          # a short one

The seed corpus is the bad-input fixtures and the sample data set (copied to CORPUS_DIR when given and
empty).  tests/test_fuzz_csv.py runs a short atheris run in CI (skipped when atheris is missing) and a
hypothesis byte fuzzer over the same check that always runs.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SEEDS = [REPO.parent / "shared" / "fixtures" / "bad-input", REPO / "db" / "sample"]
_NAMES = ["people.csv", "events.csv", "postings.csv", "trade.csv", "sources.csv", "unknown.csv"]


def check_one(data: bytes, workdir: Path) -> tuple[int, int]:
    """Parse `data` as a CSV file; return (rows, problems).  Raises AssertionError on a finding."""
    from dossier.exchange.dossier_csv import Options, parse_file

    name = _NAMES[data[0] % len(_NAMES)] if data else "people.csv"
    p = workdir / name
    p.write_bytes(data)
    pf = parse_file(p, Options(max_problems=50))
    lines = data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n") + 1
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        lines = len(data)  # UTF-16: count lines in code units loosely
    for pr in pf.problems:
        assert pr.file == str(p), pr
        assert pr.line >= 0 and pr.message, pr
    for r in pf.rows:
        assert 1 <= r.line <= lines, (r.line, lines)
        assert r.kind is pf.kind
    if pf.kind is None:
        assert not pf.rows
    return len(pf.rows), len(pf.problems)


def seed_corpus(target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    if any(target.iterdir()):
        return
    for d in SEEDS:
        if d.is_dir():
            for f in d.iterdir():
                if f.is_file() and f.suffix in (".csv", ".txt") and f.stat().st_size < 200_000:
                    shutil.copyfile(f, target / f"{d.name}-{f.name}")


def main() -> None:
    import atheris

    with atheris.instrument_imports():
        import dossier.exchange.csvio  # noqa: F401
        import dossier.exchange.dossier_csv  # noqa: F401

    work = Path(tempfile.mkdtemp(prefix="fuzz-csv-"))
    args = list(sys.argv)
    dirs = [a for a in args[1:] if not a.startswith("-")]
    if dirs:
        seed_corpus(Path(dirs[0]))
    count = {"n": 0}

    def one(data: bytes) -> None:
        count["n"] += 1
        check_one(data, work)

    atheris.Setup(args, one)
    try:
        atheris.Fuzz()
    finally:  # pragma: no cover - atheris exits the process itself
        print(f"executions: {count['n']}", file=sys.stderr)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    main()
