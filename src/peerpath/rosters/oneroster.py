"""
Parse and validate a OneRoster 1.1 or 1.2 CSV roster into plain records.

:func:`parse_roster` reads the manifest and every file Peerpath uses, checks
headers, required values, dates, enumerations and duplicate ``sourcedId``
values, and returns a :class:`RosterSet`. References between records (a class's
course, an enrollment's user) are checked by :mod:`peerpath.rosters.services`,
because a delta file may refer to records imported earlier. No database here.

References: 1EdTech, *OneRoster 1.1 CSV Tables* (2017) and *OneRoster 1.2 CSV
Tables* (2022).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from peerpath.rosters.csvtable import Column, Row, TableSpec, read_table
from peerpath.rosters.report import IssueCollector
from peerpath.rosters.sources import RosterFiles

__all__ = [
    "GUARDIAN_ROLES",
    "STAFF_ROLES",
    "ClassRecord",
    "CourseRecord",
    "DemographicRecord",
    "EnrollmentRecord",
    "OrgRecord",
    "RoleRecord",
    "RosterSet",
    "SessionRecord",
    "UserRecord",
    "parse_roster",
]

MANIFEST = "manifest.csv"
VERSIONS = ("1.1", "1.2")
MODES = ("bulk", "delta", "absent")

ORG_TYPES = ("department", "school", "district", "local", "state", "national")
SCHOOL_ORG_TYPES = frozenset({"school", "department"})
SESSION_TYPES = ("gradingPeriod", "semester", "schoolYear", "term")
CLASS_TYPES = ("homeroom", "scheduled")
ROLES_11 = (
    "administrator",
    "aide",
    "guardian",
    "parent",
    "proctor",
    "relative",
    "student",
    "teacher",
)
ROLES_12 = (
    "aide", "counselor", "districtAdministrator", "guardian", "parent", "principal",
    "proctor", "relative", "siteAdministrator", "student", "systemAdministrator", "teacher",
    "administrator",
)  # fmt: skip
ENROLLMENT_ROLES = ("administrator", "aide", "proctor", "student", "teacher")
STAFF_ROLES = frozenset(
    {
        "administrator", "aide", "counselor", "districtAdministrator", "principal",
        "proctor", "siteAdministrator", "systemAdministrator", "teacher",
    }
)  # fmt: skip
GUARDIAN_ROLES = frozenset({"guardian", "parent", "relative"})
#: ``inactive`` comes from OneRoster 1.0 and is still written by some systems.
STATUSES = ("active", "tobedeleted", "inactive")

#: Files Peerpath imports, by manifest key.
IMPORTED = ("orgs", "academicSessions", "courses", "classes", "users", "enrollments",
            "demographics", "roles", "userProfiles")  # fmt: skip
#: Files of the standard Peerpath reads past (gradebook and resources).
NOT_IMPORTED = frozenset(
    name.lower()
    for name in (
        "categories", "classResources", "courseResources", "lineItems", "resources",
        "results", "scoreScales", "lineItemLearningObjectiveIds", "lineItemScoreScales",
        "resultLearningObjectiveIds", "resultScoreScales", "userResources",
    )
)  # fmt: skip

_ID = 255


def _common() -> tuple[Column, ...]:
    return (
        Column("sourcedId", required=True, max_length=_ID),
        Column("status", "enum", choices=STATUSES),
        Column("dateLastModified", "datetime"),
    )


def _specs(version: str) -> dict[str, TableSpec]:
    users_common = (
        Column("enabledUser", "bool", required=True),
        Column("username", required=True),
        Column("userIds"),
        Column("givenName", required=True, max_length=100),
        Column("familyName", required=True, max_length=100),
        Column("middleName"),
        Column("identifier"),
        Column("email", max_length=254),
        Column("sms"),
        Column("phone"),
        Column("agentSourcedIds", "list"),
        Column("grades", "list"),
        Column("password", "secret"),
    )
    users: tuple[Column, ...]
    if version == "1.1":
        users = (
            *users_common,
            Column("orgSourcedIds", "list", required=True),
            Column("role", "enum", required=True, choices=ROLES_11),
        )
    else:
        users = (
            *users_common,
            Column("orgSourcedIds", "list"),
            Column("role", "enum", choices=ROLES_12),
            Column("userMasterIdentifier"),
            Column("resourceSourcedIds", "list"),
            Column("preferredGivenName", max_length=100),
            Column("preferredMiddleName"),
            Column("preferredFamilyName"),
            Column("primaryOrgSourcedId"),
            Column("pronouns"),
        )
    demographics = (
        Column("birthDate", "date"),
        # Known so that they are not reported as unknown, but never read:
        # Peerpath keeps no sex, race, ethnicity or place of birth.
        *(
            Column(name, "secret")
            for name in (
                "sex",
                "americanIndianOrAlaskaNative",
                "asian",
                "blackOrAfricanAmerican",
                "nativeHawaiianOrOtherPacificIslander",
                "white",
                "demographicRaceTwoOrMoreRaces",
                "hispanicOrLatinoEthnicity",
                "countryOfBirthCode",
                "stateOfBirthAbbreviation",
                "cityOfBirth",
                "publicSchoolResidenceStatus",
            )
        ),
    )
    tables: dict[str, tuple[Column, ...]] = {
        "orgs": (
            Column("name", required=True, max_length=200),
            Column("type", "enum", required=True, choices=ORG_TYPES),
            Column("identifier"),
            Column("parentSourcedId"),
        ),
        "academicSessions": (
            Column("title", required=True, max_length=200),
            Column("type", "enum", required=True, choices=SESSION_TYPES),
            Column("startDate", "date", required=True),
            Column("endDate", "date", required=True),
            Column("parentSourcedId"),
            Column("schoolYear", "year", required=True),
        ),
        "courses": (
            Column("schoolYearSourcedId"),
            Column("title", required=True, max_length=200),
            Column("courseCode"),
            Column("grades", "list"),
            Column("orgSourcedId", required=True),
            Column("subjects", "list"),
            Column("subjectCodes", "list"),
        ),
        "classes": (
            Column("title", required=True, max_length=200),
            Column("grades", "list"),
            Column("courseSourcedId", required=True),
            Column("classCode", max_length=100),
            Column("classType", "enum", required=True, choices=CLASS_TYPES),
            Column("location", max_length=200),
            Column("schoolSourcedId", required=True),
            Column("termSourcedIds", "list", required=True),
            Column("subjects", "list"),
            Column("subjectCodes", "list"),
            Column("periods", "list"),
        ),
        "users": users,
        "enrollments": (
            Column("classSourcedId", required=True),
            Column("schoolSourcedId", required=True),
            Column("userSourcedId", required=True),
            Column("role", "enum", required=True, choices=ENROLLMENT_ROLES),
            Column("primary", "bool"),
            Column("beginDate", "date"),
            Column("endDate", "date"),
        ),
        "demographics": demographics,
        "roles": (
            Column("userSourcedId", required=True),
            Column("roleType", "enum", required=True, choices=("primary", "secondary")),
            Column("role", "enum", required=True, choices=ROLES_12),
            Column("beginDate", "date"),
            Column("endDate", "date"),
            Column("orgSourcedId", required=True),
            Column("userProfileSourcedId"),
        ),
        "userProfiles": (
            Column("userSourcedId", required=True),
            Column("profileType", required=True),
            Column("vendorId", required=True),
            Column("applicationId"),
            Column("description"),
            Column("credentialType", required=True),
            Column("username", required=True),
            Column("password", "secret"),
        ),
    }
    return {key: TableSpec(f"{key}.csv", (*_common(), *cols)) for key, cols in tables.items()}


@dataclass(slots=True)
class _Base:
    row: int
    sourced_id: str
    deleted: bool
    modified: dt.datetime | None


@dataclass(slots=True)
class OrgRecord(_Base):
    name: str
    type: str
    identifier: str
    parent_sourced_id: str

    @property
    def is_school(self) -> bool:
        return self.type in SCHOOL_ORG_TYPES


@dataclass(slots=True)
class SessionRecord(_Base):
    title: str
    type: str
    start_date: dt.date
    end_date: dt.date
    parent_sourced_id: str
    school_year: int | None


@dataclass(slots=True)
class CourseRecord(_Base):
    title: str
    course_code: str
    org_sourced_id: str
    subjects: list[str]
    grades: list[str]


@dataclass(slots=True)
class ClassRecord(_Base):
    title: str
    grades: list[str]
    course_sourced_id: str
    class_code: str
    class_type: str
    location: str
    school_sourced_id: str
    term_sourced_ids: list[str]
    subjects: list[str]
    periods: list[str]


@dataclass(slots=True)
class UserRecord(_Base):
    enabled: bool
    given_name: str
    family_name: str
    preferred_name: str
    email: str
    agent_sourced_ids: list[str]
    grades: list[str]
    #: (role, org sourcedId) pairs from users.csv (1.1) or roles.csv (1.2).
    roles: list[tuple[str, str]] = field(default_factory=list)
    primary_org_sourced_id: str = ""
    #: Hidden from peer directories (plain CSV ``directory_opt_out``); ``None`` keeps the flag.
    directory_opt_out: bool | None = None


@dataclass(slots=True)
class EnrollmentRecord(_Base):
    class_sourced_id: str
    school_sourced_id: str
    user_sourced_id: str
    role: str
    primary: bool
    begin_date: dt.date | None
    end_date: dt.date | None


@dataclass(slots=True)
class DemographicRecord(_Base):
    birth_date: dt.date | None


@dataclass(slots=True)
class RoleRecord(_Base):
    user_sourced_id: str
    role_type: str
    role: str
    org_sourced_id: str


@dataclass
class RosterSet:
    """Everything read from one roster, with the mode (bulk/delta) of each file."""

    version: str = ""
    modes: dict[str, str] = field(default_factory=dict)
    orgs: list[OrgRecord] = field(default_factory=list)
    sessions: list[SessionRecord] = field(default_factory=list)
    courses: list[CourseRecord] = field(default_factory=list)
    classes: list[ClassRecord] = field(default_factory=list)
    users: list[UserRecord] = field(default_factory=list)
    enrollments: list[EnrollmentRecord] = field(default_factory=list)
    demographics: list[DemographicRecord] = field(default_factory=list)
    roles: list[RoleRecord] = field(default_factory=list)
    user_profiles: int = 0

    def present(self, key: str) -> bool:
        return self.modes.get(key) in ("bulk", "delta")


def _base(row: Row, interned: dict[str, str]) -> dict[str, Any]:
    v = row.values
    status = v["status"]
    sid = v["sourcedId"]
    return {
        "row": row.number,
        "sourced_id": interned.setdefault(sid, sid),
        "deleted": status in ("tobedeleted", "inactive"),
        "modified": v["dateLastModified"],
    }


def _ref(interned: dict[str, str], value: str) -> str:
    """Share one string object per id: a 50,000-user roster repeats each id often."""
    return interned.setdefault(value, value)


_Builder = Callable[[Row, dict[str, str]], Any]


def _build_org(row: Row, i: dict[str, str]) -> OrgRecord:
    v = row.values
    return OrgRecord(
        **_base(row, i), name=v["name"], type=v["type"], identifier=v["identifier"],
        parent_sourced_id=v["parentSourcedId"],
    )  # fmt: skip


def _build_session(row: Row, i: dict[str, str]) -> SessionRecord:
    v = row.values
    return SessionRecord(
        **_base(row, i), title=v["title"], type=v["type"], start_date=v["startDate"],
        end_date=v["endDate"], parent_sourced_id=v["parentSourcedId"],
        school_year=v["schoolYear"],
    )  # fmt: skip


def _build_course(row: Row, i: dict[str, str]) -> CourseRecord:
    v = row.values
    return CourseRecord(
        **_base(row, i), title=v["title"], course_code=v["courseCode"],
        org_sourced_id=_ref(i, v["orgSourcedId"]), subjects=v["subjects"], grades=v["grades"],
    )  # fmt: skip


def _build_class(row: Row, i: dict[str, str]) -> ClassRecord:
    v = row.values
    return ClassRecord(
        **_base(row, i), title=v["title"], grades=v["grades"],
        course_sourced_id=_ref(i, v["courseSourcedId"]), class_code=v["classCode"],
        class_type=v["classType"], location=v["location"],
        school_sourced_id=_ref(i, v["schoolSourcedId"]),
        term_sourced_ids=[_ref(i, t) for t in v["termSourcedIds"]], subjects=v["subjects"],
        periods=v["periods"],
    )  # fmt: skip


def _build_user(row: Row, i: dict[str, str]) -> UserRecord:
    v = row.values
    role = v["role"]
    roles = [(role, _ref(i, org)) for org in v["orgSourcedIds"]] if role else []
    return UserRecord(
        **_base(row, i), enabled=bool(v["enabledUser"]), given_name=v["givenName"],
        family_name=v["familyName"], preferred_name=v.get("preferredGivenName") or "",
        email=v["email"], agent_sourced_ids=[_ref(i, a) for a in v["agentSourcedIds"]],
        grades=v["grades"], roles=roles,
        primary_org_sourced_id=_ref(i, v.get("primaryOrgSourcedId") or ""),
    )  # fmt: skip


def _build_enrollment(row: Row, i: dict[str, str]) -> EnrollmentRecord:
    v = row.values
    return EnrollmentRecord(
        **_base(row, i), class_sourced_id=_ref(i, v["classSourcedId"]),
        school_sourced_id=_ref(i, v["schoolSourcedId"]),
        user_sourced_id=_ref(i, v["userSourcedId"]), role=v["role"],
        primary=bool(v["primary"]), begin_date=v["beginDate"], end_date=v["endDate"],
    )  # fmt: skip


def _build_demographic(row: Row, i: dict[str, str]) -> DemographicRecord:
    return DemographicRecord(**_base(row, i), birth_date=row.values["birthDate"])


def _build_role(row: Row, i: dict[str, str]) -> RoleRecord:
    v = row.values
    return RoleRecord(
        **_base(row, i), user_sourced_id=_ref(i, v["userSourcedId"]), role_type=v["roleType"],
        role=v["role"], org_sourced_id=_ref(i, v["orgSourcedId"]),
    )  # fmt: skip


_BUILDERS: dict[str, tuple[str, _Builder]] = {
    "orgs": ("orgs", _build_org),
    "academicSessions": ("sessions", _build_session),
    "courses": ("courses", _build_course),
    "classes": ("classes", _build_class),
    "users": ("users", _build_user),
    "enrollments": ("enrollments", _build_enrollment),
    "demographics": ("demographics", _build_demographic),
    "roles": ("roles", _build_role),
}


def _read_manifest(
    files: RosterFiles, on_disk: dict[str, str], issues: IssueCollector
) -> tuple[str, dict[str, tuple[str, int]]]:
    """Return the OneRoster version and {file key (lower case): (mode, row)}."""
    import csv

    name = on_disk.get("manifest")
    if name is None:
        issues.error(MANIFEST, None, None, _("The roster has no manifest.csv."), "missing_file")
        return "", {}
    version = ""
    entries: dict[str, tuple[str, int]] = {}
    with files.open_text(name) as handle:
        try:
            rows = list(csv.reader(handle, strict=True))
        except (csv.Error, UnicodeDecodeError) as exc:
            issues.error(
                name,
                None,
                None,
                _("The manifest cannot be read: %(error)s") % {"error": exc},
                "csv",
            )
            return "", {}
    if not rows or [c.strip() for c in rows[0][:2]] != ["propertyName", "value"]:
        issues.error(name, 1, None, _("The header must be “propertyName,value”."), "missing_column")
        return "", {}
    for line, cells in enumerate(rows[1:], start=2):
        if not cells or not cells[0].strip():
            continue
        prop = cells[0].strip()
        value = cells[1].strip() if len(cells) > 1 else ""
        if prop == "oneroster.version":
            if value not in VERSIONS:
                issues.error(
                    name, line, "value",
                    _("OneRoster version “%(value)s” is not supported (1.1 or 1.2).")
                    % {"value": value},
                    "bad_enum",
                )  # fmt: skip
            version = value
        elif prop.startswith("file."):
            key = prop[5:].lower()
            mode = value.lower()
            if mode not in MODES:
                issues.error(
                    name, line, "value",
                    _("“%(value)s” is not a file mode; use bulk, delta or absent.")
                    % {"value": value},
                    "bad_enum",
                )  # fmt: skip
                mode = ""
            entries[key] = (mode, line)
    if not version:
        issues.error(
            name,
            None,
            "oneroster.version",
            _("The manifest does not give the OneRoster version."),
            "required",
        )
    return version, entries


def parse_roster(
    files: RosterFiles,
    issues: IssueCollector,
    *,
    progress: Callable[[str, int, int], None] | None = None,
) -> RosterSet:
    """
    Read the roster in ``files``; record every problem in ``issues``.

    File names are matched to the manifest without regard to case
    (``userprofiles.csv`` is ``file.userProfiles``). Records with a problem are
    left out of the result, so callers must not write anything when ``issues``
    holds errors.
    """
    on_disk: dict[str, str] = {}
    for name in files.names:
        lower = name[:-4].lower()
        if lower in on_disk:
            issues.error(
                name, None, None,
                _("Two files differ only in case: %(a)s and %(b)s.") % {"a": on_disk[lower], "b": name},
                "duplicate_file",
            )  # fmt: skip
            continue
        on_disk[lower] = name

    version, manifest = _read_manifest(files, on_disk, issues)
    roster = RosterSet(version=version)
    specs = _specs(version if version in VERSIONS else "1.1")
    canonical = {key.lower(): key for key in IMPORTED}

    for key_lower, (mode, line) in manifest.items():
        disk = on_disk.get(key_lower)
        if mode in ("bulk", "delta") and disk is None:
            issues.error(
                MANIFEST, line, "value",
                _("The manifest lists %(file)s.csv as %(mode)s but the file is missing.")
                % {"file": canonical.get(key_lower, key_lower), "mode": mode},
                "missing_file",
            )  # fmt: skip

    interned: dict[str, str] = {}
    for key_lower, disk in sorted(on_disk.items()):
        if key_lower == "manifest":
            continue
        mode, manifest_row = manifest.get(key_lower, ("", 0))
        found = canonical.get(key_lower)
        if found is None:
            if key_lower in NOT_IMPORTED:
                issues.warning(
                    disk,
                    None,
                    None,
                    _("Peerpath does not import this file; it was skipped."),
                    "skipped_file",
                )
            else:
                issues.warning(
                    disk, None, None, _("Not a OneRoster file; it was skipped."), "skipped_file"
                )
            continue
        key = found
        if key in ("roles", "userProfiles") and version == "1.1":
            issues.warning(
                disk,
                None,
                None,
                _("This is a OneRoster 1.2 file; a 1.1 roster does not use it."),
                "skipped_file",
            )
            continue
        if mode not in ("bulk", "delta"):
            if manifest_row:
                issues.error(
                    MANIFEST, manifest_row, "value",
                    _("%(file)s is in the roster but the manifest does not declare it bulk or delta.")
                    % {"file": disk},
                    "manifest_mismatch",
                )  # fmt: skip
            else:
                issues.error(
                    MANIFEST, None, None,
                    _("%(file)s is in the roster but not listed in the manifest.") % {"file": disk},
                    "manifest_mismatch",
                )  # fmt: skip
            mode = "bulk"  # read it anyway, to report its problems too
        elif disk != f"{key}.csv":
            issues.warning(
                disk, None, None,
                _("Matched to file.%(key)s in the manifest although the case differs.") % {"key": key},
                "file_name_case",
            )  # fmt: skip
        roster.modes[key] = mode
        spec = specs[key]
        spec = TableSpec(disk, spec.columns, spec.allow_extensions)
        override = frozenset({"status", "dateLastModified"}) if mode == "delta" else frozenset()
        tick = _ticker(progress, disk) if progress is not None else None
        seen: dict[str, int] = {}
        with files.open_text(disk) as handle:
            if key == "userProfiles":
                for _row in read_table(
                    handle, spec, issues, required_override=override, on_row=tick
                ):
                    roster.user_profiles += 1
                continue
            attr, build = _BUILDERS[key]
            target: list[Any] = getattr(roster, attr)
            for row in read_table(handle, spec, issues, required_override=override, on_row=tick):
                sid = row.values["sourcedId"]
                first = seen.get(sid)
                if first is not None:
                    issues.error(
                        disk, row.number, "sourcedId",
                        _("Duplicate sourcedId “%(id)s” (first used in row %(first)d).")
                        % {"id": sid, "first": first},
                        "duplicate_id",
                    )  # fmt: skip
                    continue
                seen[sid] = row.number
                record = build(row, interned)
                if key == "academicSessions" and record.end_date < record.start_date:
                    issues.error(
                        disk, row.number, "endDate",
                        _("The session ends before it starts (%(start)s).")
                        % {"start": record.start_date.isoformat()},
                        "bad_date",
                    )  # fmt: skip
                    continue
                target.append(record)

    _merge_roles(roster, issues, on_disk.get("roles", "roles.csv"))
    return roster


def _ticker(progress: Callable[[str, int, int], None], file: str) -> Callable[[int], None]:
    label = _("Reading %(file)s") % {"file": file}

    def tick(row: int) -> None:
        if row % 5000 == 0:
            progress(label, row, 0)

    return tick


def _merge_roles(roster: RosterSet, issues: IssueCollector, roles_file: str) -> None:
    """Attach 1.2 ``roles.csv`` rows to their users (an unknown user is an error)."""
    if not roster.roles:
        return
    by_id = {u.sourced_id: u for u in roster.users}
    for role in roster.roles:
        user = by_id.get(role.user_sourced_id)
        if user is None:
            # The user may exist from an earlier import; the services resolve it.
            continue
        if not role.deleted:
            user.roles.append((role.role, role.org_sourced_id))
