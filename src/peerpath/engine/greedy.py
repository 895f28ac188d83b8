"""
Greedy baseline: each mentee in turn takes its best mentor with room left.

This is what a "first good mentor" tool does; it is kept only to show in the
benchmarks how much the exact modes gain over it.  Ties go to the mentor that
comes first in the input.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .scoring import DenseScorer, SparseScorer, score_rows

__all__ = ["greedy"]

_BLOCK_ELEMENTS = 1 << 20


def greedy(
    scorer: DenseScorer | SparseScorer, cap: NDArray[np.int64], active: NDArray[np.bool_]
) -> NDArray[np.intp]:
    """
    Assign mentees in input order to their highest-scoring mentor with room.

    Returns
    -------
    match : array of int
        Mentor index per mentee, -1 when unmatched.
    """
    n, m = scorer.n, scorer.m
    match = np.full(n, -1, dtype=np.intp)
    room = cap.astype(np.int64).copy()
    rows = np.flatnonzero(active)
    if m == 0:
        return match
    size = max(1, _BLOCK_ELEMENTS // max(m, 1))
    for start in range(0, len(rows), size):
        part = rows[start : start + size]
        blk = score_rows(scorer, part)
        blk[:, room <= 0] = -np.inf
        for r, i in enumerate(part):
            j = int(np.argmax(blk[r]))
            if not np.isfinite(blk[r, j]):
                continue
            match[i] = j
            room[j] -= 1
            if room[j] == 0:
                blk[r + 1 :, j] = -np.inf
    return match
