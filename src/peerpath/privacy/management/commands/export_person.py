from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from peerpath.privacy.management.commands._people import person_by_email
from peerpath.privacy.services import person_export_zip


class Command(BaseCommand):
    help = (
        "Write everything Peerpath holds about one person (a subject-access export) "
        "to DIR as a .zip of one JSON document and one CSV file per kind of record."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--email", required=True, help="The person's e-mail address.")
        parser.add_argument("--organization", help="Slug of the person's organization.")
        parser.add_argument(
            "-o", "--output", required=True, type=Path, help="Directory to write the .zip to."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        person = person_by_email(options["email"], options["organization"])
        export, data = person_export_zip(actor=None, person=person)
        directory: Path = options["output"]
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"peerpath-person-{person.pk}-{timezone.localdate():%Y%m%d}.zip"
        path.write_bytes(data)
        self.stdout.write(
            f"Wrote {path} ({export.row_count()} rows from {len(export.records)} kinds of record)."
        )
