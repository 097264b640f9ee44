"""describe_file against real files written by numpy, safetensors, h5py and Keras.

Every span is checked the same way: the bytes at [offset, offset + nbytes) of the
file, read as dtype/shape, must equal what the framework's own reader returns.
"""

from __future__ import annotations

import io
import os
import tracemalloc
import zipfile
from pathlib import Path

import h5py
import ml_dtypes
import numpy as np
import pytest
import safetensors.numpy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from store.adapters.files import FileLayout, TensorSpan, describe_file

# --- helpers -------------------------------------------------------------------


def span_array(path: Path, span: TensorSpan) -> np.ndarray:
    with open(path, "rb") as f:
        f.seek(span.offset)
        raw = f.read(span.nbytes)
    dtype = ml_dtypes.bfloat16 if span.dtype == "bfloat16" else np.dtype(span.dtype)
    return np.frombuffer(raw, dtype).reshape(span.shape)


def check_layout(layout: FileLayout, path: Path) -> None:
    """The invariants every layout keeps, whatever the file."""
    assert layout.size == path.stat().st_size
    end = 0
    for span in layout.tensors:
        assert span.offset >= end and span.nbytes > 0
        end = span.offset + span.nbytes
        itemsize = 2 if span.dtype == "bfloat16" else np.dtype(span.dtype).itemsize
        assert span.nbytes == int(np.prod(span.shape)) * itemsize
    assert end <= layout.size
    assert len({s.name for s in layout.tensors}) == len(layout.tensors)


def assert_same(actual: np.ndarray, expected: np.ndarray) -> None:
    expected = np.asarray(expected)
    assert actual.shape == expected.shape
    assert actual.dtype == expected.dtype
    assert actual.tobytes() == expected.tobytes()


def by_name(layout: FileLayout) -> dict[str, TensorSpan]:
    return {span.name: span for span in layout.tensors}


def rng() -> np.random.Generator:
    return np.random.default_rng(0)


# --- npy -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "array",
    [
        np.arange(12, dtype=np.float32).reshape(3, 4),
        np.arange(-5, 5, dtype=np.int64),
        np.array([True, False, True]),
        np.float64(3.5),
        np.arange(6, dtype=">i4").reshape(2, 3),
    ],
    ids=["float32-2d", "int64", "bool", "scalar", "big-endian"],
)
def test_npy(tmp_path: Path, array: np.ndarray) -> None:
    path = tmp_path / "a.npy"
    np.save(path, array)
    layout = describe_file(path)
    check_layout(layout, path)
    assert layout.format == "npy"
    (span,) = layout.tensors
    assert span.name == "array"
    assert span.offset + span.nbytes == path.stat().st_size
    assert_same(span_array(path, span), np.load(path))


def test_npy_version_2_header(tmp_path: Path) -> None:
    path = tmp_path / "v2.npy"
    array = np.arange(10, dtype=np.uint16)
    with open(path, "wb") as f:
        np.lib.format.write_array(f, array, version=(2, 0))
    (span,) = describe_file(path).tensors
    assert_same(span_array(path, span), np.load(path))


@pytest.mark.parametrize(
    "array",
    [np.asfortranarray(np.arange(6.0).reshape(2, 3)), np.array([{"a": 1}, None], dtype=object)],
    ids=["fortran", "object"],
)
def test_npy_without_plain_layout_has_no_spans(tmp_path: Path, array: np.ndarray) -> None:
    path = tmp_path / "a.npy"
    np.save(path, array, allow_pickle=True)
    layout = describe_file(path)
    assert layout.tensors == ()
    assert layout.format in ("npy", "opaque")


# --- npz -------------------------------------------------------------------------


def test_npz_stored(tmp_path: Path) -> None:
    path = tmp_path / "w.npz"
    arrays = {
        "weights": rng().standard_normal((7, 5)).astype(np.float32),
        "ids": np.arange(9, dtype=np.int64),
        "mask": np.array([True, False]),
        "half": np.ones((2, 2), dtype=np.float16),
        "empty": np.zeros((0, 3), dtype=np.float32),
    }
    np.savez(path, **arrays)
    layout = describe_file(path)
    check_layout(layout, path)
    assert layout.format == "npz"
    spans = by_name(layout)
    assert set(spans) == set(arrays) - {"empty"}  # empty arrays own no bytes
    with np.load(path) as loaded:
        for name, span in spans.items():
            assert_same(span_array(path, span), loaded[name])


def test_npz_compressed_has_no_spans(tmp_path: Path) -> None:
    path = tmp_path / "c.npz"
    np.savez_compressed(path, a=np.arange(100.0), b=np.ones(50))
    layout = describe_file(path)
    assert layout.format == "npz"
    assert layout.tensors == ()


def test_npz_local_extra_field_differs_from_central_directory(tmp_path: Path) -> None:
    """The data offset must come from the local header, not the central directory."""
    path = tmp_path / "x.npz"
    array = np.arange(20, dtype=np.int32)
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        info = zipfile.ZipInfo("x.npy")
        info.extra = b"\xfe\xca\x05\x00hello"  # an unknown extra block, local header only
        archive.writestr(info, buffer.getvalue())
    raw = bytearray(path.read_bytes())
    # Strip the extra field from the central directory record.
    central = raw.rindex(b"PK\x01\x02")
    extra_length = int.from_bytes(raw[central + 30 : central + 32], "little")
    assert extra_length == 9
    name_end = central + 46 + len("x.npy")
    del raw[name_end : name_end + extra_length]
    raw[central + 30 : central + 32] = b"\x00\x00"
    eocd = raw.rindex(b"PK\x05\x06")
    size = int.from_bytes(raw[eocd + 12 : eocd + 16], "little") - extra_length
    raw[eocd + 12 : eocd + 16] = size.to_bytes(4, "little")
    path.write_bytes(bytes(raw))
    assert zipfile.ZipFile(path).getinfo("x.npy").extra == b""
    (span,) = describe_file(path).tensors
    assert_same(span_array(path, span), np.load(path)["x"])


def test_zip_of_other_things_is_opaque(tmp_path: Path) -> None:
    path = tmp_path / "misc.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hi")
    assert describe_file(path).format == "opaque"


# --- safetensors -----------------------------------------------------------------


def test_safetensors(tmp_path: Path) -> None:
    path = tmp_path / "m.safetensors"
    generator = rng()
    tensors = {
        "f32": generator.standard_normal((4, 3)).astype(np.float32),
        "f16": generator.standard_normal((5,)).astype(np.float16),
        "bf16": generator.standard_normal((2, 3)).astype(ml_dtypes.bfloat16),
        "f64": np.arange(3.0),
        "i64": np.arange(4, dtype=np.int64),
        "u8": np.arange(7, dtype=np.uint8),
        "flags": np.array([True, False, True]),
    }
    safetensors.numpy.save_file(tensors, str(path), metadata={"format": "np"})
    layout = describe_file(path)
    check_layout(layout, path)
    assert layout.format == "safetensors"
    spans = by_name(layout)
    assert set(spans) == set(tensors)
    assert spans["bf16"].dtype == "bfloat16"
    assert spans["f16"].dtype == "<f2" and spans["u8"].dtype == "|u1"
    assert spans["flags"].dtype == "|b1" and spans["i64"].dtype == "<i8"
    loaded = safetensors.numpy.load_file(str(path))
    for name, span in spans.items():
        assert_same(span_array(path, span), loaded[name])


def test_safetensors_detected_by_content_not_extension(tmp_path: Path) -> None:
    path = tmp_path / "weights.bin"
    safetensors.numpy.save_file({"x": np.arange(3, dtype=np.float32)}, str(path))
    assert describe_file(path).format == "safetensors"


def _safetensors_bytes(header: bytes, data: bytes) -> bytes:
    return len(header).to_bytes(8, "little") + header + data


@pytest.mark.parametrize(
    "header",
    [
        b'{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},'
        b'"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}',  # overlapping
        b'{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}',  # size mismatch
        b'{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,800]}}',  # past the end
        b'{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}',  # negative dim
        b'{"a":{"dtype":["F32"],"shape":[2],"data_offsets":[0,8]}}',  # odd dtype
        b'{"a":[1, 2]}',
        b'{"a":{"dtype":"F32"',  # broken JSON
    ],
)
def test_malformed_safetensors_is_opaque(tmp_path: Path, header: bytes) -> None:
    path = tmp_path / "bad.safetensors"
    path.write_bytes(_safetensors_bytes(header, bytes(16)))
    assert describe_file(path) == FileLayout("opaque", path.stat().st_size, ())


def test_safetensors_unknown_dtype_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "odd.safetensors"
    header = (
        b'{"x":{"dtype":"F4_E2M1","shape":[2],"data_offsets":[0,1]},'
        b'"y":{"dtype":"I32","shape":[1],"data_offsets":[1,5]}}'
    )
    path.write_bytes(_safetensors_bytes(header, b"\x01\x02\x00\x00\x00"))
    layout = describe_file(path)
    assert [s.name for s in layout.tensors] == ["y"]
    assert span_array(path, layout.tensors[0]).tolist() == [2]


# --- HDF5 ------------------------------------------------------------------------


def _write_h5(path: Path, **kwargs: object) -> dict[str, np.ndarray]:
    generator = rng()
    contiguous = {
        "top": generator.standard_normal((6, 4)).astype(np.float32),
        "model/dense/kernel": generator.standard_normal((3, 2)),
        "model/dense/bias": np.arange(2, dtype=np.int16),
        "model/deep/er/flags": np.array([True, False, True, True]),
        "scalar": np.array(7, dtype=np.uint32),
        "big_endian": np.arange(5, dtype=">f4"),
        "complex": np.arange(3) * (1 + 2j),
    }
    with h5py.File(path, "w", **kwargs) as h5:
        for name, value in contiguous.items():
            h5.create_dataset(name, data=value)
        h5.create_dataset("chunked", data=np.arange(100.0), chunks=(10,))
        h5.create_dataset("model/gzip", data=np.arange(100.0), compression="gzip")
        h5.create_dataset("text", data=np.array([b"ab", b"cd"]))
        h5.create_dataset("vlen", data=["x", "yy"], dtype=h5py.string_dtype())
        h5.create_dataset("never_written", shape=(4,), dtype="f4")
        h5.create_dataset("compound", data=np.zeros(2, dtype=[("a", "<i4"), ("b", "<f8")]))
        h5.create_dataset("empty", data=np.zeros((0,), dtype=np.float32))
        h5["model/dense/kernel"].attrs["note"] = "attributes do not matter"
    return contiguous


@pytest.mark.parametrize("userblock", [0, 512])
def test_hdf5(tmp_path: Path, userblock: int) -> None:
    path = tmp_path / "w.h5"
    contiguous = _write_h5(path, userblock_size=userblock) if userblock else _write_h5(path)
    layout = describe_file(path)
    check_layout(layout, path)
    assert layout.format == "h5"
    spans = by_name(layout)
    assert set(spans) == set(contiguous)
    assert spans["big_endian"].dtype == ">f4"
    with h5py.File(path, "r") as h5:
        for name, span in spans.items():
            assert_same(span_array(path, span), h5[name][()])


def test_hdf5_bfloat16_attribute(tmp_path: Path) -> None:
    """Keras marks bfloat16 weights (an opaque 2-byte type in HDF5) with attrs["dtype"]."""
    path = tmp_path / "bf.h5"
    value = np.arange(6, dtype=np.float32).astype(ml_dtypes.bfloat16)
    with h5py.File(path, "w") as h5:
        h5.create_dataset("marked", data=value).attrs["dtype"] = "bfloat16"
        h5.create_dataset("unmarked", data=value)
    layout = describe_file(path)
    (span,) = layout.tensors
    assert (span.name, span.dtype) == ("marked", "bfloat16")
    with h5py.File(path, "r") as h5:
        assert span_array(path, span).tobytes() == h5["marked"][()].tobytes()


# --- Keras -----------------------------------------------------------------------


def _keras():  # type: ignore[no-untyped-def]
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras

    return keras


def _check_keras_file(path: Path, model) -> dict[str, TensorSpan]:  # type: ignore[no-untyped-def]
    """Names are the reloaded model's variable paths; bytes are its values."""
    keras = _keras()
    layout = describe_file(path)
    check_layout(layout, path)
    assert layout.format == "keras"
    spans = by_name(layout)
    loaded = keras.saving.load_model(path)
    layer_spans = {n: s for n, s in spans.items() if not n.startswith("optimizer/")}
    loaded_values = {v.path: v.numpy() for v in loaded.weights}
    assert set(layer_spans) == set(loaded_values)
    for name, span in layer_spans.items():
        assert_same(span_array(path, span), loaded_values[name])
    # The live model holds the same variables in the same order; its paths carry
    # a (Sequential) model's name as a prefix when Keras built the layers in that
    # model's scope, which a reloaded model does not.
    assert len(model.weights) == len(loaded.weights)
    for live, reloaded in zip(model.weights, loaded.weights):
        assert live.path == reloaded.path or live.path.endswith(f"/{reloaded.path}")
        assert_same(span_array(path, spans[reloaded.path]), live.numpy())
    return spans


def test_keras_sequential_with_optimizer(tmp_path: Path) -> None:
    keras = _keras()
    model = keras.Sequential(
        [
            keras.Input((4,)),
            keras.layers.Dense(8, name="hidden"),
            keras.layers.BatchNormalization(),
            keras.layers.Dense(3, name="head"),
        ]
    )
    model.compile(optimizer="adam", loss="mse")
    x = rng().standard_normal((8, 4)).astype(np.float32)
    model.fit(x, x[:, :3], epochs=1, batch_size=4, verbose=0)
    path = tmp_path / "seq.keras"
    model.save(path)

    with zipfile.ZipFile(path) as archive:  # Keras writes every member stored
        assert {i.compress_type for i in archive.infolist()} == {zipfile.ZIP_STORED}
    spans = _check_keras_file(path, model)
    assert {n for n in spans if not n.startswith("optimizer/")} == {
        "hidden/kernel",
        "hidden/bias",
        "batch_normalization/gamma",
        "batch_normalization/beta",
        "batch_normalization/moving_mean",
        "batch_normalization/moving_variance",
        "head/kernel",
        "head/bias",
    }
    # A freshly built Sequential prefixes its name; the file cannot know that.
    assert model.weights[0].path == "sequential/hidden/kernel"
    optimizer_vars = model.optimizer.variables
    assert {n for n in spans if n.startswith("optimizer/")} == {
        f"optimizer/vars/{i}" for i in range(len(optimizer_vars))
    }
    for i, variable in enumerate(optimizer_vars):
        assert_same(span_array(path, spans[f"optimizer/vars/{i}"]), variable.numpy())


def test_keras_functional(tmp_path: Path) -> None:
    keras = _keras()
    inputs = keras.Input((6,), name="x")
    hidden = keras.layers.Dense(5, name="encoder")(inputs)
    hidden = keras.layers.Dense(4, use_bias=False)(hidden)
    hidden = keras.layers.LayerNormalization(name="norm")(hidden)
    outputs = keras.layers.Dense(2, name="out")(hidden)
    model = keras.Model(inputs, outputs, name="net")
    path = tmp_path / "fn.keras"
    model.save(path)
    spans = _check_keras_file(path, model)
    assert set(spans) == {v.path for v in model.weights}
    assert "dense/kernel" in spans and "dense/bias" not in spans


@pytest.mark.filterwarnings("ignore:You passed `rms_scaling=True`")
def test_keras_builtin_layer_table(tmp_path: Path) -> None:
    """Every named layer class: the saving order of its variables matches the table."""
    keras = _keras()
    layers = keras.layers
    image = keras.Input((8, 8, 3))
    branches = [
        layers.Conv2D(4, 3, name="conv")(image),
        layers.Conv2DTranspose(2, 3, name="deconv")(image),
        layers.DepthwiseConv2D(3, name="depthwise")(image),
        layers.SeparableConv2D(2, 3, name="separable")(image),
        layers.Conv2D(2, 1, use_bias=False)(image),
        layers.BatchNormalization(center=False, name="bn_no_beta")(image),
        layers.BatchNormalization(scale=False, renorm=True, name="bn_renorm")(image),
        layers.GroupNormalization(groups=3, name="groups")(image),
        layers.PReLU(name="prelu")(image),
        layers.Normalization(name="standardize")(image),
        layers.Normalization(mean=0.5, variance=2.0)(image),
        layers.RMSNormalization()(image),
        layers.Conv3D(2, 1)(layers.Reshape((8, 8, 3, 1))(image)),
        layers.Conv1D(2, 3)(layers.Reshape((64, 3))(image)),
        layers.Conv1DTranspose(2, 3)(layers.Reshape((64, 3))(image)),
    ]
    flat = layers.Concatenate()([layers.Flatten()(b) for b in branches])
    image_model = keras.Model(image, layers.Dense(1)(flat), name="vision")

    tokens = keras.Input((5,), dtype="int32")
    x = layers.Embedding(20, 6, name="embed")(tokens)
    x = layers.MultiHeadAttention(num_heads=2, key_dim=3, name="attention")(x, x)
    x = layers.LayerNormalization(rms_scaling=True)(x)
    x = layers.EinsumDense("abc,cd->abd", output_shape=(None, 4), bias_axes="d")(x)
    x = layers.EinsumDense("abc,cd->abd", output_shape=(None, 4), name="no_bias")(x)
    x = layers.Bidirectional(layers.LSTM(3, return_sequences=True), name="bi")(x)
    x = layers.TimeDistributed(layers.Dense(3, name="per_step"))(x)
    x = layers.RNN(layers.LSTMCell(3, name="cell"), return_sequences=True)(x)
    x = layers.GRU(3, return_sequences=True)(x)
    x = layers.SimpleRNN(2, use_bias=False)(x)
    inner = keras.Sequential([keras.Input((2,)), layers.Dense(2, name="inner_dense")], name="inner")
    text_model = keras.Model(tokens, inner(x), name="text")

    for model in (image_model, text_model):
        path = tmp_path / f"{model.name}.keras"
        model.save(path)
        spans = _check_keras_file(path, model)
        assert not [n for n in spans if "/vars/" in n]  # nothing fell back


def test_keras_bfloat16_weights(tmp_path: Path) -> None:
    keras = _keras()
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, dtype="bfloat16", name="d")])
    path = tmp_path / "bf.keras"
    model.save(path)
    spans = _check_keras_file(path, model)
    assert {s.dtype for s in spans.values()} == {"bfloat16"}


def _rewrite_keras(src: Path, dst: Path, *, strip_names: bool, compression: int) -> None:
    """Copy a .keras archive, optionally dropping the layer names Keras records in HDF5."""
    with zipfile.ZipFile(src) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    if strip_names:
        buffer = io.BytesIO(members["model.weights.h5"])
        with h5py.File(buffer, "a") as h5:

            def strip(name: str, obj: object) -> None:
                if isinstance(obj, h5py.Group) and "name" in obj.attrs:
                    del obj.attrs["name"]

            h5.visititems(strip)
        members["model.weights.h5"] = buffer.getvalue()
    with zipfile.ZipFile(dst, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def test_keras_names_without_recorded_layer_names(tmp_path: Path) -> None:
    """Files without the ``name`` attributes are named by replaying Keras' key counter."""
    keras = _keras()
    inputs = keras.Input((3,), name="features")
    x = keras.layers.Dense(4, name="first")(inputs)
    x = keras.layers.Dense(4)(x)
    x = keras.layers.BatchNormalization(name="bn")(x)
    x = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, name="deep")], name="sub")(x)
    model = keras.Model(inputs, keras.layers.Dense(1, name="last")(x))
    original = tmp_path / "named.keras"
    model.save(original)
    stripped = tmp_path / "unnamed.keras"
    _rewrite_keras(original, stripped, strip_names=True, compression=zipfile.ZIP_STORED)
    with zipfile.ZipFile(stripped) as archive, archive.open("model.weights.h5") as f:
        with h5py.File(f, "r") as h5:
            assert "name" not in h5["layers/dense_1/vars"].attrs
    assert set(by_name(describe_file(stripped))) == set(by_name(describe_file(original)))
    _check_keras_file(stripped, model)


def test_keras_deflated_is_opaque(tmp_path: Path) -> None:
    keras = _keras()
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2)])
    original = tmp_path / "m.keras"
    model.save(original)
    deflated = tmp_path / "deflated.keras"
    _rewrite_keras(original, deflated, strip_names=False, compression=zipfile.ZIP_DEFLATED)
    assert describe_file(deflated).format == "opaque"


def test_keras_weights_h5_is_plain_hdf5(tmp_path: Path) -> None:
    keras = _keras()
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2, name="d")])
    path = tmp_path / "m.weights.h5"
    model.save_weights(path)
    layout = describe_file(path)
    assert layout.format == "h5"
    assert set(by_name(layout)) == {"layers/dense/vars/0", "layers/dense/vars/1"}


# --- malformed input -------------------------------------------------------------


def _samples(tmp_path: Path) -> dict[str, Path]:
    paths = {
        "npy": tmp_path / "s.npy",
        "npz": tmp_path / "s.npz",
        "safetensors": tmp_path / "s.safetensors",
        "h5": tmp_path / "s.h5",
        "keras": tmp_path / "s.keras",
    }
    data = np.arange(256, dtype=np.float32)
    np.save(paths["npy"], data)
    np.savez(paths["npz"], a=data, b=data[::-1].copy())
    safetensors.numpy.save_file({"a": data, "b": data[:10].copy()}, str(paths["safetensors"]))
    with h5py.File(paths["h5"], "w") as h5:
        h5["a"] = data
        h5["g/b"] = data[:10]
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as h5:
        h5["layers/dense/vars/0"] = data.reshape(16, 16)
    with zipfile.ZipFile(paths["keras"], "w") as archive:
        archive.writestr("config.json", '{"class_name": "Sequential", "config": {"layers": []}}')
        archive.writestr("model.weights.h5", buffer.getvalue())
    return paths


def test_samples_are_understood(tmp_path: Path) -> None:
    for kind, path in _samples(tmp_path).items():
        layout = describe_file(path)
        assert layout.format == kind and layout.tensors, kind
        check_layout(layout, path)


@pytest.mark.parametrize("kind", ["npy", "npz", "safetensors", "h5", "keras"])
def test_truncated_files_are_opaque(tmp_path: Path, kind: str) -> None:
    source = _samples(tmp_path)[kind]
    data = source.read_bytes()
    for length in (0, 5, 16, 100, len(data) // 2, len(data) - 1):
        path = tmp_path / f"cut{length}{source.suffix}"
        path.write_bytes(data[:length])
        assert describe_file(path) == FileLayout("opaque", length, ()), length


@pytest.mark.parametrize("kind", ["npy", "npz", "safetensors", "h5", "keras"])
def test_corrupted_files_never_raise(tmp_path: Path, kind: str) -> None:
    source = _samples(tmp_path)[kind]
    data = source.read_bytes()
    generator = rng()
    for trial in range(25):
        corrupt = bytearray(data)
        positions = generator.integers(0, len(data), size=8)
        corrupt[positions[0] : positions[0] + 4] = b"\xff\xff\xff\xff"
        for position in positions[1:]:
            corrupt[position] = int(generator.integers(0, 256))
        path = tmp_path / f"bad{trial}{source.suffix}"
        path.write_bytes(bytes(corrupt))
        check_layout(describe_file(path), path)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    prefix=st.sampled_from([b"\x93NUMPY", b"PK\x03\x04", b"\x89HDF\r\n\x1a\n", b"\x10\0\0\0\0\0\0\0{", b""]),
    body=st.binary(max_size=300),
    suffix=st.sampled_from([".npy", ".npz", ".safetensors", ".h5", ".keras", ".bin"]),
)
def test_garbage_never_raises(tmp_path: Path, prefix: bytes, body: bytes, suffix: str) -> None:
    path = tmp_path / f"garbage{suffix}"
    path.write_bytes(prefix + body)
    layout = describe_file(path)
    check_layout(layout, path)


def test_unknown_and_empty_files_are_opaque(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("not a model")
    empty = tmp_path / "empty.safetensors"
    empty.write_bytes(b"")
    assert describe_file(text) == FileLayout("opaque", text.stat().st_size, ())
    assert describe_file(empty) == FileLayout("opaque", 0, ())


def test_unreadable_path_raises_oserror(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        describe_file(tmp_path / "missing.npy")
    with pytest.raises(OSError):
        describe_file(tmp_path)


def test_large_files_are_not_read_into_memory(tmp_path: Path) -> None:
    big = np.zeros(8 * 1024 * 1024, dtype=np.float32)  # 32 MiB per tensor
    paths = [tmp_path / "big.npz", tmp_path / "big.safetensors", tmp_path / "big.h5"]
    np.savez(paths[0], a=big, b=big)
    safetensors.numpy.save_file({"a": big, "b": big}, str(paths[1]))
    with h5py.File(paths[2], "w") as h5:
        h5["a"], h5["b"] = big, big
    del big
    for path in paths:
        tracemalloc.start()
        try:
            layout = describe_file(path)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert len(layout.tensors) == 2
        assert peak < 4 * 1024 * 1024, (path.name, peak)
