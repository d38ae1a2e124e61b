"""Ordered, named, transactional migrations (ARCHITECTURE.md practice 6, RELIABILITY.md rule 7).

The schema version lives in `PRAGMA user_version`.  All pending migrations run inside one transaction
together with the version bump, statement by statement (never `executescript`, which commits on its
own).  A file written by a newer Dossier is refused; an older one is backed up (verified backup API
copy) before it is migrated.  `db/schema.sql` is the schema the migrations produce; a test keeps it
in step.
"""

from __future__ import annotations

import datetime as _dt
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from dossier.domain.countries import all_countries
from dossier.paths import db_dir
from dossier.storage.backup import backup_to
from dossier.storage.connection import DB_ERRORS, StorageError, before_commit

APPLICATION_ID = 0x444F5353  # 'DOSS' in the header, so other SQLite files are told apart


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    apply: Callable[[sqlite3.Connection], None]


def _sql_file(name: str) -> Callable[[sqlite3.Connection], None]:
    def run(conn: sqlite3.Connection) -> None:
        for stmt in split_sql((db_dir() / "migrations" / f"{name}.sql").read_text("utf-8")):
            conn.execute(stmt)

    return run


def _seed_countries(conn: sqlite3.Connection) -> None:
    rows = [(c.alpha3, c.alpha2, c.m49, c.name, c.official_name) for c in all_countries()]
    rows.append(("WLD", None, 0, "World", "World (all partners)"))
    conn.executemany(
        "INSERT INTO country(code, alpha2, m49, name, official_name) VALUES (?, ?, ?, ?, ?)", rows
    )


MIGRATIONS: list[Migration] = [
    Migration(1, "0001_initial", _sql_file("0001_initial")),
    Migration(2, "0002_countries", _seed_countries),
    Migration(3, "0003_timeline", _sql_file("0003_timeline")),
    Migration(5, "0005_change_log", _sql_file("0005_change_log")),
    Migration(8, "0008_merged_id", _sql_file("0008_merged_id")),
    Migration(13, "0013_browse_order", _sql_file("0013_browse_order")),
]
LATEST = MIGRATIONS[-1].version


def split_sql(script: str) -> list[str]:
    """Split a script into complete statements (triggers contain ';', so use complete_statement)."""
    out: list[str] = []
    buf: list[str] = []
    for line in script.splitlines(keepends=True):
        if not buf and (not line.strip() or line.lstrip().startswith("--")):
            continue
        buf.append(line)
        joined = "".join(buf)
        if sqlite3.complete_statement(joined):
            out.append(joined.strip())
            buf = []
    if "".join(buf).strip():
        raise ValueError("incomplete SQL statement at end of script")
    return out


def schema_version(db: sqlite_utils.Database) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def check_openable(db: sqlite_utils.Database, path: Path | None = None) -> int:
    """Refuse files that are not ours or newer than this app.  Returns the schema version."""
    where = f"{path}: " if path else ""
    try:
        version = schema_version(db)
        app_id = int(db.execute("PRAGMA application_id").fetchone()[0])
    except DB_ERRORS as e:
        raise StorageError(f"{where}not a Dossier database or damaged ({e})") from e
    if version > LATEST:
        raise StorageError(
            f"{where}this database was written by a newer Dossier (schema {version}; this version "
            f"knows up to {LATEST}). Open it with a newer Dossier; it has not been changed."
        )
    if version > 0 and app_id != APPLICATION_ID:
        raise StorageError(f"{where}this SQLite file is not a Dossier database")
    if version == 0:
        tables = db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        if tables:
            raise StorageError(f"{where}this SQLite file is not a Dossier database (it has other tables)")
    return version


def migrate(db: sqlite_utils.Database, path: Path | None = None, *, backup_dir: Path | None = None) -> list[str]:
    """Bring the database to LATEST.  Returns the names applied.  A non-empty older database is
    backed up (and the copy verified) first."""
    current = check_openable(db, path)
    pending = [m for m in MIGRATIONS if m.version > current]
    if not pending:
        return []
    if current > 0 and path is not None:
        stamp = _dt.datetime.now(_dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        target_dir = backup_dir or path.parent / f"{path.stem}.backups"
        backup_to(db, target_dir / f"{path.stem}-before-schema-{LATEST}-{stamp}.db")
    conn = db.conn
    applied = []
    # All pending migrations in ONE transaction: a crash at any moment leaves the old schema or the
    # newest, never a file stopped between two versions (the kill loop checks this).
    conn.execute("BEGIN IMMEDIATE")
    try:
        for m in pending:
            m.apply(conn)
            conn.execute(f"PRAGMA user_version = {m.version}")
            applied.append(m.name)
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        before_commit()
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return applied


def dump_schema(db: sqlite_utils.Database) -> str:
    """The schema as reviewable SQL (what db/schema.sql holds)."""
    rows = db.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL "
        "AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'search_fts_%' ORDER BY type = 'trigger', type, name"
    ).fetchall()
    header = f"-- Generated from the migrations (schema version {LATEST}); do not edit: run\n" \
             "--   python -m dossier.storage.schema_dump > db/schema.sql\n"
    return header + "".join(f"\n{sql};\n" for _t, _n, sql in rows)
