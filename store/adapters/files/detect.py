"""``describe_file``: recognise a model file by its bytes and find its tensors.

Magic bytes decide; the extension is only a hint for layouts the magic check
misses (an HDF5 user block, a zip with a prefix). Whatever goes wrong inside a
parser means "not understood": the file is opaque and gets content-defined
chunking. Only failing to open or stat the path is an error.
"""

from __future__ import annotations

import logging
import os
import zipfile
from typing import BinaryIO

from store.adapters.files.layout import FileLayout, opaque
from store.adapters.files.npy import MAGIC as NPY_MAGIC
from store.adapters.files.npy import describe_npy
from store.adapters.files.safetensors import describe_safetensors
from store.adapters.files.zipped import describe_npz

_log = logging.getLogger(__name__)

_ZIP_MAGIC = b"PK\x03\x04"
_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
_HDF5_SUFFIXES = (".h5", ".hdf5", ".he5", ".keras")
_ZIP_SUFFIXES = (".npz", ".keras", ".zip")


def describe_file(path: str | os.PathLike[str]) -> FileLayout:
    """The format of the file at ``path`` and where its tensors' bytes are.

    Never reads the whole file: only headers, zip directories and HDF5 metadata.
    """
    with open(path, "rb") as fp:
        size = os.fstat(fp.fileno()).st_size
        head = fp.read(16)
        name = os.path.basename(os.fspath(path)).lower()
        try:
            return _describe(fp, path, size, head, name)
        except Exception as error:  # noqa: BLE001 - any parser failure means "opaque"
            _log.debug("treating %s as opaque: %r", path, error)
            return opaque(size)


def _describe(
    fp: BinaryIO, path: str | os.PathLike[str], size: int, head: bytes, name: str
) -> FileLayout:
    if head.startswith(NPY_MAGIC):
        return describe_npy(fp, size)
    if head.startswith(_ZIP_MAGIC) or (name.endswith(_ZIP_SUFFIXES) and zipfile.is_zipfile(fp)):
        return _describe_zip(fp, size)
    if head.startswith(_HDF5_SIGNATURE):
        return _describe_hdf5(path, size)
    layout = describe_safetensors(fp, size)
    if layout is not None:
        return layout
    if name.endswith(_HDF5_SUFFIXES):
        return _describe_hdf5(path, size)  # a user block puts the signature at 512, 1024, …
    return opaque(size)


def _describe_hdf5(path: str | os.PathLike[str], size: int) -> FileLayout:
    from store.adapters.files.hdf5 import describe_hdf5  # h5py costs 0.2 s to import: only when needed

    return describe_hdf5(path, size)


def _describe_zip(fp: BinaryIO, size: int) -> FileLayout:
    from store.adapters.files.keras_file import describe_keras, is_keras_archive

    with zipfile.ZipFile(fp) as archive:
        names = archive.namelist()
        if is_keras_archive(archive):
            return describe_keras(fp, size, archive)
        if names and all(name.endswith(".npy") for name in names):
            return describe_npz(fp, size, archive)
    return opaque(size)
