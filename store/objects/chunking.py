"""Where chunks are cut: content-defined for opaque bytes, whole rows for tensors.

Content-defined boundaries (FastCDC, compiled) move with the content, so an insert
near the start of a file changes one or two chunks instead of every chunk after it.
Tensor boundaries depend only on the tensor's shape, so an unchanged tensor yields
the same chunks wherever it sits in the file.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

from pyfastcdc import FastCDC

KiB = 1 << 10
MiB = 1 << 20


@dataclass(frozen=True)
class ChunkingPolicy:
    target: int = 1 * MiB  # tensor chunk size aimed for
    minimum: int = 256 * KiB  # tensors below this are grouped with their neighbours
    maximum: int = 4 * MiB  # no chunk above this
    cdc_average: int = 256 * KiB  # FastCDC's actual mean is average + min_size
    cdc_minimum: int = 64 * KiB
    cdc_maximum: int = 1 * MiB

    def to_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


DEFAULT_POLICY = ChunkingPolicy()


def cdc_cuts(data: memoryview, policy: ChunkingPolicy = DEFAULT_POLICY) -> Iterator[tuple[int, int]]:
    """(offset, length) of content-defined chunks covering ``data``."""
    if len(data) == 0:
        return
    chunker = FastCDC(policy.cdc_average, min_size=policy.cdc_minimum, max_size=policy.cdc_maximum)
    for chunk in chunker.cut_buf(data):
        yield chunk.offset, chunk.length


def row_cuts(nbytes: int, row_bytes: int, itemsize: int, policy: ChunkingPolicy = DEFAULT_POLICY) -> Iterator[tuple[int, int]]:
    """(offset, length) of chunks of whole rows, near ``policy.target`` and evenly sized.

    Rows larger than ``policy.maximum`` are split on element boundaries instead.
    """
    if nbytes == 0:
        return
    unit = row_bytes if 0 < row_bytes <= policy.maximum else max(itemsize, 1)
    units = nbytes // unit
    pieces = max(1, round(nbytes / policy.target))
    per_piece = max(1, min(math.ceil(units / pieces), policy.maximum // unit))
    offset = 0
    while offset < nbytes:
        length = min(per_piece * unit, nbytes - offset)
        yield offset, length
        offset += length
