"""
``peerpath solve PROBLEM.json [-o RESULT.json]``: run the engine on a JSON file.

Needs no database and no Django settings.  Exit status: 0 on success, 2 for
invalid input (one line on stderr naming the offending entry), 1 for an
unexpected internal error (one line, no traceback).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from .io import problem_from_dict
from .problem import ProblemError
from .solve import MODES, solve

__all__ = ["main"]


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # one line, no usage dump
        raise _UsageError(message)


def _parser() -> _Parser:
    parser = _Parser(
        prog="peerpath solve",
        description="Match mentees to mentors from a JSON problem file.",
    )
    parser.add_argument("problem", help="problem JSON file ('-' for standard input)")
    parser.add_argument("-o", "--output", help="write the result here instead of standard output")
    parser.add_argument("--mode", choices=MODES, help="override the problem's mode")
    parser.add_argument("--seed", type=int, help="override the problem's seed")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run ``solve`` with ``argv`` (``["solve", PROBLEM, ...]``; "solve" optional)."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list and args_list[0] == "solve":
        args_list = args_list[1:]
    elif args_list and args_list[0] == "groups":
        print("peerpath groups: not available in this version of the engine", file=sys.stderr)
        return 2
    try:
        args = _parser().parse_args(args_list)
    except _UsageError as exc:
        print(f"peerpath solve: {exc}", file=sys.stderr)
        return 2
    name = "<stdin>" if args.problem == "-" else args.problem
    try:
        if args.problem == "-":
            text = sys.stdin.read()
        else:
            with open(name, encoding="utf-8") as handle:
                text = handle.read()
    except OSError as exc:
        print(f"{name}: cannot read: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except UnicodeDecodeError:
        print(f"{name}: not UTF-8 text", file=sys.stderr)
        return 2
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        print(
            f"{name}: malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}",
            file=sys.stderr,
        )
        return 2
    try:
        problem, mode, seed = problem_from_dict(data)
        result = solve(
            problem,
            mode=args.mode or mode,
            seed=seed if args.seed is None else args.seed,
            k=int(data.get("k", 8)) if isinstance(data.get("k", 8), int) else 8,
        )
    except ProblemError as exc:
        print(f"{name}: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # never a traceback for the user
        print(f"{name}: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    out = json.dumps(result.to_dict(), indent=2)
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8") as handle:
                handle.write(out + "\n")
        except OSError as exc:
            print(f"{args.output}: cannot write: {exc.strerror or exc}", file=sys.stderr)
            return 2
    else:
        sys.stdout.write(out + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
