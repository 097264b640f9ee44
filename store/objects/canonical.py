"""Canonical JSON: one byte string per value, so equal content hashes equal."""

from __future__ import annotations

import json
from typing import Any

from store.errors import InvalidManifestError


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def parse_json_object(raw: bytes, what: str) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidManifestError(f"{what} is not valid JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise InvalidManifestError(f"{what} is not a JSON object")
    return value
