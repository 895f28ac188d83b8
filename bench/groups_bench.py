"""
Benchmark group formation against named baselines on a seeded synthetic class.

    .venv/bin/python bench/groups_bench.py [--sizes 300,3000] [--seed 0] [--restarts R --rounds N]

The class: groups of 4–6, at least 2 shared free slots (40 slots a week;
8 lunch/after-school slots each free with probability 0.75, the rest 0.15),
at least one leader per group (25% are leaders), criteria course *similar*
(weight 2), prior attainment *diverse* (a number, weight 1) and background
*diverse* (weight 1), and nobody isolated by gender.

Methods, all on the same class: ``random`` (a random valid grouping: random
order, each participant into a random group that can take them, short
groups repaired or dissolved), ``greedy`` (Peerpath's constructive start
only, hardest to place first) and ``peerpath`` (constructive start plus
iterated local search, the default effort).  The table shows time, groups,
participants left out, the lowest and mean group score, and each baseline's
lowest and mean score as a ratio to Peerpath's.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from peerpath.engine.grouping.encode import encode, plan_groups
from peerpath.engine.grouping.search import construct, dissolve_short
from peerpath.engine.groups import (
    GroupCriterion,
    GroupProblem,
    IsolationRule,
    Participant,
    SearchOptions,
    evaluate_groups,
    form_groups,
)

DAYS = ("mon", "tue", "wed", "thu", "fri")


def synthetic_class(n: int, seed: int) -> GroupProblem:
    rng = np.random.default_rng(seed)
    slots = [f"{d}{p}" for d in DAYS for p in range(1, 9)]
    common = {s for s in slots if s.endswith(("5", "8"))} - {"fri8", "mon5"}
    people = []
    for i in range(n):
        free = frozenset(s for s in slots if rng.random() < (0.75 if s in common else 0.15))
        people.append(
            Participant(
                f"s{i:05d}",
                slots=free,
                leader=bool(rng.random() < 0.25),
                attributes={
                    "course": ["bio", "chem", "phys", "maths", "hist", "lit"][int(rng.integers(6))],
                    "attainment": round(float(rng.normal(60, 15)), 1),
                    "background": ["a", "b", "c", "d"][
                        int(rng.choice(4, p=[0.5, 0.25, 0.15, 0.1]))
                    ],
                    "gender": ["f", "m", "x"][int(rng.choice(3, p=[0.48, 0.48, 0.04]))],
                },
            )
        )
    return GroupProblem(
        participants=tuple(people),
        min_size=4,
        max_size=6,
        min_shared_slots=2,
        leaders="at_least_one",
        criteria=(
            GroupCriterion("course", "course", prefer="similar", weight=2),
            GroupCriterion("attainment", "attainment", kind="number", prefer="diverse"),
            GroupCriterion("background", "background", prefer="diverse"),
        ),
        no_isolated=(IsolationRule("gender"),),
    )


def _baseline(problem: GroupProblem, seed: int, randomized: bool):
    started = time.perf_counter()
    enc = encode(problem)
    plan = plan_groups(enc)
    rng = np.random.default_rng(seed)
    st = construct(enc, plan, plan.group_counts[0], rng, randomized=randomized)
    st = dissolve_short(st, rng)
    seconds = time.perf_counter() - started
    groups = [[enc.ids[i] for i in st.members[g]] for g in range(st.G) if st.members[g]]
    return evaluate_groups(problem, groups), seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--sizes", default="300,3000")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--restarts", type=int)
    parser.add_argument("--rounds", type=int)
    args = parser.parse_args()
    options = SearchOptions(restarts=args.restarts, rounds=args.rounds)
    head = f"{'n':>6} {'method':<9} {'seconds':>8} {'groups':>6} {'left':>5} {'iso':>4} {'min':>7} {'mean':>7} {'min/pp':>7} {'mean/pp':>7}"
    print(head)
    for n in [int(x) for x in args.sizes.split(",")]:
        problem = synthetic_class(n, args.seed)
        rows = []
        for name, randomized in (("random", True), ("greedy", False)):
            res, secs = _baseline(problem, args.seed, randomized)
            assert res.feasible, res.violations[:3]
            rows.append((name, res, secs))
        started = time.perf_counter()
        best = form_groups(problem, seed=args.seed, options=options)
        rows.append(("peerpath", best, time.perf_counter() - started))
        for name, res, secs in rows:
            print(
                f"{n:>6} {name:<9} {secs:>8.2f} {len(res.groups):>6} {len(res.left_out):>5} "
                f"{len(res.warnings):>4} {res.min_score:>7.3f} {res.mean_score:>7.3f} "
                f"{res.min_score / best.min_score:>7.2f} {res.mean_score / best.mean_score:>7.2f}"
            )


if __name__ == "__main__":
    main()
