from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from peerpath.core.models import School
from peerpath.insights.outcomes import outcomes_import, term_for_school
from peerpath.rosters.cli import find_actor, write_report
from peerpath.rosters.models import Term


class Command(BaseCommand):
    help = _(
        "Import one term's outcomes (grade average and scale, attendance, enrolment, course "
        "grades) of a school's students from a CSV file. Exit status 0 when imported (or "
        "valid, with --dry-run), 2 when nothing was imported."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help=_("the CSV file (UTF-8, header in the first row)"))
        parser.add_argument("--school", required=True, help=_("slug of the school"))
        parser.add_argument("--organization", default="", help=_("slug of the organization"))
        parser.add_argument("--term", required=True, help=_("title or roster id of the term"))
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
        school = found[0]
        term = term_for_school(school, options["term"])
        if term is None:
            known = ", ".join(
                Term.objects.filter(organization_id=school.organization_id).values_list(
                    "title", flat=True
                )
            )
            raise CommandError(
                _("No term “%(term)s” in %(org)s. Known terms: %(known)s.")
                % {"term": options["term"], "org": school.organization.name, "known": known or "–"},
                returncode=2,
            )
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(
                _("Cannot read %(path)s: %(error)s") % {"path": path, "error": exc.strerror},
                returncode=2,
            ) from None
        result = outcomes_import(
            actor=find_actor(options["actor"]),
            school=school,
            term=term,
            data=data,
            file_name=path.name,
            dry_run=options["dry_run"],
        )
        write_report(result.report, self.stdout, self.stderr)
