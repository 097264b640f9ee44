"""Keras models as objects: names shared with file commits, exact resume, cheap fine-tunes, partial loads."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from model_helpers import KiB, compressed_size, stored_bytes
from synthetic import classification_data

from store.objects import Kind


def dense_net(seed: int = 0) -> keras.Model:
    """A freshly built Sequential (its variable paths carry 'sequential/'), compiled with Adam.

    hidden2's kernel is 1 MiB: chunked by rows, like a file's tensors; the rest is grouped.
    """
    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [
            keras.Input((32,)),
            keras.layers.Dense(512, activation="relu", name="hidden1"),
            keras.layers.BatchNormalization(name="norm"),
            keras.layers.Dense(512, activation="relu", name="hidden2"),
            keras.layers.Dense(4, activation="softmax", name="head"),
        ]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


def sequence_net() -> keras.Model:
    """Wrappers and nested cells, whose loaded paths differ most from the live ones."""
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((6, 8)),
            keras.layers.Bidirectional(keras.layers.GRU(4, return_sequences=True), name="bi"),
            keras.layers.LSTM(3, name="lstm"),
            keras.layers.Dense(2, name="out"),
        ]
    )
    model.compile(optimizer="adam", loss="mse")
    model.fit(np.ones((8, 6, 8), "float32"), np.zeros((8, 2), "float32"), epochs=1, verbose=0)
    return model


def fit(model: keras.Model, seed: int, data_seed: int) -> None:
    keras.utils.set_random_seed(seed)
    model.fit(*classification_data(data_seed), epochs=1, batch_size=64, verbose=0)


@pytest.mark.parametrize("build", [dense_net, sequence_net], ids=["dense", "sequence"])
def test_object_and_file_commits_share_names_and_chunks(repo, tmp_path, build):
    model = build()
    if build is dense_net:
        fit(model, 0, 0)
    obj = repo.commit(model, "net")
    model.save(tmp_path / "net.keras")
    repo.commit(tmp_path / "net.keras", "net.keras")

    as_object, as_file = repo.open("net").tensors, repo.open("net.keras").tensors
    layer_names = {n for n in as_object if not n.startswith("adam/")}
    assert layer_names == {n for n in as_file if not n.startswith("optimizer/")}
    assert layer_names == {v.path for v in keras.models.load_model(tmp_path / "net.keras").weights}
    for name in layer_names:
        np.testing.assert_array_equal(as_object[name].read(), as_file[name].read(), err_msg=name)

    optimizer = {n for n in as_object if n.startswith("adam/")}
    assert {"adam/iteration", "adam/learning_rate"} <= optimizer
    assert len(optimizer) == len(model.optimizer.variables)
    if build is dense_net:
        assert "adam/hidden1_kernel_momentum" in optimizer and "hidden2/kernel" in layer_names
        shared = repo.open("net").manifest.chunk_ids() & repo.open("net.keras").manifest.chunk_ids()
        big = repo.open("net").manifest.entries[-1]
        record = big.tensors["hidden2/kernel"]
        assert {c.id for _, c in big.chunks_covering(record.offset, record.offset + record.nbytes)} <= shared
    assert obj.created and repo.open("net").manifest.structure["optimizer"] is True
    assert not repo.commit(model, "net").created  # same model, same manifest: no new version


def test_fit_resumes_bit_exactly_after_load(repo):
    model = dense_net()
    fit(model, 0, 0)
    repo.commit(model, "net")
    repo.commit(model, "net-no-optimizer", include_optimizer=False)
    fit(model, 7, 1)  # the run that never stopped

    resumed = repo.load("net")
    fit(resumed, 7, 1)
    assert int(resumed.optimizer.iterations.numpy()) == int(model.optimizer.iterations.numpy())
    assert len(resumed.weights + resumed.optimizer.variables) == len(model.weights + model.optimizer.variables)
    for expected, got in zip(model.weights + model.optimizer.variables, resumed.weights + resumed.optimizer.variables):
        np.testing.assert_array_equal(got.numpy(), expected.numpy(), err_msg=got.path)

    restarted = repo.load("net-no-optimizer")
    fit(restarted, 7, 1)
    assert not np.array_equal(restarted.get_layer("head").kernel.numpy(), model.get_layer("head").kernel.numpy())


def test_head_only_fine_tune_stores_little_more_than_the_changed_tensors(repo):
    model = dense_net()
    fit(model, 0, 0)
    v1 = repo.commit(model, "net", message="base")
    before = stored_bytes(repo)
    for layer in model.layers[:-1]:
        layer.trainable = False
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    fit(model, 1, 1)
    v2 = repo.commit(model, "net", message="head only")
    added = stored_bytes(repo) - before

    old = repo.open(f"net@{v1.id}").manifest.entries[-1].tensors
    new_view = repo.open(f"net@{v2.id}")
    new = new_view.manifest.entries[-1].tensors
    changed = [n for n, rec in new.items() if n not in old or old[n].hash != rec.hash]
    assert {"head/kernel", "head/bias"} <= set(changed)
    assert not any(n.startswith(("hidden1/", "hidden2/", "norm/")) for n in changed)
    assert {"adam/head_kernel_momentum", "adam/head_kernel_velocity"} <= set(changed)
    budget = sum(compressed_size(new_view.tensors[n].read().tobytes(), new[n].dtype) for n in changed)
    print(f"added {added} bytes for changed tensors of {budget} compressed bytes")
    assert added <= 1.2 * budget + 64 * KiB, (added, budget)


def test_load_only_reads_just_those_layers(repo, monkeypatch):
    model = dense_net()
    fit(model, 0, 0)
    repo.commit(model, "net")
    manifest = repo.open("net").manifest
    structure, tensors = manifest.entries
    wanted = [tensors.tensors[n] for n in ("hidden2/kernel", "hidden2/bias")]
    allowed = {c.id for r in wanted for _, c in tensors.chunks_covering(r.offset, r.offset + r.nbytes)}
    allowed |= {c.id for c in structure.chunks}

    read: list[str] = []
    real_get = repo.db.get
    monkeypatch.setattr(repo.db, "get", lambda oid, expect=None: (read.append(oid), real_get(oid, expect))[1])
    repo.db.objects_read = 0
    partial = repo.load("net", only=["hidden2"])

    chunks_read = {oid for oid in read if repo.db.header(oid).kind == Kind.CHUNK}
    assert chunks_read == allowed
    assert repo.db.objects_read <= len(allowed) + 2  # + commit and manifest
    assert len(allowed) < len(tensors.chunks)
    np.testing.assert_array_equal(partial.get_layer("hidden2").kernel.numpy(), model.get_layer("hidden2").kernel.numpy())
    assert not np.array_equal(partial.get_layer("hidden1").kernel.numpy(), model.get_layer("hidden1").kernel.numpy())
    assert int(partial.optimizer.iterations.numpy()) == 0


@keras.saving.register_keras_serializable(package="tvc_tests")
class Scale(keras.layers.Layer):
    """A user's layer with a weight of its own."""

    def __init__(self, init: float = 1.0, **kwargs):
        super().__init__(**kwargs)
        self.init = init

    def build(self, input_shape):
        self.alpha = self.add_weight(shape=(input_shape[-1],), initializer=keras.initializers.Constant(self.init), name="alpha")

    def call(self, x):
        return x * self.alpha

    def get_config(self):
        return {**super().get_config(), "init": self.init}


def test_registered_custom_layer_round_trips(repo):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((5,)), Scale(0.5, name="scale"), keras.layers.Dense(3, name="head")])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(np.ones((16, 5), "float32"), np.zeros((16, 3), "float32"), epochs=2, verbose=0)
    repo.commit(model, "custom")
    loaded = repo.load("custom")
    assert isinstance(loaded.get_layer("scale"), Scale)
    np.testing.assert_array_equal(repo.open("custom").tensors["scale/alpha"].read(), model.get_layer("scale").alpha.numpy())
    x = np.random.default_rng(0).standard_normal((4, 5)).astype("float32")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_saved_model_folder_checks_out_and_loads_with_tensorflow(repo):
    import tensorflow as tf

    class Affine(tf.Module):
        def __init__(self):
            self.w = tf.Variable(np.arange(12, dtype="float32").reshape(4, 3))
            self.b = tf.Variable(np.ones(3, dtype="float32"))

        @tf.function(input_signature=[tf.TensorSpec([None, 4], tf.float32)])
        def __call__(self, x):
            return tf.matmul(x, self.w) + self.b

    folder = repo.root / "models" / "affine"
    tf.saved_model.save(Affine(), str(folder))
    commit = repo.commit(folder)
    assert repo.open("models/affine").manifest.type == "folder"
    repo.checkout(f"models/affine@{commit.id}", out=repo.root / "restored")

    restored = tf.saved_model.load(str(repo.root / "restored"))
    x = np.ones((2, 4), dtype="float32")
    np.testing.assert_array_equal(restored(x).numpy(), x @ np.arange(12, dtype="float32").reshape(4, 3) + 1)
