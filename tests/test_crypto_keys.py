"""The key derivation is SQLCipher's, paid once per passphrase and file per process (issue 10)."""

from __future__ import annotations

import os

import pytest
from sqlcipher3 import dbapi2 as sqlcipher

from dossier.services import encryption
from dossier.services.backups import backup_before
from dossier.services.database import (
    EncryptedDamaged,
    WrongPassphrase,
    close_database,
    create_database,
    open_database,
)
from dossier.services.session import Session
from dossier.storage import crypto
from dossier.storage.crypto import keys

PW = "it's ü 🔑 \"quoted\""


def _sqlcipher_own(path, pw):
    """A connection keyed the way SQLCipher does it alone: the passphrase through its own KDF."""
    conn = sqlcipher.connect(str(path), isolation_level=None)
    conn.execute("PRAGMA cipher_log_level = NONE")
    conn.execute("PRAGMA key = '" + pw.replace("'", "''") + "'")
    return conn


@pytest.fixture
def kdf_calls(monkeypatch):
    """Counts the key derivations this process runs."""
    calls = []
    real = keys.derive_key

    def counting(pw, salt):
        calls.append(salt)
        return real(pw, salt)

    monkeypatch.setattr(keys, "derive_key", counting)
    return calls


def test_a_file_sqlcipher_keyed_from_the_passphrase_opens_with_our_derived_key(tmp_path):
    p = tmp_path / "theirs.db"
    conn = _sqlcipher_own(p, PW)
    conn.execute("CREATE TABLE t (a TEXT)")
    conn.execute("INSERT INTO t VALUES ('made by SQLCipher alone')")
    conn.close()
    salt = p.read_bytes()[:16]
    raw = keys.derive_key(PW, salt)
    assert len(raw) == 32
    conn = crypto.try_key(p, PW)  # our path: the raw key with the salt, no KDF inside SQLCipher
    assert conn.execute("SELECT a FROM t").fetchone()[0] == "made by SQLCipher alone"
    conn.close()
    # byte-identical: the same 32 bytes given by hand as a raw key (without the salt) open it too
    conn = sqlcipher.connect(str(p), isolation_level=None)
    conn.execute(f"PRAGMA key = \"x'{raw.hex()}'\"")
    assert conn.execute("SELECT count(*) FROM t").fetchone()[0] == 1
    conn.close()
    # and a key one bit off does not
    bad = bytes([raw[0] ^ 1]) + raw[1:]
    conn = sqlcipher.connect(str(p), isolation_level=None)
    conn.execute("PRAGMA cipher_log_level = NONE")
    conn.execute(f"PRAGMA key = \"x'{bad.hex()}'\"")
    with pytest.raises(sqlcipher.DatabaseError):
        conn.execute("SELECT count(*) FROM t").fetchone()
    conn.close()


def test_a_file_we_create_opens_with_the_passphrase_through_sqlcipher_alone(tmp_path):
    p = tmp_path / "ours.db"
    close_database(create_database(p, sample=True, key=PW))
    salt = p.read_bytes()[:16]
    assert salt != b"SQLite format 3\x00" and len(set(salt)) > 4  # a random salt, written by SQLCipher
    conn = _sqlcipher_own(p, PW)
    assert conn.execute("SELECT count(*) FROM person").fetchone()[0] > 3
    conn.close()
    # a second file gets another salt (os.urandom), so another key from the same passphrase
    q = tmp_path / "ours2.db"
    close_database(create_database(q, sample=False, key=PW))
    assert q.read_bytes()[:16] != salt


def test_the_kdf_runs_once_for_the_probe_the_window_and_its_workers(tmp_path, kdf_calls):
    p = tmp_path / "e.db"
    close_database(create_database(p, sample=True, key=PW))
    # creating: one derivation for the new file's salt, one for the backup the sample import makes
    # (a new file, its own salt; its verification and the rotation's check reuse the key)
    assert len(kdf_calls) == 2
    crypto.forget()
    assert keys.derived_count() == 0 and crypto.cached_key(p) is None
    prev = crypto.set_key_provider(lambda _p, problem: PW if problem is None else None)
    try:
        s = Session.open(p)  # the read-only probe, then the write connection
        assert len(kdf_calls) == 3
        workers = [s.connect_worker() for _ in range(3)]
        for w in workers:
            assert w.execute("SELECT count(*) FROM person").fetchone()[0] > 3
            w.conn.close()
        b = backup_before(s.db, p, "bench")  # a new file: its own salt, derived once (not twice)
        assert b is not None and len(kdf_calls) == 4
        s.close()
        assert len(kdf_calls) == 4
        crypto.forget()  # the idle lock / closing: the derived keys are gone from memory
        assert keys.derived_count() == 0
        s = Session.open(p)
        assert len(kdf_calls) == 5
        s.close()
    finally:
        crypto.set_key_provider(prev)


def test_a_known_key_does_not_let_a_wrong_passphrase_in(tmp_path, kdf_calls):
    p = tmp_path / "e.db"
    close_database(create_database(p, sample=True, key=PW))
    db = open_database(p, key=PW)  # key derived and cached for this file
    known = keys.derived_count()
    with pytest.raises(WrongPassphrase, match="wrong passphrase"):
        open_database(p, key=PW + "x")
    assert keys.derived_count() == known  # the wrong one's key was not kept
    close_database(db)
    n = len(kdf_calls)
    close_database(open_database(p, key=PW))
    assert len(kdf_calls) == n  # the right one still cached


def test_damaged_is_still_told_from_wrong_with_a_cached_key(tmp_path):
    p = tmp_path / "e.db"
    close_database(create_database(p, sample=True, key=PW))
    close_database(open_database(p, key=PW))  # the key is cached for (file, salt)
    with open(p, "r+b") as f:  # damage page 5, keep the salt
        f.seek(4096 * 4 + 300)
        f.write(os.urandom(64))
    with pytest.raises(EncryptedDamaged, match="page 5"):
        open_database(p, key=PW)
    with pytest.raises(WrongPassphrase):
        open_database(p, key="not it")


def test_passphrase_change_moves_to_the_new_salt_and_key(tmp_path, kdf_calls):
    p = tmp_path / "e.db"
    close_database(create_database(p, sample=True, key=PW))
    old_salt = p.read_bytes()[:16]
    encryption.change_passphrase(p, PW, "new one")
    new_salt = p.read_bytes()[:16]
    assert new_salt != old_salt
    n = len(kdf_calls)
    close_database(open_database(p))  # remembered: the new passphrase and its key, no KDF
    assert len(kdf_calls) == n
    crypto.forget()
    with pytest.raises(WrongPassphrase):
        open_database(p, key=PW)
    conn = _sqlcipher_own(p, "new one")  # SQLCipher alone agrees
    assert conn.execute("SELECT count(*) FROM person").fetchone()[0] > 3
    conn.close()
    encryption.decrypt_database(p, "new one")
    assert p.read_bytes()[:16] == b"SQLite format 3\x00"
    encryption.encrypt_database(p, PW)
    crypto.forget()
    close_database(open_database(p, key=PW))


def test_keys_are_never_written(tmp_path):
    p = tmp_path / "e.db"
    close_database(create_database(p, sample=True, key=PW))
    db = open_database(p, key=PW)
    backup_before(db, p, "scan")
    raw = keys.derive_key(PW, p.read_bytes()[:16])
    close_database(db)
    crypto.forget()
    needles = [raw, raw.hex().encode(), raw.hex().upper().encode()]
    scanned = 0
    for dirpath, _dirs, files in os.walk(tmp_path):
        for f in files:
            data = open(os.path.join(dirpath, f), "rb").read()
            scanned += 1
            assert not any(n in data for n in needles), f
    assert scanned >= 2


def test_the_idle_lock_forgets_the_database_and_its_backups(tmp_path):
    p = tmp_path / "e.db"
    other = tmp_path / "other.db"
    close_database(create_database(other, sample=False, key="another one"))
    close_database(create_database(p, sample=True, key=PW))
    db = open_database(p, key=PW)
    b = backup_before(db, p, "lock")
    close_database(db)
    from dossier.storage.backup import verify_file

    assert verify_file(b) == []  # opens the backup with a remembered passphrase: remembered for it too
    assert crypto.cached_key(b) == PW and keys.derived_count() >= 3
    encryption.forget_passphrase(p)  # what the idle lock does
    assert crypto.cached_key(p) is None and crypto.cached_key(b) is None
    assert crypto.remembered_keys() == ["another one"]  # another database's stays
    assert keys.derived_count() == 1


def test_encrypted_connections_get_a_page_cache_big_enough_to_decrypt_each_page_once(tmp_path):
    p = tmp_path / "e.db"
    close_database(create_database(p, sample=True, key=PW))
    s = Session.open(p, key=PW)
    w = s.connect_worker()
    for db in (s.db, w):
        assert db.execute("PRAGMA cache_size").fetchone()[0] == -keys.CACHE_SIZE_KIB
    w.conn.close()
    s.close()
