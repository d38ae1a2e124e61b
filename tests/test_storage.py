import sqlite3

import pytest

from dossier.paths import db_dir
from dossier.services.database import StorageError, close_database, create_database, open_database
from dossier.storage import migrations
from dossier.storage.connection import connect


def test_empty_to_latest(tmp_path):
    db = create_database(tmp_path / "a.db")
    assert migrations.schema_version(db) == migrations.LATEST
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("SELECT name FROM country WHERE code = 'KHM'").fetchone()[0] == "Cambodia"
    assert db.execute("SELECT m49 FROM country WHERE code = 'PRK'").fetchone()[0] == 408
    close_database(db)


def test_schema_file_is_in_step_with_migrations(tmp_path):
    db = create_database(tmp_path / "a.db")
    assert (db_dir() / "schema.sql").read_text("utf-8") == migrations.dump_schema(db), \
        "db/schema.sql is stale: python -m dossier.storage.schema_dump > db/schema.sql"
    close_database(db)


def test_newer_schema_is_refused_and_left_untouched(tmp_path):
    p = tmp_path / "new.db"
    close_database(create_database(p))
    c = sqlite3.connect(p)
    c.execute(f"PRAGMA user_version = {migrations.LATEST + 1}")
    c.close()
    before = p.read_bytes()
    with pytest.raises(StorageError, match="newer Dossier"):
        open_database(p)
    assert p.read_bytes() == before


def test_older_schema_is_backed_up_then_migrated(tmp_path, monkeypatch):
    p = tmp_path / "old.db"
    db = connect(p, create=True)
    # a genuine schema-1 file: only the first migration applied (later ones are pending)
    db.conn.execute("BEGIN")
    migrations.MIGRATIONS[0].apply(db.conn)
    db.conn.execute(f"PRAGMA application_id = {migrations.APPLICATION_ID}")
    db.conn.execute("PRAGMA user_version = 1")
    db.conn.execute("COMMIT")
    close_database(db)
    db = open_database(p)
    assert migrations.schema_version(db) == migrations.LATEST
    assert db.execute("SELECT count(*) FROM country").fetchone()[0] > 200
    backups = list((tmp_path / "old.backups").glob("*.db"))
    assert len(backups) == 1
    b = sqlite3.connect(backups[0])
    assert b.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert b.execute("PRAGMA user_version").fetchone()[0] == 1
    close_database(db)


def test_failed_migration_rolls_back(tmp_path, monkeypatch):
    p = tmp_path / "x.db"
    db = connect(p, create=True)

    def boom(conn):
        conn.execute("CREATE TABLE half_done (x)")
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:1] + [migrations.Migration(2, "boom", boom)])
    with pytest.raises(RuntimeError):
        migrations.migrate(db, p)
    # all pending migrations are one transaction: nothing of migration 1 stays either
    assert migrations.schema_version(db) == 0
    assert db.execute("SELECT count(*) FROM sqlite_master WHERE name IN ('half_done', 'person')").fetchone()[0] == 0
    db.conn.close()


@pytest.mark.parametrize("content, msg", [(b"", "empty"), (b"hello, this is not sqlite at all" * 100, "not a Dossier")])
def test_odd_files_are_refused_not_recreated(tmp_path, content, msg):
    p = tmp_path / "odd.db"
    p.write_bytes(content)
    with pytest.raises(StorageError, match=msg):
        open_database(p)
    assert p.read_bytes() == content


def test_foreign_sqlite_file_refused(tmp_path):
    p = tmp_path / "other.db"
    c = sqlite3.connect(p)
    c.execute("CREATE TABLE t (x)")
    c.commit()
    c.close()
    with pytest.raises(StorageError, match="not a Dossier database"):
        open_database(p)


def test_create_refuses_existing_file(tmp_path):
    p = tmp_path / "a.db"
    p.write_text("precious")
    with pytest.raises(StorageError, match="refusing to overwrite"):
        create_database(p)
    assert p.read_text() == "precious"


def test_missing_file_is_reported(tmp_path):
    with pytest.raises(StorageError, match="no such database"):
        open_database(tmp_path / "nope.db")
    assert not (tmp_path / "nope.db").exists()
