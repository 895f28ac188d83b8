"""
Group formation: study groups, buddy systems and mentorship circles.

Partition participants into groups of ``min_size`` to ``max_size`` members
so that every group has at least ``min_shared_slots`` free time slots common
to all its members, the leader rule holds, ``together``/``apart`` pairs are
respected and, where the numbers allow, nobody is the only one of their kind
in a group; among such groupings, maximise the lowest group score, then the
mean (the max-min objective of CATME Team-Maker [1]_).  The search is a
seeded constructive start followed by iterated local search [2]_; see
:mod:`peerpath.engine.grouping.search` and docs/groups.md.  When it ends
with a hard rule broken, or with someone left out who may not be, an exact
phase with CP-SAT [3]_ finds a grouping that meets every hard rule (which
the local search then improves) or proves that none exists; see
:mod:`peerpath.engine.grouping.exact`.

>>> from peerpath.engine.groups import GroupProblem, Participant, form_groups
>>> people = [Participant(f"p{i}", slots={"mon", "tue"}) for i in range(4)]
>>> result = form_groups(GroupProblem(tuple(people), min_size=2, max_size=2))
>>> [len(g.members) for g in result.groups], result.min_score
([2, 2], 0.0)

References
----------
.. [1] Layton, R. A., Loughry, M. L., Ohland, M. W. and Ricco, G. D. (2010).
   "Design and validation of a web-based system for assigning members to
   teams using instructor-specified criteria." *Advances in Engineering
   Education* 2(1), 1-28.
.. [2] Lourenço, H. R., Martin, O. C. and Stützle, T. (2003). "Iterated
   local search." In *Handbook of Metaheuristics*, 320-353. Kluwer.
.. [3] Perron, L. and Didier, F. "CP-SAT." OR-Tools, Google.
   https://developers.google.com/optimization/cp/cp_solver
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .grouping.encode import Encoded, Plan, encode, plan_groups
from .grouping.model import (
    CRITERION_KINDS,
    LEADER_RULES,
    PREFERENCES,
    Group,
    GroupCriterion,
    GroupProblem,
    GroupResult,
    IsolationRule,
    LeftOut,
    Participant,
    SearchOptions,
    group_problem_from_dict,
    validate_group_problem,
)
from .grouping.reasons import REASON_CODES, Reason, reason
from .grouping.search import defaults, repair, search
from .grouping.state import State
from .problem import SCORE_SCALE, ProblemError

__all__ = [
    "CRITERION_KINDS",
    "LEADER_RULES",
    "PREFERENCES",
    "REASON_CODES",
    "Group",
    "GroupCriterion",
    "GroupProblem",
    "GroupResult",
    "IsolationRule",
    "LeftOut",
    "Participant",
    "ProblemError",
    "Reason",
    "SearchOptions",
    "evaluate_groups",
    "form_groups",
    "group_problem_from_dict",
    "validate_group_problem",
]


def _points(units: int | np.integer[Any]) -> float:
    return round(int(units) / SCORE_SCALE, 6)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _groups_of(st: State, order: Sequence[int], names: Sequence[str]) -> tuple[Group, ...]:
    enc = st.enc
    prob = enc.problem
    out = []
    for name, g in zip(names, order, strict=True):
        members = sorted(st.members[g])
        row = np.array([g])
        parts = st.contributions(st.size[row], [s[row] for s in st.S2], st.s1[row], st.s2[row])[0]
        words = st.gand[g]
        shared = tuple(
            s for k, s in enumerate(enc.slot_names) if (int(words[k >> 6]) >> (k & 63)) & 1
        )
        out.append(
            Group(
                id=name,
                members=tuple(enc.ids[i] for i in members),
                leaders=tuple(enc.ids[i] for i in members if enc.leader[i]),
                shared_slots=shared,
                score=_points(int(parts.sum())),
                explanation={
                    c.name: _points(int(v)) for c, v in zip(prob.criteria, parts, strict=True)
                },
            )
        )
    return tuple(out)


def _isolation_warnings(st: State, order: Sequence[int], names: Sequence[str]) -> list[Reason]:
    enc = st.enc
    out = []
    for name, g in zip(names, order, strict=True):
        for f, covered in enc.iso:
            fld = enc.fields[f]
            for i in sorted(st.members[g]):
                c = fld.codes[i]
                if covered[c] and st.counts[f][g, c] == 1:
                    out.append(
                        reason(
                            "isolated",
                            group=name,
                            participant=enc.ids[i],
                            field=fld.name,
                            value=fld.values[c],
                        )
                    )
    return out


def _pair_messages(st: State) -> list[Reason]:
    enc, go = st.enc, st.group_of
    out = []
    for u, v in enc.together.tolist():
        if go[u] != go[v]:
            out.append(reason("pair_not_together", a=enc.ids[u], b=enc.ids[v]))
    for u, v in enc.apart.tolist():
        if go[u] == go[v] and go[u] >= 0:
            out.append(reason("pair_not_apart", a=enc.ids[u], b=enc.ids[v]))
    return out


def _leader_phrase(rule: str) -> str:
    return "exactly one leader" if rule == "exactly_one" else "at least one leader"


def _left(pid: str, why: Reason) -> LeftOut:
    return LeftOut(pid, why.text, why.code, why.params)


def _left_out(st: State | None, enc: Encoded, plan: Plan, *, proved: bool = False) -> list[LeftOut]:
    prob = enc.problem
    k = prob.min_shared_slots
    forced = int(plan.eligible.sum()) - plan.placeable
    out = []
    for i in range(enc.n):
        if i in plan.reasons:
            out.append(_left(enc.ids[i], plan.reasons[i]))
            continue
        if st is not None and st.group_of[i] >= 0:
            continue
        if forced > 0 and plan.size_reason:
            why = plan.size_reason
        elif proved:
            why = reason("no_grouping_exists")
        elif st is None or st.G == 0:
            why = reason("no_group_formed")
        else:
            room = st.size < st.b
            fits = room & (np.bitwise_count(st.gand & enc.bits[i][None, :]).sum(axis=1) >= k)
            if not room.any():
                why = reason("groups_full")
            elif not fits.any():
                why = reason("no_group_shares_slots", k=k)
            else:
                why = reason("no_grouping_places")
        out.append(_left(enc.ids[i], why))
    return out


def _canonical(st: State) -> list[int]:
    live = [g for g in range(st.G) if st.members[g]]
    return sorted(live, key=lambda g: min(st.members[g]))


def form_groups(
    problem: GroupProblem, *, seed: int = 0, options: SearchOptions | None = None
) -> GroupResult:
    """
    Form groups for a whole cohort.

    Parameters
    ----------
    problem : GroupProblem
        Validated here; invalid input raises ``ProblemError`` naming the entry.
    seed : int
        Seeds every random choice: the same problem, seed and options give
        the same result.
    options : SearchOptions, optional
        Effort of the search (restarts, rounds, sample).

    Returns
    -------
    GroupResult
        Groups (ids ``g1``, ``g2``, ... in order of their first member in the
        input) with members, leaders, shared slots and the score explained by
        criterion; participants left out with the reason; or
        ``feasible=False`` with the reason when no grouping meets the hard
        constraints.  When the search breaks a hard rule, or leaves out
        someone although ``allow_left_out`` is false, CP-SAT looks for a
        grouping that meets every hard rule (``stats["exact"]`` gives its
        status, time, model size and the time limit it had); if it proves
        there is none, ``reason`` begins "no grouping can satisfy the
        rules".  A model too large for it (status ``too_large``; see
        :func:`~peerpath.engine.grouping.exact.exact_limit`), or a search
        that reaches its limit, leaves the search's answer and reason.

    References
    ----------
    See the module docstring: Layton et al. (2010) for the max-min
    objective, Lourenço, Martin & Stützle (2003) for iterated local search,
    Perron & Didier for CP-SAT.
    """
    started = time.perf_counter()
    validate_group_problem(problem)
    options = options or SearchOptions()
    enc = encode(problem)
    plan = plan_groups(enc)
    best, work = search(enc, plan, seed, options)
    best = repair(enc, plan, best, seed, options, work)
    restarts, rounds, sample = defaults(int(plan.eligible.sum()), options)
    stats: dict[str, Any] = {
        "participants": enc.n,
        "seed": seed,
        "restarts": restarts,
        "rounds": rounds,
        "sample": sample,
        "group_counts_tried": work.group_counts[:restarts],
        "evaluations": work.evaluations,
        "moves": work.moves,
        "seconds": round(time.perf_counter() - started, 3),
    }
    proved = False
    if work.exact is not None:
        stats["exact"] = work.exact.to_dict()
        proved = work.exact.status == "infeasible" and not problem.allow_left_out
    return _result(enc, plan, best, stats, proved=proved)


def _rules(prob: GroupProblem) -> str:
    """The hard rules of ``prob``, for the reason no grouping meets them."""
    rules = [f"groups of {prob.min_size}–{prob.max_size}"]
    if prob.min_shared_slots:
        rules.append(_plural(prob.min_shared_slots, "shared free slot"))
    if prob.leaders != "none":
        rules.append(_leader_phrase(prob.leaders))
    if prob.together:
        rules.append("together pairs")
    if prob.apart:
        rules.append("apart pairs")
    return ", ".join(rules)


def _result(
    enc: Encoded, plan: Plan, st: State | None, stats: dict[str, Any], *, proved: bool = False
) -> GroupResult:
    prob = enc.problem
    left = _left_out(st, enc, plan, proved=proved)

    def infeasible(reason: str) -> GroupResult:
        return GroupResult(False, reason, (), tuple(left), 0.0, 0.0, stats=stats)

    if enc.n == 0:
        return GroupResult(True, None, (), (), 0.0, 0.0, stats=stats)
    if proved:
        return infeasible(
            f"no grouping can satisfy the rules ({_rules(prob)}) with all "
            f"{_plural(enc.n, 'participant')} placed"
        )
    if st is None or st.G == 0:
        if plan.eligible.any() and plan.size_reason:
            return infeasible(f"no group can be formed: {plan.size_reason.text}")
        first = left[0]
        return infeasible(f'no group can be formed: "{first.participant}" {first.reason}')
    if st.hard:
        bad = [g for g in range(st.G) if st.lviol[g]]
        if bad:
            return infeasible(
                f"no grouping found in which every group has {_leader_phrase(prob.leaders)} "
                f"with {_plural(prob.min_shared_slots, 'shared free slot')}"
            )
        return infeasible(f"no grouping found in which {_pair_messages(st)[0].text}")
    if left and not prob.allow_left_out:
        if plan.size_reason and int(plan.eligible.sum()) > plan.placeable:
            return infeasible(plan.size_reason.text.split(";")[0])
        first = left[0]
        if enc.ids.index(first.participant) in plan.reasons:
            return infeasible(f'"{first.participant}" cannot be placed: {first.reason}')
        return infeasible(
            f'no grouping found that places everyone: "{first.participant}" was left out '
            f"({first.reason})"
        )
    order = _canonical(st)
    names = [f"g{k + 1}" for k in range(len(order))]
    groups = _groups_of(st, order, names)
    scores = [g.score for g in groups]
    warnings = _isolation_warnings(st, order, names)
    return GroupResult(
        feasible=True,
        reason=None,
        groups=groups,
        left_out=tuple(left),
        min_score=min(scores),
        mean_score=round(float(np.mean(scores)), 6),
        warnings=tuple(w.text for w in warnings),
        stats={**stats, "groups": len(groups), "left_out": len(left)},
        warning_codes=tuple(warnings),
    )


def evaluate_groups(
    problem: GroupProblem, groups: Sequence[Sequence[str]] | Mapping[str, Sequence[str]]
) -> GroupResult:
    """
    Score a given grouping and list every rule it breaks.

    Use it to show a coordinator what moving a member changes.  ``groups``
    is a list of member-id lists (ids ``g1``, ``g2``, ... in that order) or
    a mapping from group id to member ids.  ``feasible`` is true when
    ``violations`` is empty; participants in no group are listed in
    ``left_out`` (a violation only when ``allow_left_out`` is false).
    """
    validate_group_problem(problem)
    enc = encode(problem)
    if isinstance(groups, Mapping):
        names = [str(k) for k in groups]
        lists = [list(v) for v in groups.values()]
    else:
        names = [f"g{k + 1}" for k in range(len(groups))]
        lists = [list(v) for v in groups]
    index = {pid: i for i, pid in enumerate(enc.ids)}
    group_of = np.full(enc.n, -1, dtype=np.int64)
    for g, (name, members) in enumerate(zip(names, lists, strict=True)):
        for pid in members:
            if pid not in index:
                raise ProblemError(f'groups["{name}"]: unknown participant "{pid}"')
            if group_of[index[pid]] >= 0:
                raise ProblemError(f'groups["{name}"]: "{pid}" is already in another group')
            group_of[index[pid]] = g
    st = State(enc, group_of, len(lists), np.ones(enc.n, dtype=bool))
    violations: list[Reason] = []
    k = problem.min_shared_slots
    for g, name in enumerate(names):
        n = int(st.size[g])
        if n < problem.min_size:
            violations.append(
                reason("group_too_small", group=name, size=n, min_size=problem.min_size)
            )
        if n > problem.max_size:
            violations.append(
                reason("group_too_large", group=name, size=n, max_size=problem.max_size)
            )
        if st.shared[g] < k:
            violations.append(
                reason("group_few_shared_slots", group=name, shared=int(st.shared[g]), k=k)
            )
        if st.lviol[g]:
            violations.append(
                reason(
                    "group_leader_rule", group=name, leaders=int(st.lead[g]), rule=problem.leaders
                )
            )
    violations += _pair_messages(st)
    unplaced = [enc.ids[i] for i in range(enc.n) if group_of[i] < 0]
    left = [_left(pid, reason("not_placed")) for pid in unplaced]
    if not problem.allow_left_out:
        violations += [reason("not_in_any_group", participant=pid) for pid in unplaced]
    order = list(range(len(lists)))
    result_groups = _groups_of(st, order, names)
    scores = [g.score for g in result_groups]
    warnings = _isolation_warnings(st, order, names)
    return GroupResult(
        feasible=not violations,
        reason=violations[0].text if violations else None,
        groups=result_groups,
        left_out=tuple(left),
        min_score=min(scores) if scores else 0.0,
        mean_score=round(float(np.mean(scores)), 6) if scores else 0.0,
        warnings=tuple(w.text for w in warnings),
        violations=tuple(v.text for v in violations),
        stats={"participants": enc.n, "groups": len(lists), "left_out": len(left)},
        violation_codes=tuple(violations),
        warning_codes=tuple(warnings),
    )
