"""An object version as a standard file: ``model.joblib``, ``model.keras``, ``weights.safetensors``.

``.safetensors`` is written straight from the stored tensors (nothing is
unpickled); every other suffix rebuilds the model, safely, and lets the adapter
write it with its framework's own saver. Like a checkout, the file appears whole
or not at all: it is written beside the target and renamed into place.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from store.adapters.base import LoadOptions
from store.adapters.files.safetensors import write_safetensors
from store.errors import UnsupportedObjectError
from store.models.load import load_object, object_adapter, stored_tensors
from store.objects import Manifest, ObjectDB

SAFETENSORS = ".safetensors"


def export_object(db: ObjectDB, manifest: Manifest, environment: Mapping[str, Any], dest: Path, options: LoadOptions) -> None:
    adapter = object_adapter(manifest, options.what)
    suffix = dest.suffix.lower()
    if suffix != SAFETENSORS and suffix not in adapter.file_suffixes:
        formats = ", ".join((*adapter.file_suffixes, SAFETENSORS))
        raise UnsupportedObjectError(f"{options.what} is a {adapter.name} object: it exports to {formats}, not '{dest.suffix}'")
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=f".tvc-tmp{suffix}", dir=dest.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        if suffix == SAFETENSORS:
            tensors = stored_tensors(db, manifest)
            with open(tmp, "wb") as f:
                write_safetensors(f, tensors.read(tensors.names()))
        else:
            adapter.save_file(load_object(db, manifest, environment, options), tmp)
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
