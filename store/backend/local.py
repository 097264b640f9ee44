"""A store root in a local folder: atomic writes and lock-file compare-and-swap."""

from __future__ import annotations

import ctypes
import functools
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from store.backend.base import Backend
from store.errors import RefConflictError

LOCK_WAIT_SECONDS = 10.0
STALE_LOCK_SECONDS = 5.0


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes, tmp_dir: Path, *, durable: bool = True) -> None:
    """Write via a temp file in ``tmp_dir`` (same file system) and rename: never a torn file.

    ``durable`` also fsyncs the file and its folder; without it the caller must
    sync the file system before anything depends on the write surviving a crash.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp_dir.mkdir(parents=True, exist_ok=True)
    tmp = tmp_dir / f"{path.name}.{os.getpid()}.{threading.get_ident()}.{time.monotonic_ns()}.tmp"
    with open(tmp, "wb") as f:
        f.write(data)
        if durable:
            f.flush()
            os.fsync(f.fileno())
    try:
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if durable:
        fsync_dir(path.parent)


def sync_file_system(path: Path) -> None:
    """One ``syncfs`` of the file system holding ``path``: far cheaper than an fsync per file."""
    syncfs = getattr(_libc(), "syncfs", None)
    if syncfs is None:
        os.sync()
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        if syncfs(fd) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"syncfs failed: {os.strerror(err)}", str(path))
    finally:
        os.close(fd)


@functools.cache
def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


class LocalBackend(Backend):
    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).absolute()
        self.url = str(self.root)
        self.tmp = self.root / "tmp"
        self._unsynced = False

    def path(self, key: str) -> Path:
        return self.root / key

    def read(self, key: str) -> bytes:
        return self.path(key).read_bytes()

    def read_head(self, key: str, length: int) -> bytes:
        with open(self.path(key), "rb") as f:
            return f.read(length)

    def write(self, key: str, data: bytes) -> None:
        atomic_write(self.path(key), data, self.tmp)

    def write_deferred(self, key: str, data: bytes) -> None:
        atomic_write(self.path(key), data, self.tmp, durable=False)
        self._unsynced = True

    def sync(self) -> None:
        if self._unsynced:
            self._unsynced = False
            sync_file_system(self.root)

    def exists(self, key: str) -> bool:
        return self.path(key).exists()

    def touch(self, key: str) -> None:
        try:
            os.utime(self.path(key))
        except FileNotFoundError:
            pass

    def list(self, prefix: str) -> Iterator[str]:
        base = self.path(prefix)
        if not base.is_dir():
            return
        for dirpath, _dirs, files in os.walk(base):
            rel = Path(dirpath).relative_to(self.root).as_posix()
            for name in files:
                yield f"{rel}/{name}"

    def size(self, key: str) -> int:
        return self.path(key).stat().st_size

    def modified(self, key: str) -> float:
        return self.path(key).stat().st_mtime

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def compare_and_swap(self, key: str, expected: bytes | None, new: bytes | None) -> None:
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        lock = path.with_name(path.name + ".lock")
        fd = self._acquire(lock)
        try:
            current = path.read_bytes() if path.exists() else None
            if current != expected:
                raise RefConflictError(f"ref {key} moved while updating it")
            if new is None:
                path.unlink(missing_ok=True)
                os.close(fd)
                fd = -1
                lock.unlink()
                return
            os.write(fd, new)
            os.fsync(fd)
            os.close(fd)
            fd = -1
            os.replace(lock, path)
            fsync_dir(path.parent)
        finally:
            if fd != -1:
                os.close(fd)
                lock.unlink(missing_ok=True)

    def _acquire(self, lock: Path) -> int:
        """Create ``lock`` exclusively, waiting for a live holder and breaking a dead one's."""
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        while True:
            try:
                return os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                if _lock_is_stale(lock):
                    lock.unlink(missing_ok=True)
                    continue
                if time.monotonic() > deadline:
                    raise RefConflictError(f"ref {lock.stem} is locked by another writer ({lock})") from None
                time.sleep(0.005)


def _lock_is_stale(lock: Path) -> bool:
    """A lock is stale when its writer died: our lock files only live for microseconds."""
    try:
        age = time.time() - lock.stat().st_mtime
    except FileNotFoundError:
        return False
    return age > STALE_LOCK_SECONDS

