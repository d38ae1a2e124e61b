"""Passphrases and keys: checking a passphrase, the key provider, what this process remembers, and
SQLCipher's key derivation, paid once per passphrase per file per process.

Key derivation: SQLCipher 4 (default settings, which we never change) turns `PRAGMA key =
'<passphrase>'` into the 32-byte AES key PBKDF2-HMAC-SHA512(passphrase as UTF-8, the file's salt = its
first 16 bytes, 256,000 iterations).  We run exactly that function ourselves (`derive_key`) and hand
SQLCipher the result as a raw key with the salt, `PRAGMA key = "x'<64 hex key><32 hex salt>'"`: the
key is byte-identical to the one SQLCipher would have derived from the passphrase (test_crypto_keys
opens files keyed both ways with the other way), so the passphrase still goes through SQLCipher's key
derivation, only we do it once and not on every connection (about 0.15 s each: the read-only probe,
the write connection, every worker).  SQLCipher still derives the per-file HMAC key from the
encryption key as it always does.  A new file gets a random salt from os.urandom, which SQLCipher
writes as its first 16 bytes.

Kept in this process's memory only, never logged or written: the passphrase per file (`remember`:
backups are encrypted with it) and the derived key per (file, salt, passphrase) (`_derived`: a wrong
passphrase's key is dropped at once, so it never evicts the right one); `forget` drops both
(idle lock, closing a database).
"""

from __future__ import annotations

import hashlib
import os
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dossier.storage.connection import sqlcipher
from dossier.storage.crypto.errors import InvalidPassphrase, PassphraseNeeded, _fail
from dossier.storage.crypto.library import teach_sqlite_utils

KDF_HASH, KDF_ITER, KEY_BYTES, SALT_BYTES = "sha512", 256_000, 32, 16  # SQLCipher 4 defaults
# SQLCipher decrypts (and checks the HMAC of) a page each time it enters SQLite's page cache; a plain
# database re-reads evicted pages from the OS cache almost for free.  With SQLite's default 2 MiB cache
# a timeline pan over a 50 MB database decrypted the same pages again and again (3.3x slower than
# plain at 100,000 events); a 64 MiB cache (allocated only as pages are read) makes it as fast.
CACHE_SIZE_KIB = 65536

KeyProvider = Callable[[Path, str | None], str | None]
_provider: KeyProvider | None = None
_keys: dict[str, str] = {}  # realpath -> passphrase, this process only
_derived: dict[tuple[str, bytes, str], bytes] = {}  # (realpath, salt, passphrase) -> key


def set_key_provider(fn: KeyProvider | None) -> KeyProvider | None:
    """Install the process-wide key provider; returns the previous one."""
    global _provider
    prev, _provider = _provider, fn
    return prev


def key_provider() -> KeyProvider | None:
    return _provider


def _norm(path: str | Path) -> str:
    return os.path.realpath(os.fspath(path))


def remember(path: str | Path, key: str) -> None:
    _keys[_norm(path)] = key


def forget(path: str | Path | None = None) -> None:
    """Drop the remembered passphrase and derived keys of one database (or of all)."""
    if path is None:
        _keys.clear()
        _derived.clear()
        return
    p = _norm(path)
    _keys.pop(p, None)
    for k in [k for k in _derived if k[0] == p]:
        del _derived[k]


def forget_under(folder: str | Path) -> None:
    """Drop what is remembered for every file in `folder` (a database's backups)."""
    prefix = _norm(folder) + os.sep
    for p in [p for p in _keys if p.startswith(prefix)]:
        del _keys[p]
    for k in [k for k in _derived if k[0].startswith(prefix)]:
        del _derived[k]


def cached_key(path: str | Path) -> str | None:
    """The passphrase remembered for this file."""
    return _keys.get(_norm(path))


def remembered_keys() -> list[str]:
    """The distinct passphrases this process knows (to open backups of the databases it opened)."""
    return list(dict.fromkeys(_keys.values()))


def derived_count() -> int:
    """How many derived keys this process holds (tests: forget() really drops them)."""
    return len(_derived)


def check_passphrase(pw: str) -> str:
    """The passphrase as it goes to the KDF: NFC, not empty, no NUL, encodable as UTF-8."""
    if not isinstance(pw, str) or pw == "":
        raise _fail(InvalidPassphrase("the passphrase is empty; an empty passphrase would mean no encryption"))
    pw = unicodedata.normalize("NFC", pw)
    if "\x00" in pw:
        raise _fail(InvalidPassphrase("the passphrase contains a NUL character"))
    try:
        pw.encode("utf-8")
    except UnicodeEncodeError as e:
        raise _fail(InvalidPassphrase("the passphrase contains characters that cannot be encoded")) from e
    return pw


def derive_key(pw: str, salt: bytes) -> bytes:
    """SQLCipher 4's key derivation, byte for byte (see the module doc)."""
    return hashlib.pbkdf2_hmac(KDF_HASH, check_passphrase(pw).encode("utf-8"), salt, KDF_ITER, KEY_BYTES)


def file_salt(path: str | Path) -> bytes | None:
    """An encrypted file's salt (its first 16 bytes); None for a missing or empty file (a new one)."""
    try:
        with open(path, "rb") as f:
            head = f.read(SALT_BYTES)
    except FileNotFoundError:
        return None
    return head if len(head) == SALT_BYTES else None


def key_for(path: str | Path, pw: str, salt: bytes | None = None) -> tuple[bytes, bytes]:
    """(key, salt) for this file and passphrase: the file's own salt (a fresh random one for a new
    file, or `salt` when given); derived once per (file, salt, passphrase) in this process."""
    pw = check_passphrase(pw)
    salt = salt or file_salt(path) or os.urandom(SALT_BYTES)
    slot = (_norm(path), salt, pw)
    key = _derived.get(slot)
    if key is None:
        key = _derived[slot] = derive_key(pw, salt)
    return key, salt


def drop_key(path: str | Path, salt: bytes, pw: str) -> None:
    """Forget a derived key that did not open the file (a wrong passphrase is not kept)."""
    _derived.pop((_norm(path), salt, check_passphrase(pw)), None)


def move_keys(src: str | Path, dst: str | Path) -> None:
    """The file at `src` was renamed to `dst`: its derived keys go with it (the passphrase too)."""
    s, d = _norm(src), _norm(dst)
    for slot in [k for k in _derived if k[0] == s]:
        _derived[(d, *slot[1:])] = _derived.pop(slot)
    if s in _keys:
        _keys[d] = _keys.pop(s)


def raw_key_literal(key: bytes, salt: bytes) -> str:
    """The value for `PRAGMA key` / `ATTACH ... KEY`: SQLCipher's raw key with explicit salt syntax
    (hex digits only: nothing to escape)."""
    assert len(key) == KEY_BYTES and len(salt) == SALT_BYTES
    return f"\"x'{key.hex()}{salt.hex()}'\""


def key_pragma_value(path: str | Path, pw: str) -> tuple[str, bytes]:
    """(raw key literal, salt) that opens (or creates) the file at `path` with passphrase `pw`."""
    key, salt = key_for(path, pw)
    return raw_key_literal(key, salt), salt


def _uri(path: Path, mode: str) -> str:
    from urllib.parse import quote

    return f"file:{quote(os.fspath(path))}?mode={mode}"


def _require() -> Any:
    if sqlcipher is None:  # pragma: no cover
        raise _fail(PassphraseNeeded("encrypted databases need SQLCipher (the sqlcipher3 package), "
                                     "which is not installed"))
    return sqlcipher


def use_big_cache(conn: Any) -> None:
    """The app's encrypted connections (after the key proved right): see CACHE_SIZE_KIB."""
    conn.execute(f"PRAGMA cache_size = -{CACHE_SIZE_KIB}")


def raw_connect(path: str | Path, key: str | None, *, readonly: bool = False) -> Any:
    """A bare SQLCipher connection (autocommit), keyed with passphrase `key` when given (through the
    derived-key cache: the KDF runs only the first time for this file).  Not verified.  An in-memory
    database is keyed with a random raw key: it is never reopened, so it needs no KDF."""
    lib = _require()
    teach_sqlite_utils()
    memory = str(path) == ":memory:"
    if memory:
        conn = lib.connect(":memory:", isolation_level=None)
    else:
        conn = lib.connect(_uri(Path(path), "ro" if readonly else "rwc"), uri=True, isolation_level=None,
                           timeout=10.0)
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")  # its log goes to stderr; keep it quiet
        if key is not None:
            if memory:
                check_passphrase(key)
                value = raw_key_literal(os.urandom(KEY_BYTES), os.urandom(SALT_BYTES))
            else:
                value, _salt = key_pragma_value(path, key)
            conn.execute(f"PRAGMA key = {value}")
    except BaseException:
        conn.close()
        raise
    return conn
