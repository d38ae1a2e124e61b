"""Test set-up: Qt offscreen, no user files touched, no network, cheap throwaway databases."""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false")

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
FIXTURES = SHARED / "fixtures" / "bad-input"
REALDATA = SHARED / "realdata"


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path_factory, monkeypatch):
    """Never read or write the user's real settings or data folder."""
    base = tmp_path_factory.mktemp("user")
    monkeypatch.setenv("DOSSIER_CONFIG_DIR", str(base / "config"))
    monkeypatch.setenv("DOSSIER_DATA_DIR", str(base / "data"))
    monkeypatch.delenv("DOSSIER_DB", raising=False)


class NetworkBlocked(RuntimeError):
    pass


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    """Any attempt to open an internet socket from Python fails the test (offline by construction)."""
    real_socket = socket.socket

    class GuardedSocket(real_socket):
        def __init__(self, family=socket.AF_INET, *args, **kwargs):
            if family in (socket.AF_INET, socket.AF_INET6):
                raise NetworkBlocked(f"network socket attempted (family {family})")
            super().__init__(family, *args, **kwargs)

    monkeypatch.setattr(socket, "socket", GuardedSocket)
    monkeypatch.setattr(socket, "create_connection",
                        lambda *a, **k: (_ for _ in ()).throw(NetworkBlocked("create_connection")))


_SAMPLE_CACHE: dict[str, Path] = {}


@pytest.fixture
def sample_db_path(tmp_path, tmp_path_factory) -> Path:
    """A fresh copy of a sample database (built once per session, copied per test)."""
    if "sample" not in _SAMPLE_CACHE:
        from dossier.services.database import close_database, create_database

        d = tmp_path_factory.mktemp("sample-master")
        p = d / "sample.db"
        close_database(create_database(p, sample=True))
        _SAMPLE_CACHE["sample"] = p
    dst = tmp_path / "sample.db"
    shutil.copyfile(_SAMPLE_CACHE["sample"], dst)
    return dst


@pytest.fixture
def sample_db(sample_db_path):
    from dossier.services.database import close_database, open_database

    db = open_database(sample_db_path)
    yield db
    close_database(db)


@pytest.fixture
def empty_db(tmp_path):
    from dossier.services.database import close_database, create_database

    db = create_database(tmp_path / "empty.db")
    yield db
    close_database(db)
