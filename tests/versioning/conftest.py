"""A real store in tmp_path, and small builders for hand-made manifests and commits."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
import pytest

from store.backend.local import LocalBackend
from store.objects import ChunkRef, Entry, Kind, Manifest, ObjectDB, TensorRecord, hash_bytes
from store.versioning import HEADS, Commit, CommitStore, RefStore


@dataclass
class Store:
    backend: LocalBackend
    db: ObjectDB
    refs: RefStore
    commits: CommitStore
    clock: itertools.count = field(default_factory=lambda: itertools.count(1_700_000_000))

    def chunk(self, data: bytes) -> ChunkRef:
        return ChunkRef(self.db.put(data, Kind.CHUNK).oid, len(data))

    def tensor_entry(self, tensors: dict[str, np.ndarray], path: str = "", fmt: str = "object") -> Entry:
        """One stream holding the tensors back to back, one chunk per tensor."""
        chunks, records, offset = [], {}, 0
        for name, array in tensors.items():
            raw = np.ascontiguousarray(array).tobytes()
            chunks.append(self.chunk(raw))
            records[name] = TensorRecord(str(array.dtype), tuple(array.shape), offset, len(raw), hash_bytes(raw))
            offset += len(raw)
        stream = b"".join(np.ascontiguousarray(a).tobytes() for a in tensors.values())
        return Entry(path, len(stream), hash_bytes(stream), fmt, tuple(chunks), records)

    def file_entry(self, path: str, parts: list[bytes]) -> Entry:
        """An opaque file rebuilt from ``parts``, one chunk each, no tensors."""
        data = b"".join(parts)
        return Entry(path, len(data), hash_bytes(data), "bytes", tuple(self.chunk(p) for p in parts))

    def put_manifest(self, manifest: Manifest) -> str:
        return self.db.put(manifest.to_bytes(), Kind.MANIFEST).oid

    def tensor_manifest(self, tensors: dict[str, np.ndarray]) -> str:
        return self.put_manifest(Manifest("object", (self.tensor_entry(tensors),)))

    def make(self, name: str, manifest: str | None = None, parents: tuple[str, ...] = (), message: str = "m",
             time: float | None = None) -> Commit:
        if manifest is None:
            manifest = self.tensor_manifest({"w": np.arange(4, dtype=np.float32) + next(self.clock)})
        return Commit(manifest, parents, name, message, "tester", float(next(self.clock) if time is None else time),
                      {"lr": 0.1}, {"auc": 0.9}, {"python": "3"})

    def commit(self, name: str, branch: str | None = "main", **kw: object) -> str:
        """Make a commit on ``branch`` (parent = its head) and advance it; ``branch=None`` leaves it unreferenced."""
        head = self.refs.get(name, HEADS, branch) if branch else None
        kw.setdefault("parents", (head,) if head else ())
        oid = self.commits.put(self.make(name, **kw))  # type: ignore[arg-type]
        if branch:
            self.refs.set_if_equals(name, HEADS, branch, head, oid)
        return oid


@pytest.fixture
def store(tmp_path) -> Store:
    backend = LocalBackend(tmp_path / "store")
    db = ObjectDB(backend)
    return Store(backend, db, RefStore(backend), CommitStore(db))
