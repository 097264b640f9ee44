"""A store root on any fsspec file system (GCS, Azure, HTTP, memory, ...).

Used for remotes that are neither a local folder nor S3. Object stores make a
single-object write atomic, which is all ``write`` needs; what they lack in
general is a conditional write, so this backend can read and fill a store but
refuses to move a ref (``S3Backend`` can).
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from typing import Any

from store.backend.base import Backend
from store.errors import RemoteError


def protocol_of(fs: Any) -> str:
    protocol = fs.protocol
    return protocol if isinstance(protocol, str) else protocol[0]


class FsspecBackend(Backend):
    def __init__(self, fs: Any, root: str) -> None:
        self.fs = fs
        self.root = root.rstrip("/")
        self.url = f"{protocol_of(fs)}://{self.root}"

    def path(self, key: str) -> str:
        return f"{self.root}/{key}"

    def read(self, key: str) -> bytes:
        return self.fs.cat_file(self.path(key))

    def read_head(self, key: str, length: int) -> bytes:
        return self.fs.cat_file(self.path(key), start=0, end=length)

    def write(self, key: str, data: bytes) -> None:
        self.fs.pipe_file(self.path(key), data)

    def exists(self, key: str) -> bool:
        path = self.path(key)
        self.fs.invalidate_cache(path)  # another writer may have added it since we last listed
        return self.fs.isfile(path)

    def list(self, prefix: str) -> Iterator[str]:
        base = self.path(prefix)
        self.fs.invalidate_cache(base)
        try:
            found = self.fs.find(base)
        except FileNotFoundError:
            return
        for path in found:
            yield posixpath.relpath(self.fs._strip_protocol(path), self.root)

    def size(self, key: str) -> int:
        return int(self.fs.size(self.path(key)))

    def modified(self, key: str) -> float:
        return self.fs.modified(self.path(key)).timestamp()

    def delete(self, key: str) -> None:
        try:
            self.fs.rm_file(self.path(key))
        except FileNotFoundError:
            pass

    def compare_and_swap(self, key: str, expected: bytes | None, new: bytes | None) -> None:
        raise RemoteError(
            f"{self.url} has no conditional writes, so tvc cannot move its refs safely",
            hint="push to S3 (or an S3-compatible server) or a local folder",
        )
