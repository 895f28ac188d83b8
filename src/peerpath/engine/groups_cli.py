"""
``peerpath groups PROBLEM.json [-o RESULT.json]``: form groups from a JSON file.

Needs no database and no Django settings.  Exit status: 0 when groups were
formed; 2 for invalid input or an infeasible problem (one line on standard
error naming the offending entry or the reason; for an infeasible problem
the result, with ``"feasible": false``, is still written); 1 for an
unexpected internal error (one line, no traceback).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from .groups import form_groups, group_problem_from_dict
from .problem import ProblemError

__all__ = ["main"]


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # one line, no usage dump
        raise _UsageError(message)


def _parser() -> _Parser:
    parser = _Parser(
        prog="peerpath groups",
        description="Form study groups or circles from a JSON problem file (docs/groups.md).",
    )
    parser.add_argument("problem", help="problem JSON file ('-' for standard input)")
    parser.add_argument("-o", "--output", help="write the result here instead of standard output")
    parser.add_argument("--seed", type=int, help="override the problem's seed")
    return parser


def _err(message: str) -> None:
    sys.stderr.write(message.replace("\n", " ") + "\n")


def main(argv: list[str] | None = None) -> int:
    """Run ``groups`` with ``argv`` (``["groups", PROBLEM, ...]``; "groups" optional)."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list and args_list[0] == "groups":
        args_list = args_list[1:]
    try:
        args = _parser().parse_args(args_list)
    except _UsageError as exc:
        _err(f"peerpath groups: {exc}")
        return 2
    except SystemExit as exc:  # --help
        return int(exc.code or 0)
    name = "<stdin>" if args.problem == "-" else args.problem
    try:
        if args.problem == "-":
            text = sys.stdin.read()
        else:
            with open(name, encoding="utf-8") as handle:
                text = handle.read()
    except OSError as exc:
        _err(f"{name}: cannot read: {exc.strerror or exc}")
        return 2
    except UnicodeDecodeError:
        _err(f"{name}: not UTF-8 text")
        return 2
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        _err(f"{name}: malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}")
        return 2
    except RecursionError:
        _err(f"{name}: malformed JSON: nested too deeply")
        return 2
    try:
        problem, seed, options = group_problem_from_dict(data)
        result = form_groups(
            problem, seed=seed if args.seed is None else args.seed, options=options
        )
    except ProblemError as exc:
        _err(f"{name}: {exc}")
        return 2
    except Exception as exc:  # never a traceback for the user
        _err(f"{name}: internal error: {type(exc).__name__}: {exc}")
        return 1
    out = json.dumps(result.to_dict(codes=False), indent=2, ensure_ascii=False)
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8") as handle:
                handle.write(out + "\n")
        except OSError as exc:
            _err(f"{args.output}: cannot write: {exc.strerror or exc}")
            return 2
    else:
        sys.stdout.write(out + "\n")
    if not result.feasible:
        _err(f"{name}: infeasible: {result.reason}")
        return 2
    return 0
