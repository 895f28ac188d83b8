"""
What the group engine's exact phase (CP-SAT) costs and finds on classes the search cannot finish.

    .venv/bin/python bench/groups_exact_bench.py [--sizes 100,150,200,300] [--seeds 1,2]
        [--extra 0.1] [--seconds 10] [--whole]

Each class is planted (``planted_problem`` in ``tests/engine/groups_testlib.py``):
groups of 4–6 that meet every hard rule, two shared slots (K = 2) out of 40,
each person also free at each other slot with probability ``--extra``,
nobody may be left out. The default search runs first; when it leaves
someone out, the exact phase runs with the search's grouping as the hint,
and the table shows the model's size (variables plus slot clauses), the
deterministic limit it was given (``exact_limit``; ``--whole`` gives every
model ``--seconds``, as before the limit depended on the size), what CP-SAT
answered, the deterministic seconds it used and the wall-clock seconds.
The figures in docs/groups.md ("Limits") come from this script.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from ortools.sat.python import cp_model

from peerpath.engine.grouping import exact
from peerpath.engine.grouping.encode import encode, plan_groups
from peerpath.engine.grouping.search import _needs_exact, search
from peerpath.engine.groups import GroupProblem, SearchOptions

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "engine"))

from groups_testlib import planted_problem


def planted_class(n: int, seed: int, extra: float) -> GroupProblem:
    """``n`` people in planted groups of 4–6 (mostly 5), K = 2 over 40 slots."""
    rng = np.random.default_rng(seed)
    sizes = [5] * (n // 5)
    for i in range(n % 5):
        sizes[i] += 1
    for _ in range(len(sizes) // 3):
        i, j = rng.choice(len(sizes), 2, replace=False)
        if sizes[i] > 4 and sizes[j] < 6:
            sizes[i] -= 1
            sizes[j] += 1
    sizes = rng.permutation(sizes).tolist()
    problem, _hidden = planted_problem(rng, sizes, k=2, leaders="none", n_slots=40, extra=extra)
    return problem


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--sizes", default="100,150,200,300")
    parser.add_argument("--seeds", default="1,2")
    parser.add_argument("--extra", type=float, default=0.1)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--whole", action="store_true", help="no size-dependent limit")
    args = parser.parse_args()
    if args.whole:
        exact.EXACT_FULL_TERMS = exact.EXACT_MAX_TERMS = 10**12
    used: dict[str, float] = {}
    solve = cp_model.CpSolver.solve

    def recording_solve(self: cp_model.CpSolver, *a: object, **k: object) -> object:
        code = solve(self, *a, **k)  # type: ignore[arg-type]
        used["det"] = self.deterministic_time
        return code

    cp_model.CpSolver.solve = recording_solve  # type: ignore[method-assign,assignment]
    print(f"{'n':>5} {'seed':>4} {'search s':>8} {'left':>4} {'size':>9} {'limit':>6} "
          f"{'exact':>10} {'det s':>6} {'wall s':>7}")  # fmt: skip
    for n in (int(x) for x in args.sizes.split(",")):
        for seed in (int(x) for x in args.seeds.split(",")):
            problem = planted_class(n, seed, args.extra)
            enc = encode(problem)
            plan = plan_groups(enc)
            started = time.perf_counter()
            best, _stats = search(enc, plan, seed, SearchOptions())
            searched = time.perf_counter() - started
            left = int(best.bench) if best is not None else n
            if not _needs_exact(best, plan, problem.allow_left_out):
                print(f"{n:>5} {seed:>4} {searched:>8.1f} {left:>4}   (the search placed everyone)")
                continue
            used.clear()
            started = time.perf_counter()
            out = exact.solve_exact(enc, plan, hint=best, seed=seed, seconds=args.seconds)
            wall = time.perf_counter() - started
            print(
                f"{n:>5} {seed:>4} {searched:>8.1f} {left:>4} {out.size:>9,} {out.limit:>6.2f} "
                f"{out.status:>10} {used.get('det', 0.0):>6.2f} {wall:>7.1f}"
            )


if __name__ == "__main__":
    main()
