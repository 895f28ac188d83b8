from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from peerpath.privacy.retention import RETENTION_KINDS, retention_days, retention_purge


class Command(BaseCommand):
    help = (
        "Delete personal data past its retention period (docs/privacy.md); "
        "with --dry-run, only count it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Count, delete nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        dry_run = options["dry_run"]
        counts = retention_purge(dry_run=dry_run)
        periods = retention_days()
        verb = "would delete" if dry_run else "deleted"
        for kind in RETENTION_KINDS:
            self.stdout.write(
                f"{kind.key:<20} kept {periods[kind.key]:>5} days  {verb} {counts[kind.key]}"
            )
