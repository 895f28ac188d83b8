"""``peerpath seed-demo``: create the demo school and print its logins."""

from __future__ import annotations

import datetime as dt
import time
from argparse import ArgumentParser, ArgumentTypeError
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from peerpath.demo.seed import (
    DEFAULT_SEED,
    DEFAULT_STUDENTS,
    MIN_STUDENTS,
    DemoSummary,
    demo_reset,
    demo_seed,
)


def _iso_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ArgumentTypeError(f"{value!r} is not a date like 2026-09-14.") from None


class Command(BaseCommand):
    help = (
        "Create the demo school (Riverbend High School in the Riverbend Unified School "
        "District): courses, staff, students across grades 9-12 with guardians, and two "
        "programs with applicants at every step. The same --seed and --students give the "
        "same school. If the demo organization already exists nothing is written and its "
        "summary is printed; pass --reset to delete it and seed it afresh. Every demo login "
        "shares one password, printed at the end."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--seed", type=int, default=DEFAULT_SEED, help="random seed (default: %(default)s)"
        )
        parser.add_argument(
            "--students",
            type=int,
            default=DEFAULT_STUDENTS,
            help=f"number of students, at least {MIN_STUDENTS} (default: %(default)s)",
        )
        parser.add_argument(
            "--today",
            type=_iso_date,
            default=None,
            help="the date to place the programs' term around (default: today)",
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="delete the demo organization and all its data first",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["students"] < MIN_STUDENTS:
            raise CommandError(f"--students must be at least {MIN_STUDENTS}.")
        if options["reset"] and demo_reset():
            self.stdout.write("Deleted the existing demo organization.")
        started = time.perf_counter()
        summary = demo_seed(
            seed=options["seed"], students=options["students"], today=options["today"]
        )
        elapsed = time.perf_counter() - started
        if summary.created:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Seeded the demo school in {elapsed:.1f} s (seed {options['seed']})."
                )
            )
        else:
            self.stdout.write(
                self.style.WARNING(
                    "The demo school is already there; nothing was changed "
                    "(use --reset to seed it again)."
                )
            )
        self._print_summary(summary)

    def _print_summary(self, summary: DemoSummary) -> None:
        write = self.stdout.write
        grades = ", ".join(f"grade {g}: {n}" for g, n in summary.students_by_grade.items())
        write("")
        write(f"{summary.organization} — {summary.school}")
        write(f"  {summary.students} students ({grades})")
        write(f"  {summary.guardians} guardians, {summary.courses} courses")
        for program in summary.programs:
            statuses = ", ".join(f"{s} {n}" for s, n in program.by_status.items())
            write(
                f"  {program.name} ({program.program_type}, {program.status}, "
                f"{program.term_start:%b %-d, %Y} – {program.term_end:%b %-d, %Y})"
            )
            if program.groups:
                write(f"    {program.mentors} peer leaders, {program.mentees} members: {statuses}")
                groups = ", ".join(f"{s} {n}" for s, n in program.groups.items())
                write(f"    groups: {groups}")
            else:
                write(f"    {program.mentors} mentors, {program.mentees} mentees: {statuses}")
        write("")
        write(self.style.MIGRATE_HEADING(f"Demo logins (password for all: {summary.password})"))
        width = max(len(login.email) for login in summary.logins)
        for login in summary.logins:
            write(f"  {login.email.ljust(width)}  {login.role} — {login.name}")
        write("")
        if settings.PEERPATH_REQUIRE_2FA:
            write(
                "Two-step login is ON: the admin, coordinator and safeguarding lead set up an\n"
                "authenticator app (TOTP) at their first login. PEERPATH_REQUIRE_2FA=0 turns it off."
            )
        else:
            write(
                self.style.WARNING(
                    "Two-step login is OFF for this demo (PEERPATH_REQUIRE_2FA=0): every login needs\n"
                    "only the password. In production it is on for admins, coordinators and\n"
                    "safeguarding leads; run `PEERPATH_REQUIRE_2FA=1 make demo` to try it."
                )
            )
