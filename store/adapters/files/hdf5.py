"""HDF5 (``.h5``, Keras ``.weights.h5``): contiguous datasets are spans as they are.

h5py's metadata tells where a dataset's raw data lives (``get_offset``, already
counting any user block). Only datasets stored as one uncompressed contiguous block
of a plain numeric type qualify; chunked, filtered, external, compact or variable
length data is left to content-defined chunking.
"""

from __future__ import annotations

import math
import os
from typing import BinaryIO

import h5py

from store.adapters.files.layout import FileLayout, TensorSpan, finish



def dataset_spans(h5: h5py.File, base: int = 0) -> list[TensorSpan]:
    """Spans of every qualifying dataset, named by HDF5 path, shifted by ``base``.

    ``base`` is where the HDF5 image starts in the outer file (a zip member's data
    offset), since h5py reports offsets within the image it opened.
    """
    spans: list[TensorSpan] = []

    def visit(name: str, obj: object) -> None:
        if isinstance(obj, h5py.Dataset):
            span = _span(name, obj, base)
            if span is not None:
                spans.append(span)

    h5.visititems(visit)
    return spans


def _span(name: str, ds: h5py.Dataset, base: int) -> TensorSpan | None:
    dcpl = ds.id.get_create_plist()
    if dcpl.get_layout() != h5py.h5d.CONTIGUOUS or ds.chunks is not None:
        return None
    if dcpl.get_nfilters() or dcpl.get_external_count() or ds.shape is None:
        return None
    dtype = _span_dtype(ds)
    offset = ds.id.get_offset()
    if dtype is None or offset is None:
        return None
    nbytes = math.prod(ds.shape) * ds.dtype.itemsize
    if ds.id.get_storage_size() != nbytes:  # also rejects never-written datasets
        return None
    return TensorSpan(name, dtype, tuple(int(d) for d in ds.shape), base + offset, nbytes)


def _span_dtype(ds: h5py.Dataset) -> str | None:
    """The span dtype, only when the bytes in the file are exactly numpy's for it."""
    dt = ds.dtype
    if dt.kind == "V" and dt.itemsize == 2 and dt.fields is None and attr_text(ds, "dtype") == "bfloat16":
        return "bfloat16"  # how Keras stores bfloat16: a 2-byte opaque type, marked by an attribute
    if dt.kind not in "biufc" or dt.fields is not None or dt.subdtype is not None:
        return None
    try:
        same = ds.id.get_type().equal(h5py.h5t.py_create(dt))
    except (TypeError, ValueError):
        return None
    return dt.str if same else None


def open_h5(source: str | os.PathLike[str] | BinaryIO) -> h5py.File:
    """Open read-only; HDF5 refuses to lock or create anything."""
    return h5py.File(source, "r", locking=False)


def describe_hdf5(path: str | os.PathLike[str], size: int) -> FileLayout:
    with open_h5(path) as h5:
        return finish("h5", size, dataset_spans(h5))


def attr_text(obj: h5py.HLObject, key: str) -> str | None:
    """A string attribute, or None when absent, unreadable or not a string."""
    try:
        value = obj.attrs.get(key)
    except (OSError, TypeError, ValueError):
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value if isinstance(value, str) else None
