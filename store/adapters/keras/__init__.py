"""Keras 3 models as objects: the model's config, plus its variables and optimizer state as tensors.

The structure is ``keras.saving.serialize_keras_object(model)`` (what a ``.keras``
file's config.json holds, compile config included); it is rebuilt with Keras'
``safe_mode`` and only after Lambda layers were refused or trusted. Tensors are
named as the loaded model names its variables (``hidden1/kernel``,
``adam/hidden1_kernel_momentum``; see ``naming``), which are also the names a
``.keras`` file commit of the model uses, so the two share tensors. Keras is
imported only here; the adapter registry imports this module only when a Keras
model is committed or loaded.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keras
import numpy as np

from store.adapters.base import Adapter, CommitOptions, Decomposed, LoadOptions, Stored
from store.adapters.keras.naming import build_model, loaded_names, optimizer_names, pair
from store.adapters.keras.safety import LAMBDA, python_code_in
from store.errors import StoreError, UnsafeObjectError, UnsupportedObjectError


def _layers(model: Any) -> Iterator[Any]:
    """Every layer inside ``model``, nested models' layers included."""
    for layer in model.layers:
        yield layer
        if hasattr(layer, "layers"):
            yield from _layers(layer)


def _refuse_assets(model: Any) -> None:
    for layer in model._flatten_layers(include_self=False):
        if hasattr(layer, "save_assets"):
            raise UnsupportedObjectError(
                f"layer {layer.name!r} keeps assets (a vocabulary) that object commits do not store",
                hint="save the model with model.save('net.keras') and commit that file",
            )


class KerasAdapter(Adapter):
    name = "keras"
    frameworks = ("keras", "tensorflow")
    file_suffixes = (".keras",)

    def detect(self, obj: object) -> bool:
        return isinstance(obj, keras.Model)

    def decompose(self, obj: Any, options: CommitOptions) -> Decomposed:
        _refuse_assets(obj)
        config = keras.saving.serialize_keras_object(obj)
        structure = json.dumps(config, sort_keys=True, separators=(",", ":")).encode()
        loaded = loaded_names(structure, config)
        names = pair(obj.weights, loaded.weights)
        if names is None:
            raise UnsupportedObjectError(f"model {obj.name!r} does not rebuild from its config with the same variables, so it could not be loaded back")
        tensors = {name: np.asarray(v.numpy()) for name, v in zip(names, obj.weights)}
        optimizer = getattr(obj, "optimizer", None) if options.include_optimizer else None
        with_optimizer = False
        if optimizer is not None and optimizer.built:
            slots = pair(optimizer.variables, loaded.optimizer)
            if slots is None:
                warnings.warn(f"optimizer state of {obj.name!r} not stored: it was built for other trainable variables; compile again", stacklevel=3)
            else:
                tensors.update((name, np.asarray(v.numpy())) for name, v in zip(slots, optimizer.variables))
                with_optimizer = True
        info = {"class": type(obj).__name__, "optimizer": with_optimizer}
        return Decomposed(structure, "keras-config", tensors, info)

    def rebuild(self, stored: Stored, options: LoadOptions) -> Any:
        config = json.loads(stored.structure)
        code = python_code_in(config)
        if code and LAMBDA not in options.trusted:
            raise UnsafeObjectError(f"{options.what} ({', '.join(code)} holds Python code)", [LAMBDA])
        model = build_model(config, safe_mode=not code)
        held = set(stored.tensors.names())
        if options.only is not None:
            variables = _only_layers(model, options.only)
        else:
            variables = {v.path: v for v in model.weights} | _optimizer_state(model, stored, held)
        missing = [name for name in variables if name not in held]
        if missing:
            raise StoreError(f"{options.what} holds no tensor for {', '.join(missing[:10])} of the rebuilt model")
        self._assign(stored, variables, options)
        return model

    @staticmethod
    def _assign(stored: Stored, variables: dict[str, Any], options: LoadOptions) -> None:
        arrays = stored.tensors.read(list(variables))
        for name, variable in variables.items():
            value = arrays[name]
            if tuple(value.shape) != tuple(variable.shape):
                raise StoreError(f"tensor {name} of {options.what} has shape {value.shape}, the model expects {tuple(variable.shape)}")
            variable.assign(value)

    def save_file(self, obj: Any, path: Path) -> None:
        obj.save(path)


def _optimizer_state(model: Any, stored: Stored, held: set[str]) -> dict[str, Any]:
    """The rebuilt optimizer's variables by name, when the version stored them all."""
    optimizer = getattr(model, "optimizer", None)
    if not stored.info.get("optimizer") or optimizer is None:
        return {}
    variables = dict(zip(optimizer_names(optimizer), optimizer.variables))
    if not variables.keys() <= held:
        warnings.warn("stored optimizer state does not match the rebuilt optimizer; it starts afresh", stacklevel=4)
        return {}
    return variables


def _only_layers(model: Any, names: tuple[str, ...]) -> dict[str, Any]:
    """The variables of the named layers (searched in nested models too); unknown names are an error."""
    by_name = {}
    for layer in _layers(model):
        by_name.setdefault(layer.name, layer)
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise StoreError(f"model has no layer {', '.join(map(repr, unknown))}", hint=f"its layers are {', '.join(by_name)}")
    return {v.path: v for n in names for v in by_name[n].weights}


ADAPTER = KerasAdapter()
