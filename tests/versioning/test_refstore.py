import tempfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from store.backend.local import LocalBackend
from store.errors import CorruptRefError, InvalidNameError, RefConflictError
from store.versioning import HEADS, TAGS, Ref, RefStore, normalize_name, validate_ref_name
from store.versioning.refs import parse_ref_key, ref_key

A = "a" * 64
B = "b" * 64
C = "c" * 64


def test_set_get_list(store):
    refs = store.refs
    assert refs.get("clf", HEADS, "main") is None
    refs.set_if_equals("clf", HEADS, "main", None, A)
    refs.set_if_equals("clf", TAGS, "v1", None, A)
    assert refs.get("clf", HEADS, "main") == A
    assert store.backend.read(ref_key("clf", HEADS, "main")) == (A + "\n").encode()
    assert refs.list() == [Ref("clf", HEADS, "main", A), Ref("clf", TAGS, "v1", A)]
    refs.set_if_equals("clf", HEADS, "main", A, B)
    assert refs.get("clf", HEADS, "main") == B
    refs.set_if_equals("clf", TAGS, "v1", A, None)
    assert refs.list("clf") == [Ref("clf", HEADS, "main", B)]


def test_model_a_slash_b_never_collides_with_a(store):
    refs = store.refs
    refs.set_if_equals("a/b", HEADS, "main", None, A)
    refs.set_if_equals("a", HEADS, "b/heads/main", None, B)
    refs.set_if_equals("a", HEADS, "main", None, C)
    assert refs.get("a/b", HEADS, "main") == A
    assert refs.get("a", HEADS, "b/heads/main") == B
    assert [r.commit for r in refs.list("a")] == [B, C]
    assert refs.list("a/b") == [Ref("a/b", HEADS, "main", A)]
    assert refs.models() == ["a", "a/b"]


def test_branch_and_its_sub_branch_coexist(store):
    store.refs.set_if_equals("clf", HEADS, "x", None, A)
    store.refs.set_if_equals("clf", HEADS, "x/y", None, B)
    assert {r.name: r.commit for r in store.refs.list("clf")} == {"x": A, "x/y": B}


def test_cas_conflicts(store):
    refs = store.refs
    refs.set_if_equals("clf", HEADS, "main", None, A)
    with pytest.raises(RefConflictError, match="branch 'main' of 'clf' moved"):
        refs.set_if_equals("clf", HEADS, "main", None, B)  # create over an existing ref
    with pytest.raises(RefConflictError):
        refs.set_if_equals("clf", HEADS, "main", B, C)  # stale expectation
    with pytest.raises(RefConflictError):
        refs.set_if_equals("clf", HEADS, "main", B, None)
    assert refs.get("clf", HEADS, "main") == A


def test_corrupt_ref_is_named(store):
    store.backend.write(ref_key("clf", HEADS, "main"), b"not a commit\n")
    with pytest.raises(CorruptRefError, match="branch 'main' of 'clf'"):
        store.refs.get("clf", HEADS, "main")


def test_lock_files_and_foreign_keys_are_not_refs(store):
    store.refs.set_if_equals("clf", HEADS, "main", None, A)
    store.backend.write("refs/clf/heads/main.lock", b"")
    store.backend.write("refs/clf/remotes/x", A.encode())
    store.backend.write("refs/a%2fb/heads/main", A.encode())  # non-canonical quoting
    assert store.refs.list() == [Ref("clf", HEADS, "main", A)]


def test_invalid_names_rejected(store):
    with pytest.raises(InvalidNameError):
        store.refs.get("../x", HEADS, "main")
    with pytest.raises(InvalidNameError):
        store.refs.set_if_equals("clf", TAGS, "v1~1", None, A)
    with pytest.raises(ValueError):
        store.refs.set_if_equals("clf", TAGS, "v1", None, "abc")


model_names = st.text(alphabet="ab/%.@-_ é\\", min_size=1, max_size=12)
ref_names = st.text(alphabet="ab/%.-_é", min_size=1, max_size=10)


def _valid(model: str, kind: str, name: str) -> tuple[str, str, str] | None:
    try:
        return normalize_name(model), kind, validate_ref_name(kind, name)
    except InvalidNameError:
        return None


@given(st.lists(st.tuples(model_names, st.sampled_from([HEADS, TAGS]), ref_names), max_size=30))
def test_keys_are_injective_and_decode_back(triples):
    valid = {t for t in (_valid(*t) for t in triples) if t is not None}
    keys = {ref_key(*t): t for t in valid}
    assert len(keys) == len(valid)
    for key, triple in keys.items():
        assert parse_ref_key(key) == triple


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(model_names, st.sampled_from([HEADS, TAGS]), ref_names), max_size=12))
def test_refs_round_trip_through_a_real_store(triples):
    valid = sorted({t for t in (_valid(*t) for t in triples) if t is not None})
    with tempfile.TemporaryDirectory() as root:
        refs = RefStore(LocalBackend(root))
        written = {}
        for i, (model, kind, name) in enumerate(valid):
            commit = f"{i:064x}"
            refs.set_if_equals(model, kind, name, None, commit)
            written[(model, kind, name)] = commit
        assert {(r.model, r.kind, r.name): r.commit for r in refs.list()} == written
        assert refs.models() == sorted({m for m, _k, _n in written})
