"""Encryption at rest with SQLCipher (RELIABILITY.md rule 16, issue 10).

An encrypted database is a SQLCipher 4 file: every page (including page 1, so there is no "SQLite
format 3" header) is AES-256 encrypted and carries an HMAC-SHA512; the key is derived from the
passphrase by SQLCipher's own KDF (PBKDF2-HMAC-SHA512, 256,000 iterations, per-file random salt in
the first 16 bytes) through `PRAGMA key = '<passphrase>'`.  Plain databases keep using the standard
library's sqlite3; an encrypted file is only ever opened with sqlcipher3 (two SQLite libraries on
one file in one process would break each other's POSIX locks).

Passphrases: NFC-normalised (the same characters typed on any system give the same key), never
empty (an empty key means "no encryption" to SQLCipher) and without NUL; quotes are escaped for the
PRAGMA.  They are kept only in this process's memory (`remember`), never written anywhere; the CLI
and the GUI hand them in through a *key provider* (`set_key_provider`): a callable
`(path, problem) -> passphrase | None` that the storage layer calls when it meets an encrypted file
and has no key for it (problem is None on the first ask, else why the previous answer failed;
None means "give up").  Worker connections (Session.connect_worker) reuse the remembered key.

A wrong passphrase and a damaged file both make SQLCipher say "file is not a database".  We tell
them apart with `PRAGMA cipher_integrity_check` under the given key: with a wrong key every page
fails its HMAC; with the right key on a damaged file only some do.  (A damaged salt -- the first 16
bytes -- is indistinguishable from a wrong passphrase: the message says so.)  Nothing is ever
deleted or locked out after failed attempts.

Changing the key (encrypt, decrypt, new passphrase) never rewrites the file in place: the database
is exported (`sqlcipher_export`) into `<name>.rekey-partial`, that copy is verified (cipher and
SQLite integrity checks, per-table row counts, schema version), the old file gets a second name
(`<name>.rekey-old`, a hard link) and the new file is renamed over the old name (atomic).  A crash
at any moment leaves `<name>` openable with the old or the new key; leftovers are removed by the
next change.  For crash tests, DOSSIER_TEST_CRASH_AT=<point> makes the process SIGKILL itself at
one of CRASH_POINTS.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import types
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dossier.storage.connection import SQLITE_HEADER, DamagedDatabase, StorageError, sqlcipher

EXIT_PASSPHRASE = 3  # no passphrase given, or a wrong one (the file is untouched)
EXIT_DAMAGED = 4  # the passphrase is right but pages of the encrypted file fail their check
PAGE_SIZE = 4096  # SQLCipher 4 default cipher_page_size (we never change it)
CRASH_POINTS = ("exported", "verified", "linked", "replaced", "reopened")


class CryptoError(StorageError):
    exit_code = EXIT_PASSPHRASE


class PassphraseNeeded(CryptoError):
    """An encrypted file (or one whose header is damaged) and no passphrase to try."""


class WrongPassphrase(CryptoError):
    """Every page of the file fails its check under the passphrase given."""


class EncryptedDamaged(CryptoError, DamagedDatabase):
    """The passphrase is right (some pages authenticate) but other pages fail (a DamagedDatabase: the
    window offers the newest verified backup)."""

    exit_code = EXIT_DAMAGED


class InvalidPassphrase(CryptoError):
    """Empty, or contains characters a passphrase cannot hold."""

    exit_code = 1


KeyProvider = Callable[[Path, str | None], str | None]
_provider: KeyProvider | None = None
_keys: dict[str, str] = {}  # realpath -> passphrase, this process only
_last_failure: CryptoError | None = None


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
    """Drop the remembered passphrase of one database (or of all)."""
    if path is None:
        _keys.clear()
    else:
        _keys.pop(_norm(path), None)


def cached_key(path: str | Path) -> str | None:
    return _keys.get(_norm(path))


def last_failure() -> CryptoError | None:
    """The last passphrase/damage error raised in this process (the CLI maps it to an exit code)."""
    return _last_failure


def reset_failure() -> None:
    global _last_failure
    _last_failure = None


def _fail(e: CryptoError) -> CryptoError:
    global _last_failure
    _last_failure = e
    return e


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


def key_literal(pw: str) -> str:
    """The passphrase as an SQL string literal for PRAGMA key/rekey (' doubled)."""
    return "'" + check_passphrase(pw).replace("'", "''") + "'"


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


def _uri(path: Path, mode: str) -> str:
    from urllib.parse import quote

    return f"file:{quote(os.fspath(path))}?mode={mode}"


# --- sqlite-utils: make its `except sqlite3.X` clauses also catch SQLCipher's classes -------------

class _Either(tuple):
    """A tuple of exception classes: `except` accepts it (matching either library's class), and
    calling it (sqlite-utils does `raise sqlite3.IntegrityError(...)`) makes the first one."""

    def __call__(self, *args: Any) -> BaseException:
        return self[0](*args)


class _BothSqlite(types.ModuleType):
    def __getattr__(self, name: str) -> Any:
        import sqlite3

        return getattr(sqlite3, name)


_ERROR_NAMES = ("Warning", "Error", "InterfaceError", "DatabaseError", "DataError", "OperationalError",
                "IntegrityError", "InternalError", "ProgrammingError", "NotSupportedError")
_taught = False


def teach_sqlite_utils() -> None:
    """sqlite-utils catches errors through `sqlite_utils.db.sqlite3` / `sqlite_utils.utils.sqlite3`
    (the standard library's module) and `OperationalError` imported from there, so SQLCipher's
    exceptions would slip through its `except` clauses (e.g. `table.drop(ignore=True)`,
    `insert(alter=True)`, `db.query()` of INSERT ... RETURNING, `supports_strict`).  This is the
    ONE place that changes that: both names become a module whose error classes are tuples of both
    libraries' classes.  Done once, when the first SQLCipher connection is made; plain connections
    behave exactly as before (their classes are in the tuples too).  Tested in test_crypto_storage."""
    global _taught
    if _taught or sqlcipher is None:
        return
    import sqlite3

    import sqlite_utils.db
    import sqlite_utils.utils

    both = _BothSqlite("sqlite3_or_sqlcipher3")
    for name in _ERROR_NAMES:
        setattr(both, name, _Either((getattr(sqlite3, name), getattr(sqlcipher, name))))
    for mod in (sqlite_utils.db, sqlite_utils.utils):
        mod.sqlite3 = both  # type: ignore[attr-defined]
        mod.OperationalError = both.OperationalError  # type: ignore[attr-defined]
    _taught = True


def _untaught_for_tests() -> Callable[[], None]:  # pragma: no cover - used by one test
    """Undo teach_sqlite_utils (returns a function that re-applies it)."""
    global _taught
    import sqlite3

    import sqlite_utils.db
    import sqlite_utils.utils

    for mod in (sqlite_utils.db, sqlite_utils.utils):
        mod.sqlite3 = sqlite3  # type: ignore[attr-defined]
        mod.OperationalError = sqlite3.OperationalError  # type: ignore[attr-defined]
    _taught = False
    return teach_sqlite_utils


# --- raw SQLCipher connections --------------------------------------------------------------------

def _require() -> Any:
    if sqlcipher is None:  # pragma: no cover
        raise _fail(PassphraseNeeded("encrypted databases need SQLCipher (the sqlcipher3 package), "
                                     "which is not installed"))
    return sqlcipher


def raw_connect(path: str | Path, key: str | None, *, readonly: bool = False) -> Any:
    """A bare SQLCipher connection (autocommit), keyed when key is given.  Not verified."""
    lib = _require()
    teach_sqlite_utils()
    if str(path) == ":memory:":
        conn = lib.connect(":memory:", isolation_level=None)
    else:
        conn = lib.connect(_uri(Path(path), "ro" if readonly else "rwc"), uri=True, isolation_level=None,
                           timeout=10.0)
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")  # its log goes to stderr; keep it quiet
        if key is not None:
            conn.execute(f"PRAGMA key = {key_literal(key)}")
    except BaseException:
        conn.close()
        raise
    return conn


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
    conn = raw_connect(p, key, readonly=readonly)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlcipher.DatabaseError:
        err = _diagnose(conn, p)
        conn.close()
        raise _fail(err) from None
    except BaseException:
        conn.close()
        raise
    remember(p, check_passphrase(key))
    reset_failure()  # an earlier wrong attempt is not this command's outcome
    return conn


def open_encrypted(path: str | Path, *, readonly: bool = False, key: str | None = None) -> Any:
    """A verified SQLCipher connection to an encrypted file.  The passphrase comes from `key`, else
    the remembered one, else the key provider (asked again after a wrong answer until it gives up)."""
    p = Path(path)
    _require()
    if key is not None:
        return try_key(p, key, readonly=readonly)
    known = cached_key(p)
    if known is not None:
        try:
            return try_key(p, known, readonly=readonly)
        except WrongPassphrase:  # changed by another process meanwhile: ask again
            forget(p)
    problem: str | None = None
    last: CryptoError | None = None
    while _provider is not None:
        pw = _provider(p, problem)
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
    """A new, empty encrypted database file keyed with this passphrase."""
    p = Path(path)
    pw = check_passphrase(key)
    conn = raw_connect(p, pw)
    remember(p, pw)
    return conn


# --- changing the key: export, verify, swap --------------------------------------------------------

def crash_point(name: str) -> None:
    """Test hook (kill-loop tests): SIGKILL this process here when DOSSIER_TEST_CRASH_AT names it."""
    if os.environ.get("DOSSIER_TEST_CRASH_AT") == name:  # pragma: no cover - the child dies
        sys.stdout.flush()
        os.kill(os.getpid(), signal.SIGKILL)


def partial_path(path: Path) -> Path:
    return path.with_name(path.name + ".rekey-partial")


def aside_path(path: Path) -> Path:
    return path.with_name(path.name + ".rekey-old")


def _fsync_file(p: Path) -> None:
    fd = os.open(p, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(d: Path) -> None:
    with contextlib.suppress(OSError):  # not possible on every platform (Windows)
        fd = os.open(d, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _table_counts(conn: Any) -> dict[str, int]:
    from dossier.storage.backup import table_counts

    return table_counts(conn)


@dataclass(frozen=True)
class Snapshot:
    counts: dict[str, int]
    user_version: int
    application_id: int


def _snapshot(conn: Any) -> Snapshot:
    return Snapshot(_table_counts(conn), int(conn.execute("PRAGMA user_version").fetchone()[0]),
                    int(conn.execute("PRAGMA application_id").fetchone()[0]))


def verify_copy(path: Path, key: str | None, expected: Snapshot) -> None:
    """Open `path` afresh (keyed or plain) and check: cipher pages, integrity, counts, versions."""
    conn = raw_connect(path, key, readonly=True)
    try:
        if key is None and not _has_sqlite_header(path):
            raise StorageError(f"{path}: the decrypted copy has no SQLite header")
        bad = cipher_problems(conn) if key is not None else []
        if bad:
            raise StorageError(f"{path}: the new copy fails its cipher check: {bad[:3]}")
        ok = conn.execute("PRAGMA integrity_check").fetchone()[0]
        if ok != "ok":
            raise StorageError(f"{path}: the new copy fails its integrity check: {ok}")
        got = _snapshot(conn)
        if got != expected:
            raise StorageError(f"{path}: the new copy does not hold the same data as the database")
    finally:
        conn.close()


def _has_sqlite_header(p: Path) -> bool:
    with open(p, "rb") as f:
        return f.read(16) == SQLITE_HEADER


def _export_target_key(new: str | None) -> str:
    return key_literal(new) if new is not None else "''"


def change_key(path: str | Path, *, old: str | None, new: str | None) -> None:
    """Rewrite the database at `path` so that it opens with `new` (None: a plain database) instead
    of `old` (None: it is plain now).  Verified before it replaces the original; crash-safe (see the
    module doc).  Raises WrongPassphrase/EncryptedDamaged/StorageError and leaves the file as it was."""
    p = Path(path)
    if old is None and new is None:
        raise ValueError("nothing to change: both keys are None")
    if not p.exists():
        raise StorageError(f"{p}: no such database file")
    if new is not None:
        new = check_passphrase(new)
    partial, aside = partial_path(p), aside_path(p)
    if old is None:
        if not _has_sqlite_header(p):
            raise StorageError(f"{p}: this is not a plain SQLite database (already encrypted, or damaged)")
        src = raw_connect(p, None)
    else:
        src = try_key(p, old)
    # The file opens with `old`: leftovers of an interrupted change are stale now.
    partial.unlink(missing_ok=True)
    if aside.exists():
        aside.unlink()
    try:
        src.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        ok = src.execute("PRAGMA quick_check").fetchone()[0]
        if ok != "ok":
            raise StorageError(f"{p}: the database fails its check ({ok}); it was not changed")
        before = _snapshot(src)
        src.execute(f"ATTACH DATABASE ? AS newcopy KEY {_export_target_key(new)}", (os.fspath(partial),))
        src.execute("PRAGMA newcopy.journal_mode = DELETE")
        src.execute("SELECT sqlcipher_export('newcopy')")
        src.execute(f"PRAGMA newcopy.user_version = {before.user_version}")
        src.execute(f"PRAGMA newcopy.application_id = {before.application_id}")
        src.execute("DETACH DATABASE newcopy")
    except BaseException:
        src.close()
        partial.unlink(missing_ok=True)
        raise
    src.close()
    try:
        _fsync_file(partial)
        crash_point("exported")
        verify_copy(partial, new, before)
        crash_point("verified")
        wal = Path(str(p) + "-wal")
        if wal.exists() and wal.stat().st_size > 0:
            raise StorageError(f"{p}: it is still open somewhere (its WAL is not empty); close Dossier on it "
                               f"and try again. The database was not changed.")
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    try:
        os.link(p, aside)  # a second name for the old file: kept until the new one is in place
    except OSError:
        aside = None  # type: ignore[assignment]  # no hard links here: the rename alone is atomic
    _fsync_dir(p.parent)
    crash_point("linked")
    os.replace(partial, p)
    _fsync_dir(p.parent)
    crash_point("replaced")
    for suffix in ("-wal", "-shm"):  # the old file's (empty) WAL index must not meet the new file
        Path(str(p) + suffix).unlink(missing_ok=True)
    check = raw_connect(p, new)
    try:
        check.execute("SELECT count(*) FROM sqlite_master").fetchone()
    finally:
        check.close()
    crash_point("reopened")
    if aside is not None:
        aside.unlink(missing_ok=True)
        _fsync_dir(p.parent)
    forget(p)
    if new is not None:
        remember(p, new)


def cleanup_leftovers(path: str | Path) -> list[Path]:
    """Remove what an interrupted key change left beside `path`.  Call only after `path` opened and
    passed its check: then the partial copy is unfinished and the aside file is the previous
    version (or a second name of this very file), so neither is needed."""
    p = Path(path)
    gone = []
    for extra in (partial_path(p), aside_path(p)):
        if extra.exists():
            extra.unlink()
            gone.append(extra)
    return gone


def remembered_keys() -> list[str]:
    """The distinct passphrases this process knows (to open backups of the databases it opened)."""
    return list(dict.fromkeys(_keys.values()))
