"""Keras 3 ``.keras`` archives: a zip holding ``config.json`` and ``model.weights.h5``.

Keras writes the members stored, so every weight's bytes sit at
``member data offset + HDF5 dataset offset``. The HDF5 file names weights by saving
position (``layers/dense_1/vars/0``); users know them by ``variable.path``
(``head/kernel``). The position is turned into a path with three facts:

* each saveable's ``vars`` group carries its name as attribute ``name`` (Keras 3
  writes it; for files without it the layer is found in ``config.json`` by
  replaying Keras' per-class key counter, ``dense``, ``dense_1``…);
* models (Sequential/Functional) add no path component, other layers add their
  name (``lstm/lstm_cell/kernel``): this is ``variable.path`` of the model that
  ``keras.saving.load_model`` rebuilds from the file. A freshly built Sequential
  also prefixes its own name (``sequential/head/kernel``), but the file cannot
  tell, and a save/load round trip drops it;
* ``vars/<i>`` is the i-th variable in the layer's creation order, named by the
  table below for the built-in layers (checked against Keras in the tests).

Anything that cannot be named that way falls back to ``<layer path>/vars/<i>``,
or the HDF5 path; optimizer state keeps its HDF5 path (``optimizer/vars/<i>``).
This module reads Keras' files but never imports Keras.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, BinaryIO

import h5py

from store.adapters.files.hdf5 import attr_text, dataset_spans, open_h5
from store.adapters.files.layout import FileLayout, finish, opaque
from store.adapters.files.zipped import is_stored, stored_extent

WEIGHTS_MEMBER = "model.weights.h5"
CONFIG_MEMBER = "config.json"
_MAX_CONFIG = 64 * 1024 * 1024  # a config larger than this is not worth parsing

Entry = dict[str, Any]  # one serialized Keras object: {"class_name": …, "config": {…}}


def is_keras_archive(archive: zipfile.ZipFile) -> bool:
    names = set(archive.namelist())
    return WEIGHTS_MEMBER in names and CONFIG_MEMBER in names


def describe_keras(fp: BinaryIO, size: int, archive: zipfile.ZipFile) -> FileLayout:
    weights = archive.getinfo(WEIGHTS_MEMBER)
    if not is_stored(weights):
        return opaque(size)
    start, end = stored_extent(fp, weights, size)
    config = _read_config(archive)
    with open_h5(_Window(fp, start, end)) as h5:
        spans = dataset_spans(h5, start)
        names = variable_names(h5, config, [s.name for s in spans])
    return finish("keras", size, [replace(s, name=names[s.name]) for s in spans])


def _read_config(archive: zipfile.ZipFile) -> Entry | None:
    info = archive.getinfo(CONFIG_MEMBER)
    if info.file_size > _MAX_CONFIG:
        return None
    try:
        config = json.loads(archive.read(info))
    except (ValueError, zipfile.BadZipFile, RecursionError):
        return None
    return config if isinstance(config, dict) else None


class _Window(io.RawIOBase):
    """A read-only view of ``[start, end)`` of a file, so h5py can open a stored member.

    (``ZipFile.open`` would also do, but on Python 3.11 seeking backwards in a member
    re-reads it from the start, and h5py seeks a lot.)
    """

    def __init__(self, fp: BinaryIO, start: int, end: int) -> None:
        super().__init__()
        self._fp, self._start, self._end, self._pos = fp, start, end, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._end - self._start}
        self._pos = max(0, base[whence] + offset)
        return self._pos

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        count = max(0, min(len(view), self._end - self._start - self._pos))
        self._fp.seek(self._start + self._pos)
        got = self._fp.readinto(view[:count])  # type: ignore[attr-defined]
        self._pos += got
        return got


# --- naming ---------------------------------------------------------------------

_VARS = re.compile(r"^(?:(?P<group>.+)/)?vars/(?P<index>\d+)$")


def variable_names(h5: h5py.File, config: Entry | None, paths: list[str]) -> dict[str, str]:
    """Map each HDF5 dataset path to the Keras variable path it holds (see module doc)."""
    namer = _Namer(h5, config)
    names = {path: namer.name(path) for path in paths}
    counts: dict[str, int] = {}
    for name in names.values():
        counts[name] = counts.get(name, 0) + 1
    # Two datasets must never share a name; where they would, keep the HDF5 path.
    return {path: name if counts[name] == 1 else path for path, name in names.items()}


@dataclass(frozen=True)
class _Node:
    chain: tuple[str, ...] | None  # layer names prefixing variable paths; None if unknown
    entry: Entry | None  # the object's config.json entry, if found
    is_model: bool


class _Namer:
    def __init__(self, h5: h5py.File, config: Entry | None) -> None:
        self._h5 = h5
        self._nodes: dict[str, _Node] = {"": _Node((), config, True)}

    def name(self, path: str) -> str:
        match = _VARS.match(path)
        if match is None:
            return path
        group, index = match.group("group") or "", match.group("index")
        if not group.startswith("layers/"):
            return path  # optimizer state, or the model's own variables
        node = self._node(group)
        if node.chain is None:
            return path
        prefix = "/".join((*node.chain, ""))
        names = _variable_list(node.entry)
        vars_group = self._h5.get(f"{group}/vars")
        if names is not None and isinstance(vars_group, h5py.Group):
            if set(vars_group.keys()) == {str(i) for i in range(len(names))}:
                return prefix + names[int(index)]
        return f"{prefix}vars/{index}"

    def _node(self, group: str) -> _Node:
        """Walk from the root to ``group``, one saveable (or container) per step."""
        node, prefix, parts = self._nodes[""], "", group.split("/")
        i = 0
        while i < len(parts):
            if node.is_model and parts[i] == "layers" and i + 1 < len(parts):
                key = parts[i + 1]
                prefix = f"{prefix}/layers/{key}".lstrip("/")
                i += 2
                entry = _find_layer(_layer_list(node.entry), key, self._vars_name(prefix))
                standalone = True
            else:
                prefix = f"{prefix}/{parts[i]}".lstrip("/")
                i += 1
                entry, standalone = _attribute_entry(node.entry, parts[i - 1])
            if prefix not in self._nodes:
                self._nodes[prefix] = self._child(node, entry, prefix, standalone)
            node = self._nodes[prefix]
        return node

    def _child(self, parent: _Node, entry: Entry | None, prefix: str, standalone: bool) -> _Node:
        """A child's path restarts when Keras rebuilds it from its own config entry.

        Layers serialized as entries of their parent's config (a model's layers, a
        wrapper's layer) are built on their own when loaded, outside the parent's
        name scope; sublayers a layer creates itself are built inside it.
        """
        is_model = _layer_list(entry) is not None
        name = self._vars_name(prefix) or _entry_name(entry)
        base = () if standalone else parent.chain
        if is_model:
            chain: tuple[str, ...] | None = ()
        elif base is None:
            chain = None
        elif name is not None:
            chain = (*base, name)
        elif f"{prefix}/vars" in self._h5:
            chain = None  # a saveable we cannot name
        else:
            chain = base  # a plain container (a list attribute) adds no name
        return _Node(chain, entry, is_model)

    def _vars_name(self, prefix: str) -> str | None:
        group = self._h5.get(f"{prefix}/vars")
        return attr_text(group, "name") if isinstance(group, h5py.Group) else None


def _config(entry: Entry | None) -> dict[str, Any]:
    config = entry.get("config") if isinstance(entry, dict) else None
    return config if isinstance(config, dict) else {}


def _class_name(entry: Entry | None) -> str | None:
    name = entry.get("class_name") if isinstance(entry, dict) else None
    return name if isinstance(name, str) else None


def _entry_name(entry: Entry | None) -> str | None:
    name = _config(entry).get("name")
    return name if isinstance(name, str) else None


def _layer_list(entry: Entry | None) -> list[Entry] | None:
    """A model's layers in ``model.layers`` order (Sequential hides its InputLayer)."""
    config = _config(entry)
    layers = config.get("layers")
    if not isinstance(layers, list):
        return None
    layers = [layer for layer in layers if isinstance(layer, dict)]
    if "input_layers" not in config and layers and _class_name(layers[0]) == "InputLayer":
        return layers[1:]
    return layers


def _find_layer(layers: list[Entry] | None, key: str, name: str | None) -> Entry | None:
    """The layer saved under ``layers/<key>``: by its recorded name, else by replaying keys."""
    if layers is None:
        return None
    if name is not None:
        found = [layer for layer in layers if _entry_name(layer) == name]
        if len(found) == 1:
            return found[0]
    used: dict[str, int] = {}
    for layer in layers:
        class_name = _class_name(layer)
        if class_name is None:
            return None
        if _unique_key(snake_case(class_name), used) == key:
            return layer
    return None


def snake_case(name: str) -> str:
    """Keras' ``naming.to_snake_case``: how a class name becomes an HDF5 key."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def _unique_key(name: str, used: dict[str, int]) -> str:
    """Keras' ``saving_lib._get_unique_name``: ``dense``, ``dense_1``, ``dense_2``…"""
    if name in used:
        used[name] += 1
        return f"{name}_{used[name]}"
    used[name] = 0
    return name


def _attribute_entry(parent: Entry | None, attribute: str) -> tuple[Entry | None, bool]:
    """The config entry of a sublayer a built-in layer keeps in ``attribute``.

    The flag says whether the sublayer is its own entry in the parent's config
    (so it is rebuilt standalone) rather than created by the parent.
    """
    class_name, config = _class_name(parent), _config(parent)
    nested: object = None
    if class_name in ("LSTM", "GRU", "SimpleRNN") and attribute == "cell":
        cell = f"{class_name}Cell"
        return {"class_name": cell, "config": {**config, "name": snake_case(cell)}}, False
    if class_name == "MultiHeadAttention" and attribute.lstrip("_") in _ATTENTION_DENSES:
        bias_axes = "bias" if config.get("use_bias", True) else None
        name = _ATTENTION_DENSES[attribute.lstrip("_")]
        return {"class_name": "EinsumDense", "config": {"bias_axes": bias_axes, "name": name}}, False
    if class_name == "RNN" and attribute == "cell":
        nested = config.get("cell")
    elif class_name == "Bidirectional" and attribute == "forward_layer":
        nested = config.get("layer")
    elif class_name == "Bidirectional" and attribute == "backward_layer":
        nested = config.get("backward_layer")
    elif class_name == "TimeDistributed" and attribute == "layer":
        nested = config.get("layer")
    if isinstance(nested, dict):
        return nested, True
    return None, False


_ATTENTION_DENSES = {
    "query_dense": "query",
    "key_dense": "key",
    "value_dense": "value",
    "output_dense": "attention_output",
}


# Variable names in saving order (creation order: trainable, then non-trainable)
# for built-in layers, given the layer's config.
def _with_bias(names: list[str]) -> Callable[[dict[str, Any]], list[str]]:
    return lambda c: names + (["bias"] if c.get("use_bias", True) else [])


def _batch_norm(c: dict[str, Any]) -> list[str]:
    names = (["gamma"] if c.get("scale", True) else []) + (["beta"] if c.get("center", True) else [])
    names += ["moving_mean", "moving_variance"]
    if c.get("renorm", False):
        names += ["moving_stddev", "renorm_mean", "renorm_stddev"]
    return names


def _layer_norm(c: dict[str, Any]) -> list[str]:
    rms = c.get("rms_scaling", False)
    gamma = ["gamma"] if c.get("scale", True) or rms else []
    return gamma + (["beta"] if c.get("center", True) and not rms else [])


def _group_norm(c: dict[str, Any]) -> list[str]:
    return (["gamma"] if c.get("scale", True) else []) + (["beta"] if c.get("center", True) else [])


_VARIABLES: dict[str, Callable[[dict[str, Any]], list[str]]] = {
    **{
        name: _with_bias(["kernel"])
        for name in (
            "Dense",
            "Conv1D",
            "Conv2D",
            "Conv3D",
            "Conv1DTranspose",
            "Conv2DTranspose",
            "Conv3DTranspose",
            "DepthwiseConv1D",
            "DepthwiseConv2D",
        )
    },
    "SeparableConv1D": _with_bias(["depthwise_kernel", "pointwise_kernel"]),
    "SeparableConv2D": _with_bias(["depthwise_kernel", "pointwise_kernel"]),
    "EinsumDense": lambda c: ["kernel"] + (["bias"] if c.get("bias_axes") else []),
    "Embedding": lambda c: ["embeddings"],
    "BatchNormalization": _batch_norm,
    "LayerNormalization": _layer_norm,
    "GroupNormalization": _group_norm,
    "LSTMCell": _with_bias(["kernel", "recurrent_kernel"]),
    "GRUCell": _with_bias(["kernel", "recurrent_kernel"]),
    "SimpleRNNCell": _with_bias(["kernel", "recurrent_kernel"]),
    "RMSNormalization": lambda c: ["scale"],
    "Normalization": lambda c: ["mean", "variance", "count"] if c.get("mean") is None else [],
    "PReLU": lambda c: ["alpha"],
}


def _variable_list(entry: Entry | None) -> list[str] | None:
    rule = _VARIABLES.get(_class_name(entry) or "")
    return rule(_config(entry)) if rule is not None else None
