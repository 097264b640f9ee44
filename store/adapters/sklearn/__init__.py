"""scikit-learn estimators as objects: a pickle without its arrays, plus the arrays as tensors.

Any fitted estimator, Pipeline or ColumnTransformer pickles; here its numpy arrays
leave the pickle (``pickling``) so they are stored, deduplicated and read like any
tensor, and loading goes through an allow-list (``allowlist``) instead of running
whatever the pickle names.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import joblib
from sklearn.base import BaseEstimator

from store.adapters.base import Adapter, CommitOptions, Decomposed, LoadOptions, Stored
from store.adapters.sklearn.allowlist import safe_loads
from store.adapters.sklearn.pickling import PROTOCOL, dumps
from store.errors import UnsupportedObjectError


class SklearnAdapter(Adapter):
    name = "sklearn"
    frameworks = ("sklearn",)
    file_suffixes = (".joblib", ".pkl", ".pickle")

    def detect(self, obj: object) -> bool:
        return isinstance(obj, BaseEstimator)

    def decompose(self, obj: object, options: CommitOptions) -> Decomposed:
        structure, tensors = dumps(obj)
        cls = type(obj)
        return Decomposed(structure, "pickle", tensors, {"class": f"{cls.__module__}.{cls.__qualname__}", "protocol": PROTOCOL})

    def rebuild(self, stored: Stored, options: LoadOptions) -> object:
        if options.only is not None:
            raise UnsupportedObjectError("only= picks layers of a Keras model; a scikit-learn model loads whole")
        tensors = stored.tensors.read(stored.tensors.names())
        return safe_loads(stored.structure, tensors, options.trusted, options.what)

    def save_file(self, obj: object, path: Path) -> None:
        """``.joblib`` through joblib (what ``joblib.load`` expects), ``.pkl`` as a plain pickle."""
        if path.suffix == ".joblib":
            joblib.dump(obj, path)
            return
        with open(path, "wb") as f:
            pickle.dump(obj, f, protocol=PROTOCOL)


ADAPTER = SklearnAdapter()
