"""Loading a stored pickle without running anything outside an allow-list.

A pickle can call any importable callable, so loading one is running code. Here
every global a pickle names is checked before it is used:

* scikit-learn classes (never its test helpers) and their Cython reconstructors
  (``__pyx_unpickle_*``), the metric and score functions estimators keep as
  parameters (``SelectKBest(score_func=f_classif)``);
* numpy array, dtype and scalar reconstruction, ufuncs (``FunctionTransformer(np.log1p)``),
  random generators, bit generators and seed sequences and their (Cython)
  reconstructors; scipy sparse matrices;
* builtin containers and ``copyreg``'s object reconstructors.

Anything else — ``os.system``, ``builtins.eval``, ``subprocess.Popen``, ``numpy.load``
— is refused unless the caller trusts it by name. Before anything is loaded, a dry
run replays the pickle with inert stand-ins for every global, so the error lists
every refused name at once and nothing has run; the real load then enforces the
same rule again on each global it resolves.
"""

from __future__ import annotations

import collections
import copyreg
import importlib
import io
import pickle
from collections.abc import Collection, Mapping
from types import FunctionType
from typing import Any

import numpy as np

from store.adapters.sklearn.pickling import TensorUnpickler
from store.errors import StoreError, UnsafeObjectError

_ROOTS = {"builtins", "copyreg", "collections", "numpy", "scipy", "sklearn"}
_DENIED_PARTS = {"tests", "testing", "_testing", "conftest"}
_BUILTINS = {set, frozenset, slice, complex, bytearray, bytes, range, dict, list, tuple, int, float, str, bool, object}
_COPYREG = {copyreg._reconstructor, copyreg.__newobj__, copyreg.__newobj_ex__}  # type: ignore[attr-defined]
_COLLECTIONS = {collections.OrderedDict, collections.defaultdict, collections.Counter, collections.deque}
#: scikit-learn functions that estimators keep as parameters; pure computations.
_SKLEARN_FUNCTION_MODULES = ("sklearn.metrics.", "sklearn.feature_selection.")


def _numpy_callables() -> set[object]:
    from numpy._core import multiarray, numeric
    from numpy.random import _pickle as random_pickle

    names = ("__bit_generator_ctor", "__randomstate_ctor", "__generator_ctor")
    return {multiarray._reconstruct, multiarray.scalar, numeric._frombuffer, *(getattr(random_pickle, n) for n in names)}


def _numpy_types() -> tuple[type, ...]:
    from numpy.random import BitGenerator, Generator, RandomState, SeedSequence

    return (np.generic, np.dtype, BitGenerator, Generator, RandomState, SeedSequence)


def _one_of(obj: object, allowed: Collection[object]) -> bool:
    return any(obj is item for item in allowed)  # identity: never hash or compare an unknown object


def _is_allowed(module: str, obj: object) -> bool:
    root = module.split(".")[0]
    if root == "builtins":
        return _one_of(obj, _BUILTINS)
    if root == "copyreg":
        return _one_of(obj, _COPYREG)
    if root == "collections":
        return _one_of(obj, _COLLECTIONS)
    if root == "numpy":
        if isinstance(obj, type):
            return obj is np.ndarray or issubclass(obj, _numpy_types())
        if module.startswith("numpy.random.") and getattr(obj, "__name__", "").startswith("__pyx_unpickle_"):
            return True  # Cython reconstructors of SeedSequence and friends
        return isinstance(obj, np.ufunc) or _one_of(obj, _numpy_callables())
    if root == "scipy":
        import scipy.sparse

        return isinstance(obj, type) and issubclass(obj, (scipy.sparse.spmatrix, scipy.sparse.sparray))
    if root == "sklearn":
        home = getattr(obj, "__module__", None) or ""
        if not home.startswith("sklearn.") or _DENIED_PARTS & set(home.split(".")):
            return False
        if isinstance(obj, type):
            return True
        name = getattr(obj, "__name__", "")
        return callable(obj) and (name.startswith("__pyx_unpickle_") or (isinstance(obj, FunctionType) and home.startswith(_SKLEARN_FUNCTION_MODULES)))
    return False


def resolve(module: str, name: str, trusted: Collection[str]) -> object | None:
    """The object a pickle's global names, or None when it is not allowed. Imports only allowed roots."""
    if f"{module}.{name}" in trusted:
        try:
            obj: object = importlib.import_module(module)
            for part in name.split("."):
                obj = getattr(obj, part)
        except (ImportError, AttributeError):
            return None
        return obj
    parts = module.split(".")
    if "." in name or parts[0] not in _ROOTS or _DENIED_PARTS & set(parts):
        return None
    try:
        obj = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return None
    return obj if _is_allowed(module, obj) else None


class _Inert:
    """Stands in for every global during the dry run: accepts any call or state, does nothing."""

    def __new__(cls, *args: Any, **kwargs: Any) -> _Inert:
        return object.__new__(cls)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def __call__(self, *args: Any, **kwargs: Any) -> _Inert:
        return _Inert()

    def __setstate__(self, state: Any) -> None:
        pass

    def __setitem__(self, key: Any, value: Any) -> None:
        pass

    def append(self, item: Any) -> None:
        pass

    def extend(self, items: Any) -> None:
        pass

    def add(self, item: Any) -> None:
        pass


class _DryRun(pickle.Unpickler):
    def __init__(self, data: bytes) -> None:
        super().__init__(io.BytesIO(data))
        self.names: list[tuple[str, str]] = []

    def find_class(self, module: str, name: str) -> type:
        self.names.append((module, name))
        return type(name if name.isidentifier() else "_", (_Inert,), {})

    def persistent_load(self, pid: Any) -> _Inert:
        return _Inert()


def referenced_globals(data: bytes) -> list[tuple[str, str]]:
    """Every (module, name) the pickle would look up, found without resolving any of them."""
    dry = _DryRun(data)
    try:
        dry.load()
    except Exception:  # noqa: BLE001 - a malformed stream: the real load's checks still apply
        pass
    return dry.names


class _SafeUnpickler(TensorUnpickler):
    def __init__(self, data: bytes, tensors: Mapping[str, np.ndarray], trusted: Collection[str], what: str) -> None:
        super().__init__(io.BytesIO(data), tensors)
        self._trusted = trusted
        self._what = what

    def find_class(self, module: str, name: str) -> Any:
        obj = resolve(module, name, self._trusted)
        if obj is None:
            raise UnsafeObjectError(self._what, [f"{module}.{name}"])
        return obj


def refused_globals(data: bytes, trusted: Collection[str]) -> list[str]:
    return sorted({f"{m}.{n}" for m, n in referenced_globals(data) if resolve(m, n, trusted) is None})


def safe_loads(data: bytes, tensors: Mapping[str, np.ndarray], trusted: Collection[str], what: str) -> object:
    """Unpickle ``data`` if every global it names is allowed or trusted; else say which are not."""
    refused = refused_globals(data, trusted)
    if refused:
        raise UnsafeObjectError(what, refused)
    try:
        return _SafeUnpickler(data, tensors, trusted, what).load()
    except UnsafeObjectError:
        raise
    except (pickle.UnpicklingError, EOFError) as exc:
        raise StoreError(f"the structure of {what} is not a valid pickle: {exc}") from exc
