"""A real head-only fine-tune saved as .keras: what a new version costs, and what diff says."""

from __future__ import annotations

import json
import shutil

import numpy as np
from click.testing import CliRunner

from cli.main import main
from store.codecs import encode_best
from store.objects import Kind
from store.objects.header import HEADER_SIZE

KiB = 1 << 10


def stored_bytes(repo) -> int:
    return sum(repo.db.stored_size(oid) for oid in repo.db)


def compressed_size(array_bytes: bytes, dtype: str) -> int:
    return HEADER_SIZE + len(encode_best(array_bytes, dtype)[1])


def test_head_only_fine_tune_stores_little_more_than_the_changed_tensors(repo, keras_finetune):
    target = repo.root / "models" / "net.keras"
    target.parent.mkdir()
    shutil.copyfile(keras_finetune.base, target)
    v1 = repo.commit(target, message="base")
    before = stored_bytes(repo)
    shutil.copyfile(keras_finetune.head_only, target)
    v2 = repo.commit(target, message="fine-tune head")
    added = stored_bytes(repo) - before

    old, new = repo.open(f"models/net.keras@{v1.id}").tensors, repo.open(f"models/net.keras@{v2.id}").tensors
    changed = [name for name in new if name not in old or new[name].read().tobytes() != old[name].read().tobytes()]
    budget = sum(compressed_size(new[name].read().tobytes(), new[name].dtype.str) for name in changed)
    assert set(keras_finetune.head) <= set(changed)
    assert any(name.startswith("optimizer/") for name in changed)
    assert not set(keras_finetune.frozen) & set(changed)
    print(f"added {added} bytes for changed tensors of {budget} compressed bytes")
    assert added <= 1.2 * budget + 64 * KiB, (added, budget)


def test_diff_json_marks_the_head_changed_and_frozen_layers_unchanged(repo, keras_finetune):
    target = repo.root / "net.keras"
    shutil.copyfile(keras_finetune.base, target)
    repo.commit(target, tag="v1")
    shutil.copyfile(keras_finetune.head_only, target)
    repo.commit(target, tag="v2")
    result = CliRunner().invoke(main, ["diff", "--json", "net.keras@v1", "net.keras@v2"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    status = {row["name"]: row["status"] for row in report["tensors"]}
    assert {status[name] for name in keras_finetune.head} == {"changed"}
    assert {status[name] for name in keras_finetune.frozen} == {"unchanged"}
    assert len(report["a"]) == len(report["b"]) == 64


def test_file_tensors_equal_the_models_own_weights(repo, keras_finetune):
    import keras

    commit = repo.commit(keras_finetune.head_only, name="net.keras")
    view = repo.open(f"net.keras@{commit.id}")
    model = keras.models.load_model(keras_finetune.head_only)
    for variable in model.weights:
        np.testing.assert_array_equal(view.tensors[variable.path].read(), variable.numpy())
    assert all(repo.db.header(c.id).kind == Kind.CHUNK for c in view.manifest.entries[0].chunks)
