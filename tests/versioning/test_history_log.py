import pytest

from store.errors import RevisionNotFoundError
from store.versioning import HEADS, decorations, log, move_tag


def _ids(entries):
    return [oid for oid, _c in entries]


def test_linear_log_newest_first(store):
    chain = [store.commit("clf") for _ in range(3)]
    store.commit("other")
    assert _ids(log(store.commits, store.refs, "clf")) == chain[::-1]
    assert _ids(log(store.commits, store.refs, "clf", start=chain[1])) == chain[1::-1]


def test_merge_history_all_parents_once_by_time_then_id(store):
    root = store.commit("clf", branch=None, time=1)
    a = store.commit("clf", branch=None, parents=(root,), time=2, message="a")
    b = store.commit("clf", branch=None, parents=(root,), time=2, message="b")
    c = store.commit("clf", branch=None, parents=(a,), time=3)
    merge = store.commit("clf", branch="main", parents=(c, b), time=5)
    got = _ids(log(store.commits, store.refs, "clf"))
    assert got == [merge, c, *sorted([a, b]), root]


def test_child_before_parent_even_with_clock_skew(store):
    parent = store.commit("clf", time=100)
    child = store.commit("clf", time=50)
    assert _ids(log(store.commits, store.refs, "clf")) == [child, parent]


def test_log_from_branch_and_errors(store):
    base = store.commit("clf")
    dev = store.commit("clf", branch="dev", parents=(base,))
    assert _ids(log(store.commits, store.refs, "clf", start="dev")) == [dev, base]
    with pytest.raises(RevisionNotFoundError, match="has no branch 'nope'"):
        log(store.commits, store.refs, "clf", start="nope")
    with pytest.raises(RevisionNotFoundError, match="no model named 'ghost'"):
        log(store.commits, store.refs, "ghost")


def test_decorations(store):
    c1 = store.commit("clf")
    c2 = store.commit("clf")
    move_tag(store.refs, "clf", "v1", c1)
    move_tag(store.refs, "clf", "best", c2)
    store.refs.set_if_equals("clf", HEADS, "dev", None, c2)
    assert decorations(store.refs, "clf") == {c1: ["tag: v1"], c2: ["dev", "main", "tag: best"]}
