from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from peerpath.privacy.management.commands._people import person_by_email
from peerpath.privacy.services import person_erase


class Command(BaseCommand):
    help = (
        "Erase one person: their name and e-mail address become a pseudonym everywhere, "
        "what they wrote is blanked, audit entries are kept. Cannot be undone."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--email", required=True, help="The person's e-mail address.")
        parser.add_argument("--organization", help="Slug of the person's organization.")
        parser.add_argument(
            "--yes", action="store_true", help="Do not ask for confirmation (scripts)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        person = person_by_email(options["email"], options["organization"])
        if not options["yes"]:
            answer = input(f"Erase {person.get_full_name()} <{person.email}> for good? [y/N] ")
            if answer.strip().lower() not in {"y", "yes"}:
                raise CommandError("Nothing was erased.")
        try:
            report = person_erase(actor=None, person=person)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        changed = sum(report.blanked.values()) + sum(report.scrubbed.values())
        self.stdout.write(
            f"Erased: now {report.pseudonym} <{report.email}>; {changed} rows changed, "
            f"{sum(report.deleted.values())} deleted."
        )
