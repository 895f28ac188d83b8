from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from peerpath.core.models import Organization
from peerpath.rosters.cli import ProgressLine, find_actor, write_report
from peerpath.rosters.services import roster_import


class Command(BaseCommand):
    help = _(
        "Import a OneRoster 1.1/1.2 CSV roster (a .zip or a folder) into an organization. "
        "Exit status 0 when imported (or valid, with --dry-run), 2 when nothing was imported."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help=_("the roster: a .zip archive or a folder of CSV files"))
        parser.add_argument("--organization", required=True, help=_("slug of the organization"))
        parser.add_argument(
            "--dry-run", action="store_true", help=_("check and count, change nothing")
        )
        parser.add_argument("--actor", default="", help=_("e-mail of the person importing"))

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            organization = Organization.objects.get(slug=options["organization"])
        except Organization.DoesNotExist:
            raise CommandError(
                _("No organization with slug “%(slug)s”.") % {"slug": options["organization"]},
                returncode=2,
            ) from None
        actor = find_actor(options["actor"])
        progress = ProgressLine(sys.stderr)
        try:
            report = roster_import(
                actor=actor,
                organization=organization,
                source=options["path"],
                dry_run=options["dry_run"],
                progress=progress,
            )
        finally:
            progress.close()
        write_report(report, self.stdout, self.stderr)
