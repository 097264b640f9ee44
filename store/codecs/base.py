"""Codec interface and registry.

A codec turns a chunk's raw bytes into stored payload and back. Each codec is a
frozen dataclass registered under a one-byte id, so the object header can name it
and a reader can rebuild it with ``codec_from_header``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

from store.errors import StoreError


class Codec(ABC):
    codec_id: ClassVar[int]
    name: ClassVar[str]

    @abstractmethod
    def encode(self, raw: bytes | memoryview) -> bytes: ...

    @abstractmethod
    def decode(self, payload: bytes | memoryview, raw_length: int) -> bytes: ...

    def decode_into(self, payload: bytes | memoryview, out: memoryview) -> None:
        """Decode straight into ``out`` (exactly the raw length): no intermediate copy to allocate."""
        out[:] = self.decode(payload, len(out))

    @property
    def param(self) -> int:
        """The one byte of parameters the header keeps for this codec."""
        return 0

    @classmethod
    @abstractmethod
    def from_param(cls, param: int) -> Codec: ...

    def to_dict(self) -> dict[str, object]:
        return {"name": self.name, "param": self.param}


_REGISTRY: dict[int, type[Codec]] = {}
_BY_NAME: dict[str, type[Codec]] = {}


def register(cls: type[Codec]) -> type[Codec]:
    if cls.codec_id in _REGISTRY:
        raise ValueError(f"codec id {cls.codec_id} registered twice")
    _REGISTRY[cls.codec_id] = cls
    _BY_NAME[cls.name] = cls
    return cls


def codec_from_header(codec_id: int, param: int) -> Codec:
    try:
        return _REGISTRY[codec_id].from_param(param)
    except KeyError:
        raise StoreError(f"unknown codec id {codec_id}; this store needs a newer tvc") from None


def codec_from_dict(data: dict[str, object]) -> Codec:
    cls = _BY_NAME[str(data["name"])]
    return cls.from_param(int(data.get("param", 0)))  # type: ignore[arg-type]


@dataclass(frozen=True)
class Raw(Codec):
    codec_id: ClassVar[int] = 0
    name: ClassVar[str] = "raw"

    def encode(self, raw: bytes | memoryview) -> bytes:
        return bytes(raw)

    def decode(self, payload: bytes | memoryview, raw_length: int) -> bytes:
        return bytes(payload)

    def decode_into(self, payload: bytes | memoryview, out: memoryview) -> None:
        if len(payload) != len(out):
            raise StoreError(f"raw payload of {len(payload)} bytes, header says {len(out)}")
        out[:] = payload

    @classmethod
    def from_param(cls, param: int) -> Raw:
        return cls()


register(Raw)
