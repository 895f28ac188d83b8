"""
The ``peerpath`` console script.

``peerpath solve PROBLEM.json`` (and ``peerpath groups``) run the pure matching
engine and never load Django, so they work without settings or a database.
Every other sub-command is a Django management command run with Peerpath's
settings: ``peerpath migrate``, ``peerpath runserver``, ``peerpath seed-demo``.
"""

from __future__ import annotations

import os
import sys

ENGINE_COMMANDS = {"solve", "groups"}


def main(argv: list[str] | None = None) -> int:
    """Run one Peerpath command and return its exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "groups":
        try:
            from peerpath.engine.groups_cli import main as groups_main
        except ImportError:
            sys.stderr.write("peerpath groups: the grouping command is not available yet.\n")
            return 2
        return groups_main(args)
    if args and args[0] in ENGINE_COMMANDS:
        from peerpath.engine.cli import main as engine_main

        return engine_main(args)

    if args and not args[0].startswith("-"):
        # Our commands are spelled with hyphens on the command line
        # (``seed-demo``) and with underscores as Python modules.
        args[0] = args[0].replace("-", "_")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerpath.config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["peerpath", *args])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
