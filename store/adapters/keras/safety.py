"""What in a Keras config would run stored Python code: Lambda layers and serialized lambdas.

Keras' ``safe_mode`` refuses them too, but with a message that names neither the
layer nor what to trust; this finds them first so the error can.
"""

from __future__ import annotations

from typing import Any

LAMBDA = "keras.layers.Lambda"


def python_code_in(config: Any, depth: int = 0) -> list[str]:
    """Descriptions of every place ``config`` carries Python code (``Lambda layer 'scale'``)."""
    if depth > 200:
        return ["a config nested too deeply to inspect"]
    found: list[str] = []
    if isinstance(config, dict):
        if config.get("class_name") == "Lambda":
            inner = config.get("config")
            name = inner.get("name") if isinstance(inner, dict) else None
            found.append(f"Lambda layer {name!r}")
            return found
        if config.get("class_name") == "__lambda__":
            return ["a Python lambda"]
        for value in config.values():
            found += python_code_in(value, depth + 1)
    elif isinstance(config, list):
        for value in config:
            found += python_code_in(value, depth + 1)
    return found
