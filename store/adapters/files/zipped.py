"""Zip archives whose members are stored uncompressed (``.npz``, ``.keras``).

A stored member's bytes sit verbatim in the archive, so a tensor inside it has a
fixed offset in the outer file. zipfile reads the central directory (and handles
Zip64); the data offset comes from the member's *local* header, whose extra field
may differ in length from the central directory's copy.
"""

from __future__ import annotations

import struct
import zipfile
from typing import BinaryIO

from store.adapters.files.layout import FileLayout, TensorSpan, finish
from store.adapters.files.npy import npy_span

# signature, version, flags, method, time, date, crc, sizes, name and extra lengths
_LOCAL_HEADER = struct.Struct("<4s5H3L2H")
_LOCAL_SIGNATURE = b"PK\x03\x04"


def member_data_offset(fp: BinaryIO, info: zipfile.ZipInfo) -> int:
    """Offset in the archive of the first byte of ``info``'s (stored) data."""
    fp.seek(info.header_offset)
    header = fp.read(_LOCAL_HEADER.size)
    if len(header) != _LOCAL_HEADER.size:
        raise ValueError("truncated local file header")
    fields = _LOCAL_HEADER.unpack(header)
    if fields[0] != _LOCAL_SIGNATURE:
        raise ValueError("bad local file header signature")
    name_length, extra_length = fields[-2], fields[-1]
    return info.header_offset + _LOCAL_HEADER.size + name_length + extra_length


def is_stored(info: zipfile.ZipInfo) -> bool:
    """True when the member's bytes are in the archive as is (not compressed or encrypted)."""
    return (
        info.compress_type == zipfile.ZIP_STORED
        and not info.flag_bits & 0x1
        and info.compress_size == info.file_size
    )


def stored_extent(fp: BinaryIO, info: zipfile.ZipInfo, size: int) -> tuple[int, int]:
    """``(start, end)`` of a stored member's data in the archive, checked against its size."""
    start = member_data_offset(fp, info)
    end = start + info.file_size
    if end > size:
        raise ValueError("zip member runs past the end of the file")
    return start, end


def describe_npz(fp: BinaryIO, size: int, archive: zipfile.ZipFile) -> FileLayout:
    """Spans of the stored ``.npy`` members; compressed members have none."""
    spans: list[TensorSpan] = []
    for info in archive.infolist():
        if not is_stored(info):
            continue
        start, end = stored_extent(fp, info, size)
        span = npy_span(fp, start, end, info.filename.removesuffix(".npy"))
        if span is not None:
            spans.append(span)
    return finish("npz", size, spans)
