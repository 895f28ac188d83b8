"""
Write an imported roster: schools, terms, courses, classes, people, enrollments.

:func:`roster_import` (OneRoster) and :func:`students_import` (plain CSV) run
the whole import in ONE transaction: the input is parsed and validated first,
references are resolved against the roster and the records imported before,
and only an input without a single error is written. Whatever happens, they
return an :class:`~peerpath.rosters.report.ImportReport` and never raise.

A deliberate exception to the house rule that writes go through the per-row
services (``user_create``, ``student_profile_create`` …): those validate, save
and audit one row at a time, which takes minutes for a 50,000-user roster. The
import writes with ``bulk_create``/``bulk_update`` and records ONE audit entry
that points at its :class:`~peerpath.rosters.models.RosterImport`, whose
counts and report say what changed.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from peerpath.core.audit import audit_record
from peerpath.core.deactivation import users_access_end
from peerpath.core.models import Organization, Role, RoleAssignment, School, User
from peerpath.people.models import Course, GuardianLink, StudentProfile
from peerpath.rosters.csvtable import Column, TableSpec, read_table
from peerpath.rosters.models import Enrollment, RosterImport, RosterStatus, SchoolClass, Term
from peerpath.rosters.oneroster import (
    GUARDIAN_ROLES,
    STAFF_ROLES,
    DemographicRecord,
    RosterSet,
    UserRecord,
    parse_roster,
)
from peerpath.rosters.report import ImportReport
from peerpath.rosters.sources import Limits, SourceError, open_roster_source

__all__ = ["PLACEHOLDER_EMAIL_DOMAIN", "STUDENT_FIELDS", "roster_import", "students_import"]

logger = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]
T = TypeVar("T")

#: Users without an e-mail address get ``…@roster.invalid`` (RFC 2606: never delivered).
PLACEHOLDER_EMAIL_DOMAIN = "roster.invalid"
_CHUNK = 900  # below SQLite's historic 999-parameter limit
_BATCH = 1000

_AREAS = [
    ("math", ("math", "algebra", "geometry", "calculus", "statistic", "trigonometry")),
    ("science", ("science", "physics", "chemistry", "biology", "earth")),
    ("english", ("english", "literature", "reading", "writing", "ela ", "language arts")),
    ("social_studies", ("history", "social", "geography", "civics", "economics", "government")),
    ("languages", ("spanish", "french", "german", "latin", "chinese", "mandarin", "language")),
    ("computing", ("computer", "programming", "computing", "coding")),
    ("arts", ("art", "music", "drama", "theatre", "theater", "band", "choir")),
]


class _RollbackError(Exception):
    """Leave the atomic block without committing (errors found, or a dry run)."""


def _chunks(items: list[T], size: int = _CHUNK) -> Iterator[list[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _insert_rows(model: Any, rows: list[dict[str, Any]]) -> None:
    """
    INSERT ``rows`` (dicts of attribute names) with ``executemany``.

    ``bulk_create`` builds a model instance and compiles SQL per small batch,
    which dominates a 250,000-enrollment import; this sends one statement with
    the values prepared for the database, filling the other columns with their
    model defaults (``now`` for auto timestamps). Callers re-read the keys.
    """
    if not rows:
        return
    meta = model._meta
    names = list(rows[0])
    fields = [meta.get_field(name) for name in names]
    now = timezone.now()
    rest: dict[Any, Any] = {}
    for f in meta.concrete_fields:
        if f.primary_key or f.attname in names:
            continue
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            rest[f] = now
        else:
            rest[f] = f.get_default()
    columns = [*fields, *rest]
    prepared = [
        f.get_db_prep_save
        if f.get_internal_type() in {"DateField", "DateTimeField", "JSONField"}
        else None
        for f in columns
    ]
    qn = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        qn(meta.db_table),
        ", ".join(qn(f.column) for f in columns),
        ", ".join(["%s"] * len(columns)),
    )
    fixed = list(rest.values())
    with connection.cursor() as cursor:
        for chunk in _chunks(rows, 5000):
            params = []
            for row in chunk:
                values = [row[n] for n in names] + fixed
                params.append(
                    tuple(
                        prep(v, connection) if prep is not None and v is not None else v
                        for prep, v in zip(prepared, values, strict=True)
                    )
                )
            cursor.executemany(sql, params)


def _short_hash(*parts: object) -> str:
    return hashlib.sha256(":".join(str(p) for p in parts).encode()).hexdigest()[:10]


def placeholder_email(organization: Organization, sourced_id: str) -> str:
    """Return the stable, undeliverable address of a rostered user without e-mail."""
    local = f"{slugify(sourced_id)[:30] or 'user'}.{_short_hash(organization.pk, sourced_id)}"
    return f"{local}@{organization.slug[:60]}.{PLACEHOLDER_EMAIL_DOMAIN}"


def _unusable_password() -> str:
    # Same meaning as Django's set_unusable_password() ("!" prefix), without its
    # per-user get_random_string() cost; nothing from the roster is used.
    return "!" + secrets.token_urlsafe(30)


def _course_area(title: str, subjects: Iterable[str]) -> str:
    text = " ".join([title, *subjects]).lower() + " "
    for area, words in _AREAS:
        if any(word in text for word in words):
            return area
    return Course.Area.OTHER


def _grade_level(grades: list[str]) -> int | None:
    """The highest numeric grade in 1–16 (``"09"`` is 9); pre-K, KG and others give none."""
    levels = [int(g) for g in grades if g.isdigit() and 1 <= int(g) <= 16]
    return max(levels) if levels else None


def _status(deleted: bool) -> str:
    return RosterStatus.DELETED if deleted else RosterStatus.ACTIVE


@dataclass
class _Files:
    """File names as spelled in the roster, for error messages."""

    orgs: str = "orgs.csv"
    sessions: str = "academicSessions.csv"
    courses: str = "courses.csv"
    classes: str = "classes.csv"
    users: str = "users.csv"
    enrollments: str = "enrollments.csv"
    demographics: str = "demographics.csv"
    roles: str = "roles.csv"


class _Writer:
    """Resolve references and upsert one parsed roster (inside the caller's transaction)."""

    def __init__(
        self,
        organization: Organization,
        roster: RosterSet,
        report: ImportReport,
        progress: Progress | None,
        files: _Files,
        fixed_schools: dict[str, int] | None = None,
    ) -> None:
        self.org = organization
        self.roster = roster
        self.report = report
        self.issues = report.issues
        self.progress = progress
        self.files = files
        self.school_pk: dict[str, int] = dict(fixed_schools or {})
        self.org_level: set[str] = set()
        self.term_pk: dict[str, int] = {}
        self.class_pk: dict[str, int] = {}
        self.class_school: dict[str, int] = {}
        self.user_pk: dict[str, int] = {}
        self.course_pk: dict[tuple[int, str], int] = {}
        self.profile_by_user: dict[int, int] = {}

    def _stage(self, label: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(label, done, total)

    # -- reading what is already there ------------------------------------------------

    def _load(self) -> None:
        org = self.org
        if org.sourced_id:
            self.org_level.add(org.sourced_id)
        for pk, sid in (
            School.objects.filter(organization=org)
            .exclude(sourced_id="")
            .values_list("pk", "sourced_id")
        ):
            self.school_pk.setdefault(sid, pk)
        self.db_terms = dict(Term.objects.filter(organization=org).values_list("sourced_id", "pk"))
        self.db_classes = {
            sid: (pk, school_id)
            for sid, pk, school_id in SchoolClass.objects.filter(organization=org).values_list(
                "sourced_id", "pk", "school_id"
            )
        }
        self.db_users = dict(
            User.objects.filter(organization=org)
            .exclude(sourced_id="")
            .values_list("sourced_id", "pk")
        )
        self.db_course_sids = set(
            Course.objects.filter(school__organization=org)
            .exclude(sourced_id="")
            .values_list("sourced_id", flat=True)
        )

    # -- validation of references ------------------------------------------------------

    def _validate(self) -> None:
        r, f, err = self.roster, self.files, self.issues.error
        file_schools = {o.sourced_id for o in r.orgs if o.is_school}
        self.org_level |= {o.sourced_id for o in r.orgs if not o.is_school}
        schools = file_schools | set(self.school_pk)
        orgs = schools | self.org_level
        terms = {s.sourced_id for s in r.sessions} | set(self.db_terms)
        courses = {c.sourced_id for c in r.courses} | self.db_course_sids
        classes = {c.sourced_id: c for c in r.classes}
        users = {u.sourced_id for u in r.users} | set(self.db_users)
        unknown = _("Unknown reference “%(id)s”: no such %(kind)s in this roster or earlier ones.")

        for course in r.courses:
            if course.org_sourced_id not in orgs:
                err(f.courses, course.row, "orgSourcedId",
                    unknown % {"id": course.org_sourced_id, "kind": _("org")}, "unknown_reference")  # fmt: skip
        for cls in r.classes:
            if cls.school_sourced_id not in schools:
                message = (
                    _("“%(id)s” is a district-level org; a class belongs to a school.")
                    % {"id": cls.school_sourced_id}
                    if cls.school_sourced_id in self.org_level
                    else unknown % {"id": cls.school_sourced_id, "kind": _("school")}
                )
                err(f.classes, cls.row, "schoolSourcedId", message, "unknown_reference")
            if cls.course_sourced_id not in courses:
                if r.present("courses"):
                    err(f.classes, cls.row, "courseSourcedId",
                        unknown % {"id": cls.course_sourced_id, "kind": _("course")},
                        "unknown_reference")  # fmt: skip
                else:
                    self.issues.warning(
                        f.classes, cls.row, "courseSourcedId",
                        _("The roster has no courses.csv; course “%(id)s” is kept as an id only.")
                        % {"id": cls.course_sourced_id},
                        "course_not_in_roster",
                    )  # fmt: skip
            for term in cls.term_sourced_ids:
                if term not in terms:
                    err(f.classes, cls.row, "termSourcedIds",
                        unknown % {"id": term, "kind": _("academic session")},
                        "unknown_reference")  # fmt: skip
        role_column = "orgSourcedIds" if r.version == "1.1" else "primaryOrgSourcedId"
        roles_file_users = {role.user_sourced_id for role in r.roles}
        for user in r.users:
            if user.sourced_id not in roles_file_users:
                for _role, org in user.roles:
                    if org not in orgs:
                        err(f.users, user.row, "orgSourcedIds",
                            unknown % {"id": org, "kind": _("org")}, "unknown_reference")  # fmt: skip
            if user.primary_org_sourced_id and user.primary_org_sourced_id not in orgs:
                err(f.users, user.row, role_column,
                    unknown % {"id": user.primary_org_sourced_id, "kind": _("org")},
                    "unknown_reference")  # fmt: skip
            for agent in user.agent_sourced_ids:
                if agent not in users:
                    err(f.users, user.row, "agentSourcedIds",
                        unknown % {"id": agent, "kind": _("user")}, "unknown_reference")  # fmt: skip
        for role in r.roles:
            if role.user_sourced_id not in users:
                err(f.roles, role.row, "userSourcedId",
                    unknown % {"id": role.user_sourced_id, "kind": _("user")}, "unknown_reference")  # fmt: skip
            if role.org_sourced_id not in orgs:
                err(f.roles, role.row, "orgSourcedId",
                    unknown % {"id": role.org_sourced_id, "kind": _("org")}, "unknown_reference")  # fmt: skip
        for enr in r.enrollments:
            if enr.class_sourced_id not in classes and enr.class_sourced_id not in self.db_classes:
                err(f.enrollments, enr.row, "classSourcedId",
                    unknown % {"id": enr.class_sourced_id, "kind": _("class")}, "unknown_reference")  # fmt: skip
            elif enr.class_sourced_id in classes:
                expected = classes[enr.class_sourced_id].school_sourced_id
                if expected != enr.school_sourced_id:
                    err(f.enrollments, enr.row, "schoolSourcedId",
                        _("The class belongs to school “%(expected)s”, not “%(given)s”.")
                        % {"expected": expected, "given": enr.school_sourced_id},
                        "wrong_school")  # fmt: skip
            if enr.school_sourced_id not in schools:
                err(f.enrollments, enr.row, "schoolSourcedId",
                    unknown % {"id": enr.school_sourced_id, "kind": _("school")}, "unknown_reference")  # fmt: skip
            if enr.user_sourced_id not in users:
                err(f.enrollments, enr.row, "userSourcedId",
                    unknown % {"id": enr.user_sourced_id, "kind": _("user")}, "unknown_reference")  # fmt: skip
        for demo in r.demographics:
            if demo.sourced_id not in users:
                err(f.demographics, demo.row, "sourcedId",
                    unknown % {"id": demo.sourced_id, "kind": _("user")}, "unknown_reference")  # fmt: skip

    # -- writes ----------------------------------------------------------------------

    def run(self) -> None:
        self._load()
        self._validate()
        if self.issues.has_errors:
            return
        steps = [
            (_("Schools"), self._write_schools),
            (_("Terms"), self._write_terms),
            (_("Courses"), self._write_courses),
            (_("Users"), self._write_users),
            (_("Students"), self._write_students),
            (_("Staff roles"), self._write_staff_roles),
            (_("Guardians"), self._write_guardians),
            (_("Classes"), self._write_classes),
            (_("Enrollments"), self._write_enrollments),
        ]
        for index, (label, step) in enumerate(steps):
            self._stage(label, index, len(steps))
            step()
            if self.issues.has_errors:
                return
        self._stage(_("Done"), len(steps), len(steps))

    def _upsert(
        self,
        kind: str,
        model: Any,
        fields: list[str],
        existing: dict[str, tuple[int, tuple[Any, ...]]],
        wanted: Iterable[tuple[str, bool, dict[str, Any]]],
        extra_create: dict[str, Any],
        need_keys: bool = True,
    ) -> dict[str, int]:
        """
        Create or update rows keyed on sourced id; return {sourced id: pk}.

        ``existing`` maps a sourced id to (pk, current values of ``fields``);
        ``wanted`` yields (sourced id, deleted, values of ``fields``).
        """
        to_create: list[dict[str, Any]] = []
        to_update: list[Any] = []
        pks: dict[str, int] = {}
        for sid, deleted, values in wanted:
            current = existing.get(sid)
            if deleted:
                self.report.count(kind, "deleted")
            if current is None:
                to_create.append({"sourced_id": sid, **extra_create, **values})
                self.report.count(kind, "created")
                continue
            pk, old = current
            pks[sid] = pk
            new = tuple(values[name] for name in fields)
            if new == old:
                self.report.count(kind, "unchanged")
                continue
            to_update.append(model(pk=pk, updated_at=timezone.now(), **values))
            self.report.count(kind, "updated")
        _insert_rows(model, to_create)
        if to_create and need_keys:
            pks.update(model.objects.filter(organization=self.org).values_list("sourced_id", "pk"))
        model.objects.bulk_update(to_update, [*fields, "updated_at"], batch_size=_BATCH)
        return pks

    def _write_schools(self) -> None:
        records = [o for o in self.roster.orgs if o.is_school]
        existing = {
            sid: (pk, name, slug)
            for pk, sid, name, slug in School.objects.filter(organization=self.org).values_list(
                "pk", "sourced_id", "name", "slug"
            )
        }
        unclaimed = {
            name.lower(): pk
            for pk, sid, name, _slug in School.objects.filter(
                organization=self.org, sourced_id=""
            ).values_list("pk", "sourced_id", "name", "slug")
        }
        slugs = {slug for _pk, _name, slug in existing.values()} | set(
            School.objects.filter(organization=self.org).values_list("slug", flat=True)
        )
        for org in records:
            if org.deleted:
                self.issues.warning(
                    self.files.orgs, org.row, "status",
                    _("Schools are never deleted by an import; remove it in the admin if needed."),
                    "school_kept",
                )  # fmt: skip
            current = existing.get(org.sourced_id)
            if current is None and org.name.lower() in unclaimed:
                # A school created by hand before the first import: adopt it.
                pk = unclaimed.pop(org.name.lower())
                School.objects.filter(pk=pk).update(sourced_id=org.sourced_id)
                self.school_pk[org.sourced_id] = pk
                self.report.count("schools", "updated")
                continue
            if current is None:
                base = slugify(org.name)[:70] or "school"
                slug, n = base, 2
                while slug in slugs:
                    slug, n = f"{base}-{n}", n + 1
                slugs.add(slug)
                school = School.objects.create(
                    organization=self.org, name=org.name, slug=slug, sourced_id=org.sourced_id
                )
                self.school_pk[org.sourced_id] = school.pk
                self.report.count("schools", "created")
                continue
            pk, name, _slug = current
            self.school_pk[org.sourced_id] = pk
            if name != org.name:
                School.objects.filter(pk=pk).update(name=org.name, updated_at=timezone.now())
                self.report.count("schools", "updated")
            else:
                self.report.count("schools", "unchanged")
        district = [o for o in self.roster.orgs if not o.is_school]
        if not self.org.sourced_id and len(district) == 1:
            self.org.sourced_id = district[0].sourced_id
            self.org.save(update_fields=["sourced_id", "updated_at"])

    def _write_terms(self) -> None:
        fields = ["title", "kind", "start_date", "end_date", "school_year", "parent_sourced_id", "status"]  # fmt: skip
        existing = {
            row[0]: (row[1], tuple(row[2:]))
            for row in Term.objects.filter(organization=self.org).values_list(
                "sourced_id", "pk", *fields
            )
        }
        wanted = (
            (
                s.sourced_id,
                s.deleted,
                {
                    "title": s.title, "kind": s.type, "start_date": s.start_date,
                    "end_date": s.end_date, "school_year": s.school_year,
                    "parent_sourced_id": s.parent_sourced_id, "status": _status(s.deleted),
                },
            )
            for s in self.roster.sessions
        )  # fmt: skip
        self.term_pk = {**self.db_terms}
        self.term_pk.update(
            self._upsert("terms", Term, fields, existing, wanted, {"organization_id": self.org.pk})
        )

    def _write_courses(self) -> None:
        r = self.roster
        schools_of: dict[str, set[int]] = {}
        for course in r.courses:
            pk = self.school_pk.get(course.org_sourced_id)
            if pk is not None:
                schools_of.setdefault(course.sourced_id, set()).add(pk)
        for cls in r.classes:
            if cls.course_sourced_id:
                schools_of.setdefault(cls.course_sourced_id, set()).add(
                    self.school_pk[cls.school_sourced_id]
                )
        existing: dict[tuple[int, str], tuple[int, str, str]] = {}
        taken: dict[int, dict[str, str]] = {}
        for pk, school_id, code, sid, name in Course.objects.filter(
            school__organization=self.org
        ).values_list("pk", "school_id", "code", "sourced_id", "name"):
            if sid:
                existing[(school_id, sid)] = (pk, code, name)
            taken.setdefault(school_id, {})[code] = sid or f"#{pk}"
        for key, (pk, _code, _name) in existing.items():
            self.course_pk[key] = pk
        to_create: list[tuple[tuple[int, str], Course]] = []
        for course in r.courses:
            if course.deleted:
                self.issues.warning(
                    self.files.courses, course.row, "status",
                    _("Courses are kept when deleted in the roster: programs may use them."),
                    "course_kept",
                )  # fmt: skip
            for school_id in sorted(schools_of.get(course.sourced_id, ())):
                codes = taken.setdefault(school_id, {})
                desired = course.course_code or course.sourced_id
                if len(desired) > 40:
                    desired = f"{desired[:29]}-{_short_hash(course.sourced_id)}"
                current = existing.get((school_id, course.sourced_id))
                holder = codes.get(desired)
                code = desired
                if holder is not None and holder != course.sourced_id:
                    code = f"{desired[:29]}-{_short_hash(course.sourced_id)}"
                    if current is not None:
                        code = current[1]
                    self.issues.warning(
                        self.files.courses, course.row, "courseCode",
                        _("Code “%(code)s” is already used by another course of this school; "
                          "this course is stored with code “%(stored)s”.")
                        % {"code": desired, "stored": code},
                        "course_code_taken",
                    )  # fmt: skip
                codes[code] = course.sourced_id
                if current is None:
                    to_create.append(
                        (
                            (school_id, course.sourced_id),
                            Course(
                                school_id=school_id, code=code, name=course.title,
                                sourced_id=course.sourced_id,
                                area=_course_area(course.title, course.subjects),
                            ),
                        )
                    )  # fmt: skip
                    self.report.count("courses", "created")
                elif (current[1], current[2]) != (code, course.title):
                    Course.objects.filter(pk=current[0]).update(
                        code=code, name=course.title, updated_at=timezone.now()
                    )
                    self.report.count("courses", "updated")
                else:
                    self.report.count("courses", "unchanged")
        Course.objects.bulk_create([c for _k, c in to_create], batch_size=_BATCH)
        for key, course_obj in to_create:
            self.course_pk[key] = course_obj.pk

    def _user_emails(self) -> dict[str, str] | None:
        """Return {sourced id: e-mail} after checking format and uniqueness; None on error."""
        f, org = self.files, self.org
        emails: dict[str, str] = {}
        first_row: dict[str, int] = {}
        ok = True
        for user in self.roster.users:
            email = user.email.lower()
            if not email:
                continue
            try:
                validate_email(email)
            except ValidationError:
                self.issues.error(f.users, user.row, "email",
                    _("“%(value)s” is not a valid e-mail address.") % {"value": user.email},
                    "bad_email")  # fmt: skip
                ok = False
                continue
            if email in first_row:
                self.issues.error(f.users, user.row, "email",
                    _("The e-mail address is also used in row %(row)d.") % {"row": first_row[email]},
                    "duplicate_email")  # fmt: skip
                ok = False
                continue
            first_row[email] = user.row
            emails[user.sourced_id] = email
        by_email = {e: sid for sid, e in emails.items()}
        rows = {u.sourced_id: u.row for u in self.roster.users}
        for chunk in _chunks(list(by_email)):
            for pk, email, org_id, sid in User.objects.filter(email__in=chunk).values_list(
                "pk", "email", "organization_id", "sourced_id"
            ):
                owner = by_email[email]
                if self.db_users.get(owner) == pk:
                    continue
                if org_id == org.pk and not sid and owner not in self.db_users:
                    # An account made by hand before the first import: adopt it.
                    self.db_users[owner] = pk
                    continue
                self.issues.error(f.users, rows[owner], "email",
                    _("%(email)s already belongs to another Peerpath account.") % {"email": email},
                    "email_taken")  # fmt: skip
                ok = False
        return emails if ok else None

    def _write_users(self) -> None:
        emails = self._user_emails()
        if emails is None:
            return
        fields = ["email", "given_name", "family_name", "preferred_name", "is_active", "sourced_id"]
        existing: dict[str, tuple[int, tuple[Any, ...]]] = {}
        db_pks = {pk: sid for sid, pk in self.db_users.items()}
        for chunk in _chunks(list(db_pks)):
            for row in User.objects.filter(pk__in=chunk).values_list("pk", *fields):
                existing[db_pks[row[0]]] = (row[0], tuple(row[1:]))
        to_create: list[dict[str, Any]] = []
        to_update: list[User] = []
        dropped: list[int] = []  # accounts the roster now marks deleted or disabled
        now = timezone.now()
        for user in self.roster.users:
            current = existing.get(user.sourced_id)
            email = emails.get(user.sourced_id)
            if email is None:
                email = current[1][0] if current else placeholder_email(self.org, user.sourced_id)
            values = {
                "email": email,
                "given_name": user.given_name,
                "family_name": user.family_name,
                "preferred_name": user.preferred_name,
                "is_active": user.enabled and not user.deleted,
                "sourced_id": user.sourced_id,
            }
            if user.deleted:
                self.report.count("users", "deleted")
            if current is None:
                to_create.append(
                    {
                        **values,
                        "organization_id": self.org.pk,
                        "password": _unusable_password(),
                        "date_joined": now,
                    }
                )
                self.report.count("users", "created")
            elif tuple(values[n] for n in fields) != current[1]:
                to_update.append(User(pk=current[0], **values))
                self.report.count("users", "updated")
                if current[1][fields.index("is_active")] and not values["is_active"]:
                    dropped.append(current[0])
            else:
                self.report.count("users", "unchanged")
        _insert_rows(User, to_create)
        # Only the listed fields: a password set by the user is never touched.
        User.objects.bulk_update(to_update, fields, batch_size=_BATCH)
        # Their sessions, API tokens and calendar feeds end in the same transaction.
        users_access_end(actor=None, user_ids=dropped)
        self.user_pk = dict(self.db_users)
        if to_create:
            self.user_pk.update(
                User.objects.filter(organization=self.org)
                .exclude(sourced_id="")
                .values_list("sourced_id", "pk")
            )

    def _roles_of(self) -> dict[str, list[tuple[str, str]]]:
        roles = {u.sourced_id: list(u.roles) for u in self.roster.users}
        for role in self.roster.roles:
            if role.deleted:
                continue
            entry = roles.setdefault(role.user_sourced_id, [])
            if (role.role, role.org_sourced_id) not in entry:
                if role.role_type == "primary":
                    entry.insert(0, (role.role, role.org_sourced_id))
                else:
                    entry.append((role.role, role.org_sourced_id))
        return roles

    def _write_students(self) -> None:
        roles = self._roles_of()
        birth = {d.sourced_id: d.birth_date for d in self.roster.demographics}
        demo_rows = {d.sourced_id: d.row for d in self.roster.demographics}
        fields = ["school_id", "grade_level", "birth_date", "sourced_id", "directory_opt_out"]
        existing: dict[int, tuple[int, tuple[Any, ...]]] = {}
        user_pks = list(self.user_pk.values())
        for chunk in _chunks(user_pks):
            for row in StudentProfile.objects.filter(user_id__in=chunk).values_list(
                "user_id", "pk", *fields
            ):
                existing[row[0]] = (row[1], tuple(row[2:]))
                self.profile_by_user[row[0]] = row[1]
        to_create: list[dict[str, Any]] = []
        to_update: list[StudentProfile] = []
        with_profile: set[str] = set()
        for user in self.roster.users:
            orgs = [org for role, org in roles.get(user.sourced_id, []) if role == "student"]
            if not orgs:
                continue
            if user.primary_org_sourced_id in self.school_pk:
                orgs.insert(0, user.primary_org_sourced_id)
            school_id = next((self.school_pk[o] for o in orgs if o in self.school_pk), None)
            grade = _grade_level(user.grades)
            user_id = self.user_pk[user.sourced_id]
            current = existing.get(user_id)
            if school_id is None or (grade is None and current is None):
                reason = (
                    _("none of the student's orgs is a school")
                    if school_id is None
                    else _("no grade from 1 to 16 in “grades”")
                )
                self.issues.warning(self.files.users, user.row, "grades" if school_id else None,
                    _("No student profile was made (%(reason)s); the user and enrollments were imported.")
                    % {"reason": reason},
                    "no_student_profile")  # fmt: skip
                self.report.count("students", "skipped")
                continue
            with_profile.add(user.sourced_id)
            birth_date = birth.get(user.sourced_id)
            if current is not None:
                old = current[1]
                values = (
                    school_id,
                    grade if grade is not None else old[1],
                    birth_date if birth_date is not None else old[2],
                    user.sourced_id,
                    user.directory_opt_out if user.directory_opt_out is not None else old[4],
                )
                if values == old:
                    self.report.count("students", "unchanged")
                else:
                    to_update.append(
                        StudentProfile(
                            pk=current[0], school_id=values[0], grade_level=values[1],
                            birth_date=values[2], sourced_id=values[3],
                            directory_opt_out=values[4], updated_at=timezone.now(),
                        )
                    )  # fmt: skip
                    self.report.count("students", "updated")
                continue
            assert grade is not None
            to_create.append(
                {
                    "user_id": user_id, "school_id": school_id, "grade_level": grade,
                    "birth_date": birth_date, "sourced_id": user.sourced_id,
                    "directory_opt_out": bool(user.directory_opt_out),
                }
            )  # fmt: skip
            self.report.count("students", "created")
        _insert_rows(StudentProfile, to_create)
        StudentProfile.objects.bulk_update(
            to_update,
            ["school_id", "grade_level", "birth_date", "sourced_id", "directory_opt_out",
             "updated_at"],
            batch_size=_BATCH,
        )  # fmt: skip
        created_for = [row["user_id"] for row in to_create]
        for chunk in _chunks(created_for):
            self.profile_by_user.update(
                StudentProfile.objects.filter(user_id__in=chunk).values_list("user_id", "pk")
            )
        for sid, row in demo_rows.items():
            if (
                birth.get(sid)
                and sid not in with_profile
                and self.user_pk.get(sid) not in self.profile_by_user
            ):
                self.issues.warning(self.files.demographics, row, "birthDate",
                    _("The birth date was not kept: Peerpath keeps birth dates of students only, "
                      "and this user has no student profile."),
                    "birth_date_dropped")  # fmt: skip

    def _write_staff_roles(self) -> None:
        roles = self._roles_of()
        rows = {u.sourced_id: u.row for u in self.roster.users}
        existing = set(
            RoleAssignment.objects.filter(organization=self.org, role=Role.STAFF).values_list(
                "user_id", "school_id"
            )
        )
        new: list[RoleAssignment] = []
        for sid, held in roles.items():
            user_id = self.user_pk.get(sid)
            if user_id is None:
                continue
            for role, org in held:
                if role not in STAFF_ROLES:
                    continue
                school_id = self.school_pk.get(org)
                if school_id is None:
                    self.issues.warning(self.files.users, rows.get(sid), None,
                        _("%(role)s at district level: Peerpath staff roles are held in a school, "
                          "so no role was granted.") % {"role": role},
                        "district_staff")  # fmt: skip
                    continue
                if (user_id, school_id) in existing:
                    self.report.count("staff_roles", "unchanged")
                    continue
                existing.add((user_id, school_id))
                new.append(
                    RoleAssignment(
                        user_id=user_id, role=Role.STAFF, organization=self.org, school_id=school_id
                    )
                )
                self.report.count("staff_roles", "created")
        RoleAssignment.objects.bulk_create(new, batch_size=_BATCH)

    def _write_guardians(self) -> None:
        roles = self._roles_of()
        guardian_role = {
            sid: next((role for role, _org in held if role in GUARDIAN_ROLES), None)
            for sid, held in roles.items()
        }
        pairs: dict[tuple[int, int], str] = {}
        for user in self.roster.users:
            for agent in user.agent_sourced_ids:
                mine, theirs = self.user_pk[user.sourced_id], self.user_pk[agent]
                if guardian_role.get(agent) and mine in self.profile_by_user:
                    pairs.setdefault(
                        (theirs, self.profile_by_user[mine]), guardian_role[agent] or ""
                    )
                elif guardian_role.get(user.sourced_id) and theirs in self.profile_by_user:
                    pairs.setdefault(
                        (mine, self.profile_by_user[theirs]), guardian_role[user.sourced_id] or ""
                    )
                elif mine in self.profile_by_user or theirs in self.profile_by_user:
                    self.issues.warning(self.files.users, user.row, "agentSourcedIds",
                        _("“%(id)s” is not a parent, guardian or relative of a student here; "
                          "no guardian link was made.") % {"id": agent},
                        "agent_not_guardian")  # fmt: skip
        if not pairs:
            return
        students = list({s for _g, s in pairs})
        existing: set[tuple[int, int]] = set()
        for chunk in _chunks(students):
            existing |= set(
                GuardianLink.objects.filter(student_id__in=chunk).values_list(
                    "guardian_id", "student_id"
                )
            )
        new = [
            GuardianLink(guardian_id=g, student_id=s, relationship=rel)
            for (g, s), rel in pairs.items()
            if (g, s) not in existing
        ]
        self.report.count("guardian_links", "created", len(new))
        self.report.count("guardian_links", "unchanged", len(pairs) - len(new))
        GuardianLink.objects.bulk_create(new, batch_size=_BATCH)

    def _write_classes(self) -> None:
        fields = ["school_id", "course_id", "course_sourced_id", "title", "class_code", "kind",
                  "location", "grades", "subjects", "periods", "status"]  # fmt: skip
        existing = {
            row[0]: (row[1], tuple(row[2:]))
            for row in SchoolClass.objects.filter(organization=self.org).values_list(
                "sourced_id", "pk", *fields
            )
        }

        def values(c: Any) -> dict[str, Any]:
            school_id = self.school_pk[c.school_sourced_id]
            return {
                "school_id": school_id,
                "course_id": self.course_pk.get((school_id, c.course_sourced_id)),
                "course_sourced_id": c.course_sourced_id, "title": c.title,
                "class_code": c.class_code, "kind": c.class_type, "location": c.location,
                "grades": c.grades, "subjects": c.subjects, "periods": c.periods,
                "status": _status(c.deleted),
            }  # fmt: skip

        wanted = ((c.sourced_id, c.deleted, values(c)) for c in self.roster.classes)
        pks = self._upsert(
            "classes", SchoolClass, fields, existing, wanted, {"organization_id": self.org.pk}
        )
        self.class_pk = {sid: pk for sid, (pk, _school) in self.db_classes.items()}
        self.class_pk.update(pks)
        # Terms of each class in the file: replace the set.
        through = SchoolClass.terms.through
        class_ids = [pks[c.sourced_id] for c in self.roster.classes]
        current: set[tuple[int, int]] = set()
        for chunk in _chunks(class_ids):
            current |= set(
                through.objects.filter(schoolclass_id__in=chunk).values_list(
                    "schoolclass_id", "term_id"
                )
            )
        desired = {
            (pks[c.sourced_id], self.term_pk[t])
            for c in self.roster.classes
            for t in c.term_sourced_ids
        }
        stale = current - desired
        for class_id, term_id in stale:
            through.objects.filter(schoolclass_id=class_id, term_id=term_id).delete()
        through.objects.bulk_create(
            [through(schoolclass_id=c, term_id=t) for c, t in desired - current], batch_size=_BATCH
        )

    def _write_enrollments(self) -> None:
        fields = [
            "school_class_id",
            "user_id",
            "role",
            "primary",
            "begin_date",
            "end_date",
            "status",
        ]
        existing = {
            row[0]: (row[1], tuple(row[2:]))
            for row in Enrollment.objects.filter(organization=self.org)
            .values_list("sourced_id", "pk", *fields)
            .iterator(chunk_size=5000)
        }
        wanted = (
            (
                e.sourced_id,
                e.deleted,
                {
                    "school_class_id": self.class_pk[e.class_sourced_id],
                    "user_id": self.user_pk[e.user_sourced_id], "role": e.role,
                    "primary": e.primary, "begin_date": e.begin_date, "end_date": e.end_date,
                    "status": _status(e.deleted),
                },
            )
            for e in self.roster.enrollments
        )  # fmt: skip
        self._upsert(
            "enrollments", Enrollment, fields, existing, wanted, {"organization_id": self.org.pk}
        )


def _source_name(source: str | Path | BinaryIO) -> str:
    if isinstance(source, str | Path):
        return Path(source).name[:255]
    return str(getattr(source, "name", "") or "upload")[:255]


def _save_record(
    report: ImportReport,
    *,
    actor: User | None,
    organization: Organization,
    school: School | None,
    kind: str,
    started_at: Any,
    record: RosterImport | None = None,
) -> RosterImport:
    """
    Record the run: a new :class:`RosterImport`, or ``record`` (a run of the import page).

    A dry run of the import page that found no error leaves its record
    ``previewed``: it waits for someone to confirm it.
    """
    status = RosterImport.Status.SUCCEEDED if report.ok else RosterImport.Status.FAILED
    if record is not None and report.dry_run and report.ok:
        status = RosterImport.Status.PREVIEWED
    outcome: dict[str, Any] = {
        "dry_run": report.dry_run,
        "status": status,
        "version": report.version,
        "finished_at": timezone.now(),
        "counts": report.counts,
        "error_count": report.issues.error_count,
        "errors": [i.as_dict() for i in report.errors],
        "warning_count": report.issues.warning_count,
        "warnings": [i.as_dict() for i in report.warnings],
        "progress": "",
    }
    if record is None:
        record = RosterImport.objects.create(
            organization=organization,
            school=school,
            actor=actor if actor is not None and actor.pk else None,
            kind=kind,
            source_name=report.source_name,
            started_at=started_at,
            **outcome,
        )
    else:
        for name, value in outcome.items():
            setattr(record, name, value)
        record.save(update_fields=[*outcome, "updated_at"])
    report.import_id = record.pk
    return record


def _run(
    *,
    actor: User | None,
    organization: Organization,
    school: School | None,
    kind: str,
    report: ImportReport,
    dry_run: bool,
    write: Callable[[], None],
    record: RosterImport | None = None,
) -> ImportReport:
    """Run ``write`` in one transaction; commit only a clean, real run; always record it."""
    started_at = timezone.now()
    try:
        with transaction.atomic():
            # One import at a time per organization: the second waits here.
            Organization.objects.select_for_update().filter(pk=organization.pk).first()
            write()
            if not report.ok:
                raise _RollbackError
            if dry_run:
                raise _RollbackError
            record = _save_record(
                report, actor=actor, organization=organization, school=school, kind=kind,
                started_at=started_at, record=record,
            )  # fmt: skip
            audit_record(
                actor=actor,
                action=f"roster.import.{kind}",
                target=record,
                organization=organization,
                after={
                    "source": report.source_name,
                    "version": report.version,
                    "counts": report.counts,
                },
            )
            report.committed = True
    except _RollbackError:
        pass
    except SourceError as exc:
        report.issues.error(exc.file, None, None, exc.message, exc.code)
    except DatabaseError as exc:
        logger.exception("Roster import %s: the database refused a write", report.source_name)
        report.issues.error(
            "", None, None,
            _("The database refused the import (%(error)s); nothing was changed.") % {"error": exc},
            "database",
        )  # fmt: skip
    if not report.committed:
        _save_record(
            report, actor=actor, organization=organization, school=school, kind=kind,
            started_at=started_at, record=record,
        )  # fmt: skip
    return report


def _unexpected(report: ImportReport) -> None:
    logger.exception("Roster import %s failed unexpectedly", report.source_name)
    report.issues.error(
        "", None, None,
        _("An unexpected error stopped the import; nothing was changed. It has been logged."),
        "internal",
    )  # fmt: skip


def roster_import(
    *,
    actor: User | None,
    organization: Organization,
    source: str | Path | BinaryIO,
    dry_run: bool = False,
    limits: Limits | None = None,
    progress: Progress | None = None,
    record: RosterImport | None = None,
) -> ImportReport:
    """
    Import a OneRoster 1.1/1.2 CSV roster (a folder, a ``.zip`` path or stream).

    Everything is written in one transaction, and only when the whole roster
    is free of errors; a dry run does all the work and rolls it back, so its
    report says exactly what a real run would do. Every run, failed or not, is
    recorded as a :class:`RosterImport` (``record``, when the import page made
    one already). Never raises: problems are in the report.
    """
    report = ImportReport(source_name=_source_name(source), dry_run=dry_run)
    try:
        files = open_roster_source(source, limits)
    except SourceError as exc:
        report.issues.error(exc.file, None, None, exc.message, exc.code)
        _save_record(report, actor=actor, organization=organization, school=None,
                     kind=RosterImport.Kind.ONEROSTER, started_at=timezone.now(), record=record)  # fmt: skip
        return report
    try:
        roster = parse_roster(files, report.issues, progress=progress)
        report.version = roster.version
        names = {n[:-4].lower(): n for n in files.names}
        file_names = _Files(
            **{
                attr: names.get(key.lower(), f"{key}.csv")
                for attr, key in [
                    ("orgs", "orgs"), ("sessions", "academicSessions"), ("courses", "courses"),
                    ("classes", "classes"), ("users", "users"), ("enrollments", "enrollments"),
                    ("demographics", "demographics"), ("roles", "roles"),
                ]
            }
        )  # fmt: skip
    except SourceError as exc:
        report.issues.error(exc.file, None, None, exc.message, exc.code)
        roster = None
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        # A member whose data is damaged (bad CRC, truncated stream) fails only when read.
        report.issues.error("", None, None,
            _("The archive is damaged (%(error)s); nothing was imported.") % {"error": exc},
            "archive")  # fmt: skip
        roster = None
    except Exception:
        _unexpected(report)
        roster = None
    finally:
        files.close()

    def write() -> None:
        if roster is not None and report.ok:
            _Writer(organization, roster, report, progress, file_names).run()

    try:
        return _run(actor=actor, organization=organization, school=None,
                    kind=RosterImport.Kind.ONEROSTER, report=report, dry_run=dry_run, write=write,
                    record=record)  # fmt: skip
    except Exception:
        _unexpected(report)
        return report


#: Fields of the plain CSV student import; the required ones are marked.
STUDENT_FIELDS: dict[str, Column] = {
    "student_id": Column("student_id", required=True, max_length=255),
    "given_name": Column("given_name", required=True, max_length=100),
    "family_name": Column("family_name", required=True, max_length=100),
    "grade": Column("grade", "int", required=True),
    "email": Column("email", max_length=254),
    "preferred_name": Column("preferred_name", max_length=100),
    "birth_date": Column("birth_date", "date"),
    # true: hidden from every list other students see (docs/privacy.md); empty keeps it.
    "directory_opt_out": Column("directory_opt_out", "bool"),
}


def students_import(
    *,
    actor: User | None,
    school: School,
    source: str | Path,
    mapping: dict[str, str] | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    record: RosterImport | None = None,
) -> ImportReport:
    """
    Import students of ``school`` from a plain CSV file.

    ``mapping`` maps a Peerpath field (:data:`STUDENT_FIELDS`) to the header of
    the column that holds it; unmapped fields are looked up under their own
    name, and a field mapped to ``""`` is not in the file (a required one
    cannot be left out). ``student_id`` is the key of a re-import, in the same
    namespace as OneRoster ``sourcedId`` values. Same rules as :func:`roster_import`.
    """
    path = Path(source)
    report = ImportReport(source_name=path.name[:255], dry_run=dry_run)
    organization = school.organization
    mapping = dict(mapping or {})
    for field_name in mapping:
        if field_name not in STUDENT_FIELDS:
            report.issues.error("", None, None,
                _("“%(field)s” is not a field of the student import (use: %(fields)s).")
                % {"field": field_name, "fields": ", ".join(STUDENT_FIELDS)},
                "bad_mapping")  # fmt: skip
    header_of = {name: mapping.get(name, name).strip() for name in STUDENT_FIELDS}
    for name, column in STUDENT_FIELDS.items():
        if column.required and not header_of[name]:
            report.issues.error("", None, None,
                _("Choose the column that holds “%(field)s”: it is required.") % {"field": name},
                "bad_mapping")  # fmt: skip
    spec = TableSpec(
        path.name,
        tuple(
            Column(header_of[name], c.kind, c.required, c.choices, c.max_length)
            for name, c in STUDENT_FIELDS.items()
            if header_of[name]
        ),
        allow_extensions=False,
    )
    absent: dict[str, Any] = {
        name: "" if c.kind == "text" else None
        for name, c in STUDENT_FIELDS.items()
        if not header_of[name]
    }
    tick = None
    if progress is not None:
        reading = _("Reading %(file)s") % {"file": path.name}

        def tick(row: int) -> None:
            if row % 5000 == 0:
                progress(reading, row, 0)

    roster = RosterSet(version="", modes={"users": "bulk"})
    marker = "\x00school"
    seen: dict[str, int] = {}
    if report.ok:
        try:
            with open(path, encoding="utf-8-sig", newline="") as handle:
                for row in read_table(handle, spec, report.issues, on_row=tick):
                    v = {
                        name: row.values[header_of[name]] if header_of[name] else absent[name]
                        for name in STUDENT_FIELDS
                    }
                    sid = v["student_id"]
                    if sid in seen:
                        report.issues.error(path.name, row.number, header_of["student_id"],
                            _("Duplicate student id “%(id)s” (first used in row %(first)d).")
                            % {"id": sid, "first": seen[sid]}, "duplicate_id")  # fmt: skip
                        continue
                    seen[sid] = row.number
                    if not 1 <= v["grade"] <= 16:
                        report.issues.error(path.name, row.number, header_of["grade"],
                            _("The grade must be from 1 to 16."), "bad_int")  # fmt: skip
                        continue
                    roster.users.append(
                        UserRecord(
                            row=row.number, sourced_id=sid, deleted=False, modified=None,
                            enabled=True, given_name=v["given_name"], family_name=v["family_name"],
                            preferred_name=v["preferred_name"], email=v["email"],
                            agent_sourced_ids=[], grades=[str(v["grade"])],
                            roles=[("student", marker)],
                            directory_opt_out=v["directory_opt_out"],
                        )
                    )  # fmt: skip
                    if v["birth_date"] is not None:
                        roster.demographics.append(
                            DemographicRecord(row.number, sid, False, None, v["birth_date"])
                        )
        except OSError as exc:
            report.issues.error(path.name, None, None,
                _("The file cannot be read: %(error)s") % {"error": exc}, "missing")  # fmt: skip
        except Exception:
            _unexpected(report)
    files = _Files(users=path.name, demographics=path.name)

    def write() -> None:
        if report.ok:
            _Writer(organization, roster, report, progress, files, {marker: school.pk}).run()

    try:
        return _run(actor=actor, organization=organization, school=school,
                    kind=RosterImport.Kind.CSV, report=report, dry_run=dry_run, write=write,
                    record=record)  # fmt: skip
    except Exception:
        _unexpected(report)
        return report


_MAP_ITEM = re.compile(r"^\s*([a-z_]+)\s*=\s*(.+?)\s*$")


def parse_mapping(text: str) -> dict[str, str]:
    """Parse ``given_name=First,family_name=Last`` into a dict; raise ValueError."""
    mapping: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        match = _MAP_ITEM.match(item)
        if not match:
            raise ValueError(_("“%(item)s” is not of the form field=Column.") % {"item": item})
        mapping[match.group(1)] = match.group(2)
    return mapping
