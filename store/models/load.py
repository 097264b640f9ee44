"""Objects back into a live model: fetch the structure, hand the adapter a tensor reader.

Before rebuilding, the versions a commit recorded are compared with the running
ones: a pickle or config written by another minor version of scikit-learn or
Keras may load and still behave differently, so that is said out loud, naming
both versions.
"""

from __future__ import annotations

import importlib
import re
import warnings
from collections.abc import Mapping
from typing import Any

from store.adapters.base import Adapter, LoadOptions, Stored, adapter_named
from store.errors import CorruptObjectError, EnvironmentMismatchWarning, UnsupportedObjectError
from store.models.commit import STRUCTURE, TENSORS
from store.models.reader import StoredTensors
from store.objects import Entry, Kind, Manifest, ObjectDB, hash_bytes

LABELS = {"numpy": "numpy", "sklearn": "scikit-learn", "keras": "Keras", "tensorflow": "TensorFlow"}


def _minor(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version)[:2])


def check_environment(recorded: Mapping[str, Any], modules: tuple[str, ...], what: str) -> None:
    """Warn for every library whose major.minor differs from the one ``what`` was stored with."""
    for module in ("numpy", *modules):
        then = recorded.get(module)
        if not isinstance(then, str):
            continue
        now = getattr(importlib.import_module(module), "__version__", None)
        if isinstance(now, str) and _minor(now) != _minor(then):
            label = LABELS.get(module, module)
            warnings.warn(
                f"{what} was stored with {label} {then} and is loaded with {label} {now}; it may not behave the same",
                EnvironmentMismatchWarning,
                stacklevel=4,
            )


def object_adapter(manifest: Manifest, what: str) -> Adapter:
    if manifest.type != "object":
        raise UnsupportedObjectError(f"{what} is a {manifest.type} commit, not a Python object", hint="use checkout to write it out, or open() to read its tensors")
    name = (manifest.structure or {}).get("adapter")
    return adapter_named(name if isinstance(name, str) else "")


def entry(manifest: Manifest, path: str) -> Entry | None:
    return next((e for e in manifest.entries if e.path == path), None)


def read_structure(db: ObjectDB, manifest: Manifest) -> bytes:
    found = entry(manifest, STRUCTURE)
    if found is None:
        return b""
    data = b"".join(db.get(chunk.id, Kind.CHUNK) for chunk in found.chunks)
    if hash_bytes(data) != found.hash:
        raise CorruptObjectError(found.hash, "the structure's bytes do not match the recorded hash")
    return data


def stored_tensors(db: ObjectDB, manifest: Manifest, mmap: bool = False) -> StoredTensors:
    found = entry(manifest, TENSORS)
    if found is None:
        raise UnsupportedObjectError("this object version has no tensor stream")
    return StoredTensors(db, found, mmap)


def load_object(
    db: ObjectDB, manifest: Manifest, environment: Mapping[str, Any], options: LoadOptions, mmap: bool = False
) -> object:
    """The live model a version holds; safe by default (see the adapters' allow-lists)."""
    adapter = object_adapter(manifest, options.what)
    check_environment(environment, adapter.frameworks, options.what)
    stored = Stored(read_structure(db, manifest), manifest.structure or {}, stored_tensors(db, manifest, mmap))
    return adapter.rebuild(stored, options)
