"""Pickle with the arrays taken out, each named by where it sits in the object graph.

``dumps`` writes a protocol-5 pickle in which every numpy array of plain (non-object)
dtype is a persistent id instead of bytes; the arrays come back separately, named
by their path (``estimators_/17/tree_/nodes``). Names follow attributes, dict keys
and list positions, so tree 17 of a forest has the same name in every version and
a warm-started forest stores only its new trees.

Named steps (``Pipeline.steps``, ``ColumnTransformer.transformers_``) are named by
step: ``steps/scaler/mean_``. Paths are worked out as the pickler goes:
``reducer_override`` reduces each object itself (so the arrays a ``__reduce__``
makes, like a Tree's node array, are the ones pickled), names what the reduction
holds, and hands the reduction on unchanged. Everything it touched is kept alive
until the end, so ids are never reused.
"""

from __future__ import annotations

import copyreg
import io
import pickle
from collections.abc import Mapping
from types import BuiltinFunctionType, FunctionType, ModuleType
from typing import Any

import numpy as np

PROTOCOL = 5
TAG = "tvc-tensor"
_MAX_DEPTH = 64


def contiguous(array: np.ndarray) -> np.ndarray:
    """The array itself when C- or Fortran-contiguous (storage keeps either order), else a C copy."""
    if array.flags.c_contiguous or array.flags.f_contiguous:
        return array
    return np.ascontiguousarray(array)


def is_tensor(obj: object) -> bool:
    """Arrays whose bytes can leave the pickle: plain ndarrays (or memmaps) of plain dtypes, non-empty."""
    return isinstance(obj, np.ndarray) and type(obj) in (np.ndarray, np.memmap) and not obj.dtype.hasobject and obj.size > 0


class _TensorPickler(pickle.Pickler):
    def __init__(self, file: io.BytesIO) -> None:
        super().__init__(file, protocol=PROTOCOL)
        self.tensors: dict[str, np.ndarray] = {}
        self._paths: dict[int, str] = {}  # id of an object -> its path in the graph
        self._tensor_ids: dict[int, str] = {}  # id of an array already taken out -> its name
        self._keep: list[object] = []

    def persistent_id(self, obj: Any) -> tuple[str, str] | None:
        if not is_tensor(obj):
            return None
        name = self._tensor_ids.get(id(obj))
        if name is None:
            name = self._unique(self._paths.get(id(obj)) or f"arrays/{len(self.tensors)}")
            self._tensor_ids[id(obj)] = name
            self.tensors[name] = contiguous(obj)
            self._keep.append(obj)
        return (TAG, name)

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, (type, FunctionType, BuiltinFunctionType, ModuleType)) or type(obj) in copyreg.dispatch_table:
            return NotImplemented
        try:
            reduced = obj.__reduce_ex__(PROTOCOL)
        except Exception:  # noqa: BLE001 - let the pickler raise its own, clearer error
            return NotImplemented
        if not isinstance(reduced, tuple):
            return NotImplemented  # a global name: pickled by reference
        self._keep.append(reduced)
        path = self._paths.get(id(obj), "")
        if isinstance(obj, np.ndarray):  # an object array names its items by index; others hold no objects
            if obj.dtype.hasobject:
                for index, item in zip(np.ndindex(obj.shape), obj.flat):
                    self._name(item, _join(path, *index), 0)
            return reduced
        args = reduced[1] if len(reduced) > 1 else ()
        for i, arg in enumerate(args if isinstance(args, tuple) else ()):
            self._name(arg, _join(path, "args", i), 0)
        state = reduced[2] if len(reduced) > 2 else None
        parts = state if isinstance(state, tuple) and len(state) == 2 and all(isinstance(s, (dict, type(None))) for s in state) else (state,)
        for part in parts:
            if isinstance(part, dict):
                for key, value in part.items():
                    self._name(value, _join(path, key), 0)
            elif part is not None:
                self._name(part, path, 0)
        return reduced

    def _name(self, value: Any, path: str, depth: int) -> None:
        """Record ``path`` for ``value`` and, through containers the pickler saves directly, its items."""
        if depth > _MAX_DEPTH or value is None or isinstance(value, (bool, int, float, str, bytes)):
            return
        self._paths.setdefault(id(value), path)
        if type(value) is dict:
            for key, item in value.items():
                self._name(item, _join(path, key), depth + 1)
        elif type(value) in (list, tuple):
            if _is_named_list(value):  # Pipeline steps, ColumnTransformer transformers: by step name
                for step in value:
                    for j, item in enumerate(step[1:], start=1):
                        self._name(item, _join(path, step[0]) if j == 1 else _join(path, step[0], j), depth + 1)
                return
            for i, item in enumerate(value):
                self._name(item, _join(path, i), depth + 1)

    def _unique(self, name: str) -> str:
        candidate, n = name, 1
        while candidate in self.tensors:
            n += 1
            candidate = f"{name}#{n}"
        return candidate


def _is_named_list(items: list[Any] | tuple[Any, ...]) -> bool:
    """``[(name, estimator, ...), ...]`` with distinct names, as Pipeline and ColumnTransformer keep them."""
    if not items or not all(type(item) is tuple and len(item) >= 2 and isinstance(item[0], str) for item in items):
        return False
    return len({item[0] for item in items}) == len(items)


def _join(path: str, *parts: object) -> str:
    return "/".join([path, *map(str, parts)]) if path else "/".join(map(str, parts))


def dumps(obj: object) -> tuple[bytes, dict[str, np.ndarray]]:
    """The pickle of ``obj`` without its arrays, and the arrays by name, in pickling order."""
    buffer = io.BytesIO()
    pickler = _TensorPickler(buffer)
    pickler.dump(obj)
    return buffer.getvalue(), pickler.tensors


class TensorUnpickler(pickle.Unpickler):
    """Resolves the persistent ids ``dumps`` wrote from tensors loaded by name."""

    def __init__(self, file: io.BytesIO, tensors: Mapping[str, np.ndarray]) -> None:
        super().__init__(file)
        self._tensors = tensors

    def persistent_load(self, pid: Any) -> np.ndarray:
        if not (isinstance(pid, tuple) and len(pid) == 2 and pid[0] == TAG and isinstance(pid[1], str)):
            raise pickle.UnpicklingError(f"unknown persistent id {pid!r}")
        try:
            return self._tensors[pid[1]]
        except KeyError:
            raise pickle.UnpicklingError(f"the structure refers to tensor {pid[1]!r}, which this version does not hold") from None
