"""Catalogue group DB: damaged and odd files, network shares, a second instance, disk full, read-only.

The corpus comes from scripts/make_damaged_corpus.py.  Every refused file must be left byte-for-byte
as it was, never re-created, and the user offered the newest verified backup."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dossier.cli.main import main
from dossier.services import backups, recovery
from dossier.services.database import StorageError, close_database, create_database, open_database
from dossier.services.instance import AlreadyOpen, NetworkShare, filesystem_type, lock_path
from dossier.services.session import Session
from dossier.storage.connection import DamagedDatabase, DiskFull

REPO = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("make_damaged_corpus", REPO / "scripts" / "make_damaged_corpus.py")
corpus_mod = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(corpus_mod)

REFUSED = ["zeroed-header", "garbage-mid-page", "damaged-index", "truncated", "empty", "not-a-database",
           "newer-schema", "foreign-sqlite"]


def cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return corpus_mod.make_corpus(tmp_path_factory.mktemp("corpus"))


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


@pytest.mark.parametrize("case", REFUSED)
def test_damaged_file_refused_untouched_and_backup_offered(corpus, case, tmp_path):
    src = corpus[case]
    d = tmp_path / "w"
    d.mkdir()
    p = d / src.name
    shutil.copyfile(src, p)
    shutil.copytree(backups.backup_dir(src), backups.backup_dir(p))
    before = p.read_bytes()
    with pytest.raises(StorageError) as ei:
        open_database(p)
    assert p.read_bytes() == before, "a refused file must never be written to"
    assert sorted(x.name for x in d.iterdir()) == sorted([p.name, backups.backup_dir(p).name]), \
        "nothing created beside a refused file (no -wal, -shm left behind)"
    msg = str(ei.value)
    assert str(p) in msg and ("left as it is" in msg or "not been changed" in msg or "not a Dossier" in msg)
    offer = recovery.offer_for(p, ei.value)
    assert offer is not None and offer.path.parent == backups.backup_dir(p)
    # the command line names the backup and how to restore it
    code, _out, err = cli("import", "--db", str(p), str(REPO / "db" / "sample" / "sources.csv"))
    assert code == 1 and str(offer.path) in err and "dossier restore" in err
    assert p.read_bytes() == before
    # restoring it keeps the damaged file aside, byte for byte
    code, out, err = cli("restore", "--db", str(p), str(offer.path))
    assert code == 0, err
    kept = [b for b in backups.list_backups(p) if b.reason == "replaced"]
    assert len(kept) == 1 and kept[0].path.read_bytes() == before
    db = open_database(p)
    assert db.execute("SELECT count(*) FROM person").fetchone()[0] > 0
    close_database(db)


def test_empty_file_is_never_initialised(corpus, tmp_path):
    p = tmp_path / "empty.db"
    p.write_bytes(b"")
    for _ in range(2):
        with pytest.raises(DamagedDatabase, match="empty"):
            Session.open(p)
    assert p.stat().st_size == 0


def test_missing_file_is_reported_not_created(tmp_path):
    p = tmp_path / "gone.db"
    code, _o, err = cli("import", "--db", str(p), str(REPO / "db" / "sample" / "sources.csv"))
    assert code == 1 and "no such database file" in err
    assert not p.exists()


def test_copy_without_wal_opens_as_an_earlier_consistent_state(corpus, tmp_path):
    p = tmp_path / "copy.db"
    shutil.copyfile(corpus["copy-without-wal"], p)
    db = open_database(p)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # the commit that lived only in the source's WAL is not there; nothing else is lost
    assert db.execute("SELECT count(*) FROM import_batch WHERE kind = 'edit'").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM person").fetchone()[0] > 0
    close_database(db)


def test_checkpoint_on_close_makes_the_db_alone_complete(sample_db_path, tmp_path):
    db = open_database(sample_db_path)
    src = tmp_path / "people.csv"
    src.write_text("id,name\nwal-1,Only In The Wal\n", "utf-8")
    from dossier.services.importing import import_files

    assert import_files(db, [src]).ok
    copy_open = tmp_path / "while-open.db"
    shutil.copyfile(sample_db_path, copy_open)  # what a user's file copy takes while the app runs
    close_database(db)
    wal = Path(str(sample_db_path) + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    copy_closed = tmp_path / "after-close.db"
    shutil.copyfile(sample_db_path, copy_closed)
    c = sqlite3.connect(copy_closed)
    assert c.execute("SELECT count(*) FROM person WHERE id = 'wal-1'").fetchone()[0] == 1
    c.close()


@pytest.mark.parametrize("fstype", ["nfs4", "cifs", "smb3", "fuse.sshfs", "sshfs"])
def test_network_share_is_refused(sample_db_path, tmp_path, monkeypatch, fstype):
    from dossier.services import instance

    mounts = tmp_path / "mounts"
    share = sample_db_path.parent.resolve()
    mounts.write_text(f"overlay / overlay rw 0 0\nserver:/export {str(share).replace(' ', chr(92) + '040')} "
                      f"{fstype} rw,relatime 0 0\n", "utf-8")
    monkeypatch.setattr(instance, "MOUNTS", mounts)
    assert filesystem_type(sample_db_path) == fstype
    with pytest.raises(NetworkShare, match="network share"):
        open_database(sample_db_path)
    code, _o, err = cli("import", "--db", str(sample_db_path), str(REPO / "db" / "sample" / "sources.csv"))
    assert code == 1 and "network share" in err and "newest verified backup" not in err
    # a local file system next to it is fine
    monkeypatch.setattr(instance, "MOUNTS", tmp_path / "none")
    close_database(open_database(sample_db_path))


def test_second_instance_is_refused_both_ways(sample_db_path, tmp_path):
    s = Session.open(sample_db_path)
    try:
        with pytest.raises(AlreadyOpen, match="already open in another Dossier .Dossier window, process"):
            Session.open(sample_db_path)
        code, _o, err = cli("import", "--db", str(sample_db_path), str(REPO / "db" / "sample" / "sources.csv"))
        assert code == 1 and "already open in another Dossier" in err
        b = backups.backup_now(s.db, sample_db_path)
        code, _o, err = cli("restore", "--db", str(sample_db_path), str(b))
        assert code == 1 and "already open" in err, "restore while open must be refused"
    finally:
        s.close()
    # a command-line import in another process holds it: the window is refused, with who holds it
    marker = tmp_path / "in-commit"
    people = tmp_path / "people.csv"
    people.write_text("id,name\nz1,Zed One\n", "utf-8")
    env = dict(os.environ, DOSSIER_TEST_PAUSE_BEFORE_COMMIT=f"3:{marker}")
    p = subprocess.Popen([sys.executable, "-m", "dossier", "import", "--db", str(sample_db_path), str(people)],
                         env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        t0 = time.monotonic()
        while not marker.exists() and time.monotonic() - t0 < 60 and p.poll() is None:
            time.sleep(0.02)
        assert marker.exists()
        with pytest.raises(AlreadyOpen, match="dossier import"):
            Session.open(sample_db_path)
    finally:
        out, err = p.communicate(timeout=60)
    assert p.returncode == 0, err
    s = Session.open(sample_db_path)  # released when the command ended
    s.close()
    assert lock_path(sample_db_path).exists()


def test_lock_is_freed_when_the_holder_is_killed(sample_db_path):
    code = ("import sys, time; from dossier.services.session import Session; "
            f"s = Session.open({str(sample_db_path)!r}); print('open', flush=True); time.sleep(60)")
    p = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "open"
    with pytest.raises(AlreadyOpen):
        Session.open(sample_db_path)
    p.kill()
    p.wait()
    Session.open(sample_db_path).close()


def _big_people(path: Path, n: int) -> None:
    with path.open("w", encoding="utf-8") as f:
        f.write("id,name,summary\n")
        for i in range(n):
            f.write(f"full-{i},Person {i},{'filler text ' * 20}\n")


def test_disk_full_during_import_rolls_back(sample_db_path, tmp_path, monkeypatch):
    from dossier.storage import connection

    big = tmp_path / "people.csv"
    _big_people(big, 3000)
    dump_before = "\n".join(sqlite3.connect(sample_db_path).iterdump())
    real = connection._configure

    def tight(conn, *, readonly):  # fault injection: the database may grow by only a few pages
        real(conn, readonly=readonly)
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages + 8}")

    monkeypatch.setattr(connection, "_configure", tight)
    code, out, err = cli("import", "--db", str(sample_db_path), str(big))
    assert code == 1
    assert "disk is full" in err and "rolled back" in err and "nothing was written" in err, err
    assert "Traceback" not in err
    monkeypatch.setattr(connection, "_configure", real)
    assert not recovery.journal_path(sample_db_path).exists()
    c = sqlite3.connect(sample_db_path)
    assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert "\n".join(c.iterdump()) == dump_before, "the database must be unchanged"
    c.close()


def test_disk_full_in_service_raises_diskfull(sample_db_path, tmp_path):
    from dossier.services.importing import import_files

    big = tmp_path / "people.csv"
    _big_people(big, 3000)
    db = open_database(sample_db_path)
    n = db.execute("SELECT count(*) FROM person").fetchone()[0]
    db.execute(f"PRAGMA max_page_count = {db.execute('PRAGMA page_count').fetchone()[0] + 4}")
    with pytest.raises(DiskFull):
        import_files(db, [big])
    assert db.execute("SELECT count(*) FROM person").fetchone()[0] == n
    assert not db.conn.in_transaction
    close_database(db)


def _can_mount() -> bool:
    if shutil.which("unshare") is None or os.geteuid() != 0:
        return False
    return subprocess.run(["unshare", "-m", "true"], capture_output=True).returncode == 0


@pytest.mark.skipif(not _can_mount(), reason="needs root and `unshare -m` for a read-only mount (as root, "
                                               "file permission bits do not stop writes)")
def test_read_only_file_system_gives_a_clear_message(sample_db_path, tmp_path):
    mnt = tmp_path / "ro"
    mnt.mkdir()
    people = tmp_path / "people.csv"
    people.write_text("id,name\nro1,Read Only\n", "utf-8")
    py = sys.executable
    script = (f"mount -t tmpfs none {mnt} && cp {sample_db_path} {mnt}/s.db && mount -o remount,ro {mnt} && "
              f"{py} -m dossier import --db {mnt}/s.db {people}; echo rc=$?; "
              f"{py} -c 'from dossier.services.session import Session; Session.open(\"{mnt}/s.db\")'; echo rc=$?")
    r = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True, text=True, timeout=120)
    assert r.stdout.count("rc=1") == 2, (r.stdout, r.stderr)
    assert "read-only" in r.stderr and "Copy it to a writable folder" in r.stderr
    assert "Traceback" not in r.stderr.split("ReadOnlyDatabase")[0] or "ReadOnlyDatabase" in r.stderr


def test_restore_verifies_the_backup_first(sample_db_path, tmp_path):
    bad = tmp_path / "bad-backup.db"
    bad.write_bytes(b"SQLite format 3\x00" + bytes(4000))
    before = sample_db_path.read_bytes()
    code, _o, err = cli("restore", "--db", str(sample_db_path), str(bad))
    assert code == 1 and "not restored" in err or "cannot be used" in err
    assert sample_db_path.read_bytes() == before


def test_backup_cli_writes_verified_copy_and_lists(sample_db_path, tmp_path):
    out = tmp_path / "copy.db"
    code, o, err = cli("backup", "--db", str(sample_db_path), "-o", str(out))
    assert code == 0, err
    assert backups.verify_file(out) == []
    code, o, err = cli("backup", "--db", str(sample_db_path), "-o", str(out))
    assert code == 1 and "refusing to overwrite" in err
    code, o, err = cli("backup", "--db", str(sample_db_path))
    assert code == 0
    code, o, err = cli("backup", "--db", str(sample_db_path), "--list")
    assert code == 0 and o.count("\tok") == 1 and "manual" in o
