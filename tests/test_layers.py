"""Imports point down the layers of DESIGN.md; the library never imports a UI or a framework it does not own."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Lower rank = lower layer. A module may import its own package freely and lower ranks only.
RANKS = {
    "store.errors": 0,
    "store.progress": 0,
    "store.backend": 1,
    "store.codecs": 1,
    "store.objects": 2,
    "store.adapters": 3,
    "store.ingest": 4,
    "store.restore": 4,
    "store.lazy": 4,
    "store.pointers": 4,
    "store.hashcache": 4,
    "store.models": 5,  # live model objects: adapters tied to ingest and objects
    "store.versioning": 5,
    "store.transfer": 6,
    "store.remotes": 6,
    "store.api": 7,
    "store": 8,
    "cli": 9,
}
UI_LIBRARIES = {"click", "rich", "tqdm", "typer"}
FRAMEWORKS = {"sklearn": "store/adapters/sklearn.py", "keras": "store/adapters/keras.py", "tensorflow": "store/adapters/keras.py"}


def unit_of(module: str) -> str:
    """The layer a dotted module name belongs to: the longest RANKS key that prefixes it."""
    best = ""
    for key in RANKS:
        if (module == key or module.startswith(key + ".")) and len(key) > len(best):
            best = key
    return best


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def imports_of(path: Path) -> list[tuple[str, int]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, node.lineno))
    return found


SOURCES = sorted([*ROOT.joinpath("store").rglob("*.py"), *ROOT.joinpath("cli").rglob("*.py")])


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_point_down(path: Path) -> None:
    me = unit_of(module_name(path))
    assert me, f"{path} belongs to no layer in RANKS"
    for imported, line in imports_of(path):
        top = imported.split(".")[0]
        where = f"{path.relative_to(ROOT)}:{line} imports {imported}"
        if top in ("store", "cli"):
            other = unit_of(imported)
            assert other, f"{where}, which belongs to no layer"
            if other != me:
                assert RANKS[other] < RANKS[me], f"{where}: it points up or sideways"
            if me.startswith("store.adapters"):
                assert other in ("store.errors", me) or other.startswith("store.adapters"), f"{where}: adapters know nothing of storage"
        if me != "cli":
            assert top not in UI_LIBRARIES, f"{where}: the library reports progress through a callback"
        if top in FRAMEWORKS:
            owner = FRAMEWORKS[top]
            assert str(path.relative_to(ROOT)) == owner or path.is_relative_to(ROOT / "store/adapters" / top), f"{where}: only {owner} may import it"


def test_every_layer_exists() -> None:
    names = {module_name(p) for p in SOURCES}
    for unit in ("store.errors", "store.backend", "store.codecs", "store.objects", "store.adapters", "store.versioning", "store.api", "cli"):
        assert any(unit_of(n) == unit for n in names), unit
