"""Train or fine-tune the demo's small Keras classifier on synthetic data.

    python train.py base OUT.keras        # train every layer, save
    python train.py finetune-head PATH    # freeze all but the head, train, save in place

Prints the validation accuracy, which the demo records as a commit metric.
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402


def data(seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((2048, 64)).astype("float32")
    y = (x[:, :8].sum(axis=1) > 0).astype("int64") + 2 * (x[:, 8:16].sum(axis=1) > 0)
    return x, y


def build() -> keras.Model:
    return keras.Sequential(
        [
            keras.Input((64,)),
            keras.layers.Dense(512, activation="relu", name="hidden1"),
            keras.layers.Dense(512, activation="relu", name="hidden2"),
            keras.layers.Dense(4, activation="softmax", name="head"),
        ],
        name="net",
    )


def main(mode: str, path: str) -> None:
    keras.utils.set_random_seed(0)
    x, y = data(0)
    if mode == "base":
        model = build()
    else:
        model = keras.models.load_model(path)
        for layer in model.layers[:-1]:
            layer.trainable = False
        x, y = data(1)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=2, batch_size=64, validation_split=0.2, verbose=0)
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    model.save(path)
    print(f"{history.history['val_accuracy'][-1]:.4f}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
