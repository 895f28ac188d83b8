"""``peerpath worker``: run queued background work (large match rounds)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from peerpath.matching.services import match_rounds_run_queued


class Command(BaseCommand):
    help = "Run queued match rounds; with --once, run what is queued and stop."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Run the queue once and exit.")
        parser.add_argument("--interval", type=float, default=2.0, help="Seconds between polls.")

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            ran = match_rounds_run_queued()
            if ran:
                self.stdout.write(f"Ran {ran} match round(s).")
            if options["once"]:
                return
            time.sleep(options["interval"])
