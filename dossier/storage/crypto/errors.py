"""What can go wrong with an encrypted database, each with its own exit code, and the last such
failure of this process (the CLI maps it to an exit code)."""

from __future__ import annotations

from dossier.storage.connection import DamagedDatabase, StorageError

EXIT_PASSPHRASE = 3  # no passphrase given, or a wrong one (the file is untouched)
EXIT_DAMAGED = 4  # the passphrase is right but pages of the encrypted file fail their check


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


_last_failure: CryptoError | None = None


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
