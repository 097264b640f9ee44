import json

import numpy as np

from store.objects import Manifest
from store.versioning import diff_manifests


def _arrays(seed):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((8, 4)).astype(np.float32)


def test_tensor_and_file_statuses(store):
    w1, w2, w3, w4 = _arrays(1), _arrays(2), _arrays(3), _arrays(4)
    w5 = np.arange(6, dtype=np.float32)
    a = Manifest("folder", (
        store.tensor_entry({"w1": w1, "w2": w2, "w3": w3, "w5": w5}, path="weights.bin", fmt="npz"),
        store.file_entry("config.json", [b"{}"]),
        store.file_entry("notes.txt", [b"A" * 100, b"B" * 50]),
        store.file_entry("old.txt", [b"old"]),
    ))
    b = Manifest("folder", (
        store.tensor_entry({"w1": w1, "w2": w2 + 1, "w4": w4, "w5": w5.view(np.int32)}, path="weights.bin", fmt="npz"),
        store.file_entry("config.json", [b"{}"]),
        store.file_entry("notes.txt", [b"A" * 100, b"C" * 70]),
        store.file_entry("new.txt", [b"new!"]),
    ))
    d = diff_manifests(a, b)
    tensors = {t.name: t for t in d.tensors}
    assert {n: t.status for n, t in tensors.items()} == {
        "weights.bin/w1": "unchanged",
        "weights.bin/w2": "changed",
        "weights.bin/w3": "removed",
        "weights.bin/w4": "added",
        "weights.bin/w5": "changed",  # same bytes, different dtype
    }
    assert (tensors["weights.bin/w3"].bytes_a, tensors["weights.bin/w3"].bytes_b) == (128, 0)
    assert (tensors["weights.bin/w4"].bytes_a, tensors["weights.bin/w4"].bytes_b) == (0, 128)
    assert (tensors["weights.bin/w5"].dtype_a, tensors["weights.bin/w5"].dtype_b) == ("float32", "int32")
    assert tensors["weights.bin/w2"].shape_b == (8, 4)

    files = {f.path: f for f in d.files}
    assert {p: f.status for p, f in files.items()} == {
        "config.json": "unchanged", "notes.txt": "changed", "old.txt": "removed", "new.txt": "added",
    }
    notes = files["notes.txt"]
    assert (notes.bytes_a, notes.bytes_b) == (150, 170)
    assert (notes.chunks_shared, notes.chunks_only_a, notes.chunks_only_b) == (1, 1, 1)
    assert (notes.shared_bytes, notes.only_a_bytes, notes.only_b_bytes) == (100, 50, 70)

    # new in b: w2+1 and w4 chunks (128 each), the C*70 chunk, "new!"; w5 as int32 is the same bytes
    assert d.new_bytes == 128 + 128 + 70 + 4
    assert (d.bytes_a, d.bytes_b) == (a.size, b.size)
    out = d.to_dict()
    json.dumps(out)
    assert set(out) == {"tensors", "files", "summary"}
    assert out["summary"]["new_bytes"] == d.new_bytes
    assert out["summary"]["changed"] == 3 and out["summary"]["unchanged"] == 2
    assert out["tensors"][0]["name"] == "weights.bin/w1"
    assert out["files"][0]["chunks"]["shared"] == 1


def test_identical_manifests(store):
    m = Manifest("object", (store.tensor_entry({"w": _arrays(7)}),))
    d = diff_manifests(m, m)
    assert not d.changed
    assert d.new_bytes == 0
    assert [t.status for t in d.tensors] == ["unchanged"]


def test_unnamed_stream_without_tensors(store):
    a = Manifest("file", (store.file_entry("", [b"x" * 10]),))
    b = Manifest("file", (store.file_entry("", [b"x" * 10, b"y"]),))
    (row,) = diff_manifests(a, b).files
    assert (row.path, row.status, row.chunks_only_b) == (".", "changed", 1)
