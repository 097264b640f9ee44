"""A dict of numpy arrays (safetensors-style weights): each array a tensor under its key."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import cast

import numpy as np

from store.adapters.base import Adapter, CommitOptions, Decomposed, LoadOptions, Stored
from store.errors import StoreError


def _plain(value: object) -> bool:
    return isinstance(value, np.ndarray) and not value.dtype.hasobject


class ArraysAdapter(Adapter):
    name = "arrays"
    file_suffixes = (".npz",)

    def detect(self, obj: object) -> bool:
        return isinstance(obj, Mapping) and bool(obj) and all(isinstance(k, str) and _plain(v) for k, v in obj.items())

    def decompose(self, obj: object, options: CommitOptions) -> Decomposed:
        arrays = cast(Mapping[str, np.ndarray], obj)
        kept = {k: v if v.flags.c_contiguous or v.flags.f_contiguous else np.ascontiguousarray(v) for k, v in arrays.items()}
        return Decomposed(b"", "none", kept)

    def rebuild(self, stored: Stored, options: LoadOptions) -> dict[str, np.ndarray]:
        """The arrays in the order they were committed; ``only`` picks some of them by key."""
        names = stored.tensors.names()
        wanted = names if options.only is None else list(options.only)
        missing = sorted(set(wanted) - set(names))
        if missing:
            raise StoreError(f"{options.what} has no array {', '.join(map(repr, missing))}", hint=f"it holds {', '.join(names[:20])}")
        arrays = stored.tensors.read(wanted)
        return {name: arrays[name] for name in names if name in arrays}

    def save_file(self, obj: object, path: Path) -> None:
        np.savez(path, **cast(Mapping[str, np.ndarray], obj))


ADAPTER = ArraysAdapter()
