"""Variable names of a live Keras model, as the same model has them once loaded.

``variable.path`` depends on how a model was built: a freshly built Sequential
prefixes its own name (``sequential/hidden1/kernel``), a loaded one does not
(``hidden1/kernel``), a Bidirectional wrapper's layers lose the wrapper's name on
load (``forward_gru/...``), and optimizer slots are named after those paths
(``adam/sequential_hidden1_kernel_momentum``). A version must name its tensors the
same whoever committed it, and the same as a ``.keras`` file commit of that model,
so names are the paths of the model rebuilt from its own config — exactly what
``keras.models.load_model`` gives — paired position by position with the live
model's variables (optimizer state under the optimizer's default name, see
``optimizer_names``). Rebuilding costs about what building the model costs, so the
names are cached per config: a training loop committing checkpoints pays it once.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import keras

from store.adapters.files.keras_file import snake_case
from store.errors import UnsupportedObjectError

_CACHE_SIZE = 8
_cache: OrderedDict[str, LoadedNames] = OrderedDict()


@dataclass(frozen=True)
class LoadedNames:
    weights: tuple[tuple[str, tuple[int, ...]], ...]  # (path, shape) of model.weights after a load
    optimizer: tuple[tuple[str, tuple[int, ...]], ...]  # (name, shape) of optimizer.variables after a load


def build_model(config: dict[str, Any], safe_mode: bool) -> Any:
    """The model a config describes, built and compiled (with its optimizer built) as ``load_model`` does."""
    try:
        return keras.saving.deserialize_keras_object(config, safe_mode=safe_mode)
    except (TypeError, ValueError, KeyError) as exc:
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]  # Keras appends the whole config
        raise UnsupportedObjectError(
            f"cannot rebuild the Keras model from its config: {reason}",
            hint="decorate custom layers with @keras.saving.register_keras_serializable() and import them first",
        ) from exc


def _shapes(variables: Any) -> tuple[tuple[str, tuple[int, ...]], ...]:
    return tuple((v.path, tuple(v.shape)) for v in variables)


def optimizer_names(optimizer: Any) -> list[str]:
    """``adam/hidden1_kernel_momentum``: the variable's name under the optimizer's default name.

    An optimizer's own name is numbered per process (``adam_1`` when another Adam
    came first), which would rename its state from one commit to the next; the
    default name Keras derives from the class does not change. Should two
    variables collide that way (a wrapping optimizer), their paths are used.
    """
    prefix = snake_case(type(optimizer).__name__)
    names = [f"{prefix}/{v.name}" for v in optimizer.variables]
    return names if len(set(names)) == len(names) else [v.path for v in optimizer.variables]


def loaded_names(structure: bytes, config: dict[str, Any]) -> LoadedNames:
    """Paths and shapes of the variables of the model ``config`` rebuilds (the user's own: unsafe mode is fine)."""
    key = hashlib.sha256(structure).hexdigest()
    if key in _cache:
        _cache.move_to_end(key)
        return _cache[key]
    model = build_model(config, safe_mode=False)
    optimizer = getattr(model, "optimizer", None)
    slots = tuple(zip(optimizer_names(optimizer), (tuple(v.shape) for v in optimizer.variables))) if optimizer is not None else ()
    names = LoadedNames(_shapes(model.weights), slots)
    _cache[key] = names
    if len(_cache) > _CACHE_SIZE:
        _cache.popitem(last=False)
    return names


def pair(live: Any, loaded: tuple[tuple[str, tuple[int, ...]], ...]) -> list[str] | None:
    """Loaded names for ``live`` variables, position by position; None when the two lists differ."""
    if len(live) != len(loaded) or any(tuple(v.shape) != shape for v, (_, shape) in zip(live, loaded)):
        return None
    return [name for name, _ in loaded]
