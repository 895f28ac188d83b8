"""
Exact feasibility: a grouping that meets every hard rule, or a proof that
none does, by constraint programming with CP-SAT [1]_.

The heuristic (:mod:`.search`) can miss a grouping that places everyone
when the slot, leader and pair rules are tight together.  When it ends with
a hard rule broken, or with someone left out although ``allow_left_out`` is
false, :func:`solve_exact` states the hard rules as a CP-SAT model and asks
for any grouping that meets them (or, when leaving people out is allowed,
the one that places the most).  The local search then improves the scores
from that start without giving up feasibility (:func:`.search.repair`).

Model
-----
Units are the ``together`` blocks of participants who can be placed; ``G``
group slots, at most ``n // min_size`` (and at most the number of units
with a leader when leaders are required).

* ``x[u, g]`` — unit ``u`` is in group ``g``; ``sum_g x[u, g] == 1``
  (``<= 1`` when leaving out is allowed, maximising the people placed).
* ``used[g]`` — group ``g`` has members: ``x[u, g] => used[g]`` and
  ``min_size * used[g] <= sum_u |u| x[u, g] <= max_size * used[g]``.
* Leaders: ``sum_u leaders(u) x[u, g] >= used[g]`` (at least one) or
  ``== used[g]`` (exactly one).
* ``apart`` pairs: ``x[u, g] + x[v, g] <= 1``; ``together`` pairs hold by
  construction (a unit moves as one).
* Shared slots: ``c[g, s]`` — slot ``s`` is common to group ``g``;
  ``c[g, s] => not x[u, g]`` for every unit ``u`` lacking ``s``, and
  ``sum_s c[g, s] >= K * used[g]``.
* Symmetry: groups are interchangeable, so they are numbered by their
  first unit in a fixed order (hardest to place first): unit number ``j``
  may only join groups ``0..j``, and the used groups come first.

The heuristic's best grouping (relabelled that way) is given as a hint.
The solver runs on one worker with a fixed seed and a *deterministic* time
limit (``max_deterministic_time``), so the same problem, seed and options
give the same answer on any machine (a busy machine takes longer, not
less far: on the shared 2-core development machine one deterministic second
took up to eight wall-clock seconds); a wall-clock limit twenty times as
long only guards against a stalled machine.  The limit depends on the
model's size (:func:`exact_limit`): models with more than
:data:`EXACT_FULL_TERMS` variables and slot clauses get less time, in
inverse proportion, and models with more than :data:`EXACT_MAX_TERMS`
(about 180 participants over 40 weekly slots who share few of them) are not
built: measured on planted classes the search could not complete, CP-SAT
helped up to 150 participants and never from 200 on, while each attempt
there cost seconds of Python and 15-200 s of solving on a busy machine.
The search then keeps its own answer and reason.

References
----------
.. [1] Perron, L. and Didier, F. "CP-SAT." OR-Tools, Google.
   https://developers.google.com/optimization/cp/cp_solver
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from ortools.sat.python import cp_model

from .encode import Encoded, Plan
from .state import State

__all__ = ["EXACT_FULL_TERMS", "EXACT_MAX_TERMS", "ExactOutcome", "exact_limit", "solve_exact"]

IntArray = NDArray[np.int64]

EXACT_MAX_TERMS = 250_000
"""Largest model built: ``x`` variables plus shared-slot clauses (see :func:`exact_limit`)."""

EXACT_FULL_TERMS = 100_000
"""Largest model given the whole deterministic time limit (see :func:`exact_limit`)."""


@dataclass(frozen=True)
class ExactOutcome:
    """
    What the exact phase found.

    ``status`` is ``"found"`` (``group_of`` holds a grouping meeting every
    hard rule, in ``n_groups`` groups), ``"infeasible"`` (proved: no
    grouping meets the hard rules — with everyone placed when leaving out
    is not allowed), ``"unknown"`` (the time limit ended the search first)
    or ``"too_large"`` (the model was not built).
    """

    status: str
    group_of: IntArray | None = None
    n_groups: int = 0
    seconds: float = 0.0
    limit: float = 0.0
    """The deterministic time limit the solver was given (0 when it did not run)."""
    size: int = 0
    """The model's variables and slot clauses, which set ``limit`` (:func:`exact_limit`)."""

    def to_dict(self) -> dict[str, object]:
        """The result's ``stats["exact"]`` entry."""
        return {
            "status": self.status,
            "seconds": round(self.seconds, 3),
            "limit": round(self.limit, 3),
            "size": self.size,
        }


def exact_limit(seconds: float, terms: int) -> float:
    """
    The deterministic time limit for a model of ``terms`` variables and slot clauses.

    ``seconds`` up to :data:`EXACT_FULL_TERMS` (about 115 participants
    over 40 weekly slots who share few of them, ``K = 2``), then in inverse
    proportion to the size, down to 40 % at :data:`EXACT_MAX_TERMS` (about
    180 such participants); 0 (the model is not built) above.  On planted
    classes the search could not complete, CP-SAT found a grouping within
    0.9-3.8 deterministic seconds up to 150 participants, or none within
    10; at 200 and 300 it found none, even with 30 deterministic seconds at
    300, and each attempt cost 15-200 s on the busy development machine
    (figures in ``docs/groups.md``).
    """
    if terms > EXACT_MAX_TERMS:
        return 0.0
    if terms <= EXACT_FULL_TERMS:
        return seconds
    return seconds * EXACT_FULL_TERMS / terms


def _units(enc: Encoded, plan: Plan) -> list[list[int]]:
    """Together blocks of placeable participants, hardest to place first."""
    blocks: dict[int, list[int]] = {}
    for i in np.flatnonzero(plan.eligible).tolist():
        blocks.setdefault(int(enc.block[i]), []).append(i)
    units = list(blocks.values())
    units.sort(key=lambda u: (min(int(plan.degree[i]) for i in u), min(u)))
    return units


def _slot_matrix(enc: Encoded, units: list[list[int]]) -> NDArray[np.bool_]:
    """``has[u, s]``: slot ``s`` is free for every member of unit ``u``."""
    S = len(enc.slot_names)
    if not units or S == 0:
        return np.zeros((len(units), S), dtype=bool)
    rows = np.stack([np.bitwise_and.reduce(enc.bits[u], axis=0) for u in units])
    s = np.arange(S)
    words = rows[:, s >> 6]
    return ((words >> (s & 63).astype(np.uint64)) & np.uint64(1)).astype(bool)


def solve_exact(
    enc: Encoded, plan: Plan, *, hint: State | None, seed: int, seconds: float
) -> ExactOutcome:
    """
    Find a grouping that meets every hard rule with CP-SAT, or prove there is none.

    Parameters
    ----------
    enc, plan : Encoded, Plan
        The encoded problem and who can be placed; participants the plan
        leaves out stay out.
    hint : State, optional
        The heuristic's best grouping, given to the solver as a hint.
    seed : int
        The solver's random seed (one worker, so the run is reproducible).
    seconds : float
        Deterministic time limit for a small model; larger models get less,
        or are not built (:func:`exact_limit`).

    Returns
    -------
    ExactOutcome
        With ``allow_left_out`` false, ``"found"`` places every placeable
        participant; otherwise it places as many as the solver could within
        the limit.
    """
    started = time.perf_counter()
    prob = enc.problem
    a, b, k = prob.min_size, prob.max_size, prob.min_shared_slots
    strict = not prob.allow_left_out
    units = _units(enc, plan)
    size = [len(u) for u in units]
    leads = [int(enc.leader[u].sum()) for u in units]
    G = sum(size) // a
    if prob.leaders != "none":
        G = min(G, sum(1 for n in leads if n))
    if G == 0:
        status = "infeasible" if strict and units else "found"
        return ExactOutcome(status, np.full(enc.n, -1, dtype=np.int64), 0, 0.0)
    reach = [min(G, j + 1) for j in range(len(units))]  # unit j joins groups 0..j
    has = _slot_matrix(enc, units)
    held = np.asarray(size, dtype=np.int64) @ has.astype(np.int64)  # people free in each slot
    slots = np.flatnonzero(held >= a) if k else np.zeros(0, dtype=np.int64)
    lacking = (~has[:, slots]).sum(axis=1) if k else np.zeros(len(units), dtype=np.int64)
    terms = sum(reach) + (int(np.dot(reach, lacking)) if k else 0)
    limit = exact_limit(seconds, terms)
    if limit <= 0:
        return ExactOutcome("too_large", seconds=time.perf_counter() - started, size=terms)

    model = cp_model.CpModel()
    used = [model.new_bool_var(f"used{g}") for g in range(G)]
    for g in range(G - 1):
        model.add_implication(used[g + 1], used[g])
    x = [[model.new_bool_var(f"x{j}_{g}") for g in range(reach[j])] for j in range(len(units))]
    for row in x:
        if strict:
            model.add_exactly_one(row)
        else:
            model.add_at_most_one(row)
        for g, var in enumerate(row):
            model.add_implication(var, used[g])
    members: list[list[int]] = [[] for _ in range(G)]
    for j in range(len(units)):
        for g in range(reach[j]):
            members[g].append(j)
    for g in range(G):
        load = sum(size[j] * x[j][g] for j in members[g])
        model.add(load >= a * used[g])
        model.add(load <= b * used[g])
        if prob.leaders != "none":
            lead = sum(leads[j] * x[j][g] for j in members[g] if leads[j])
            if prob.leaders == "exactly_one":
                model.add(lead == used[g])
            else:
                model.add(lead >= used[g])
    unit_of = np.full(enc.n, -1, dtype=np.int64)
    for j, u in enumerate(units):
        unit_of[u] = j
    for i, j in enc.apart.tolist():
        ui, uj = int(unit_of[i]), int(unit_of[j])
        if ui < 0 or uj < 0:
            continue
        for g in range(min(reach[ui], reach[uj])):
            model.add_bool_or([x[ui][g].Not(), x[uj][g].Not()])
    if k:
        for g in range(G):
            common = [model.new_bool_var(f"c{g}_{s}") for s in slots.tolist()]
            for t, c in enumerate(common):
                for j in members[g]:
                    if not has[j, slots[t]]:
                        model.add_bool_or([c.Not(), x[j][g].Not()])
            model.add(sum(common) >= k * used[g])
    if not strict:
        model.maximize(sum(size[j] * v for j, row in enumerate(x) for v in row))
    if hint is not None:
        _add_hint(model, x, used, units, hint)

    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed % 2**31
    solver.parameters.max_deterministic_time = limit
    solver.parameters.max_time_in_seconds = 20 * limit
    code = solver.solve(model)
    elapsed = time.perf_counter() - started
    if code == cp_model.INFEASIBLE:
        return ExactOutcome("infeasible", seconds=elapsed, limit=limit, size=terms)
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return ExactOutcome("unknown", seconds=elapsed, limit=limit, size=terms)
    group_of = np.full(enc.n, -1, dtype=np.int64)
    for j, row in enumerate(x):
        for g, var in enumerate(row):
            if solver.boolean_value(var):
                group_of[units[j]] = g
    live = np.unique(group_of[group_of >= 0])
    renum = np.full(G + 1, -1, dtype=np.int64)
    renum[live] = np.arange(len(live))
    return ExactOutcome("found", renum[group_of], len(live), elapsed, limit, terms)


def _add_hint(
    model: cp_model.CpModel,
    x: list[list[cp_model.IntVar]],
    used: list[cp_model.IntVar],
    units: list[list[int]],
    hint: State,
) -> None:
    """Hint the heuristic's grouping, groups numbered by their first unit."""
    where = [int(hint.group_of[u[0]]) for u in units]
    label: dict[int, int] = {}
    for g in where:
        if g >= 0 and g not in label:
            label[g] = len(label)
    for j, row in enumerate(x):
        g = label.get(where[j], -1)
        for h, var in enumerate(row):
            model.add_hint(var, h == g)
    for h, var in enumerate(used):
        model.add_hint(var, h < len(label))
