"""The object database: put, get, has_many over any backend, every read verified."""

from __future__ import annotations

import threading

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from store.backend.base import Backend
from store.codecs import Codec, Raw, codec_from_header, encode_best
from store.objects.hashing import hash_bytes, is_oid
from store.objects.header import HEADER_SIZE, Header, Kind
from store.errors import CorruptObjectError, ObjectNotFoundError, StoreError

OBJECTS = "objects"


def object_key(oid: str) -> str:
    return f"{OBJECTS}/{oid[:2]}/{oid[2:]}"


def oid_from_key(key: str) -> str | None:
    parts = key.split("/")
    if len(parts) != 3 or parts[0] != OBJECTS:
        return None
    oid = parts[1] + parts[2]
    return oid if is_oid(oid) else None


@dataclass(frozen=True)
class PutResult:
    oid: str
    stored_bytes: int  # 0 when the object was already there
    raw_bytes: int

    @property
    def is_new(self) -> bool:
        return self.stored_bytes > 0


def encode_object(raw: bytes | memoryview, kind: Kind, dtype: str | None, level: int, compress: bool = True) -> bytes:
    """Header + payload; ``compress=False`` stores the bytes raw, so a local file can be memory-mapped."""
    codec, payload = encode_best(raw, dtype=dtype, level=level) if compress else (Raw(), raw)
    return Header(kind, codec.codec_id, codec.param, len(raw)).pack() + payload


def decode_object(oid: str, stored: bytes, expect: Kind | None = None) -> bytes:
    """Raw bytes of a stored object, after checking header, kind and hash."""
    try:
        header = Header.unpack(stored)
        codec: Codec = codec_from_header(header.codec_id, header.codec_param)
        raw = codec.decode(memoryview(stored)[HEADER_SIZE:], header.raw_length)
    except (ValueError, OverflowError, StoreError) as exc:  # OverflowError: a raw length past 2**63
        raise CorruptObjectError(oid, str(exc)) from exc
    if len(raw) != header.raw_length:
        raise CorruptObjectError(oid, f"decodes to {len(raw)} bytes, header says {header.raw_length}")
    if hash_bytes(raw) != oid:
        raise CorruptObjectError(oid, "content does not match its hash")
    if expect is not None and header.kind != expect:
        raise CorruptObjectError(oid, f"is a {header.kind.name.lower()}, expected a {expect.name.lower()}")
    return raw


class ObjectDB:
    def __init__(self, backend: Backend, level: int = 3) -> None:
        self.backend = backend
        self.level = level
        self.objects_read = 0  # objects fetched whole: what lazy reads are judged by
        self._read_lock = threading.Lock()

    def put(self, raw: bytes | memoryview, kind: Kind, dtype: str | None = None, compress: bool = True) -> PutResult:
        """Store ``raw`` unless an object of that hash exists; idempotent and atomic."""
        oid = hash_bytes(raw)
        key = object_key(oid)
        if self.backend.exists(key):
            self.backend.touch(key)
            return PutResult(oid, 0, len(raw))
        stored = encode_object(raw, kind, dtype, self.level, compress)
        self.backend.write_deferred(key, stored)
        return PutResult(oid, len(stored), len(raw))

    def sync(self) -> None:
        """Make every object put so far durable: call before a ref (or anything lasting) names them."""
        self.backend.sync()

    def get(self, oid: str, expect: Kind | None = None) -> bytes:
        return decode_object(oid, self.read_stored(oid), expect)

    def get_into(self, oid: str, out: memoryview, expect: Kind | None = None) -> None:
        """Decode object ``oid`` into ``out`` (exactly its raw length) and verify it there.

        What a reader filling one big buffer uses: no decoded copy is allocated per object.
        """
        stored = self.read_stored(oid)
        try:
            header = Header.unpack(stored)
            if header.raw_length != len(out):
                raise ValueError(f"holds {header.raw_length} bytes, {len(out)} expected")
            codec_from_header(header.codec_id, header.codec_param).decode_into(memoryview(stored)[HEADER_SIZE:], out)
        except (ValueError, OverflowError, StoreError) as exc:
            raise CorruptObjectError(oid, str(exc)) from exc
        if hash_bytes(out) != oid:
            raise CorruptObjectError(oid, "content does not match its hash")
        if expect is not None and header.kind != expect:
            raise CorruptObjectError(oid, f"is a {header.kind.name.lower()}, expected a {expect.name.lower()}")

    def read_stored(self, oid: str) -> bytes:
        """The object exactly as stored (header + payload), unverified: for copying."""
        if not is_oid(oid):
            raise ObjectNotFoundError(oid, f"'{oid}' is not an object id")
        try:
            stored = self.backend.read(object_key(oid))
        except FileNotFoundError:
            raise ObjectNotFoundError(oid) from None
        with self._read_lock:
            self.objects_read += 1
        return stored

    def write_stored(self, oid: str, stored: bytes, deferred: bool = False) -> None:
        """Store an encoded object copied from another store, after verifying it.

        ``deferred``: durable only after the next ``sync``, like ``put`` (a transfer syncs once, before refs move).
        """
        decode_object(oid, stored)
        write = self.backend.write_deferred if deferred else self.backend.write
        write(object_key(oid), stored)

    def header(self, oid: str) -> Header:
        try:
            return Header.unpack(self.backend.read_head(object_key(oid), HEADER_SIZE))
        except FileNotFoundError:
            raise ObjectNotFoundError(oid) from None
        except ValueError as exc:
            raise CorruptObjectError(oid, str(exc)) from exc

    def has(self, oid: str) -> bool:
        return self.backend.exists(object_key(oid))

    def has_many(self, oids: Iterable[str]) -> set[str]:
        keys = {object_key(o): o for o in oids}
        return {keys[k] for k in self.backend.exists_many(keys)}

    def stored_size(self, oid: str) -> int:
        return self.backend.size(object_key(oid))

    def delete(self, oid: str) -> None:
        self.backend.delete(object_key(oid))

    def __iter__(self) -> Iterator[str]:
        for key in self.backend.list(OBJECTS):
            oid = oid_from_key(key)
            if oid is not None:
                yield oid
