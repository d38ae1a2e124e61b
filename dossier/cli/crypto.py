"""Encryption sub-commands (issue 10): encrypt, decrypt, passphrase; and how the CLI gets passphrases.

Passphrases come from the environment or a terminal prompt, never from the command line (it would
show in `ps` and the shell history), and are never printed, logged or written to settings:
- the current passphrase of an encrypted database: $DOSSIER_PASSPHRASE, else a prompt (getpass, no
  echo) when standard input is a terminal (3 tries); otherwise the command fails with exit code 3;
- a new passphrase (`init --encrypt`, `encrypt`, `passphrase`): $DOSSIER_NEW_PASSPHRASE, else (for
  `init --encrypt` and `encrypt`, where there is no current one) $DOSSIER_PASSPHRASE, else a prompt
  asked twice.

Exit codes: 3 the database is encrypted and no passphrase, or a wrong one, was given (the file is
untouched); 4 the passphrase is right but the encrypted file is damaged (some pages fail their
authentication check); 1 other rejections.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from dossier.cli.main import EXIT_OK, EXIT_REJECTED, command, db_arg, err, resolve_path

ENV_KEY = "DOSSIER_PASSPHRASE"
ENV_NEW_KEY = "DOSSIER_NEW_PASSPHRASE"
PROMPT_TRIES = 3
MIN_LENGTH = 8  # shorter passphrases are accepted with a warning


def _interactive() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()


def cli_key_provider(path: Path, problem: str | None) -> str | None:
    """The CLI's key provider: the environment once, else up to PROMPT_TRIES terminal prompts."""
    env = os.environ.get(ENV_KEY)
    if env:
        return env if problem is None else None  # a wrong $DOSSIER_PASSPHRASE is not retried
    if not _interactive():
        return None
    state = cli_key_provider.__dict__.setdefault("tries", {})
    n = state.get(str(path), 0)
    if n >= PROMPT_TRIES:
        return None
    state[str(path)] = n + 1
    if problem:
        print(f"dossier: {problem}", file=sys.stderr)
    return getpass.getpass(f"Passphrase for {path}: ")


def install_key_provider() -> None:
    from dossier.services.database import reset_failure, set_key_provider

    cli_key_provider.__dict__["tries"] = {}
    reset_failure()
    set_key_provider(cli_key_provider)


def exit_code(rc: int) -> int:
    """A command that failed because of a passphrase or a damaged encrypted file exits 3 or 4."""
    from dossier.services.database import last_failure

    f = last_failure()
    return f.exit_code if rc == EXIT_REJECTED and f is not None else rc


class NoPassphrase(Exception):
    pass


def new_passphrase(*, allow_current_env: bool) -> str:
    """A new passphrase: $DOSSIER_NEW_PASSPHRASE (or $DOSSIER_PASSPHRASE when allowed), else asked twice."""
    for name in (ENV_NEW_KEY, ENV_KEY) if allow_current_env else (ENV_NEW_KEY,):
        v = os.environ.get(name)
        if v:
            return v
    if not _interactive():
        names = f"${ENV_NEW_KEY}" + (f" or ${ENV_KEY}" if allow_current_env else "")
        raise NoPassphrase(f"a new passphrase is needed: set {names}, or run from a terminal to be asked")
    for _ in range(PROMPT_TRIES):
        a = getpass.getpass("New passphrase: ")
        if not a:
            print("dossier: the passphrase is empty; try again", file=sys.stderr)
            continue
        if len(a) < MIN_LENGTH:
            print(f"dossier: warning: a passphrase shorter than {MIN_LENGTH} characters is easy to guess",
                  file=sys.stderr)
        b = getpass.getpass("The same again: ")
        if a == b:
            return a
        print("dossier: the two passphrases differ; try again", file=sys.stderr)
    raise NoPassphrase("no new passphrase was set")


def current_passphrase(path: Path) -> str:
    env = os.environ.get(ENV_KEY)
    if env:
        return env
    if not _interactive():
        raise NoPassphrase(f"{path}: the current passphrase is needed: set ${ENV_KEY}, or run from a terminal")
    return getpass.getpass(f"Current passphrase for {path}: ")


def _report(conv) -> None:
    for line in conv.lines():
        print(line)


def _run(args: argparse.Namespace, action: str) -> int:
    from dossier.services import encryption
    from dossier.services.database import CryptoError, StorageError

    path = resolve_path(args.db)
    try:
        if action == "encrypt":
            if not path.exists():
                raise StorageError(f"{path}: no such database file")
            conv = encryption.encrypt_database(path, new_passphrase(allow_current_env=True))
            print(f"encrypted {args.db} (SQLCipher 4: AES-256, passphrase through PBKDF2-HMAC-SHA512)")
            print("note: the disk blocks the plain file used may still hold its data until overwritten; "
                  "earlier copies (exports, other backups) are not touched", file=sys.stderr)
        elif action == "decrypt":
            conv = encryption.decrypt_database(path, current_passphrase(path))
            print(f"decrypted {args.db}: it is now a plain SQLite file, readable by anyone who has it")
        else:
            old = current_passphrase(path)
            conv = encryption.change_passphrase(path, old, new_passphrase(allow_current_env=False))
            print(f"changed the passphrase of {args.db}")
    except NoPassphrase as e:
        err(str(e))
        return 3
    except CryptoError as e:
        err(str(e))
        return e.exit_code
    except StorageError as e:
        err(str(e))
        return EXIT_REJECTED
    _report(conv)
    return EXIT_OK


def _db_only(p: argparse.ArgumentParser) -> None:
    db_arg(p)


@command("encrypt", "Encrypt a database (and its backups) with a passphrase ($DOSSIER_PASSPHRASE or asked twice).")
def cmd_encrypt(args: argparse.Namespace) -> int:
    return _run(args, "encrypt")


@command("decrypt", "Decrypt an encrypted database into a plain SQLite file (its backups stay encrypted).")
def cmd_decrypt(args: argparse.Namespace) -> int:
    return _run(args, "decrypt")


@command("passphrase", "Change an encrypted database's passphrase (current: $DOSSIER_PASSPHRASE, "
                       "new: $DOSSIER_NEW_PASSPHRASE, else asked).")
def cmd_passphrase(args: argparse.Namespace) -> int:
    return _run(args, "passphrase")


cmd_encrypt.configure = cmd_decrypt.configure = cmd_passphrase.configure = _db_only
