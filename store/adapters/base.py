"""The adapter interface: turn a live model into (structure, named tensors) and back.

An adapter knows one framework and nothing of storage. ``decompose`` returns the
bytes the framework needs to rebuild the object (a pickle with its arrays taken
out, a Keras config) plus the arrays by stable names; ``rebuild`` gets those bytes
back with a ``TensorSource`` that reads tensors on demand, so a partial load reads
only what it asks for. Adapters are found by name (what a manifest records) or by
the object's class, and are imported only when needed: committing a scikit-learn
model never imports TensorFlow.
"""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol

import numpy as np

from store.errors import UnsupportedObjectError


@dataclass(frozen=True)
class CommitOptions:
    include_optimizer: bool = True  # Keras: store optimizer variables so training resumes exactly


@dataclass(frozen=True)
class LoadOptions:
    trusted: frozenset[str] = frozenset()  # "module.name" of types allowed beyond the allow-list
    only: tuple[str, ...] | None = None  # Keras: load just these layers' weights
    what: str = "the model"  # how errors name the version being loaded ("clf@1a2b3c4d5e6f")


@dataclass(frozen=True)
class Decomposed:
    """A model taken apart: opaque structure bytes and C-contiguous tensors in a stable order."""

    structure: bytes
    structure_format: str  # "pickle", "keras-config", ...: what the structure entry holds
    tensors: dict[str, np.ndarray]
    info: dict[str, Any] = field(default_factory=dict)  # small JSON facts kept in the manifest


class TensorSource(Protocol):
    """The stored tensors of one version, read on demand."""

    def names(self) -> list[str]:
        """Every tensor name, in stream order."""
        ...

    def read(self, names: Collection[str]) -> dict[str, np.ndarray]:
        """These tensors, fetching only the chunks that hold them."""
        ...


@dataclass(frozen=True)
class Stored:
    """What ``rebuild`` gets back: the structure, the manifest's facts, the tensors."""

    structure: bytes
    info: Mapping[str, Any]
    tensors: TensorSource


class Adapter(ABC):
    name: ClassVar[str]
    #: Modules whose versions shape the stored bytes, as a commit's environment names them (checked on load).
    frameworks: ClassVar[tuple[str, ...]] = ()
    #: File suffixes ``save_file`` writes in the framework's own format.
    file_suffixes: ClassVar[tuple[str, ...]] = ()

    @abstractmethod
    def detect(self, obj: object) -> bool: ...

    @abstractmethod
    def decompose(self, obj: object, options: CommitOptions) -> Decomposed: ...

    @abstractmethod
    def rebuild(self, stored: Stored, options: LoadOptions) -> object: ...

    def save_file(self, obj: object, path: Path) -> None:
        """Write ``obj`` as a standard file its framework's loader opens; ``path`` has a listed suffix."""
        raise UnsupportedObjectError(f"the {self.name} adapter writes no files")


@dataclass(frozen=True)
class AdapterSpec:
    name: str
    module: str  # where the adapter class lives; imported on first use
    roots: tuple[str, ...]  # top-level modules of the classes it handles; () = try every object
    install: str = ""  # what to run when the framework is missing


_SPECS: dict[str, AdapterSpec] = {}
_LOADED: dict[str, Adapter] = {}


def register(spec: AdapterSpec) -> None:
    """Make an adapter known by name; its module is imported only when an object needs it."""
    _SPECS[spec.name] = spec


def adapter_named(name: str) -> Adapter:
    """The adapter a manifest names; a missing framework says how to install it."""
    spec = _SPECS.get(name)
    if spec is None:
        raise UnsupportedObjectError(f"this version was stored by the '{name}' adapter, which this tvc does not have", hint="upgrade tvc")
    if name not in _LOADED:
        try:
            module = importlib.import_module(spec.module)
        except ImportError as exc:
            raise UnsupportedObjectError(f"the '{name}' adapter needs {exc.name or 'a missing package'}", hint=spec.install or None) from exc
        _LOADED[name] = module.ADAPTER
    return _LOADED[name]


def adapter_for(obj: object) -> Adapter:
    """The first registered adapter that recognises ``obj``, by class first, then by ``detect``."""
    roots = {cls.__module__.split(".")[0] for cls in type(obj).__mro__}
    for spec in _SPECS.values():
        if spec.roots and not roots & set(spec.roots):
            continue
        adapter = adapter_named(spec.name)
        if adapter.detect(obj):
            return adapter
    supported = "scikit-learn estimators, Keras models, dicts of numpy arrays, or a file or folder path"
    raise UnsupportedObjectError(f"cannot commit a {type(obj).__module__}.{type(obj).__qualname__}: tvc stores {supported}")


register(AdapterSpec("sklearn", "store.adapters.sklearn", ("sklearn",), "pip install scikit-learn"))
register(AdapterSpec("keras", "store.adapters.keras", ("keras",), "pip install 'tvc[keras]'"))
register(AdapterSpec("arrays", "store.adapters.arrays", ()))
