import pytest

from store.errors import AmbiguousRevisionError, InvalidNameError, RevisionNotFoundError
from store.objects import hash_bytes
from store.versioning import HEADS, TAGS, move_tag, parse_rev, resolve, split_rev
from store.versioning.revs import split_steps


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("clf", ("clf", "main")),
        ("clf@v1", ("clf", "v1")),
        ("models/net.keras@abc123~2", ("models/net.keras", "abc123~2")),
        ("./models//net.keras@dev", ("models/net.keras", "dev")),
    ],
)
def test_parse_rev(text, expected):
    assert parse_rev(text) == expected


def test_split_at_last_at():
    assert split_rev("a@b@v1") == ("a@b", "v1")
    with pytest.raises(InvalidNameError, match="'@'"):
        parse_rev("a@b@v1")
    with pytest.raises(InvalidNameError, match="nothing after"):
        parse_rev("clf@")
    with pytest.raises(InvalidNameError, match="empty"):
        parse_rev("@v1")


def test_split_steps():
    assert split_steps("main") == ("main", 0)
    assert split_steps("main~") == ("main", 1)
    assert split_steps("main~0") == ("main", 0)
    assert split_steps("v1~2~") == ("v1", 3)
    assert split_steps("abc123~12") == ("abc123", 12)


def _resolve(store, text):
    return resolve(store.refs, store.commits, store.db, text)


def test_branch_tag_and_precedence(store):
    c1 = store.commit("clf")
    c2 = store.commit("clf")
    move_tag(store.refs, "clf", "v1", c1)
    r = _resolve(store, "clf")
    assert (r.name, r.commit, r.label, r.branch) == ("clf", c2, "main", "main")
    r = _resolve(store, "clf@v1")
    assert (r.commit, r.branch) == (c1, None)
    # a tag named like a branch loses to the branch
    store.refs.set_if_equals("clf", TAGS, "main", None, c1)
    assert _resolve(store, "clf@main").commit == c2


def test_commit_id_prefixes(store):
    c1 = store.commit("clf")
    store.commit("clf")
    assert _resolve(store, f"clf@{c1[:6]}").commit == c1
    assert _resolve(store, f"clf@{c1[:6].upper()}").commit == c1
    assert _resolve(store, f"clf@{c1}").commit == c1
    with pytest.raises(RevisionNotFoundError, match="at least 6 hex"):
        _resolve(store, f"clf@{c1[:5]}")


def test_unreachable_commit_found_by_prefix_and_full_id(store):
    store.commit("clf")
    orphan = store.commit("clf", branch=None)
    other = store.commit("net")
    assert _resolve(store, f"clf@{orphan}").commit == orphan
    assert _resolve(store, f"clf@{orphan[:8]}").commit == orphan
    with pytest.raises(RevisionNotFoundError, match="belongs to model 'net'"):
        _resolve(store, f"clf@{other}")
    if not orphan.startswith(other[:8]):
        with pytest.raises(RevisionNotFoundError):
            _resolve(store, f"clf@{other[:8]}")


def _colliding_pair(store):
    """Two commits of 'clf' whose ids share the first 6 hex digits (birthday search, a few thousand hashes)."""
    mid = store.tensor_manifest({})
    seen = {}
    for i in range(200_000):
        commit = store.make("clf", manifest=mid, message=f"try {i}", time=1.0)
        oid = hash_bytes(commit.to_bytes())
        if oid[:6] in seen and seen[oid[:6]][0] != oid:
            return seen[oid[:6]], (oid, commit)
        seen[oid[:6]] = (oid, commit)
    raise AssertionError("no collision found")


def test_ambiguous_prefix_lists_candidates(store):
    (a, ca), (b, cb) = _colliding_pair(store)
    assert store.commits.put(ca) == a and store.commits.put(cb) == b
    # unreachable: found among all objects of the db
    with pytest.raises(AmbiguousRevisionError) as info:
        _resolve(store, f"clf@{a[:6]}")
    assert info.value.candidates == sorted([a, b])
    assert a[:16] in str(info.value) and b[:16] in str(info.value)
    # reachable through two branches
    store.refs.set_if_equals("clf", HEADS, "main", None, a)
    store.refs.set_if_equals("clf", HEADS, "dev", None, b)
    with pytest.raises(AmbiguousRevisionError):
        _resolve(store, f"clf@{a[:6]}")
    assert _resolve(store, f"clf@{a[:20]}").commit == a
    assert _resolve(store, f"clf@{b}").commit == b


def test_tilde_walks_first_parents(store):
    chain = [store.commit("clf") for _ in range(4)]
    move_tag(store.refs, "clf", "v3", chain[2])
    assert _resolve(store, "clf@main~0").commit == chain[3]
    assert _resolve(store, "clf@main~").commit == chain[2]
    assert _resolve(store, "clf@main~2").commit == chain[1]
    assert _resolve(store, "clf@main~~").commit == chain[1]
    assert _resolve(store, "clf@v3~2").commit == chain[0]
    assert _resolve(store, f"clf@{chain[3][:7]}~3").commit == chain[0]
    resolved = _resolve(store, "clf@main~1")
    assert (resolved.label, resolved.branch) == ("main~1", None)
    with pytest.raises(RevisionNotFoundError, match="goes back 4 commits, but only 3"):
        _resolve(store, "clf@main~4")
    with pytest.raises(InvalidNameError):
        _resolve(store, "clf@~1")


def test_unknown_revisions(store):
    store.commit("clf")
    with pytest.raises(RevisionNotFoundError, match="unknown revision 'v9' of model 'clf'"):
        _resolve(store, "clf@v9")
    with pytest.raises(RevisionNotFoundError, match="unknown revision 'a:b' of model 'clf'"):
        _resolve(store, "clf@a:b")
    with pytest.raises(RevisionNotFoundError, match="no model named 'x'"):
        _resolve(store, "x")
    with pytest.raises(RevisionNotFoundError, match="unknown revision 'ffffff' of model 'clf'"):
        _resolve(store, "clf@ffffff")
