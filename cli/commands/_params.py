"""Option parsing shared by commands: ``KEY=VALUE`` pairs typed like JSON."""

from __future__ import annotations

import json
from typing import Any

import click


def _reject_constant(name: str) -> Any:
    raise ValueError(name)  # NaN/Infinity are not JSON and a commit could not store them


def parse_value(text: str) -> Any:
    """``1`` -> 1, ``0.5`` -> 0.5, ``true`` -> True, ``null`` -> None; anything else stays a string."""
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except ValueError:
        return text
    return value if value is None or isinstance(value, (bool, int, float, str)) else text


def parse_pairs(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> dict[str, Any]:
    """click callback for repeated ``KEY=VALUE`` options; a later KEY wins."""
    pairs: dict[str, Any] = {}
    for item in values:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise click.BadParameter(f"expected KEY=VALUE, got {item!r}", ctx=ctx, param=param)
        pairs[key] = parse_value(raw)
    return pairs
