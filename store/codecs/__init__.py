"""Chunk codecs, registered by a one-byte id the object header records."""

from store.codecs.base import Codec, Raw, codec_from_dict, codec_from_header
from store.codecs.choice import encode_best, float_itemsize
from store.codecs.zstd import ByteGroupedZstd, Zstd

__all__ = [
    "ByteGroupedZstd",
    "Codec",
    "Raw",
    "Zstd",
    "codec_from_dict",
    "codec_from_header",
    "encode_best",
    "float_itemsize",
]
