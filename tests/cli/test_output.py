"""Formatting helpers and KEY=VALUE parsing."""

from __future__ import annotations

import json

import pytest

from cli.commands._params import parse_value
from cli.output import dtype_label, human_bytes, print_json, ratio, short


@pytest.mark.parametrize(
    ("n", "text"),
    [(0, "0 B"), (1023, "1023 B"), (1024, "1.0 KiB"), (12_900_000, "12.3 MiB"), (3 << 30, "3.0 GiB"), (1 << 60, "1024.0 PiB")],
)
def test_human_bytes(n: int, text: str) -> None:
    assert human_bytes(n) == text


@pytest.mark.parametrize(
    ("raw", "value"),
    [("1", 1), ("0.5", 0.5), ("true", True), ("null", None), ("adam", "adam"), ('"1"', "1"), ("", ""), ("{}", "{}"), ("Infinity", "Infinity")],
)
def test_parse_value(raw: str, value: object) -> None:
    assert parse_value(raw) == value and type(parse_value(raw)) is type(value)


def test_print_json_is_sorted_and_indented(capsys: pytest.CaptureFixture[str]) -> None:
    print_json({"b": 1, "a": [1]})
    out = capsys.readouterr().out
    assert out == json.dumps({"a": [1], "b": 1}, indent=2) + "\n"


def test_short_and_ratio() -> None:
    assert short("ab" * 32) == "ab" * 6
    assert ratio(2.0) == "2.00x"


def test_dtype_label() -> None:
    assert dtype_label("<f4") == "float32" and dtype_label("float32") == "float32"
    assert dtype_label(">f4") == ">f4" and dtype_label("bfloat16") == "bfloat16"
