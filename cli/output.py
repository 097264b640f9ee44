"""Formatting shared by every command, so ids, sizes and JSON look the same everywhere."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import click

from store.objects import dtype_of

SHORT = 12  # hex digits of an id in text output; --json always prints all 64
_UNITS = ("KiB", "MiB", "GiB", "TiB", "PiB")


def short(oid: str) -> str:
    return oid[:SHORT]


def print_json(data: Any) -> None:
    """Stable, diffable JSON: sorted keys, two-space indent, trailing newline."""
    click.echo(json.dumps(data, indent=2, sort_keys=True, default=_jsonable))


def _jsonable(value: Any) -> Any:
    if isinstance(value, (set, frozenset, tuple)):
        return sorted(value) if isinstance(value, (set, frozenset)) else list(value)
    if hasattr(value, "to_dict"):
        return value.to_dict()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def human_bytes(n: int | float) -> str:
    """1023 -> "1023 B", 12_900_000 -> "12.3 MiB"."""
    if abs(n) < 1024:
        return f"{int(n)} B"
    value = float(n)
    for unit in _UNITS:
        value /= 1024
        if abs(value) < 1024 or unit == _UNITS[-1]:
            return f"{value:.1f} {unit}"
    raise AssertionError("unreachable")


def ratio(value: float) -> str:
    return f"{value:.2f}x" if math.isfinite(value) else "n/a"


def local_time(timestamp: float) -> str:
    """A commit time as local ISO 8601 with its UTC offset, to the second."""
    return datetime.fromtimestamp(timestamp).astimezone().isoformat(timespec="seconds")


def dtype_label(dtype: str) -> str:
    """"<f4" (how .npy files record it) reads as "float32"; non-native byte orders stay explicit."""
    try:
        parsed = dtype_of(dtype)
    except (TypeError, ValueError, ImportError):
        return dtype
    if parsed.fields is not None:  # a structured dtype (tree nodes): its fields, not numpy's "void512"
        return f"record({', '.join(parsed.names)})" if len(parsed.names) <= 3 else f"record of {len(parsed.names)} fields"
    return parsed.name if parsed.isnative else dtype


def format_value(value: Any) -> str:
    """Params and metrics as typed: strings bare, everything else as JSON."""
    return value if isinstance(value, str) else json.dumps(value)


def format_pairs(pairs: Mapping[str, Any]) -> str:
    return "  ".join(f"{key}={format_value(value)}" for key, value in sorted(pairs.items()))


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], right: Sequence[int] = ()) -> list[str]:
    """Plain aligned columns (no colour, no wrapping) so output pipes cleanly into grep/awk."""
    grid = [list(headers), *[list(row) for row in rows]]
    widths = [max(len(row[i]) for row in grid) for i in range(len(headers))]
    lines = []
    for row in grid:
        cells = [cell.rjust(w) if i in right else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths))]
        lines.append("  ".join(cells).rstrip())
    return lines
