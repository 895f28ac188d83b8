from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from peerpath.privacy.backup import BackupError, database_backup


class Command(BaseCommand):
    help = (
        "Back up the whole database to PATH: SQLite with its online backup API, "
        "PostgreSQL with pg_dump (custom format). Safe while Peerpath runs."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="The backup file to write.")
        parser.add_argument("--database", default="default", help="Database alias.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = database_backup(options["path"], using=options["database"])
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Backed up ({result.vendor}) to {result.path}: "
            f"{result.size_bytes / 1e6:.1f} MB in {result.seconds:.1f} s."
        )
