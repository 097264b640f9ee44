"""What changed between two versions: per tensor where tensors are known, per file otherwise.

Works on manifests alone (no chunk is read): tensor hashes say whether a tensor
changed; chunk ids say how many bytes a new version really added to the store.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from store.objects.manifest import Entry, Manifest, TensorRecord

ADDED, REMOVED, CHANGED, UNCHANGED = "added", "removed", "changed", "unchanged"
STATUSES = (ADDED, REMOVED, CHANGED, UNCHANGED)


@dataclass(frozen=True)
class TensorDiff:
    name: str
    status: str
    bytes_a: int
    bytes_b: int
    dtype_a: str | None
    dtype_b: str | None
    shape_a: tuple[int, ...] | None
    shape_b: tuple[int, ...] | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status,
            "bytes_a": self.bytes_a,
            "bytes_b": self.bytes_b,
            "dtype_a": self.dtype_a,
            "dtype_b": self.dtype_b,
            "shape_a": list(self.shape_a) if self.shape_a is not None else None,
            "shape_b": list(self.shape_b) if self.shape_b is not None else None,
        }


@dataclass(frozen=True)
class FileDiff:
    """A byte stream without a tensor index, compared by its chunks."""

    path: str  # entry path; "." for the single unnamed stream
    status: str
    bytes_a: int
    bytes_b: int
    chunks_shared: int
    chunks_only_a: int
    chunks_only_b: int
    shared_bytes: int
    only_a_bytes: int
    only_b_bytes: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "status": self.status,
            "bytes_a": self.bytes_a,
            "bytes_b": self.bytes_b,
            "chunks": {
                "shared": self.chunks_shared,
                "only_a": self.chunks_only_a,
                "only_b": self.chunks_only_b,
                "shared_bytes": self.shared_bytes,
                "only_a_bytes": self.only_a_bytes,
                "only_b_bytes": self.only_b_bytes,
            },
        }


@dataclass(frozen=True)
class ManifestDiff:
    tensors: tuple[TensorDiff, ...]
    files: tuple[FileDiff, ...]
    bytes_a: int  # total size of version a
    bytes_b: int
    new_bytes: int  # raw bytes of b's chunks that a does not have: what storing b cost after a

    @property
    def changed(self) -> bool:
        return any(row.status != UNCHANGED for row in (*self.tensors, *self.files))

    def counts(self) -> dict[str, int]:
        """Rows per status, tensors and files together."""
        out = dict.fromkeys(STATUSES, 0)
        for row in (*self.tensors, *self.files):
            out[row.status] += 1
        return out

    def summary(self) -> dict[str, Any]:
        return {"bytes_a": self.bytes_a, "bytes_b": self.bytes_b, "new_bytes": self.new_bytes, **self.counts()}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready; the caller adds the ids of "a" and "b"."""
        return {
            "tensors": [t.to_dict() for t in self.tensors],
            "files": [f.to_dict() for f in self.files],
            "summary": self.summary(),
        }


def _status(in_a: bool, in_b: bool, same: bool) -> str:
    if not in_a:
        return ADDED
    if not in_b:
        return REMOVED
    return UNCHANGED if same else CHANGED


def _tensor_row(name: str, a: TensorRecord | None, b: TensorRecord | None) -> TensorDiff:
    same = a is not None and b is not None and (a.hash, a.dtype, a.shape) == (b.hash, b.dtype, b.shape)
    return TensorDiff(
        name=name,
        status=_status(a is not None, b is not None, same),
        bytes_a=a.nbytes if a else 0,
        bytes_b=b.nbytes if b else 0,
        dtype_a=a.dtype if a else None,
        dtype_b=b.dtype if b else None,
        shape_a=a.shape if a else None,
        shape_b=b.shape if b else None,
    )


def _chunk_sizes(entry: Entry | None) -> dict[str, int]:
    return {c.id: c.size for c in entry.chunks} if entry is not None else {}


def _file_row(path: str, a: Entry | None, b: Entry | None) -> FileDiff:
    ca, cb = _chunk_sizes(a), _chunk_sizes(b)
    shared = ca.keys() & cb.keys()
    only_a = ca.keys() - cb.keys()
    only_b = cb.keys() - ca.keys()
    same = a is not None and b is not None and (a.hash, a.size) == (b.hash, b.size)
    return FileDiff(
        path=path or ".",
        status=_status(a is not None, b is not None, same),
        bytes_a=a.size if a else 0,
        bytes_b=b.size if b else 0,
        chunks_shared=len(shared),
        chunks_only_a=len(only_a),
        chunks_only_b=len(only_b),
        shared_bytes=sum(cb[c] for c in shared),
        only_a_bytes=sum(ca[c] for c in only_a),
        only_b_bytes=sum(cb[c] for c in only_b),
    )


def diff_manifests(a: Manifest, b: Manifest) -> ManifestDiff:
    """Tensor rows for every tensor name in either side; file rows for streams with no tensors on either side."""
    ta, tb = a.tensors(), b.tensors()
    tensors = tuple(
        _tensor_row(name, ta[name][1] if name in ta else None, tb[name][1] if name in tb else None)
        for name in sorted(ta.keys() | tb.keys())
    )
    ea, eb = {e.path: e for e in a.entries}, {e.path: e for e in b.entries}
    files = tuple(
        _file_row(path, ea.get(path), eb.get(path))
        for path in sorted(ea.keys() | eb.keys())
        if not (ea.get(path) and ea[path].tensors) and not (eb.get(path) and eb[path].tensors)
    )
    sizes_b = {c.id: c.size for e in b.entries for c in e.chunks}
    known_a = a.chunk_ids()
    new_bytes = sum(size for cid, size in sizes_b.items() if cid not in known_a)
    return ManifestDiff(tensors, files, a.size, b.size, new_bytes)
