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

import multiprocessing
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

from .scoring import DenseScorer

__all__ = ["Candidates", "candidate_pass", "find_violations", "parallel_map", "run_chunks"]

IntArray = NDArray[np.intp]
_BLOCK_ELEMENTS = 1 << 19  # pairs per block: larger blocks pay the per-call overhead less often
_SAMPLE = 2048
_MAX_PER_ROW = 256
_CHUNK = 128  # blocks per chunk of work (fixed, so results do not depend on the workers)
_PROCESS_PAIRS = 50_000_000  # pairs from which the blocks go to worker processes
_VIOLATION_CHUNK = 8  # blocks per chunk of the certificate scan

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


def _candidate_job(
    scorer: DenseScorer,
    want: int,
    offsets: NDArray[np.int64],
    job: tuple[int, IntArray, IntArray | None],
) -> tuple[Any, ...]:
    """Score one block and keep its candidates (see :func:`candidate_pass`)."""
    m = scorer.m
    index, block_rows, cols = job
    width = m if cols is None else len(cols)
    if width == 0:
        zero = np.zeros(len(block_rows), np.int64)
        empty = np.zeros(0, np.intp)
        return empty, empty, np.zeros(0, np.float32), zero - 1, zero, None, None, None
    nb = len(block_rows)
    si, sj, ss, _ = scorer.block_sparse(block_rows, cols)
    n_allowed = np.bincount(si, minlength=nb).astype(np.int64)
    blk = np.full((nb, width), np.float32(-1), dtype=np.float32)
    blk.reshape(-1)[si * width + sj] = ss  # a flat index: twice as fast as blk[si, sj]
    if width <= max(4 * want, _SAMPLE):
        if width > want:
            thr = -np.partition(-blk, want - 1, axis=1)[:, want - 1]
        else:
            thr = np.zeros(nb, np.float32)
    else:
        # a seeded, evenly spread column sample sets the threshold
        step = width / _SAMPLE
        sample = (np.arange(_SAMPLE) * step + offsets[index] % max(int(step), 1)).astype(np.intp)
        rank = max(1, int(np.ceil(want * _SAMPLE / width)))
        thr = -np.partition(-blk[:, sample], rank - 1, axis=1)[:, rank - 1]
    thr = np.maximum(thr, 0).astype(np.float32)
    keep = ss >= thr[si]  # thr >= 0, so only allowed pairs
    counts = np.bincount(si[keep], minlength=nb)
    bound = thr.astype(np.int64) - 1
    bound[n_allowed == counts] = -1  # every allowed pair is a candidate
    too_many = np.flatnonzero(counts > _MAX_PER_ROW)
    if len(too_many):
        sub_rows = blk[too_many]
        top = np.argpartition(-sub_rows, _MAX_PER_ROW - 1, axis=1)[:, :_MAX_PER_ROW]
        mask = np.zeros((len(too_many), width), dtype=bool)
        mask[np.arange(len(too_many))[:, None], top] = True
        keep &= ~np.isin(si, too_many)
        flat_mask = np.zeros((nb, width), dtype=bool)
        flat_mask[too_many] = mask
        keep |= flat_mask[si, sj]
        kth = np.take_along_axis(sub_rows, top, axis=1).min(axis=1)
        bound[too_many] = kth.astype(np.int64)
    bi, bj, bs = si[keep], sj[keep], ss[keep]
    keep_ok = bs >= 0
    bi, bj, bs = bi[keep_ok], bj[keep_ok], bs[keep_ok]
    colmax = blk.max(axis=0)
    # the first row reaching each column's maximum, as ``argmax(axis=0)`` gives
    # but without its slow walk across rows (nor a sort, as np.unique would)
    first = np.full(width, nb, dtype=np.intp)
    top = np.flatnonzero(ss == colmax[sj])
    np.minimum.at(first, sj[top], si[top])
    first[first == nb] = 0  # a column with no allowed pair (its colmax is -1)
    colarg = block_rows[first]
    blk[bi, bj] = np.float32(-1)
    left_out = blk.max(axis=0)
    gj = bj.astype(np.intp) if cols is None else cols[bj]
    return block_rows[bi], gj, bs, bound, n_allowed, colmax, colarg, left_out


def _merge_best(
    best_val: NDArray[np.float32],
    best_row: IntArray,
    floor: NDArray[np.float32],
    where: IntArray,
    colmax: NDArray[np.float32],
    colarg: IntArray,
) -> None:
    """
    Offer ``colmax``/``colarg`` for mentors ``where`` to their best-mentee slots.

    ``floor`` holds each mentor's weakest slot value, so most offers (which
    beat no slot) are turned away without reading the whole slot table.
    """
    take = np.flatnonzero(colmax > floor[where])
    if len(take) == 0:
        return
    mentors = where[take]
    slots = best_val[mentors]
    weakest = slots.argmin(axis=1)
    best_val[mentors, weakest] = colmax[take]
    best_row[mentors, weakest] = colarg[take]
    floor[mentors] = best_val[mentors].min(axis=1)


def _candidate_chunk(state: tuple[Any, ...], chunk: list[int]) -> tuple[Any, ...]:
    """Run the jobs of one chunk and reduce their per-mentor parts."""
    scorer, want, offsets, per_mentor, jobs = state
    m = scorer.m
    best_val = np.full((m, max(per_mentor, 1)), -1.0, dtype=np.float32)
    best_row = np.zeros((m, max(per_mentor, 1)), dtype=np.intp)
    floor = np.full(m, -1.0, dtype=np.float32)
    col_bound = np.full(m, -1, dtype=np.int64)
    out_i, out_j, out_s, out_rows, out_bound, out_allowed = [], [], [], [], [], []
    for x in chunk:
        job = jobs[x]
        _, block_rows, cols = job
        ci, cj, cs, bound, allowed, colmax, colarg, left = _candidate_job(
            scorer, want, offsets, job
        )
        where = np.arange(m) if cols is None else cols
        if left is not None:
            col_bound[where] = np.maximum(col_bound[where], left.astype(np.int64))
        out_i.append(ci)
        out_j.append(cj)
        out_s.append(cs)
        out_rows.append(block_rows)
        out_bound.append(bound)
        out_allowed.append(allowed)
        if per_mentor and colmax is not None:
            _merge_best(best_val, best_row, floor, where, colmax, colarg)
    return (
        np.concatenate([np.zeros(0, np.intp), *out_i]),
        np.concatenate([np.zeros(0, np.intp), *out_j]),
        np.concatenate([np.zeros(0, np.float32), *out_s]),
        np.concatenate([np.zeros(0, np.intp), *out_rows]),
        np.concatenate([np.zeros(0, np.int64), *out_bound]),
        np.concatenate([np.zeros(0, np.int64), *out_allowed]),
        best_val,
        best_row,
        col_bound,
    )


_CHUNK_STATE: tuple[Callable[..., Any], tuple[Any, ...]] | None = None


def _call_chunk(chunk: list[int]) -> Any:
    assert _CHUNK_STATE is not None
    fn, state = _CHUNK_STATE
    return fn(state, chunk)


def _use_processes(pairs: int) -> bool:
    """Whether to fan the blocks out to forked processes (large problems only)."""
    return (
        pairs >= _PROCESS_PAIRS
        and _workers() > 1
        and os.environ.get("PEERPATH_ENGINE_PROCESSES", "1") != "0"
        and "fork" in multiprocessing.get_all_start_methods()
        and threading.current_thread() is threading.main_thread()
        and threading.active_count() == 1
    )


def run_chunks(
    fn: Callable[[tuple[Any, ...], list[int]], R],
    state: tuple[Any, ...],
    n_items: int,
    *,
    pairs: int,
    chunk: int = _CHUNK,
) -> list[R]:
    """
    ``[fn(state, c) for c in chunks of range(n_items)]``, in order, in parallel.

    Most of the block work holds the GIL (gathers, ``flatnonzero``), so threads
    barely help; a large problem is fanned out to forked worker processes that
    inherit ``state`` (copy-on-write, nothing is pickled but the results).
    The chunks do not depend on the number of workers, so neither does the
    result.  ``PEERPATH_ENGINE_PROCESSES=0`` keeps everything in-process.
    """
    global _CHUNK_STATE
    chunks = [list(range(a, min(a + chunk, n_items))) for a in range(0, n_items, chunk)]
    if len(chunks) > 1 and _use_processes(pairs):
        _CHUNK_STATE = (fn, state)
        try:
            ctx = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(max_workers=_workers(), mp_context=ctx) as pool:
                return list(pool.map(_call_chunk, chunks))
        finally:
            _CHUNK_STATE = None
    return list(parallel_map(lambda c: fn(state, c), chunks))


def candidate_pass(
    scorer: DenseScorer,
    rows: IntArray,
    *,
    k: int = 12,
    per_mentor: int = 16,
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
    pairs = sum(len(b) * (m if c is None else len(c)) for _, b, c in jobs)
    parts = run_chunks(
        _candidate_chunk, (scorer, want, offsets, per_mentor, jobs), len(jobs), pairs=pairs
    )
    out_i: list[IntArray] = []
    out_j: list[IntArray] = []
    out_s: list[NDArray[np.float32]] = []
    row_bound = np.full(n, -1, dtype=np.int64)
    n_allowed = np.zeros(n, dtype=np.int64)
    best_val = np.full((m, per_mentor), -1.0, dtype=np.float32)
    best_row = np.zeros((m, per_mentor), dtype=np.intp)
    floor = np.full(m, -1.0, dtype=np.float32)
    col_bound = np.full(m, -1, dtype=np.int64)
    everyone = np.arange(m)
    for ci, cj, cs, prow, pbound, pallowed, pval, pbest, pcol in parts:
        out_i.append(ci)
        out_j.append(cj)
        out_s.append(cs)
        row_bound[prow] = pbound
        n_allowed[prow] = pallowed
        np.maximum(col_bound, pcol, out=col_bound)
        for slot in range(per_mentor):
            _merge_best(best_val, best_row, floor, everyone, pval[:, slot], pbest[:, slot])
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

    state = (scorer, a, b, order_b, ncols, col_bound, lo, margin, max_per_row, blocks)
    pairs = int(sum(len(blk) * int(ncols[blk].max()) for blk in blocks))
    out_i, out_j, out_s = [], [], []
    scored = 0
    violated = 0
    for vi, vj, vs, size, strict in run_chunks(
        _violation_chunk, state, len(blocks), pairs=pairs, chunk=_VIOLATION_CHUNK
    ):
        out_i.append(vi)
        out_j.append(vj)
        out_s.append(vs)
        scored += size
        violated += strict
    if violated == 0:  # near-misses alone do not need another round
        empty = np.zeros(0, np.intp)
        return empty, empty, np.zeros(0, np.int64), scored
    return np.concatenate(out_i), np.concatenate(out_j), np.concatenate(out_s), scored


def _violation_block(
    state: tuple[Any, ...], block_rows: IntArray
) -> tuple[IntArray, IntArray, NDArray[np.int64], int, int]:
    """Score one block of rows against its cheapest mentors (see :func:`find_violations`)."""
    scorer, a, b, order_b, ncols, col_bound, lo, margin, max_per_row, _ = state
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
    si, sj, ss, size = scorer.block_sparse(block_rows, cols)
    slack = ss - (a[block_rows][si] + b[cols][sj])
    valid = (lo <= ss) & (pos[sj] < ncols[block_rows][si])
    strict = int(np.count_nonzero((slack > 0) & valid))
    near = np.flatnonzero((slack > -margin) & valid)
    if len(near) == 0:
        return empty, empty, np.zeros(0, np.int64), size, 0
    bi, bj, sl = si[near], sj[near], slack[near]
    order = np.lexsort((-sl, bi))
    bi, bj, bs = bi[order], bj[order], ss[near][order]
    first = np.searchsorted(bi, bi, side="left")
    keep = (np.arange(len(bi)) - first) < max_per_row
    bi, bj, bs = bi[keep], bj[keep], bs[keep]
    return block_rows[bi], cols[bj], bs.astype(np.int64), size, strict


def _violation_chunk(state: tuple[Any, ...], chunk: list[int]) -> tuple[Any, ...]:
    """Run the blocks of one chunk and join their violations."""
    blocks = state[-1]
    parts = [_violation_block(state, blocks[x]) for x in chunk]
    return (
        np.concatenate([np.zeros(0, np.intp), *(p[0] for p in parts)]),
        np.concatenate([np.zeros(0, np.intp), *(p[1] for p in parts)]),
        np.concatenate([np.zeros(0, np.int64), *(p[2] for p in parts)]),
        sum(p[3] for p in parts),
        sum(p[4] for p in parts),
    )
