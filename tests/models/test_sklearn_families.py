"""Every estimator family: commit, load, identical outputs on held-out data; params and metrics in the log."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import GradientBoostingClassifier, HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.feature_selection import SelectKBest
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler
from sklearn.svm import SVC

from store.objects import Kind

METHODS = ("predict", "predict_proba", "decision_function", "transform")

DOCS = [
    "the cat sat on the mat",
    "dogs chase cats in the park",
    "a quick brown fox jumps",
    "stock prices fell sharply today",
    "the market rallied on earnings",
    "investors sold shares of the bank",
]


def _with_categories(x: np.ndarray) -> np.ndarray:
    """Two integer category columns appended, for the ColumnTransformer."""
    return np.c_[x, (np.abs(x[:, :2]) * 3).astype(int) % 4]


FAMILIES = {
    "random_forest": (lambda: RandomForestClassifier(30, random_state=0, n_jobs=2), "tabular"),
    "gradient_boosting": (lambda: GradientBoostingClassifier(n_estimators=20, random_state=0), "tabular"),
    "hist_gradient_boosting": (lambda: HistGradientBoostingClassifier(max_iter=20, random_state=0), "tabular"),
    "logistic_regression": (lambda: LogisticRegression(max_iter=1000), "tabular"),
    "ridge": (lambda: Ridge(alpha=0.5), "tabular"),
    "svc": (lambda: SVC(C=2.0, random_state=np.random.RandomState(0)), "tabular"),
    "kmeans": (lambda: KMeans(4, n_init=2, random_state=0), "tabular"),
    "pipeline": (
        lambda: make_pipeline(FunctionTransformer(np.abs), StandardScaler(), SelectKBest(k=6), LogisticRegression(max_iter=1000)),
        "tabular",
    ),
    "column_transformer": (
        lambda: make_pipeline(
            ColumnTransformer(
                [("num", StandardScaler(), slice(0, 12)), ("cat", OneHotEncoder(handle_unknown="ignore"), [12, 13])]
            ),
            LogisticRegression(max_iter=1000),
        ),
        "categorical",
    ),
    "tfidf_pipeline": (lambda: make_pipeline(TfidfVectorizer(ngram_range=(1, 2)), LogisticRegression()), "text"),
    "count_vectorizer": (lambda: CountVectorizer(), "text"),
}


def _data(kind: str, tabular):
    if kind == "text":
        y = np.array([0, 0, 0, 1, 1, 1] * 10)
        return DOCS * 10, y, ["the cat and the bank", "fox prices", "unknown words only"]
    if kind == "categorical":
        return _with_categories(tabular.x_train), tabular.y_train, _with_categories(tabular.x_test)
    return tabular.x_train, tabular.y_train, tabular.x_test


def _outputs(model, x) -> dict[str, np.ndarray]:
    out = {}
    for method in METHODS:
        if hasattr(model, method):
            value = getattr(model, method)(x)
            out[method] = value.toarray() if hasattr(value, "toarray") else np.asarray(value)
    return out


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_family_round_trip_and_log(repo, tvc, tabular, family):
    make, kind = FAMILIES[family]
    x, y, held_out = _data(kind, tabular)
    model = make().fit(x) if family in ("kmeans", "count_vectorizer") else make().fit(x, y)
    params = {k: v for k, v in model.get_params(deep=False).items() if isinstance(v, (int, float, str, bool))}
    metrics = {"train_score": float(model.score(x, y))} if hasattr(model, "score") and family != "count_vectorizer" else {"vocabulary": len(model.vocabulary_)}

    result = repo.commit(model, family, message="fit", params=params, metrics=metrics)
    assert result.created
    loaded = repo.load(family)

    assert type(loaded) is type(model)
    expected, got = _outputs(model, held_out), _outputs(loaded, held_out)
    assert expected and expected.keys() == got.keys()
    for method in expected:
        np.testing.assert_array_equal(got[method], expected[method], err_msg=method)

    log = tvc("log", family).stdout
    for key, value in list(params.items())[:3] + list(metrics.items()):
        assert f"{key}={value if isinstance(value, str) else json.dumps(value)}" in log
    listed = json.loads(tvc("log", "--json", family).stdout)[0]
    assert listed["params"] == params and listed["metrics"] == metrics
    assert "sklearn" in listed["environment"] and "numpy" in listed["environment"]


def test_arrays_leave_the_pickle_as_named_tensors(repo, tabular):
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(tabular.x_train, tabular.y_train)
    repo.commit(model, "clf")
    manifest = repo.open("clf").manifest
    tensors = manifest.tensors()
    assert {"steps/standardscaler/mean_", "steps/standardscaler/scale_", "steps/logisticregression/coef_"} <= set(tensors)
    np.testing.assert_array_equal(repo.open("clf").tensors["steps/logisticregression/coef_"].read(), model[-1].coef_)
    structure = next(e for e in manifest.entries if e.path == "structure")
    assert structure.format == "pickle" and model[-1].coef_.tobytes() not in b"".join(repo.db.get(c.id, Kind.CHUNK) for c in structure.chunks)
    assert manifest.structure["adapter"] == "sklearn"


def test_committing_the_same_model_again_adds_nothing(repo, tabular):
    model = RandomForestClassifier(10, random_state=0).fit(tabular.x_train, tabular.y_train)
    first = repo.commit(model, "rf", message="v1")
    again = repo.commit(model, "rf", message="same")
    assert not again.created and again.id == first.id
    assert len(repo.log("rf")) == 1


def test_fortran_arrays_come_back_in_their_layout(repo, tabular):
    model = LogisticRegression(max_iter=1000).fit(tabular.x_train, tabular.y_train)
    model.coef_ = np.asfortranarray(model.coef_)
    repo.commit(model, "lr")
    loaded = repo.load("lr")
    assert loaded.coef_.flags.f_contiguous and loaded.coef_.flags.writeable
    np.testing.assert_array_equal(loaded.coef_, model.coef_)
