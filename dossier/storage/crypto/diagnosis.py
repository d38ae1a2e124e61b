"""Opening an encrypted file and telling a wrong passphrase from a damaged file.

A wrong passphrase and a damaged file both make SQLCipher say "file is not a database".  We tell
them apart with `PRAGMA cipher_integrity_check` under the given key: with a wrong key every page
fails its HMAC; with the right key on a damaged file only some do.  (A damaged salt -- the first 16
bytes -- is indistinguishable from a wrong passphrase: the message says so.)  Nothing is ever
deleted or locked out after failed attempts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dossier.storage.connection import SQLITE_HEADER, sqlcipher
from dossier.storage.crypto import keys
from dossier.storage.crypto.errors import (
    CryptoError,
    EncryptedDamaged,
    InvalidPassphrase,
    PassphraseNeeded,
    WrongPassphrase,
    _fail,
    reset_failure,
)

PAGE_SIZE = 4096  # SQLCipher 4 default cipher_page_size (we never change it)


def looks_encrypted(path: str | Path) -> bool:
    """No SQLite header, whole pages: a SQLCipher file (or a plain one with a destroyed header --
    only the passphrase can tell which).  Short or ragged files are left to plain SQLite to refuse."""
    p = Path(path)
    try:
        size = p.stat().st_size
        with open(p, "rb") as f:
            head = f.read(16)
    except OSError:
        return False
    if size < 512 or size % 512 or head == SQLITE_HEADER or len(set(head)) <= 1:
        return False  # 16 equal bytes (e.g. a zeroed header) are no random salt: damaged, not encrypted
    with open(p, "rb") as f:
        f.seek(21)
        fractions = f.read(3)
    # a plain SQLite header whose first bytes were overwritten still says 64/32/32 at offset 21 (the
    # payload fractions); ciphertext does so by a 1 in 16 million chance
    return fractions != b"\x40\x20\x20"


def cipher_problems(conn: Any) -> list[str]:
    """Pages that fail their HMAC under this connection's key (empty: all pages authentic)."""
    return [str(r[0]) for r in conn.execute("PRAGMA cipher_integrity_check")]


def _diagnose(conn: Any, path: Path) -> CryptoError:
    """The file did not open under this key: wrong passphrase (every page fails) or damage (some)."""
    try:
        size = path.stat().st_size
    except OSError:
        size = 0
    pages = max(1, size // PAGE_SIZE)
    try:
        fails = cipher_problems(conn)
    except sqlcipher.DatabaseError:
        fails = ["(the cipher check could not run)"] * pages
    failing = len([f for f in fails if "page" in f.lower()]) or len(fails)
    if failing >= pages:
        return WrongPassphrase(
            f"{path}: wrong passphrase: none of its {pages} pages decrypts with it (or the file's first "
            f"16 bytes, its salt, are damaged; if you are sure of the passphrase, restore a backup). "
            f"The file was left as it is.")
    if failing == 0:
        return EncryptedDamaged(f"{path}: the encrypted database is damaged: it decrypts but SQLite cannot "
                                f"read it; it was left as it is: restore the newest verified backup.")
    return EncryptedDamaged(
        f"{path}: the encrypted database is damaged: {failing} of its {pages} pages fail their "
        f"authentication check ({'; '.join(fails[:3])}); the passphrase is right. The file was left "
        f"as it is: restore the newest verified backup.")


def try_key(path: str | Path, key: str, *, readonly: bool = False) -> Any:
    """Open the encrypted file with this passphrase and prove it decrypts; raise WrongPassphrase or
    EncryptedDamaged (each with its own message and exit code) when it does not."""
    p = Path(path)
    conn = keys.raw_connect(p, key, readonly=readonly)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlcipher.DatabaseError:
        err = _diagnose(conn, p)
        conn.close()
        if isinstance(err, WrongPassphrase):
            salt = keys.file_salt(p)
            if salt is not None:
                keys.drop_key(p, salt, key)  # a wrong passphrase's key is not kept
        raise _fail(err) from None
    except BaseException:
        conn.close()
        raise
    keys.use_big_cache(conn)
    keys.remember(p, keys.check_passphrase(key))
    reset_failure()  # an earlier wrong attempt is not this command's outcome
    return conn


def open_encrypted(path: str | Path, *, readonly: bool = False, key: str | None = None) -> Any:
    """A verified SQLCipher connection to an encrypted file.  The passphrase comes from `key`, else
    the remembered one, else the key provider (asked again after a wrong answer until it gives up)."""
    p = Path(path)
    keys._require()
    if key is not None:
        return try_key(p, key, readonly=readonly)
    known = keys.cached_key(p)
    if known is not None:
        try:
            return try_key(p, known, readonly=readonly)
        except WrongPassphrase:  # changed by another process meanwhile: ask again
            keys.forget(p)
    problem: str | None = None
    last: CryptoError | None = None
    while keys.key_provider() is not None:
        pw = keys.key_provider()(p, problem)  # type: ignore[misc]
        if pw is None:
            break
        try:
            return try_key(p, pw, readonly=readonly)
        except (WrongPassphrase, InvalidPassphrase) as e:
            last, problem = e, str(e)
    if last is not None:
        raise _fail(last)
    raise _fail(PassphraseNeeded(
        f"{p}: this file is encrypted (or its header is damaged): a passphrase is needed "
        f"(set DOSSIER_PASSPHRASE, or start it in a terminal to be asked). The file was left as it is."))


def create_encrypted(path: str | Path, key: str) -> Any:
    """A new, empty encrypted database file keyed with this passphrase (a fresh random salt)."""
    p = Path(path)
    pw = keys.check_passphrase(key)
    conn = keys.raw_connect(p, pw)
    keys.use_big_cache(conn)
    keys.remember(p, pw)
    return conn
