from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from peerpath.core.models import School
from peerpath.rosters.cli import ProgressLine, find_actor, write_report
from peerpath.rosters.services import STUDENT_FIELDS, parse_mapping, students_import


class Command(BaseCommand):
    help = _(
        "Import students of one school from a plain CSV file. Fields: %(fields)s; "
        "--map tells which column holds each (given_name=First,family_name=Last)."
    ) % {"fields": ", ".join(STUDENT_FIELDS)}

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help=_("the CSV file (UTF-8, header in the first row)"))
        parser.add_argument("--school", required=True, help=_("slug of the school"))
        parser.add_argument(
            "--organization", default="", help=_("slug of the organization, if needed")
        )
        parser.add_argument("--map", default="", help=_("field=Column pairs, comma separated"))
        parser.add_argument(
            "--dry-run", action="store_true", help=_("check and count, change nothing")
        )
        parser.add_argument("--actor", default="", help=_("e-mail of the person importing"))

    def handle(self, *args: Any, **options: Any) -> None:
        schools = School.objects.filter(slug=options["school"]).select_related("organization")
        if options["organization"]:
            schools = schools.filter(organization__slug=options["organization"])
        found = list(schools[:2])
        if not found:
            raise CommandError(
                _("No school with slug “%(slug)s”.") % {"slug": options["school"]}, returncode=2
            )
        if len(found) > 1:
            raise CommandError(
                _("Several organizations have a school “%(slug)s”; add --organization.")
                % {"slug": options["school"]},
                returncode=2,
            )
        try:
            mapping = parse_mapping(options["map"])
        except ValueError as exc:
            raise CommandError(str(exc), returncode=2) from None
        actor = find_actor(options["actor"])
        progress = ProgressLine(sys.stderr)
        try:
            report = students_import(
                actor=actor,
                school=found[0],
                source=options["file"],
                mapping=mapping,
                dry_run=options["dry_run"],
                progress=progress,
            )
        finally:
            progress.close()
        write_report(report, self.stdout, self.stderr)
