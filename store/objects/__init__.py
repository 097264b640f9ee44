"""Immutable, content-addressed objects: chunks, manifests, commits."""

from store.objects.db import ObjectDB, PutResult, decode_object, object_key
from store.objects.hashing import hash_bytes, hash_file, is_oid
from store.objects.header import Header, Kind
from store.objects.manifest import ChunkRef, Entry, Manifest, TensorRecord, dtype_name, dtype_of

__all__ = [
    "ChunkRef",
    "Entry",
    "Header",
    "Kind",
    "Manifest",
    "ObjectDB",
    "PutResult",
    "TensorRecord",
    "decode_object",
    "dtype_name",
    "dtype_of",
    "hash_bytes",
    "hash_file",
    "is_oid",
    "object_key",
]
