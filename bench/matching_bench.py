"""
Benchmark Peerpath's matching engine against named baselines.

    .venv/bin/python bench/matching_bench.py --size scores|M|L [--methods a,b,...] [--seed N]

Every method runs in its own subprocess (so peak memory is its own) on the
same seeded cohort from ``bench/cohorts.py``.  The table shows scoring and
solving time, peak resident memory, matched mentees, and the total score as
a ratio to Peerpath's certified optimum.

Baselines: ``greedy`` (first best mentor with room), ``scipy-lsa`` (SciPy
``linear_sum_assignment`` on the capacity-expanded dense matrix), ``ortools-dense``
(OR-Tools min-cost flow on every allowed pair), ``networkx`` (network simplex
max-flow-min-cost, scores only) and ``matching-pkg`` (the ``matching`` package's
resident-optimal hospitals/residents, compared with Peerpath's stable mode).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from cohorts import SIZES, cohort  # noqa: E402

METHODS = [
    "peerpath-optimal",
    "peerpath-fair",
    "peerpath-stable",
    "peerpath-greedy",
    "scipy-lsa",
    "ortools-dense",
    "networkx",
    "matching-pkg",
]
# Dense baselines need the full n x (capacity-expanded) matrix; skip where it cannot fit.
FITS = {
    "scipy-lsa": {"XS", "S", "M"},
    "ortools-dense": {"XS", "S", "M"},
    "networkx": {"XS", "S"},
    "matching-pkg": {"XS", "S", "M"},
}


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _dense_scores(problem):
    from peerpath.engine.scoring import DenseScorer

    scorer = DenseScorer(problem)
    rows = np.arange(scorer.n)
    blocks = [scorer.block(rows[k : k + 256]) for k in range(0, scorer.n, 256)]
    return scorer, np.vstack(blocks)


def run_method(method: str, size: str, seed: int) -> dict[str, object]:
    problem = cohort(*SIZES[size], seed=seed)
    base_mb = _peak_mb()
    out: dict[str, object] = {"method": method}
    t0 = time.perf_counter()
    if method.startswith("peerpath-"):
        from peerpath.engine import solve

        result = solve(problem, mode=method.split("-", 1)[1], seed=seed)
        wall = time.perf_counter() - t0
        stats = result.stats
        scoring = float(stats.get("scoring_seconds", 0.0))
        out.update(
            scoring=scoring,
            solving=wall - scoring,
            matched=result.matched,
            total=result.total_score,
            optimal=result.optimal,
            candidates=stats.get("candidates"),
            rounds=stats.get("certification_rounds"),
        )
    else:
        scorer, scores = _dense_scores(problem)
        scoring = time.perf_counter() - t0
        cap = np.array([t.capacity - t.load for t in problem.mentors])
        t1 = time.perf_counter()
        if method == "scipy-lsa":
            from scipy.optimize import linear_sum_assignment

            cols = np.repeat(np.arange(scorer.m), cap)
            big = float(min(scorer.n, cap.sum()) * 1_000_000 + 1)
            weights = np.where(scores[:, cols] >= 0, big + scores[:, cols], 0.0)
            r, c = linear_sum_assignment(weights, maximize=True)
            keep = weights[r, c] > 0
            pairs = list(zip(r[keep].tolist(), cols[c[keep]].tolist(), strict=True))
            del weights
        elif method == "ortools-dense":
            from ortools.graph.python import min_cost_flow

            ii, jj = np.nonzero(scores >= 0)
            n, m = scorer.n, scorer.m
            smcf = min_cost_flow.SimpleMinCostFlow()
            tails = np.concatenate([np.full(n, n + m), ii, n + np.arange(m)])
            heads = np.concatenate([np.arange(n), n + jj, np.full(m, n + m + 1)])
            caps = np.concatenate([np.ones(n + len(ii), np.int64), cap.astype(np.int64)])
            costs = np.concatenate(
                [np.zeros(n, np.int64), -scores[ii, jj].astype(np.int64), np.zeros(m, np.int64)]
            )
            smcf.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
            smcf.set_node_supply(n + m, n)
            smcf.set_node_supply(n + m + 1, -n)
            smcf.solve_max_flow_with_min_cost()
            flows = np.asarray(smcf.flows(np.arange(n, n + len(ii))))
            used = flows > 0
            pairs = list(zip(ii[used].tolist(), jj[used].tolist(), strict=True))
        elif method == "networkx":
            import networkx as nx

            graph = nx.DiGraph()
            n, m = scorer.n, scorer.m
            for i in range(n):
                graph.add_edge("src", ("s", i), capacity=1, weight=0)
            for j in range(m):
                graph.add_edge(("t", j), "sink", capacity=int(cap[j]), weight=0)
            ii, jj = np.nonzero(scores >= 0)
            for i, j in zip(ii.tolist(), jj.tolist(), strict=True):
                graph.add_edge(("s", i), ("t", j), capacity=1, weight=-int(scores[i, j]))
            flow = nx.max_flow_min_cost(graph, "src", "sink")
            pairs = [(i, j) for i in range(n) for (_, j), f in flow[("s", i)].items() if f > 0]
        elif method == "matching-pkg":
            import warnings

            from matching.games import HospitalResident

            sys.setrecursionlimit(1_000_000)
            n, m = scorer.n, scorer.m
            rprefs, hprefs = {}, {}
            for i in range(n):
                js = np.flatnonzero(scores[i] >= 0)
                if len(js):
                    order = js[np.lexsort((js, -scores[i, js]))]
                    rprefs[f"s{i}"] = [f"t{j}" for j in order]
            for j in range(m):
                iis = np.flatnonzero(scores[:, j] >= 0)
                if len(iis):
                    order = iis[np.lexsort((iis, -scores[iis, j]))]
                    hprefs[f"t{j}"] = [f"s{i}" for i in order]
            caps = {t: int(cap[int(t[1:])]) for t in hprefs}
            t1 = time.perf_counter()  # building the lists above is not charged to it
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                game = HospitalResident.create_from_dictionaries(rprefs, hprefs, caps)
                res = game.solve(optimal="resident")
            pairs = [
                (int(str(r.name)[1:]), int(str(h.name)[1:])) for h, rs in res.items() for r in rs
            ]
        else:
            raise SystemExit(f"unknown method {method}")
        solving = time.perf_counter() - t1
        total = sum(int(scores[i, j]) for i, j in pairs) / 1_000_000
        out.update(scoring=scoring, solving=solving, matched=len(pairs), total=round(total, 6))
    out["peak_mb"] = _peak_mb()
    out["cohort_mb"] = base_mb
    return out


def _row(res: dict[str, object], best: float | None) -> str:
    if "error" in res:
        return f"{res['method']:<18} {res['error']}"
    total = float(res["total"])  # type: ignore[arg-type]
    ratio = f"{total / best:.4f}" if best else "-"
    wall = float(res["scoring"]) + float(res["solving"])  # type: ignore[arg-type]
    certified = "yes" if res.get("optimal") is True else ("" if "optimal" not in res else "no")
    return (
        f"{res['method']:<18} {float(res['scoring']):>8.2f} {float(res['solving']):>8.2f} "  # type: ignore[arg-type]
        f"{wall:>8.2f} {float(res['peak_mb']):>8.0f} {res['matched']:>8} {total:>12.3f} "  # type: ignore[arg-type]
        f"{ratio:>7} {certified:>5}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", choices=sorted(SIZES), default="S")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--run", help=argparse.SUPPRESS)
    parser.add_argument("--timeout", type=float, default=900.0)
    args = parser.parse_args()
    if args.run:
        print(json.dumps(run_method(args.run, args.size, args.seed)))
        return 0
    n, m = SIZES[args.size]
    print(f"size {args.size}: {n:,} mentees x {m:,} mentors, seed {args.seed}")
    header = (
        f"{'method':<18} {'score s':>8} {'solve s':>8} {'total s':>8} {'peak MB':>8} "
        f"{'matched':>8} {'objective':>12} {'ratio':>7} {'cert':>5}"
    )
    print(header)
    print("-" * len(header))
    results = []
    best: float | None = None
    for method in args.methods.split(","):
        if method in FITS and args.size not in FITS[method]:
            res: dict[str, object] = {
                "method": method,
                "error": "skipped: does not fit / too slow at this size",
            }
        else:
            try:
                proc = subprocess.run(
                    [
                        sys.executable,
                        __file__,
                        "--run",
                        method,
                        "--size",
                        args.size,
                        "--seed",
                        str(args.seed),
                    ],
                    capture_output=True,
                    text=True,
                    timeout=args.timeout,
                    check=False,
                )
                if proc.returncode != 0:
                    last = (proc.stderr.strip().splitlines() or ["?"])[-1]
                    res = {"method": method, "error": f"failed: {last}"}
                else:
                    res = json.loads(proc.stdout.strip().splitlines()[-1])
            except subprocess.TimeoutExpired:
                res = {"method": method, "error": f"timed out after {args.timeout:.0f} s"}
        if method == "peerpath-optimal" and "total" in res:
            best = float(res["total"])  # type: ignore[arg-type]
        results.append(res)
        print(_row(res, best), flush=True)
    by = {r["method"]: r for r in results if "error" not in r}
    if "peerpath-stable" in by and "matching-pkg" in by:
        ours = float(by["peerpath-stable"]["scoring"]) + float(by["peerpath-stable"]["solving"])  # type: ignore[arg-type]
        theirs = float(by["matching-pkg"]["solving"])  # type: ignore[arg-type]
        same = by["peerpath-stable"]["total"] == by["matching-pkg"]["total"]
        print(
            f"stable: {theirs / ours:.0f}x faster than the matching package (same matching: {same})"
        )
    print(
        "times in seconds; peak MB = the method's own process (includes the cohort, "
        "~{:.0f} MB); ratio = objective / Peerpath's certified optimum".format(
            float(results[0].get("cohort_mb", 0)) if results else 0
        )
    )  # type: ignore[arg-type]
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
