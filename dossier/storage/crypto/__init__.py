"""Encryption at rest with SQLCipher (RELIABILITY.md rule 16, issue 10).

An encrypted database is a SQLCipher 4 file: every page (including page 1, so there is no "SQLite
format 3" header) is AES-256 encrypted and carries an HMAC-SHA512; the key is derived from the
passphrase by SQLCipher 4's KDF (PBKDF2-HMAC-SHA512, 256,000 iterations, per-file random salt in
the first 16 bytes), run once per passphrase and file in this process (`keys`).  Plain databases
keep using the standard library's sqlite3; an encrypted file is only ever opened with sqlcipher3
(two SQLite libraries on one file in one process would break each other's POSIX locks).

Passphrases: NFC-normalised (the same characters typed on any system give the same key), never
empty (an empty key means "no encryption" to SQLCipher) and without NUL.  They are kept only in this
process's memory (`remember`), never written anywhere; the CLI and the GUI hand them in through a
*key provider* (`set_key_provider`): a callable `(path, problem) -> passphrase | None` that the
storage layer calls when it meets an encrypted file and has no key for it (problem is None on the
first ask, else why the previous answer failed; None means "give up").  Worker connections
(Session.connect_worker) reuse the remembered passphrase and its derived key.

The parts: `errors` (what can go wrong, exit codes), `keys` (passphrases, the key provider, the KDF
and its per-process cache, raw SQLCipher connections), `library` (sqlite-utils taught SQLCipher's
errors), `diagnosis` (opening an encrypted file; wrong passphrase vs damaged file), `rekey`
(encrypt, decrypt, change passphrase: export, verify, atomic swap).  This module re-exports the
names the rest of the app uses.
"""

from __future__ import annotations

from dossier.storage.crypto.diagnosis import (
    PAGE_SIZE,
    cipher_problems,
    create_encrypted,
    looks_encrypted,
    open_encrypted,
    try_key,
)
from dossier.storage.crypto.errors import (
    EXIT_DAMAGED,
    EXIT_PASSPHRASE,
    CryptoError,
    EncryptedDamaged,
    InvalidPassphrase,
    PassphraseNeeded,
    WrongPassphrase,
    _fail,
    last_failure,
    reset_failure,
)
from dossier.storage.crypto.keys import (
    KeyProvider,
    cached_key,
    check_passphrase,
    derive_key,
    derived_count,
    forget,
    forget_under,
    key_provider,
    move_keys,
    raw_connect,
    remember,
    remembered_keys,
    set_key_provider,
)
from dossier.storage.crypto.library import _untaught_for_tests, teach_sqlite_utils
from dossier.storage.crypto.rekey import (
    CRASH_POINTS,
    Snapshot,
    aside_path,
    change_key,
    cleanup_leftovers,
    crash_point,
    partial_path,
    verify_copy,
)

__all__ = [
    "PAGE_SIZE", "cipher_problems", "create_encrypted", "looks_encrypted", "open_encrypted", "try_key",
    "EXIT_DAMAGED", "EXIT_PASSPHRASE", "CryptoError", "EncryptedDamaged", "InvalidPassphrase",
    "PassphraseNeeded", "WrongPassphrase", "_fail", "last_failure", "reset_failure", "KeyProvider",
    "cached_key", "check_passphrase", "derive_key", "derived_count", "forget", "forget_under", "key_provider", "move_keys",
    "raw_connect", "remember", "remembered_keys", "set_key_provider", "_untaught_for_tests",
    "teach_sqlite_utils", "CRASH_POINTS", "Snapshot", "aside_path", "change_key", "cleanup_leftovers",
    "crash_point", "partial_path", "verify_copy",
]
