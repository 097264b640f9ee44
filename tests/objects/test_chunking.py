from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from store.objects.chunking import DEFAULT_POLICY, MiB, cdc_cuts, row_cuts


@settings(max_examples=200, deadline=None)
@given(rows=st.integers(1, 5000), row_elems=st.integers(1, 3_000_000), itemsize=st.sampled_from([1, 2, 4, 8]))
def test_row_cuts_tile_the_tensor_in_whole_rows(rows, row_elems, itemsize):
    row_bytes = row_elems * itemsize
    nbytes = rows * row_bytes
    cuts = list(row_cuts(nbytes, row_bytes, itemsize))
    assert cuts[0][0] == 0
    assert all(a + la == b for (a, la), (b, _) in zip(cuts, cuts[1:]))
    assert cuts[-1][0] + cuts[-1][1] == nbytes
    assert all(length <= DEFAULT_POLICY.maximum for _, length in cuts)
    unit = row_bytes if row_bytes <= DEFAULT_POLICY.maximum else itemsize
    assert all(off % unit == 0 for off, _ in cuts)


def test_row_cuts_are_near_target():
    cuts = list(row_cuts(64 * MiB, 4096, 4))
    sizes = {length for _, length in cuts}
    assert sizes == {1 * MiB}


def test_cdc_resynchronises_after_an_insert():
    rng = np.random.default_rng(7)
    data = rng.bytes(8 * MiB)
    edited = data[:1000] + b"!" + data[1000:]
    before = {data[o : o + n] for o, n in cdc_cuts(memoryview(data))}
    after = [edited[o : o + n] for o, n in cdc_cuts(memoryview(edited))]
    assert sum(1 for c in after if c not in before) <= 2
    assert all(n <= DEFAULT_POLICY.cdc_maximum for _, n in cdc_cuts(memoryview(data)))
