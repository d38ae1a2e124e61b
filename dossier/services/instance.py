"""One writer per database, and no database on a network share (RELIABILITY.md rule 4).

The lock is an OS lock (`flock` on POSIX, `msvcrt.locking` on Windows) on a small file beside the
database, `<name>.lock`, holding who took it (process id, host, what for) so the refused side can say
who has it.  The window holds it for as long as a database is open; CLI commands that write (import,
restore, backup) take it for their duration; so the window and the CLI see each other, and two
windows refuse each other.  The OS drops the lock when its process dies (kill -9 included), so a
crash never leaves a stale lock behind.  The database file itself is never locked this way: closing
any descriptor of it would drop SQLite's own POSIX locks.

Network shares (NFS, SMB/CIFS, sshfs ...) break SQLite's locking and WAL shared memory: such paths are
refused, found by the longest mount point in /proc/mounts (Linux; elsewhere nothing is refused).
"""

from __future__ import annotations

import json
import os
import socket
import sys
from pathlib import Path

from dossier.storage.connection import StorageError

NETWORK_FS = {"nfs", "nfs4", "cifs", "smb", "smb2", "smbfs", "smb3", "sshfs", "fuse.sshfs", "afs", "9p",
              "ncpfs", "fuse.rclone", "davfs", "fuse.davfs2", "glusterfs", "fuse.glusterfs", "ceph",
              "fuse.ceph", "lustre", "fuse.s3fs", "fuse.gcsfuse"}
MOUNTS = Path("/proc/mounts")


class AlreadyOpen(StorageError):
    """Another Dossier (window or command) has this database open for writing."""


class NetworkShare(StorageError):
    """The database lies on a network file system."""


def lock_path(db_path: Path) -> Path:
    return Path(db_path).with_name(Path(db_path).name + ".lock")


def _unescape_mount(s: str) -> str:
    # /proc/mounts escapes space, tab, newline and backslash as octal
    return s.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\")


def filesystem_type(path: Path, mounts: Path | None = None) -> str | None:
    """The file system type of the mount holding `path` (None when /proc/mounts is unavailable)."""
    src = mounts or MOUNTS
    try:
        text = src.read_text("utf-8", errors="replace")
    except OSError:
        return None
    p = Path(os.path.abspath(path))
    try:
        p = p.parent.resolve() / p.name
    except OSError:
        pass
    best, best_type = "", None
    for line in text.splitlines():
        parts = line.split()
        if len(parts) < 3:
            continue
        mnt, fstype = _unescape_mount(parts[1]), parts[2]
        if (str(p) == mnt or str(p).startswith(mnt.rstrip("/") + "/")) and len(mnt) >= len(best):
            best, best_type = mnt, fstype
    return best_type


def refuse_network_share(path: Path, mounts: Path | None = None) -> None:
    fstype = filesystem_type(path, mounts)
    if fstype and (fstype in NETWORK_FS or fstype.split(".")[-1] in NETWORK_FS):
        raise NetworkShare(
            f"{path}: the database is on a network share ({fstype}). SQLite databases are damaged when "
            "opened over a network file system; copy it to a local folder and open the copy.")


class InstanceLock:
    """An exclusive, non-blocking lock on `<db>.lock`.  Use `acquire()`; `release()` (or the process
    ending) frees it."""

    def __init__(self, db_path: Path, purpose: str):
        self.db_path = Path(db_path)
        self.path = lock_path(self.db_path)
        self.purpose = purpose
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> InstanceLock:
        if self._fd is not None:
            return self
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as e:
            if e.errno in (13, 30):  # EACCES, EROFS: a read-only folder
                from dossier.storage.connection import ReadOnlyDatabase

                raise ReadOnlyDatabase(f"{self.db_path}: its folder is read-only ({e.strerror}); Dossier "
                                       "needs to write beside the database. Copy it to a writable folder.") from e
            raise StorageError(f"{self.db_path}: cannot create the lock file {self.path.name}: {e.strerror}") from e
        if not _try_lock(fd):
            holder = _read_holder(fd)
            os.close(fd)
            raise AlreadyOpen(f"{self.db_path}: the database is already open in another Dossier ({holder}). "
                              "Close it there first; nothing was changed.")
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                                 "what": self.purpose}).encode("utf-8"))
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.ftruncate(fd, 0)
            _unlock(fd)
        finally:
            os.close(fd)

    def __enter__(self) -> InstanceLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()

    def __del__(self) -> None:  # a forgotten lock is freed with its object
        try:
            self.release()
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass


def is_locked(db_path: Path) -> bool:
    """True when another holder has the database's lock (a probe: takes and drops it)."""
    try:
        lk = InstanceLock(db_path, "probe").acquire()
    except AlreadyOpen:
        return True
    except StorageError:
        return False
    lk.release()
    return False


def _read_holder(fd: int) -> str:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        info = json.loads(os.read(fd, 4096).decode("utf-8") or "{}")
        return f"{info.get('what', 'Dossier')}, process {info.get('pid', '?')} on {info.get('host', '?')}"
    except (OSError, ValueError):
        return "another process"


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
