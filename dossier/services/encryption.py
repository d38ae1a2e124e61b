"""Encrypting, decrypting and re-keying a database file, and its backups with it (issue 10).

Backups are encrypted with the same key as their database (RELIABILITY.md rule 16), so:
- encrypt: the plain backups in `<stem>.backups/` are encrypted too (each verified); leaving them
  plain would leave the data readable beside the now encrypted file;
- change passphrase: backups that open with the old passphrase are re-keyed to the new one (a
  leaked old passphrase must not open them); others are left and reported;
- decrypt: backups stay encrypted (they still open with the passphrase) and are reported.
Every conversion goes through `storage.crypto.change_key` (export, verify, atomic rename).
The database must not be open anywhere while it is converted (the GUI closes its session first): each
conversion holds the database's instance lock throughout, so a second Dossier (window, import, check,
restore) can neither be open on it nor open it meanwhile (AlreadyOpen, nothing changed).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from dataclasses import dataclass, field
from pathlib import Path

from dossier.services.backups import backup_dir
from dossier.services.instance import InstanceLock
from dossier.storage import crypto
from dossier.storage.connection import SQLITE_HEADER, StorageError


@dataclass
class Conversion:
    path: Path
    backups_converted: list[Path] = field(default_factory=list)
    backups_left: list[tuple[Path, str]] = field(default_factory=list)  # (file, why)

    def lines(self) -> list[str]:
        out = [f"{b}: converted with the database" for b in self.backups_converted]
        out += [f"{b}: left as it is ({why})" for b, why in self.backups_left]
        return out


def is_encrypted_file(path: str | Path) -> bool:
    """True for a file without a SQLite header (an encrypted database, or a damaged one)."""
    return crypto.looks_encrypted(path)


def is_plain_file(path: str | Path) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(16) == SQLITE_HEADER
    except OSError:
        return False


def _backups(path: Path) -> list[Path]:
    d = backup_dir(path)
    return sorted(p for p in d.glob("*.db")) if d.is_dir() else []


Progress = Callable[[int, int, str], None]  # (files done, files in all, what now): a GUI progress bar


def _step(progress: Progress | None, done: int, total: int, what: str) -> None:
    if progress is not None:
        progress(done, total, what)


def _locked(purpose: str) -> Callable[[Callable[..., Conversion]], Callable[..., Conversion]]:
    """Run the conversion holding the database's instance lock (AlreadyOpen if another Dossier has it)."""
    def wrap(fn: Callable[..., Conversion]) -> Callable[..., Conversion]:
        @functools.wraps(fn)
        def run(path: str | Path, *args: str, **kw: Any) -> Conversion:
            with InstanceLock(Path(path), purpose):
                return fn(path, *args, **kw)
        return run
    return wrap


@_locked("dossier encrypt")
def encrypt_database(path: str | Path, new: str, *, progress: Progress | None = None) -> Conversion:
    p = Path(path)
    if not is_plain_file(p):
        raise StorageError(f"{p}: not a plain SQLite database (already encrypted, or damaged); nothing was changed")
    todo = _backups(p)
    _step(progress, 0, 1 + len(todo), f"encrypting {p.name}")
    crypto.change_key(p, old=None, new=new)
    out = Conversion(p)
    for i, b in enumerate(todo, 1):
        _step(progress, i, 1 + len(todo), f"backup {b.name}")
        if is_plain_file(b):
            crypto.change_key(b, old=None, new=new)
            out.backups_converted.append(b)
        else:
            out.backups_left.append((b, "already encrypted"))
    _step(progress, 1 + len(todo), 1 + len(todo), "done")
    return out


@_locked("dossier passphrase change")
def change_passphrase(path: str | Path, old: str, new: str, *, progress: Progress | None = None) -> Conversion:
    p = Path(path)
    if not is_encrypted_file(p):
        raise StorageError(f"{p}: this database is not encrypted; use `dossier encrypt`")
    todo = _backups(p)
    _step(progress, 0, 1 + len(todo), f"re-encrypting {p.name}")
    crypto.change_key(p, old=old, new=new)
    out = Conversion(p)
    for i, b in enumerate(todo, 1):
        _step(progress, i, 1 + len(todo), f"backup {b.name}")
        if not is_encrypted_file(b):
            out.backups_left.append((b, "not encrypted: a plain backup"))
            continue
        try:
            crypto.change_key(b, old=old, new=new)
            out.backups_converted.append(b)
        except crypto.CryptoError as e:
            out.backups_left.append((b, f"does not open with the old passphrase: {type(e).__name__}"))
        except StorageError as e:
            out.backups_left.append((b, str(e)))
    _step(progress, 1 + len(todo), 1 + len(todo), "done")
    return out


@_locked("dossier decrypt")
def decrypt_database(path: str | Path, old: str, *, progress: Progress | None = None) -> Conversion:
    p = Path(path)
    if not is_encrypted_file(p):
        raise StorageError(f"{p}: this database is not encrypted; nothing was changed")
    _step(progress, 0, 1, f"decrypting {p.name}")
    crypto.change_key(p, old=old, new=None)
    _step(progress, 1, 1, "done")
    out = Conversion(p)
    for b in _backups(p):
        if is_encrypted_file(b):
            out.backups_left.append((b, "still encrypted: it opens with the passphrase"))
    return out


def forget_passphrase(path: str | Path | None = None) -> None:
    """Drop the passphrase and derived keys this process remembers for a database and its backups
    (idle lock, closing a database); all of them when path is None."""
    crypto.forget(path)
    if path is not None:
        crypto.forget_under(backup_dir(Path(path)))


def remembered_passphrase(path: str | Path) -> str | None:
    return crypto.cached_key(path)
