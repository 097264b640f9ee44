from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from store.backend import LocalBackend
from store.codecs import ByteGroupedZstd, Raw, Zstd, codec_from_header, encode_best
from store.errors import CorruptObjectError, ObjectNotFoundError
from store.objects import Kind, ObjectDB, hash_bytes, object_key
from store.objects.header import HEADER_SIZE, Header


@pytest.fixture
def db(tmp_path):
    return ObjectDB(LocalBackend(tmp_path / "store"))


def test_put_get_round_trip_and_identity_is_raw_hash(db):
    raw = b"hello tensors" * 1000
    put = db.put(raw, Kind.CHUNK)
    assert put.oid == hash_bytes(raw) and len(put.oid) == 64
    assert put.is_new and put.stored_bytes < len(raw)
    assert db.get(put.oid, Kind.CHUNK) == raw


def test_put_is_idempotent_and_writes_nothing_twice(db, tmp_path):
    raw = np.arange(100_000, dtype=np.float32).tobytes()
    first = db.put(raw, Kind.CHUNK, "<f4")
    again = db.put(raw, Kind.CHUNK, "<f4")
    assert again.oid == first.oid and not again.is_new
    assert sorted(db) == [first.oid]
    assert not list((tmp_path / "store" / "tmp").glob("*"))


def test_identity_does_not_depend_on_codec(db):
    raw = np.linspace(0, 1, 50_000, dtype=np.float32).tobytes()
    assert db.put(raw, Kind.CHUNK, "<f4").oid == db.put(raw, Kind.CHUNK, None).oid == hash_bytes(raw)


@pytest.mark.parametrize("position", [0, HEADER_SIZE - 1, HEADER_SIZE, -1])
def test_every_flipped_byte_is_caught_on_read(db, tmp_path, position):
    raw = np.random.default_rng(1).standard_normal(40_000).astype(np.float32).tobytes()
    oid = db.put(raw, Kind.CHUNK, "<f4").oid
    path = tmp_path / "store" / object_key(oid)
    data = bytearray(path.read_bytes())
    data[position] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(CorruptObjectError) as err:
        db.get(oid)
    assert oid[:12] in str(err.value)


def test_reading_as_the_wrong_kind_is_refused(db):
    oid = db.put(b"{}", Kind.MANIFEST).oid
    with pytest.raises(CorruptObjectError, match="expected a commit"):
        db.get(oid, Kind.COMMIT)


def test_missing_and_malformed_ids(db):
    with pytest.raises(ObjectNotFoundError):
        db.get("0" * 64)
    with pytest.raises(ObjectNotFoundError):
        db.get("../../etc/passwd")


def test_has_many(db):
    a = db.put(b"a" * 10, Kind.CHUNK).oid
    b = db.put(b"b" * 10, Kind.CHUNK).oid
    assert db.has_many([a, b, "f" * 64]) == {a, b}


def test_codec_choice():
    rng = np.random.default_rng(0)
    noise = rng.bytes(1 << 16)
    assert isinstance(encode_best(noise)[0], Raw)
    floats = (rng.standard_normal(1 << 16) * 0.02).astype(np.float32).tobytes()
    codec, payload = encode_best(floats, "<f4")
    assert isinstance(codec, ByteGroupedZstd) and codec.itemsize == 4
    assert len(payload) < len(floats) * 0.95
    text = b"config " * 5000
    assert isinstance(encode_best(text)[0], Zstd)


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=5000), itemsize=st.sampled_from([2, 4, 8]), level=st.integers(1, 9))
def test_byte_grouping_round_trips_any_length(data, itemsize, level):
    codec = ByteGroupedZstd(itemsize=itemsize, level=level)
    assert codec.decode(codec.encode(data), len(data)) == data
    rebuilt = codec_from_header(codec.codec_id, codec.param)
    assert rebuilt == codec


def test_header_rejects_garbage():
    with pytest.raises(ValueError):
        Header.unpack(b"XYZ" + bytes(13))
    with pytest.raises(ValueError):
        Header.unpack(b"TVO")
    header = Header(Kind.COMMIT, 1, 3, 12345)
    assert Header.unpack(header.pack()) == header
