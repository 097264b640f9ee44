"""The manifest: how to rebuild a version's bytes and where its tensors are.

A manifest lists byte streams (``Entry``): one for a file, one per file for a
folder, one tensor stream for an object commit. Each stream is an ordered list of
chunks that rebuild it exactly, plus a tensor index of byte ranges inside it, so a
lazy read maps rows to a byte range to the few chunks that cover it.

Everything read back is validated before use: sizes add up, ids are ids, tensor
ranges lie inside their stream and match shape x dtype, so nothing is allocated
from a number an attacker chose.
"""

from __future__ import annotations

import json
import math
import posixpath
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any

import numpy as np

from store.errors import InvalidManifestError
from store.objects.canonical import canonical_json, parse_json_object
from store.objects.hashing import is_oid

SCHEMA = 1
MAX_MANIFEST_BYTES = 64 << 20
MANIFEST_TYPES = ("file", "folder", "object")


ML_DTYPES = ("bfloat16", "float8_e4m3fn", "float8_e5m2")
#: A structured dtype is recorded as the JSON of its numpy ``descr``; longer ones are refused.
MAX_STRUCTURED_DTYPE = 16 << 10


@lru_cache(maxsize=256)
def dtype_of(name: str) -> np.dtype:
    """numpy dtype for a manifest dtype string; ``TypeError`` for anything that is not one.

    bfloat16 and float8 come from ml_dtypes; a string starting with ``[`` is a
    structured dtype's ``descr`` as JSON (tree nodes of scikit-learn). Dtypes holding
    Python objects are refused: tensors are plain bytes. Cached: a forest's
    manifest names the same tree-node dtype hundreds of times.
    """
    if name in ML_DTYPES:
        import ml_dtypes

        return np.dtype(getattr(ml_dtypes, name))
    if name.startswith("["):
        dtype = _structured_dtype(name)
    else:
        dtype = np.dtype(name)
    if dtype.hasobject:
        raise TypeError(f"dtype {name!r} holds Python objects")
    return dtype


def dtype_name(dtype: np.dtype) -> str:
    """The manifest string for ``dtype``: inverse of ``dtype_of``."""
    if dtype.name in ML_DTYPES:
        return dtype.name
    if dtype.fields is not None:
        return json.dumps(np.lib.format.dtype_to_descr(dtype), separators=(",", ":"))
    return dtype.str


def _structured_dtype(name: str) -> np.dtype:
    if len(name) > MAX_STRUCTURED_DTYPE:
        raise TypeError("structured dtype description is too long")
    try:
        return np.lib.format.descr_to_dtype(_descr(json.loads(name)))
    except (ValueError, KeyError, IndexError, RecursionError) as exc:
        raise TypeError(f"bad structured dtype {name[:80]!r}: {exc}") from None


def _descr(value: Any) -> Any:
    """JSON lists back into the tuples numpy's ``descr`` format uses for fields and shapes."""
    if isinstance(value, str):
        return value
    if not isinstance(value, list):
        raise TypeError("structured dtype fields must be lists")
    return [tuple(_field(f)) for f in value]


def _field(field: Any) -> list[Any]:
    if not (isinstance(field, list) and len(field) in (2, 3) and isinstance(field[0], str)):
        raise TypeError("a structured dtype field is [name, format] or [name, format, shape]")
    out = [field[0], _descr(field[1])]
    if len(field) == 3:
        if not (isinstance(field[2], list) and all(isinstance(d, int) and d >= 0 for d in field[2])):
            raise TypeError("a structured dtype field shape is a list of sizes")
        out.append(tuple(field[2]))
    return out


@dataclass(frozen=True)
class TensorRecord:
    dtype: str
    shape: tuple[int, ...]
    offset: int
    nbytes: int
    hash: str
    order: str = "C"  # "F": the bytes are column-major (a Fortran-ordered array kept as it was in memory)

    @property
    def row_bytes(self) -> int:
        rows = self.shape[0] if self.shape else 1
        return self.nbytes // rows if rows else 0

    def to_dict(self) -> dict[str, Any]:
        body = {"dtype": self.dtype, "shape": list(self.shape), "offset": self.offset, "nbytes": self.nbytes, "hash": self.hash}
        return body if self.order == "C" else {**body, "order": self.order}


@dataclass(frozen=True)
class ChunkRef:
    id: str
    size: int


@dataclass(frozen=True)
class Entry:
    path: str
    size: int
    hash: str
    format: str
    chunks: tuple[ChunkRef, ...]
    tensors: dict[str, TensorRecord] = field(default_factory=dict)
    mode: int = 0o644

    @cached_property
    def chunk_offsets(self) -> list[int]:
        """Start offset of each chunk in the stream, plus the stream's end."""
        offsets = [0]
        for chunk in self.chunks:
            offsets.append(offsets[-1] + chunk.size)
        return offsets

    def chunks_covering(self, start: int, stop: int) -> list[tuple[int, ChunkRef]]:
        """(stream offset, chunk) for every chunk overlapping ``[start, stop)``."""
        if stop <= start:
            return []
        offsets = self.chunk_offsets
        first = bisect_right(offsets, start) - 1
        out = []
        for i in range(first, len(self.chunks)):
            if offsets[i] >= stop:
                break
            out.append((offsets[i], self.chunks[i]))
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "mode": self.mode,
            "size": self.size,
            "hash": self.hash,
            "format": self.format,
            "chunks": [[c.id, c.size] for c in self.chunks],
            "tensors": {name: t.to_dict() for name, t in self.tensors.items()},
        }


@dataclass(frozen=True)
class Manifest:
    type: str
    entries: tuple[Entry, ...]
    structure: dict[str, Any] | None = None

    def to_bytes(self) -> bytes:
        body: dict[str, Any] = {"schema": SCHEMA, "type": self.type, "entries": [e.to_dict() for e in self.entries]}
        if self.structure is not None:
            body["structure"] = self.structure
        return canonical_json(body)

    @classmethod
    def from_bytes(cls, raw: bytes) -> Manifest:
        if len(raw) > MAX_MANIFEST_BYTES:
            raise InvalidManifestError(f"manifest of {len(raw)} bytes exceeds the {MAX_MANIFEST_BYTES >> 20} MiB cap")
        data = parse_json_object(raw, "manifest")
        return _parse_manifest(data)

    @property
    def size(self) -> int:
        return sum(e.size for e in self.entries)

    def chunk_ids(self) -> set[str]:
        return {c.id for e in self.entries for c in e.chunks}

    def tensors(self) -> dict[str, tuple[Entry, TensorRecord]]:
        """Every tensor by user-facing name; folder tensors are prefixed by their file's path."""
        out: dict[str, tuple[Entry, TensorRecord]] = {}
        for entry in self.entries:
            for name, record in entry.tensors.items():
                out[posixpath.join(entry.path, name) if self.type == "folder" else name] = (entry, record)
        return out


def _require(cond: bool, what: str) -> None:
    if not cond:
        raise InvalidManifestError(f"manifest is invalid: {what}")


def _int(value: Any, what: str) -> int:
    _require(isinstance(value, int) and not isinstance(value, bool) and value >= 0, f"{what} must be a non-negative integer")
    return value


def _parse_manifest(data: dict[str, Any]) -> Manifest:
    _require(data.get("schema") == SCHEMA, f"unsupported schema {data.get('schema')!r}")
    _require(data.get("type") in MANIFEST_TYPES, f"unknown type {data.get('type')!r}")
    entries = data.get("entries")
    _require(isinstance(entries, list), "entries must be a list")
    structure = data.get("structure")
    _require(structure is None or isinstance(structure, dict), "structure must be an object")
    parsed = tuple(_parse_entry(e) for e in entries)
    _require(len({e.path for e in parsed}) == len(parsed), "duplicate entry paths")
    return Manifest(data["type"], parsed, structure)


def _parse_entry(data: Any) -> Entry:
    _require(isinstance(data, dict), "entry must be an object")
    path = data.get("path")
    _require(isinstance(path, str) and _is_safe_relpath(path), f"unsafe entry path {path!r}")
    size = _int(data.get("size"), "entry size")
    digest = data.get("hash")
    _require(isinstance(digest, str) and is_oid(digest), "entry hash must be 64 hex digits")
    chunks_raw = data.get("chunks")
    _require(isinstance(chunks_raw, list), "entry chunks must be a list")
    chunks = []
    for item in chunks_raw:
        _require(isinstance(item, list) and len(item) == 2 and isinstance(item[0], str) and is_oid(item[0]), "bad chunk reference")
        chunks.append(ChunkRef(item[0], _int(item[1], "chunk size")))
    _require(sum(c.size for c in chunks) == size, f"chunks of {path!r} do not add up to its size")
    tensors_raw = data.get("tensors", {})
    _require(isinstance(tensors_raw, dict), "tensors must be an object")
    tensors = {str(name): _parse_tensor(name, t, size) for name, t in tensors_raw.items()}
    mode = _int(data.get("mode", 0o644), "mode")
    fmt = data.get("format")
    _require(isinstance(fmt, str), "format must be a string")
    return Entry(path, size, digest, fmt, tuple(chunks), tensors, mode & 0o777)


def _parse_tensor(name: str, data: Any, stream_size: int) -> TensorRecord:
    _require(isinstance(data, dict), f"tensor {name!r} must be an object")
    dtype = data.get("dtype")
    try:
        itemsize = dtype_of(dtype).itemsize if isinstance(dtype, str) else -1
    except TypeError:
        itemsize = -1
    _require(itemsize > 0, f"tensor {name!r} has unknown dtype {dtype!r}")
    shape_raw = data.get("shape")
    _require(isinstance(shape_raw, list), f"tensor {name!r} shape must be a list")
    shape = tuple(_int(d, f"tensor {name!r} dimension") for d in shape_raw)
    offset = _int(data.get("offset"), f"tensor {name!r} offset")
    nbytes = _int(data.get("nbytes"), f"tensor {name!r} nbytes")
    _require(math.prod(shape) * itemsize == nbytes, f"tensor {name!r} shape x dtype does not match nbytes")
    _require(offset + nbytes <= stream_size, f"tensor {name!r} lies outside its stream")
    digest = data.get("hash")
    _require(isinstance(digest, str) and is_oid(digest), f"tensor {name!r} hash must be 64 hex digits")
    order = data.get("order", "C")
    _require(order in ("C", "F"), f"tensor {name!r} order must be 'C' or 'F'")
    return TensorRecord(dtype, shape, offset, nbytes, digest, order)


def _is_safe_relpath(path: str) -> bool:
    if path == "":
        return True
    if path.startswith("/") or "\\" in path or "\x00" in path:
        return False
    return all(part not in ("", ".", "..") for part in path.split("/"))
