"""zstd, plain and over byte-grouped planes.

Byte grouping puts byte k of every element together (float32 gives 4 planes):
exponent and high-mantissa bytes of trained weights repeat a lot, the low bytes
are noise, and zstd finds the former far better once they sit side by side.
Measured on trained float32 weights, it doubles zstd's saving.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import zstandard

from store.codecs.base import Codec, register
from store.errors import StoreError

DEFAULT_LEVEL = 3

_local = threading.local()


def _compressor(level: int) -> zstandard.ZstdCompressor:
    cache = _local.__dict__.setdefault("compressors", {})
    if level not in cache:
        cache[level] = zstandard.ZstdCompressor(level=level)
    return cache[level]


def _decompressor() -> zstandard.ZstdDecompressor:
    if not hasattr(_local, "decompressor"):
        _local.decompressor = zstandard.ZstdDecompressor()
    return _local.decompressor


def _decompress(payload: bytes | memoryview, size: int) -> bytes:
    try:
        out = _decompressor().decompress(payload, max_output_size=size)
    except zstandard.ZstdError as exc:
        raise StoreError(f"zstd payload does not decode: {exc}") from exc
    if len(out) != size:
        raise StoreError(f"zstd payload decodes to {len(out)} bytes, header says {size}")
    return out


def _decompress_into(payload: bytes | memoryview, out: memoryview) -> None:
    """Decompress a single frame into ``out``, which it must fill exactly."""
    try:
        with _decompressor().stream_reader(payload) as reader:
            filled = 0
            while filled < len(out):
                got = reader.readinto(out[filled:])
                if not got:
                    break
                filled += got
            extra = reader.read(1)
    except zstandard.ZstdError as exc:
        raise StoreError(f"zstd payload does not decode: {exc}") from exc
    if filled != len(out) or extra:
        raise StoreError(f"zstd payload does not decode to the {len(out)} bytes the header says")


def _scratch(size: int) -> np.ndarray:
    """A per-thread buffer for byte-grouped planes, reused so each chunk does not map fresh pages."""
    buffer = getattr(_local, "scratch", None)
    if buffer is None or len(buffer) < size:
        buffer = _local.scratch = np.empty(max(size, 1 << 20), dtype=np.uint8)
    return buffer[:size]


@dataclass(frozen=True)
class Zstd(Codec):
    codec_id: ClassVar[int] = 1
    name: ClassVar[str] = "zstd"
    level: int = DEFAULT_LEVEL

    @property
    def param(self) -> int:
        return self.level

    @classmethod
    def from_param(cls, param: int) -> Zstd:
        return cls(level=param)

    def encode(self, raw: bytes | memoryview) -> bytes:
        return _compressor(self.level).compress(raw)

    def decode(self, payload: bytes | memoryview, raw_length: int) -> bytes:
        return _decompress(payload, raw_length)

    def decode_into(self, payload: bytes | memoryview, out: memoryview) -> None:
        _decompress_into(payload, out)


@dataclass(frozen=True)
class ByteGroupedZstd(Codec):
    """zstd over ``itemsize`` byte planes; a tail shorter than one element stays in place."""

    codec_id: ClassVar[int] = 2
    name: ClassVar[str] = "bytegroup-zstd"
    itemsize: int = 4
    level: int = DEFAULT_LEVEL

    @property
    def param(self) -> int:
        return (self.itemsize << 4) | self.level

    @classmethod
    def from_param(cls, param: int) -> ByteGroupedZstd:
        if param >> 4 == 0:  # a damaged header; decoding would divide by zero
            raise ValueError("byte-grouped codec with an item size of 0")
        return cls(itemsize=param >> 4, level=param & 0x0F)

    def encode(self, raw: bytes | memoryview) -> bytes:
        data = np.frombuffer(raw, dtype=np.uint8)
        grouped = np.empty(len(data), dtype=np.uint8)
        body = len(data) - len(data) % self.itemsize
        planes, elements = grouped[:body].reshape(self.itemsize, -1), data[:body].reshape(-1, self.itemsize)
        for k in range(self.itemsize):  # one plane at a time: ~2.5x faster than numpy's transposed copy
            planes[k] = elements[:, k]
        grouped[body:] = data[body:]
        return _compressor(self.level).compress(grouped.data)

    def decode(self, payload: bytes | memoryview, raw_length: int) -> bytes:
        grouped = np.frombuffer(_decompress(payload, raw_length), dtype=np.uint8)
        out = np.empty(raw_length, dtype=np.uint8)
        self._ungroup(grouped, out)
        return out.tobytes()

    def decode_into(self, payload: bytes | memoryview, out: memoryview) -> None:
        grouped = _scratch(len(out))
        _decompress_into(payload, memoryview(grouped))
        self._ungroup(grouped, np.frombuffer(out, dtype=np.uint8))

    def _ungroup(self, grouped: np.ndarray, out: np.ndarray) -> None:
        body = len(out) - len(out) % self.itemsize
        elements, planes = out[:body].reshape(-1, self.itemsize), grouped[:body].reshape(self.itemsize, -1)
        for k in range(self.itemsize):
            elements[:, k] = planes[k]
        out[body:] = grouped[body:]


register(Zstd)
register(ByteGroupedZstd)
