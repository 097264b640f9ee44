"""A live model into objects: an adapter takes it apart, its parts become two entries.

The manifest of an object version holds a ``structure`` entry (the adapter's
opaque bytes, content-defined chunked, absent when there are none) and a
``tensors`` entry (the tensor stream, chunked like a model file's tensors), plus
the adapter's name and facts in ``Manifest.structure``. The persistence guides'
``{'model': model, 'parameters': params}`` is understood: the model is stored,
parameters and metrics become the commit's own fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from store.adapters.base import CommitOptions, adapter_for
from store.errors import UnsupportedObjectError
from store.ingest import IngestStats, plan_pieces, store_pieces
from store.models.stream import TensorStream, plan
from store.objects import Entry, Manifest, ObjectDB, TensorRecord, hash_bytes
from store.progress import NO_PROGRESS, Progress

STRUCTURE = "structure"
TENSORS = "tensors"
_WRAPPER_KEYS = {"model", "parameters", "params", "metrics"}


@dataclass(frozen=True)
class ObjectVersion:
    manifest: Manifest
    stats: IngestStats
    params: dict[str, Any]  # from a {'model': ..., 'parameters': ...} wrapper
    metrics: dict[str, Any]


def jsonable(value: Any) -> Any:
    """numpy scalars and arrays as plain numbers and lists, so parameters can go in a commit."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


def unwrap(obj: object) -> tuple[object, dict[str, Any], dict[str, Any]]:
    """``(model, params, metrics)``: the wrapper dict's parts, or ``(obj, {}, {})``."""
    if not (isinstance(obj, Mapping) and "model" in obj and set(obj) <= _WRAPPER_KEYS and not isinstance(obj["model"], np.ndarray)):
        return obj, {}, {}
    fields = {}
    for key in ("parameters", "params", "metrics"):
        value = obj.get(key, {})
        if not isinstance(value, Mapping):
            raise UnsupportedObjectError(f"'{key}' next to 'model' must be a dict, not {type(value).__name__}")
        fields[key] = jsonable(value)
    return obj["model"], {**fields["parameters"], **fields["params"]}, fields["metrics"]


def _store_structure(db: ObjectDB, data: bytes, fmt: str, stats: IngestStats, progress: Progress) -> Entry:
    view = memoryview(data)
    progress.begin(STRUCTURE, len(data))
    chunks = store_pieces(db, view, plan_pieces(view, []), stats, progress)
    progress.end()
    return Entry(STRUCTURE, len(data), hash_bytes(data), fmt, tuple(chunks))


def _store_tensors(db: ObjectDB, tensors: Mapping[str, np.ndarray], mmap: bool, stats: IngestStats, progress: Progress) -> Entry:
    stream = TensorStream(tensors)
    progress.begin(TENSORS, stream.size)
    chunks = store_pieces(db, stream, plan(stream, mmap), stats, progress)  # type: ignore[arg-type]  # sliced like a memoryview
    records = {
        name: TensorRecord(dtype, shape, span.offset, span.nbytes, hash_bytes(stream.tensor_bytes(i)), order)
        for i, (span, (name, dtype, shape, order)) in enumerate(zip(stream.spans, stream.records))
    }
    progress.end()
    return Entry(TENSORS, stream.size, stream.hash(), "tensors", tuple(chunks), records)


def store_object(
    db: ObjectDB, obj: object, *, mmap: bool = False, include_optimizer: bool = True, progress: Progress = NO_PROGRESS
) -> ObjectVersion:
    """Store a live model's chunks; the manifest is returned, not yet stored."""
    model, params, metrics = unwrap(obj)
    adapter = adapter_for(model)
    parts = adapter.decompose(model, CommitOptions(include_optimizer=include_optimizer))
    stats = IngestStats()
    entries = []
    if parts.structure:
        entries.append(_store_structure(db, parts.structure, parts.structure_format, stats, progress))
    entries.append(_store_tensors(db, parts.tensors, mmap, stats, progress))
    manifest = Manifest("object", tuple(entries), {"adapter": adapter.name, **parts.info})
    return ObjectVersion(manifest, stats, params, metrics)
