import pytest

from store.errors import InvalidNameError
from store.versioning import normalize_name, validate_ref_name


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("clf", "clf"),
        ("models/net.keras", "models/net.keras"),
        ("./models//net.keras", "models/net.keras"),
        ("a/./b/", "a/b"),
        ("my model.pkl", "my model.pkl"),
        ("модель/v1", "модель/v1"),
        ("a%2Fb", "a%2Fb"),
    ],
)
def test_normalize_good(given, expected):
    assert normalize_name(given) == expected
    assert normalize_name(expected) == expected


@pytest.mark.parametrize(
    ("given", "why"),
    [
        ("", "empty"),
        (".", "names no"),
        ("./", "names no"),
        ("/abs/model", "absolute"),
        ("C:/models/x", "absolute"),
        ("a/../b", "'..'"),
        ("..", "'..'"),
        ("clf@v1", "'@'"),
        ("a\\b", "backslash"),
        ("a\x00b", "control"),
        ("a\nb", "control"),
        ("x" * 300, "too long"),
    ],
)
def test_normalize_bad(given, why):
    with pytest.raises(InvalidNameError, match=why) as info:
        normalize_name(given)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("name", ["main", "v1.0", "feature/x", "release-2024", "a_b", "v%1"])
def test_ref_name_good(name):
    assert validate_ref_name("heads", name) == name


@pytest.mark.parametrize(
    "name",
    ["", "-x", "a..b", "a@b", "a b", "a\tb", "a~1", "a^", "a:b", "a?", "a*", "a[", "a\\b",
     "x.lock", "x.lock/y", ".hidden", "a/.b", "a//b", "/a", "a/", "a.", "a\x7fb"],
)
def test_ref_name_bad(name):
    with pytest.raises(InvalidNameError) as info:
        validate_ref_name("tags", name)
    assert str(info.value).startswith("tag name")
    assert "\n" not in str(info.value)
