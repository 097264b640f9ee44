"""safetensors: an 8-byte little-endian header length N, a JSON header, then data.

Each entry's ``data_offsets`` are relative to the end of the header (8 + N).
Read to find tensors in committed files; written to export an object's tensors.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Mapping
from typing import BinaryIO

import numpy as np

from store.adapters.files.layout import FileLayout, TensorSpan, finish, span_nbytes
from store.errors import UnsupportedObjectError

# The safetensors library refuses headers above 100 MB; so do we.
MAX_HEADER = 100_000_000

DTYPES: dict[str, str] = {
    "F64": "<f8",
    "F32": "<f4",
    "F16": "<f2",
    "BF16": "bfloat16",
    "F8_E4M3": "float8_e4m3fn",
    "F8_E5M2": "float8_e5m2",
    "I64": "<i8",
    "I32": "<i4",
    "I16": "<i2",
    "I8": "|i1",
    "U64": "<u8",
    "U32": "<u4",
    "U16": "<u2",
    "U8": "|u1",
    "BOOL": "|b1",
    "C64": "<c8",
}


def read_header(fp: BinaryIO, size: int) -> tuple[int, dict[str, object]] | None:
    """``(data start, parsed JSON header)``, or None if the file does not start like one."""
    fp.seek(0)
    prefix = fp.read(9)
    if len(prefix) < 9:
        return None
    (length,) = struct.unpack("<Q", prefix[:8])
    if length < 2 or length > MAX_HEADER or 8 + length > size or prefix[8:9] != b"{":
        return None
    fp.seek(8)
    raw = fp.read(length)
    if len(raw) != length:
        return None
    try:
        header = json.loads(raw)
    except ValueError:  # JSONDecodeError and UnicodeDecodeError
        return None
    return (8 + length, header) if isinstance(header, dict) else None


def describe_safetensors(fp: BinaryIO, size: int) -> FileLayout | None:
    """The layout, or None if the header is absent or does not fit the file."""
    found = read_header(fp, size)
    if found is None:
        return None
    base, header = found
    spans: list[TensorSpan] = []
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        if not isinstance(entry, dict):
            return None
        dtype, shape, offsets = entry.get("dtype"), entry.get("shape"), entry.get("data_offsets")
        if not (isinstance(dtype, str) and _int_list(shape) and _int_list(offsets)):
            return None
        if len(offsets) != 2:
            return None
        begin, end = offsets
        if not 0 <= begin <= end or base + end > size:
            return None
        if dtype not in DTYPES:
            continue  # a dtype we cannot name: its bytes stay unindexed
        if end - begin != span_nbytes(DTYPES[dtype], tuple(shape)):
            return None
        spans.append(TensorSpan(name, DTYPES[dtype], tuple(shape), base + begin, end - begin))
    return finish("safetensors", size, spans)


def _int_list(value: object) -> bool:
    return isinstance(value, list) and all(
        isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value
    )


_CODES = {dtype: code for code, dtype in DTYPES.items()}


def write_safetensors(fp: BinaryIO, tensors: Mapping[str, np.ndarray]) -> None:
    """Write ``tensors`` as a safetensors file, in order; a dtype the format lacks is an error."""
    header: dict[str, object] = {}
    offset = 0
    for name, array in tensors.items():
        code = _CODES.get(array.dtype.name) or _CODES.get(array.dtype.str)  # bfloat16 by name, the rest by "<f4"
        if code is None:
            raise UnsupportedObjectError(f"tensor {name!r} has dtype {array.dtype}, which safetensors cannot hold")
        header[name] = {"dtype": code, "shape": list(array.shape), "data_offsets": [offset, offset + array.nbytes]}
        offset += array.nbytes
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * (-len(raw) % 8)  # the data starts 8-byte aligned, as the safetensors library writes it
    fp.write(struct.pack("<Q", len(raw)) + raw)
    for array in tensors.values():
        fp.write(np.ascontiguousarray(array).reshape(-1).view(np.uint8).data)
