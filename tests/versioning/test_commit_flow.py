import dataclasses

import pytest

from store.errors import RefConflictError, RefExistsError
from store.versioning import HEADS, TAGS, create_branch, move_tag, record_commit


def _maker(store, name="clf"):
    def make(head):
        return store.make(name, parents=(head,) if head else ())

    return make


def test_record_commit_builds_on_the_head(store):
    first = record_commit(store.commits, store.refs, "clf", "main", _maker(store))
    second = record_commit(store.commits, store.refs, "clf", "main", _maker(store))
    assert store.commits.get(first).parents == ()
    assert store.commits.get(second).parents == (first,)
    assert store.refs.get("clf", HEADS, "main") == second


def test_concurrent_move_is_retried_once_on_the_new_head(store):
    base = record_commit(store.commits, store.refs, "clf", "main", _maker(store))
    seen_heads = []
    rival = {}

    def make(head):
        seen_heads.append(head)
        if len(seen_heads) == 1:  # another writer commits between our read and our CAS
            rival["id"] = store.commit("clf", message="rival")
        return store.make("clf", parents=(head,) if head else ())

    mine = record_commit(store.commits, store.refs, "clf", "main", make)
    assert seen_heads == [base, rival["id"]]
    assert store.commits.get(mine).parents == (rival["id"],)
    assert store.refs.get("clf", HEADS, "main") == mine


def test_second_conflict_goes_back_to_the_user(store):
    base = record_commit(store.commits, store.refs, "clf", "main", _maker(store))
    calls = []

    def make(head):
        calls.append(head)
        store.commit("clf", message=f"rival {len(calls)}")  # the branch moves every time
        return store.make("clf", parents=(head,) if head else ())

    with pytest.raises(RefConflictError) as info:
        record_commit(store.commits, store.refs, "clf", "main", make)
    assert len(calls) == 2 and calls[0] == base
    assert str(info.value).startswith("branch 'main' of 'clf' moved while committing")
    assert str(info.value).endswith("run the commit again")


def test_make_commit_must_build_on_the_head(store):
    record_commit(store.commits, store.refs, "clf", "main", _maker(store))
    with pytest.raises(ValueError, match="parents"):
        record_commit(store.commits, store.refs, "clf", "main", lambda head: store.make("clf"))
    with pytest.raises(ValueError, match="'net'"):
        record_commit(store.commits, store.refs, "clf", "main",
                      lambda head: dataclasses.replace(store.make("net"), parents=(head,)))


def test_move_tag(store):
    c1 = store.commit("clf")
    c2 = store.commit("clf")
    assert move_tag(store.refs, "clf", "v1", c1) is None
    assert move_tag(store.refs, "clf", "v1", c1) == c1  # same target: no-op
    with pytest.raises(RefExistsError, match="tag 'v1' of 'clf' already points to"):
        move_tag(store.refs, "clf", "v1", c2)
    assert store.refs.get("clf", TAGS, "v1") == c1
    assert move_tag(store.refs, "clf", "v1", c2, force=True) == c1
    assert store.refs.get("clf", TAGS, "v1") == c2


def test_create_branch(store):
    c1 = store.commit("clf")
    create_branch(store.refs, "clf", "dev", c1)
    assert store.refs.get("clf", HEADS, "dev") == c1
    with pytest.raises(RefExistsError, match="branch 'dev' of 'clf' already exists"):
        create_branch(store.refs, "clf", "dev", c1)
