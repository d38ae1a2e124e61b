"""Encryption at rest, storage and services level (issue 10)."""

from __future__ import annotations

import sqlite3

import pytest
import sqlite_utils
from conftest import TEST_ENCRYPT

from dossier.services import encryption
from dossier.services.backups import backup_before
from dossier.services.database import (
    EncryptedDamaged,
    InvalidPassphrase,
    PassphraseNeeded,
    StorageError,
    WrongPassphrase,
    check,
    close_database,
    create_database,
    open_database,
)
from dossier.services.session import Session
from dossier.storage import crypto
from dossier.storage.connection import DB_ERRORS, OPERATIONAL_ERRORS, is_encrypted

PASSPHRASES = [
    "it's a 'quoted' one",
    "Пароль ü ñ 中文 한국어",
    "emoji 🔑🗝️ and more",
    "  leading and trailing spaces  ",
    "'; DROP TABLE person; --",
    '"double" \\backslash\\ %_',
]


def _make(tmp_path, pw, name="e.db", sample=True):
    p = tmp_path / name
    close_database(create_database(p, sample=sample, key=pw))
    crypto.forget()
    return p


def test_fixture_mode_follows_the_environment(sample_db, empty_db):
    """The suite's second CI run really runs on encrypted databases (and the first on plain ones)."""
    assert is_encrypted(sample_db) == TEST_ENCRYPT
    assert is_encrypted(empty_db) == TEST_ENCRYPT
    path = sample_db.conn.execute("PRAGMA database_list").fetchone()[2]
    assert (open(path, "rb").read(16) != b"SQLite format 3\x00") == TEST_ENCRYPT


@pytest.mark.parametrize("pw", PASSPHRASES)
def test_passphrases_with_quotes_non_ascii_emoji_spaces(tmp_path, pw):
    p = _make(tmp_path, pw)
    head = p.read_bytes()[:16]
    assert head != b"SQLite format 3\x00"
    db = open_database(p, key=pw)
    assert is_encrypted(db)
    assert db.execute("SELECT count(*) FROM person").fetchone()[0] > 3
    close_database(db)
    crypto.forget()
    # near misses are wrong passphrases: no trimming, no case folding
    for near in {pw.strip(), pw + " ", pw.upper(), pw[:-1]} - {pw}:
        with pytest.raises(WrongPassphrase):
            open_database(p, key=near)
    # the same characters in decomposed form (NFD) give the same key: passphrases are NFC-normalised
    import unicodedata

    nfd = unicodedata.normalize("NFD", pw)
    db = open_database(p, key=nfd)
    close_database(db)


def test_passphrase_goes_through_sqlcipher_kdf(tmp_path):
    """PRAGMA key with the passphrase: SQLCipher 4 defaults (PBKDF2-HMAC-SHA512, 256,000 iterations,
    the file's own salt).  Derive the key independently and open the file with it as a raw key."""
    import hashlib

    pw = "it's ü 🔑"
    p = _make(tmp_path, pw, sample=False)
    salt = p.read_bytes()[:16]
    raw = hashlib.pbkdf2_hmac("sha512", pw.encode("utf-8"), salt, 256_000, 32)
    conn = crypto.raw_connect(p, None)
    conn.execute(f"PRAGMA key = \"x'{raw.hex()}'\"")
    assert conn.execute("PRAGMA user_version").fetchone()[0] > 0
    settings = {r[0] for r in conn.execute("PRAGMA cipher_settings")}
    assert "PRAGMA kdf_iter = 256000;" in settings
    conn.close()


@pytest.mark.parametrize("pw", ["", "nul\x00inside"])
def test_invalid_passphrases_are_refused(tmp_path, pw):
    with pytest.raises(InvalidPassphrase):
        create_database(tmp_path / "x.db", key=pw)
    assert not (tmp_path / "x.db").exists()


def test_no_passphrase_and_no_provider(tmp_path):
    p = _make(tmp_path, "secret passphrase")
    crypto.set_key_provider(None)
    before = p.read_bytes()
    with pytest.raises(PassphraseNeeded, match="encrypted"):
        open_database(p)
    assert p.read_bytes() == before


def test_provider_is_asked_again_after_a_wrong_answer(tmp_path):
    p = _make(tmp_path, "right one")
    asked = []
    answers = iter(["wrong one", "still wrong", "right one"])

    def provider(path, problem):
        asked.append((path, problem))
        return next(answers)

    crypto.set_key_provider(provider)
    db = open_database(p)
    assert [a[1] is None for a in asked] == [True, False, False]
    assert "wrong passphrase" in asked[1][1]
    # worker connections reuse the remembered key: the provider is not asked again
    s = Session(p, db)
    w = s.connect_worker()
    assert len(asked) == 3 and w.execute("SELECT count(*) FROM person").fetchone()[0] > 0
    close_database(w)
    s.close()


def test_cancelled_prompt_is_reported_no_lockout(tmp_path):
    p = _make(tmp_path, "right one")
    before = p.read_bytes()
    crypto.set_key_provider(lambda path, problem: "wrong" if problem is None else None)
    for _ in range(5):  # repeated failures never destroy or lock anything
        with pytest.raises(WrongPassphrase):
            open_database(p)
    assert p.read_bytes() == before
    crypto.set_key_provider(None)
    close_database(open_database(p, key="right one"))


def _beside(folder):
    """The files in a folder but the backups folder and lock file (made by create/import)."""
    return sorted(x.name for x in folder.iterdir() if not x.name.endswith((".backups", ".lock")))


def _damage(p, offset, n=64):
    with open(p, "r+b") as f:
        f.seek(offset)
        f.write(b"\x00" * n)


def test_wrong_key_and_damaged_file_are_told_apart(tmp_path):
    pw = "right one"
    p = _make(tmp_path, pw)
    pages = p.stat().st_size // 4096
    assert pages > 10
    d1 = tmp_path / "damaged-page1.db"
    d1.write_bytes(p.read_bytes())
    _damage(d1, 1000)  # inside page 1: SQLCipher says "file is not a database", as for a wrong key
    dn = tmp_path / "damaged-page9.db"
    dn.write_bytes(p.read_bytes())
    _damage(dn, 4096 * 8 + 1000)
    with pytest.raises(WrongPassphrase, match=f"none of its {pages} pages"):
        open_database(p, key="wrong")
    with pytest.raises(EncryptedDamaged, match=f"1 of its {pages} pages fail") as e1:
        open_database(d1, key=pw)
    assert e1.value.exit_code == 4
    with pytest.raises(EncryptedDamaged, match="page 9") as e9:
        open_database(dn, key=pw)
    assert e9.value.exit_code == 4 and WrongPassphrase.exit_code == 3
    # and the damaged files are left exactly as they were
    assert d1.stat().st_size == p.stat().st_size


def test_check_reports_cipher_failures(tmp_path):
    pw = "right one"
    p = _make(tmp_path, pw)
    db = open_database(p, key=pw)
    assert check(db).ok and "cipher_integrity_check" in check(db).messages[0]
    close_database(db)
    from dossier.services.database import connect_for_check

    _damage(p, 4096 * 5 + 300)
    db = connect_for_check(p, key=pw)
    r = check(db)
    assert not r.ok and any("HMAC verification failed for page 6" in m for m in r.messages)
    db.conn.close()


def test_backups_are_encrypted_with_the_same_key_and_verified(tmp_path):
    pw = "backup key"
    p = _make(tmp_path, pw)
    db = open_database(p, key=pw)
    b = backup_before(db, p, "test")
    close_database(db)
    assert b.read_bytes()[:16] != b"SQLite format 3\x00"
    assert b.read_bytes()[:16] != p.read_bytes()[:16]  # its own salt
    crypto.forget()
    with pytest.raises(WrongPassphrase):
        open_database(b, key="other")
    bdb = open_database(b, key=pw)
    assert check(bdb).ok
    assert bdb.execute("SELECT count(*) FROM person").fetchone()[0] > 3
    close_database(bdb)


def test_backup_refuses_without_known_key(tmp_path):
    from dossier.storage.backup import BackupError, backup_to

    pw = "backup key"
    p = _make(tmp_path, pw)
    db = open_database(p, key=pw)
    crypto.forget()
    with pytest.raises(BackupError, match="no unencrypted backup"):
        backup_to(db, tmp_path / "b.db")
    with pytest.raises(BackupError, match="unencrypted backup"):
        backup_to(db, tmp_path / "b.db", key=None)
    assert not (tmp_path / "b.db").exists() and not (tmp_path / "b.db.partial").exists()
    close_database(db)


def test_encrypt_change_decrypt_round_trip_with_backups(tmp_path):
    p = tmp_path / "plain.db"
    db = create_database(p, sample=True)
    plain_backup = backup_before(db, p, "before")
    n = db.execute("SELECT count(*) FROM citation").fetchone()[0]
    close_database(db)
    assert plain_backup.read_bytes()[:16] == b"SQLite format 3\x00"

    all_backups = sorted((tmp_path / "plain.backups").glob("*.db"))
    assert plain_backup in all_backups
    conv = encryption.encrypt_database(p, "first 'one'")
    assert conv.backups_converted == all_backups
    for f in (p, plain_backup):
        assert f.read_bytes()[:16] != b"SQLite format 3\x00"
    crypto.forget()
    conv = encryption.change_passphrase(p, "first 'one'", "second ü")
    assert conv.backups_converted == all_backups
    crypto.forget()
    for f in (p, plain_backup):
        with pytest.raises(WrongPassphrase):
            open_database(f, key="first 'one'")
        db = open_database(f, key="second ü")
        assert db.execute("SELECT count(*) FROM citation").fetchone()[0] == n
        close_database(db)
    encryption.decrypt_database(p, "second ü")
    assert p.read_bytes()[:16] == b"SQLite format 3\x00"
    db = open_database(p)
    assert not is_encrypted(db) and check(db).ok
    assert db.execute("SELECT count(*) FROM citation").fetchone()[0] == n
    close_database(db)
    assert sorted(x.name for x in tmp_path.iterdir() if not x.name.endswith(".lock")) == ["plain.backups", "plain.db"]


def test_change_with_wrong_old_passphrase_changes_nothing(tmp_path):
    p = _make(tmp_path, "right one")
    before = p.read_bytes()
    with pytest.raises(WrongPassphrase):
        encryption.change_passphrase(p, "wrong", "new one")
    assert p.read_bytes() == before
    assert _beside(tmp_path) == ["e.db"]


def test_conversion_refuses_damaged_database(tmp_path):
    p = _make(tmp_path, "right one")
    _damage(p, 4096 * 8 + 100)
    before = p.read_bytes()
    with pytest.raises(StorageError):
        encryption.change_passphrase(p, "right one", "new one")
    assert p.read_bytes() == before
    assert _beside(tmp_path) == ["e.db"]


def test_leftovers_of_an_interrupted_change_are_removed_at_open(tmp_path):
    p = _make(tmp_path, "right one")
    crypto.partial_path(p).write_bytes(b"half")
    crypto.aside_path(p).write_bytes(p.read_bytes())
    close_database(open_database(p, key="right one"))
    assert _beside(tmp_path) == ["e.db"]


def test_temp_store_is_memory_and_wal_on_encrypted(tmp_path):
    p = _make(tmp_path, "pw for pragmas")
    db = open_database(p, key="pw for pragmas")
    assert db.execute("PRAGMA temp_store").fetchone()[0] == 2
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    close_database(db)


# --- sqlite-utils sees SQLCipher's exceptions ---------------------------------------------------

def test_sqlite_utils_catches_sqlcipher_errors(tmp_path):
    p = _make(tmp_path, "utils", sample=False)
    db = open_database(p, key="utils")
    assert db.supports_strict  # a probe that catches OperationalError inside sqlite-utils
    db["scratch"].drop(ignore=True)  # missing table: sqlite-utils swallows OperationalError
    db["scratch"].insert({"a": 1})
    db["scratch"].insert({"a": 2, "b": "new column"}, alter=True)  # retried after OperationalError
    assert db.execute("SELECT b FROM scratch WHERE a = 2").fetchone()[0] == "new column"
    rows = list(db.query("INSERT INTO scratch(a) VALUES (3) RETURNING a"))
    assert rows == [{"a": 3}]
    with pytest.raises(OPERATIONAL_ERRORS):
        db["scratch"].drop_index("nope")
    with pytest.raises(DB_ERRORS):
        db.execute("SELECT * FROM no_such_table")
    db["scratch"].drop()
    close_database(db)


def test_without_the_patch_sqlite_utils_would_miss_sqlcipher_errors(tmp_path):
    """The control: the patch is what makes the previous test pass."""
    p = _make(tmp_path, "utils", sample=False)
    db = open_database(p, key="utils")
    reapply = crypto._untaught_for_tests()
    try:
        with pytest.raises(Exception) as e:
            db["scratch"].drop(ignore=True)
        assert type(e.value).__module__.startswith("sqlcipher3")
    finally:
        reapply()
    db["scratch"].drop(ignore=True)
    close_database(db)


def test_plain_connections_still_behave_after_the_patch(tmp_path):
    crypto.teach_sqlite_utils()
    db = sqlite_utils.Database(sqlite3.connect(tmp_path / "p.db"))
    db["t"].drop(ignore=True)
    db["t"].insert({"a": 1})
    db["t"].insert({"a": 2, "b": 3}, alter=True)
    with pytest.raises(sqlite3.OperationalError):
        db.execute("SELECT * FROM missing")
    db.conn.close()


def test_conversions_hold_the_instance_lock(tmp_path, monkeypatch):
    """A second Dossier can neither be open during a conversion nor open the database meanwhile."""
    from dossier.services.instance import AlreadyOpen
    from dossier.storage.crypto import rekey

    p = _make(tmp_path, "right one")
    s = Session.open(p, key="right one")  # a window holds the database
    before = p.read_bytes()
    with pytest.raises(AlreadyOpen, match="already open in another Dossier"):
        encryption.change_passphrase(p, "right one", "new one")
    with pytest.raises(AlreadyOpen):
        encryption.decrypt_database(p, "right one")
    assert p.read_bytes() == before
    s.close()
    seen = []
    real = rekey.verify_copy

    def meanwhile(*a, **kw):  # in the middle of the conversion, another window tries to open it
        try:
            Session.open(p, key="right one").close()
            seen.append("opened")
        except AlreadyOpen as e:
            seen.append(str(e))
        return real(*a, **kw)

    monkeypatch.setattr(rekey, "verify_copy", meanwhile)
    encryption.change_passphrase(p, "right one", "new one")
    # the database and its backup were re-keyed (two copies verified); the lock was held each time
    assert len(seen) == 2 and all("dossier passphrase change" in x for x in seen), seen
    crypto.forget()
    close_database(open_database(p, key="new one"))
