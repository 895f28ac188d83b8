from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from peerpath.privacy.backup import BackupError, database_restore


class Command(BaseCommand):
    help = (
        "Restore the whole database from a backup made by 'peerpath backup'. Stop the "
        "server and the worker first. Refuses to overwrite a database that has tables "
        "unless --force."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="The backup file to read.")
        parser.add_argument(
            "--force", action="store_true", help="Replace a database that is not empty."
        )
        parser.add_argument("--database", default="default", help="Database alias.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = database_restore(
                options["path"], force=options["force"], using=options["database"]
            )
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Restored ({result.vendor}) from {result.path} in {result.seconds:.1f} s."
        )
