"""Make the damaged-database corpus (RELIABILITY.md, catalogue group DB) from a sound sample database.

    python scripts/make_damaged_corpus.py OUT_DIR

writes one file per hazard into OUT_DIR (each beside a `<name>.backups/` folder holding a verified
backup, so the app has something to offer) and prints what each one is.  tests/test_damaged_files.py
uses `make_corpus()`.
"""

from __future__ import annotations

import shutil
import sqlite3
import sys
from pathlib import Path

CASES = {
    "zeroed-header": "the first 100 bytes (the SQLite header) overwritten with zeros",
    "garbage-mid-page": "garbage over the last two thirds of a table page (its cells)",
    "damaged-index": "garbage over an index's root page",
    "truncated": "the file cut to 60% of its length",
    "empty": "a 0-byte file",
    "not-a-database": "a text file with a .db name",
    "newer-schema": "a Dossier database written by a newer version (user_version + 1)",
    "foreign-sqlite": "an SQLite database of another program",
    "copy-without-wal": "a copy of the .db taken while recent commits were still only in its -wal",
}


def _sample(path: Path) -> None:
    from dossier.services.database import close_database, create_database

    close_database(create_database(path, sample=True))


def _page_size(p: Path) -> int:
    c = sqlite3.connect(p)
    try:
        return int(c.execute("PRAGMA page_size").fetchone()[0])
    finally:
        c.close()


def _rootpage(p: Path, name: str) -> int:
    c = sqlite3.connect(p)
    try:
        return int(c.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (name,)).fetchone()[0])
    finally:
        c.close()


def _an_index(p: Path) -> str:
    c = sqlite3.connect(p)
    try:
        return c.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'country' "
                         "ORDER BY name").fetchone()[0]
    finally:
        c.close()


def _with_backup(src_good: Path, target: Path) -> None:
    """Give `target` a verified backup (as the app would have made before an import)."""
    from dossier.services import backups
    from dossier.services.database import close_database, open_database

    db = open_database(src_good)
    try:
        bdir = backups.backup_dir(target)
        bdir.mkdir(parents=True, exist_ok=True)
        from dossier.storage.backup import backup_to

        backup_to(db, bdir / f"{target.stem}-before-import-20260101T090000000000Z.db")
    finally:
        close_database(db)


def make_corpus(out: Path) -> dict[str, Path]:
    from dossier.storage import migrations

    out.mkdir(parents=True, exist_ok=True)
    good = out / "good.db"
    if not good.exists():
        _sample(good)
    size = good.stat().st_size
    ps = _page_size(good)
    made: dict[str, Path] = {}
    for name in CASES:
        p = out / f"{name}.db"
        for extra in ("", "-wal", "-shm", ".lock"):
            Path(str(p) + extra).unlink(missing_ok=True)
        shutil.rmtree(out / f"{name}.backups", ignore_errors=True)
        if name == "empty":
            p.write_bytes(b"")
        elif name == "not-a-database":
            p.write_text("name,role\nRi Kil Song,advisor\n" * 50, "utf-8")
        elif name == "foreign-sqlite":
            c = sqlite3.connect(p)
            c.execute("CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT)")
            c.commit()
            c.close()
        else:
            shutil.copyfile(good, p)
            data = bytearray(p.read_bytes())
            if name == "zeroed-header":
                data[:100] = bytes(100)
            elif name == "garbage-mid-page":
                page = _rootpage(good, "country")  # a table with rows, so the page is not empty
                start = (page - 1) * ps + ps // 3  # cells sit at the end of a page: cover through the end
                data[start: page * ps] = bytes((i * 151 + 7) % 256 for i in range(page * ps - start))
            elif name == "damaged-index":
                page = _rootpage(good, _an_index(good))
                start = (page - 1) * ps
                data[start: start + ps] = bytes((i * 97 + 13) % 256 for i in range(ps))
            elif name == "truncated":
                data = data[: (size * 6 // 10)]
            p.write_bytes(bytes(data))
            if name == "newer-schema":
                c = sqlite3.connect(p)
                c.execute(f"PRAGMA user_version = {migrations.LATEST + 1}")
                c.close()
            elif name == "copy-without-wal":
                _copy_without_wal(good, p)
        _with_backup(good, p)
        made[name] = p
    return made


def _copy_without_wal(good: Path, p: Path) -> None:
    """Open a copy, commit more rows that stay in the WAL (no checkpoint), and copy only the .db."""
    work = p.with_name("copy-source.db")
    for extra in ("", "-wal", "-shm"):
        Path(str(work) + extra).unlink(missing_ok=True)
    shutil.copyfile(good, work)
    c = sqlite3.connect(work, isolation_level=None)
    c.execute("PRAGMA journal_mode = WAL")
    c.execute("PRAGMA wal_autocheckpoint = 0")
    c.execute("BEGIN")
    c.execute("INSERT INTO import_batch(kind, started_at, files) VALUES ('edit', '2026-01-01T00:00:00+00:00', '[]')")
    c.execute("COMMIT")
    shutil.copyfile(work, p)  # the .db alone: the committed batch is only in copy-source.db-wal
    c.close()
    for extra in ("", "-wal", "-shm"):
        Path(str(work) + extra).unlink(missing_ok=True)


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "damaged-corpus")
    for k, v in make_corpus(target).items():
        print(f"{v}\t{CASES[k]}")
