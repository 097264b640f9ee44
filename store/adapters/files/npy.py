"""NumPy ``.npy`` headers: the array's bytes start right after the header.

Shared by ``.npy`` files and the stored members of ``.npz`` archives, where the
same header sits at the member's data offset.
"""

from __future__ import annotations

import math
from typing import BinaryIO

from numpy.lib import format as npformat

from store.adapters.files.layout import FileLayout, TensorSpan, finish

MAGIC = b"\x93NUMPY"


def npy_span(fp: BinaryIO, start: int, end: int, name: str) -> TensorSpan | None:
    """The span of the array whose ``.npy`` header starts at ``start``.

    None when the array has no plain byte layout (Fortran order, object or
    structured dtype) or its data would run past ``end``. Malformed headers raise
    ValueError (numpy's choice), which callers turn into an opaque file.
    """
    fp.seek(start)
    version = npformat.read_magic(fp)
    if version == (1, 0):
        shape, fortran_order, dtype = npformat.read_array_header_1_0(fp)
    elif version in ((2, 0), (3, 0)):
        shape, fortran_order, dtype = npformat.read_array_header_2_0(fp)
    else:
        raise ValueError(f"unsupported .npy version {version}")
    if fortran_order or dtype.kind not in "biufc" or dtype.fields is not None:
        return None
    if dtype.subdtype is not None:
        return None
    offset = fp.tell()
    nbytes = math.prod(shape) * dtype.itemsize
    if offset + nbytes > end:
        raise ValueError("array data runs past its container")
    return TensorSpan(name, dtype.str, tuple(int(d) for d in shape), offset, nbytes)


def describe_npy(fp: BinaryIO, size: int) -> FileLayout:
    span = npy_span(fp, 0, size, "array")
    return finish("npy", size, [span] if span is not None else [])
