"""
Candidate pairs and the reduced-cost certificate over all pairs.

Solving on every allowed pair is what makes dense solvers slow; solving on a
few good pairs per mentee is fast but, alone, not exact.  The engine does
both halves of the classic *sparsification + pricing* scheme:

* :func:`candidate_pass` scores all pairs once, in blocks, and keeps for each
  mentee every pair scoring at least a per-mentee threshold (chosen from a
  seeded column sample so that about ``k`` pairs pass), plus each mentor's
  best mentees.  Because *every* pair at or above the threshold is kept, the
  threshold minus one micro-point bounds every pair left out
  (``row_bound``).
* :func:`find_violations` checks a dual solution ``(a, b)`` against every pair
  that is not a candidate: a pair violates it when ``score > a_i + b_j``.
  The row bound and the mentors sorted by ``b`` let whole rows and most
  columns be skipped without scoring them.

References
----------
.. [1] G. B. Dantzig and P. Wolfe, "Decomposition principle for linear
   programs", *Operations Research* 8(1), 1960 (column generation / pricing).
.. [2] R. K. Ahuja, T. L. Magnanti and J. B. Orlin, *Network Flows*, 1993,
   ch. 9 (reduced costs and optimality conditions).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

from .scoring import DenseScorer

__all__ = ["Candidates", "candidate_pass", "find_violations", "parallel_map"]

IntArray = NDArray[np.intp]
_BLOCK_ELEMENTS = 1 << 17
_SAMPLE = 2048
_MAX_PER_ROW = 256

T = TypeVar("T")
R = TypeVar("R")


@dataclass
class Candidates:
    """Candidate pairs (sorted by mentee, mentor) and what bounds the rest."""

    i: IntArray
    j: IntArray
    s: NDArray[np.int64]
    row_bound: NDArray[np.int64]  # every non-candidate pair of row i scores <= this (-1: none)
    n_allowed: NDArray[np.int64]  # allowed mentors per mentee
    col_bound: NDArray[np.int64] | None = (
        None  # every non-candidate pair of column j scores <= this
    )

    def add(self, i: IntArray, j: IntArray, s: NDArray[np.int64]) -> None:
        """Add pairs (duplicates are ignored) and keep the arrays sorted."""
        ci = np.concatenate([self.i, i])
        cj = np.concatenate([self.j, j])
        cs = np.concatenate([self.s, s])
        m = int(max(cj.max(initial=0), 0)) + 1
        keys = ci.astype(np.int64) * m + cj
        _, first = np.unique(keys, return_index=True)
        self.i, self.j, self.s = ci[first], cj[first], cs[first]


def _workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))


def parallel_map(fn: Callable[[T], R], items: list[T]) -> Iterator[R]:
    if len(items) <= 1 or _workers() == 1:
        yield from map(fn, items)
        return
    with ThreadPoolExecutor(max_workers=_workers()) as pool:
        yield from pool.map(fn, items)


def _row_blocks(rows: IntArray, width: int) -> list[IntArray]:
    size = max(1, _BLOCK_ELEMENTS // max(width, 1))
    return [rows[k : k + size] for k in range(0, len(rows), size)]


def _windowed_blocks(
    scorer: DenseScorer, rows: IntArray
) -> list[tuple[int, IntArray, IntArray | None]]:
    """
    Row blocks with, when a hard ``gap`` criterion exists, only the mentors it can allow.

    Mentees are grouped by their value of the first hard gap criterion; a group
    only needs the mentors whose value lies in ``[x + min, x + max]``, a
    contiguous run of the mentors sorted by value.
    """
    window = scorer.hard_gap()
    if window is None:
        return [(k, b, None) for k, b in enumerate(_row_blocks(rows, scorer.m))]
    xa, xb, lo, hi = window
    order_b = np.argsort(xb, kind="stable")
    xb_sorted = xb[order_b]
    values = xa[rows]
    jobs: list[tuple[int, IntArray, IntArray | None]] = []
    nan_rows = rows[np.isnan(values)]
    if len(nan_rows):
        jobs.append((0, nan_rows, np.zeros(0, np.intp)))
    finite = rows[~np.isnan(values)]
    for value in np.unique(xa[finite]):
        group = finite[xa[finite] == value]
        left = np.searchsorted(xb_sorted, value + lo, side="left")
        right = np.searchsorted(xb_sorted, value + hi, side="right")
        cols = np.sort(order_b[left:right])
        for block in _row_blocks(group, len(cols)):
            jobs.append((len(jobs), block, cols))
    return jobs


def candidate_pass(
    scorer: DenseScorer,
    rows: IntArray,
    *,
    k: int = 12,
    per_mentor: int = 2,
    seed: int = 0,
) -> Candidates:
    """
    Score ``rows`` against every mentor once and keep the candidate pairs.

    Parameters
    ----------
    scorer : DenseScorer
    rows : array of int
        The mentees to consider (e.g. all not locked).
    k : int
        About how many pairs to keep per mentee.
    per_mentor : int
        How many best mentees to keep per mentor as well.
    seed : int
        Seeds the column sample that sets each mentee's threshold.

    Returns
    -------
    Candidates
    """
    n, m = scorer.n, scorer.m
    rng = np.random.default_rng(seed)
    want = 2 * k
    jobs = _windowed_blocks(scorer, rows)
    offsets = rng.integers(0, 1 << 30, size=max(len(jobs), 1))

    def work(job: tuple[int, IntArray, IntArray | None]) -> tuple[Any, ...]:
        index, block_rows, cols = job
        width = m if cols is None else len(cols)
        if width == 0:
            zero = np.zeros(len(block_rows), np.int64)
            empty = np.zeros(0, np.intp)
            return empty, empty, np.zeros(0, np.float32), zero - 1, zero, None, None, None
        blk = scorer.block(block_rows, cols)
        n_allowed = (blk >= 0).sum(axis=1).astype(np.int64)
        if width <= max(4 * want, _SAMPLE):
            if width > want:
                thr = -np.partition(-blk, want - 1, axis=1)[:, want - 1]
            else:
                thr = np.zeros(len(block_rows), np.float32)
        else:
            # a seeded, evenly spread column sample sets the threshold
            step = width / _SAMPLE
            sample = (np.arange(_SAMPLE) * step + offsets[index] % max(int(step), 1)).astype(
                np.intp
            )
            rank = max(1, int(np.ceil(want * _SAMPLE / width)))
            thr = -np.partition(-blk[:, sample], rank - 1, axis=1)[:, rank - 1]
        thr = np.maximum(thr, 0).astype(np.float32)
        mask = thr[:, None] <= blk
        counts = mask.sum(axis=1)
        bound = thr.astype(np.int64) - 1
        bound[n_allowed == counts] = -1  # every allowed pair is a candidate
        too_many = np.flatnonzero(counts > _MAX_PER_ROW)
        if len(too_many):
            sub_rows = blk[too_many]
            top = np.argpartition(-sub_rows, _MAX_PER_ROW - 1, axis=1)[:, :_MAX_PER_ROW]
            mask[too_many] = False
            mask[too_many[:, None], top] = True
            kth = np.take_along_axis(sub_rows, top, axis=1).min(axis=1)
            bound[too_many] = kth.astype(np.int64)
        bi, bj = np.nonzero(mask)
        bs = blk[bi, bj]
        keep = bs >= 0
        bi, bj, bs = bi[keep], bj[keep], bs[keep]
        left_out = np.where(mask, np.float32(-1), blk).max(axis=0)
        colmax = blk.max(axis=0)
        colarg = block_rows[blk.argmax(axis=0)]
        gj = bj.astype(np.intp) if cols is None else cols[bj]
        return block_rows[bi], gj, bs, bound, n_allowed, colmax, colarg, left_out

    out_i: list[IntArray] = []
    out_j: list[IntArray] = []
    out_s: list[NDArray[np.float32]] = []
    row_bound = np.full(n, -1, dtype=np.int64)
    n_allowed = np.zeros(n, dtype=np.int64)
    best_val = np.full((m, per_mentor), -1.0, dtype=np.float32)
    best_row = np.zeros((m, per_mentor), dtype=np.intp)
    col_bound = np.full(m, -1, dtype=np.int64)
    for (_, block_rows, cols), (ci, cj, cs, bound, allowed, colmax, colarg, left) in zip(
        jobs, parallel_map(work, jobs), strict=True
    ):
        if left is not None:
            where_cols = np.arange(m) if cols is None else cols
            col_bound[where_cols] = np.maximum(col_bound[where_cols], left.astype(np.int64))
        out_i.append(ci)
        out_j.append(cj)
        out_s.append(cs)
        row_bound[block_rows] = bound
        n_allowed[block_rows] = allowed
        if per_mentor and colmax is not None:
            where = np.arange(m) if cols is None else cols
            current = best_val[where]
            weakest = current.argmin(axis=1)
            better = np.flatnonzero(colmax > current[np.arange(len(where)), weakest])
            best_val[where[better], weakest[better]] = colmax[better]
            best_row[where[better], weakest[better]] = colarg[better]
    cand = Candidates(
        i=np.concatenate(out_i) if out_i else np.zeros(0, np.intp),
        j=np.concatenate(out_j) if out_j else np.zeros(0, np.intp),
        s=(np.concatenate(out_s) if out_s else np.zeros(0, np.float32)).astype(np.int64),
        row_bound=row_bound,
        n_allowed=n_allowed,
        col_bound=col_bound,
    )
    if per_mentor and m:
        sel = best_val >= 0
        mi = best_row[sel]
        mj = np.broadcast_to(np.arange(m)[:, None], best_val.shape)[sel]
        cand.add(mi.astype(np.intp), mj.astype(np.intp), best_val[sel].astype(np.int64))
    else:
        cand.add(np.zeros(0, np.intp), np.zeros(0, np.intp), np.zeros(0, np.int64))
    return cand


def find_violations(
    scorer: DenseScorer,
    a: NDArray[np.float64],
    b: NDArray[np.float64],
    row_bound: NDArray[np.int64],
    *,
    col_bound: NDArray[np.int64] | None = None,
    lo: int = 0,
    max_per_row: int = 8,
    margin: float = 0.0,
) -> tuple[IntArray, IntArray, NDArray[np.int64], int]:
    """
    Pairs with ``score >= lo`` and ``score > a_i + b_j``.

    Only non-candidate pairs can violate (the caller has checked the
    candidates), so a row needs scoring only against mentors with
    ``b_j < row_bound_i + margin - a_i``; rows with ``row_bound_i < lo`` are
    skipped, and so are mentors whose ``col_bound_j`` rules them out.

    When any pair violates, pairs within ``margin`` of violating are returned
    too (they tend to violate after the next solve); when none violates,
    nothing is returned.

    Returns
    -------
    i, j, s : arrays
        Up to ``max_per_row`` most violated (or nearly violated) pairs per mentee.
    scored : int
        How many pairs were scored (for the statistics).
    """
    order_b = np.argsort(b, kind="stable")
    b_sorted = b[order_b]
    with np.errstate(invalid="ignore"):
        thr = row_bound.astype(np.float64) + margin - a
    ncols = np.searchsorted(b_sorted, thr, side="left")
    ncols[row_bound < max(lo, 0)] = 0
    rows = np.flatnonzero(ncols > 0)
    if len(rows) == 0:
        empty = np.zeros(0, np.intp)
        return empty, empty, np.zeros(0, np.int64), 0
    rows = rows[np.argsort(-ncols[rows], kind="stable")]
    blocks: list[IntArray] = []
    start = 0
    while start < len(rows):
        width = int(ncols[rows[start]])
        size = max(1, _BLOCK_ELEMENTS // width)
        blocks.append(rows[start : start + size])
        start += size

    def work(block_rows: IntArray) -> tuple[IntArray, IntArray, NDArray[np.int64], int, int]:
        width = int(ncols[block_rows].max())
        pos = np.arange(width)
        if col_bound is not None:
            # a column whose left-out pairs all score <= col_bound cannot violate
            head = order_b[:width]
            with np.errstate(invalid="ignore"):
                pos = pos[col_bound[head] - b[head] > a[block_rows].min() - margin]
        empty = np.zeros(0, np.intp)
        if len(pos) == 0:
            return empty, empty, np.zeros(0, np.int64), 0, 0
        cols = order_b[pos]
        blk = scorer.block(block_rows, cols)
        slack = blk - (a[block_rows][:, None] + b[cols][None, :])
        valid = (lo <= blk) & (pos[None, :] < ncols[block_rows][:, None])
        strict = int(((slack > 0) & valid).sum())
        bi, bj = np.nonzero((slack > -margin) & valid)
        if len(bi) == 0:
            return empty, empty, np.zeros(0, np.int64), blk.size, 0
        sl = slack[bi, bj]
        order = np.lexsort((-sl, bi))
        bi, bj = bi[order], bj[order]
        first = np.searchsorted(bi, bi, side="left")
        keep = (np.arange(len(bi)) - first) < max_per_row
        bi, bj = bi[keep], bj[keep]
        return block_rows[bi], cols[bj], blk[bi, bj].astype(np.int64), blk.size, strict

    out_i, out_j, out_s = [], [], []
    scored = 0
    violated = 0
    for vi, vj, vs, size, strict in parallel_map(work, blocks):
        out_i.append(vi)
        out_j.append(vj)
        out_s.append(vs)
        scored += size
        violated += strict
    if violated == 0:  # near-misses alone do not need another round
        empty = np.zeros(0, np.intp)
        return empty, empty, np.zeros(0, np.int64), scored
    return np.concatenate(out_i), np.concatenate(out_j), np.concatenate(out_s), scored
