"""The 16-byte header in front of every stored object.

    magic  b"TVO" | version u8 | kind u8 | codec id u8 | codec param u8 | reserved u8 | raw length u64 LE

The header says how to decode the payload; the object's name (BLAKE3 of the raw
bytes) says what the decoded bytes must be, so a codec change never renames it.
"""

from __future__ import annotations

import enum
import struct
from dataclasses import dataclass

MAGIC = b"TVO"
VERSION = 1
_LAYOUT = struct.Struct("<3sBBBBBQ")
HEADER_SIZE = _LAYOUT.size


class Kind(enum.IntEnum):
    CHUNK = 1
    MANIFEST = 2
    COMMIT = 3


@dataclass(frozen=True)
class Header:
    kind: Kind
    codec_id: int
    codec_param: int
    raw_length: int

    def pack(self) -> bytes:
        return _LAYOUT.pack(MAGIC, VERSION, self.kind, self.codec_id, self.codec_param, 0, self.raw_length)

    @classmethod
    def unpack(cls, data: bytes | memoryview) -> Header:
        """Parse a header; ``ValueError`` says what is wrong with a malformed one."""
        if len(data) < HEADER_SIZE:
            raise ValueError(f"shorter than its {HEADER_SIZE}-byte header")
        magic, version, kind, codec_id, param, reserved, raw_length = _LAYOUT.unpack_from(data)
        if magic != MAGIC:
            raise ValueError("bad magic")
        if reserved:
            raise ValueError("reserved header byte is set")
        if version != VERSION:
            raise ValueError(f"object format version {version} is not supported")
        try:
            kind = Kind(kind)
        except ValueError:
            raise ValueError(f"unknown object kind {kind}") from None
        return cls(kind, codec_id, param, raw_length)
