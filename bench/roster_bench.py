"""
Benchmark the OneRoster import on a generated 50,000-user district.

    .venv/bin/python bench/roster_bench.py                  # SQLite in a temp dir
    .venv/bin/python bench/roster_bench.py --postgres postgres://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/roster_bench.py --users 5000     # smaller, quicker

A seeded generator writes a OneRoster 1.1 bulk set (10 schools; per school 80 %
students, 4 % teachers, 16 % parents; 5 classes per teacher, 6 classes per
student, guardians linked through ``agentSourcedIds``, birth dates in
demographics) to a temporary folder. The import runs into a fresh database and
the script prints wall time, peak memory and rows per second, against two
named baselines:

* ``csv-parse``: Python's ``csv`` module reading the same files and nothing
  else (the floor: any importer has to read the bytes);
* ``per-row-services``: the existing one-row-at-a-time services
  (``user_create``, ``student_profile_create``, ``role_grant``, then one
  ``Enrollment.objects.create`` per enrollment) on a ``--baseline-users``
  subset, scaled linearly to the full size.

It also re-imports the same set (the idempotent path: nothing to write).
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

GIVEN = ["Amara", "Bilal", "Chloe", "Dmitri", "Esperanza", "Farah", "Gabriel", "Hana", "Isaac",
         "Jun", "Kofi", "Leila", "Mateo", "Nadia", "Oscar", "Priya", "Quinn", "Rosa"]  # fmt: skip
FAMILY = ["Abara", "Brennan", "Castillo", "Dubois", "Eriksen", "Fofanah", "Garcia", "Haddad",
          "Ishikawa", "Jensen", "Kowalski", "Moreau", "Nguyen", "Okafor", "Petrov", "Rahman"]  # fmt: skip
SUBJECTS = ["Mathematics", "Science", "English", "History", "Spanish", "Computer Science", "Art"]


def generate(folder: Path, users: int, seed: int = 7) -> dict[str, int]:
    """Write a OneRoster 1.1 bulk roster of ``users`` users; return row counts per file."""
    rng = random.Random(seed)
    schools = 10
    per_school = users // schools
    counts: dict[str, int] = {}

    def write(name: str, header: list[str], rows: list[list[Any]]) -> None:
        with open(folder / name, "w", newline="", encoding="utf-8") as handle:
            out = csv.writer(handle)
            out.writerow(header)
            out.writerows(rows)
        counts[name] = len(rows)

    write("manifest.csv", ["propertyName", "value"], [
        ["manifest.version", "1.0"], ["oneroster.version", "1.1"],
        *[[f"file.{f}", "bulk"] for f in ("academicSessions", "orgs", "courses", "classes",
                                          "users", "enrollments", "demographics")],
    ])  # fmt: skip
    write("orgs.csv", ["sourcedId", "status", "dateLastModified", "name", "type", "identifier", "parentSourcedId"],
          [["d-1", "", "", "Bench District", "district", "", ""]]
          + [[f"s-{s}", "", "", f"School {s}", "school", "", "d-1"] for s in range(schools)])  # fmt: skip
    write("academicSessions.csv",
          ["sourcedId", "status", "dateLastModified", "title", "type", "startDate", "endDate", "parentSourcedId", "schoolYear"],
          [["y", "", "", "2026-27", "schoolYear", "2026-08-24", "2027-06-18", "", "2027"],
           ["t1", "", "", "Fall", "semester", "2026-08-24", "2027-01-15", "y", "2027"],
           ["t2", "", "", "Spring", "semester", "2027-01-19", "2027-06-18", "y", "2027"]])  # fmt: skip
    courses, classes, user_rows, enrollments, demographics = [], [], [], [], []
    for s in range(schools):
        n_students = per_school * 80 // 100
        n_teachers = per_school * 4 // 100
        n_parents = per_school - n_students - n_teachers
        course_ids = []
        for c in range(30):
            cid = f"c-{s}-{c}"
            course_ids.append(cid)
            subject = SUBJECTS[c % len(SUBJECTS)]
            courses.append(
                [
                    cid,
                    "",
                    "",
                    "y",
                    f"{subject} {c}",
                    f"{subject[:4].upper()}{c}",
                    "",
                    f"s-{s}",
                    subject,
                    "",
                ]
            )
        class_ids = []
        for t in range(n_teachers):
            tid = f"t-{s}-{t}"
            g, f = rng.choice(GIVEN), rng.choice(FAMILY)
            user_rows.append(
                [
                    tid,
                    "",
                    "",
                    "true",
                    f"s-{s}",
                    "teacher",
                    tid,
                    "",
                    g,
                    f,
                    "",
                    "",
                    f"{tid}@bench.example",
                    "",
                    "",
                    "",
                    "",
                    "pw-" + tid,
                ]
            )
            for k in range(5):
                kid = f"k-{s}-{t}-{k}"
                class_ids.append(kid)
                classes.append(
                    [
                        kid,
                        "",
                        "",
                        f"Class {kid}",
                        "",
                        rng.choice(course_ids),
                        "",
                        "scheduled",
                        "",
                        f"s-{s}",
                        "t1,t2",
                        "",
                        "",
                        "",
                    ]
                )
                enrollments.append(
                    [f"e-{kid}-{tid}", "", "", kid, f"s-{s}", tid, "teacher", "true", "", ""]
                )
        for st in range(n_students):
            sid = f"u-{s}-{st}"
            g, f = rng.choice(GIVEN), rng.choice(FAMILY)
            grade = rng.randint(6, 12)
            parent = f"p-{s}-{st}" if st < n_parents else ""
            user_rows.append(
                [
                    sid,
                    "",
                    "",
                    "true",
                    f"s-{s}",
                    "student",
                    sid,
                    "",
                    g,
                    f,
                    "",
                    "",
                    f"{sid}@bench.example",
                    "",
                    "",
                    parent,
                    f"{grade:02d}",
                    "pw-" + sid,
                ]
            )
            demographics.append(
                [
                    sid,
                    "",
                    "",
                    f"{2026 - grade - 6}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                ]
            )
            for kid in rng.sample(class_ids, 6):
                enrollments.append(
                    [f"e-{kid}-{sid}", "", "", kid, f"s-{s}", sid, "student", "false", "", ""]
                )
        for p in range(n_parents):
            pid = f"p-{s}-{p}"
            user_rows.append(
                [
                    pid,
                    "",
                    "",
                    "true",
                    f"s-{s}",
                    "parent",
                    pid,
                    "",
                    rng.choice(GIVEN),
                    rng.choice(FAMILY),
                    "",
                    "",
                    "",
                    "",
                    "",
                    f"u-{s}-{p}",
                    "",
                    "",
                ]
            )
    write(
        "courses.csv",
        [
            "sourcedId",
            "status",
            "dateLastModified",
            "schoolYearSourcedId",
            "title",
            "courseCode",
            "grades",
            "orgSourcedId",
            "subjects",
            "subjectCodes",
        ],
        courses,
    )
    write(
        "classes.csv",
        [
            "sourcedId",
            "status",
            "dateLastModified",
            "title",
            "grades",
            "courseSourcedId",
            "classCode",
            "classType",
            "location",
            "schoolSourcedId",
            "termSourcedIds",
            "subjects",
            "subjectCodes",
            "periods",
        ],
        classes,
    )
    write(
        "users.csv",
        [
            "sourcedId",
            "status",
            "dateLastModified",
            "enabledUser",
            "orgSourcedIds",
            "role",
            "username",
            "userIds",
            "givenName",
            "familyName",
            "middleName",
            "identifier",
            "email",
            "sms",
            "phone",
            "agentSourcedIds",
            "grades",
            "password",
        ],
        user_rows,
    )
    write(
        "enrollments.csv",
        [
            "sourcedId",
            "status",
            "dateLastModified",
            "classSourcedId",
            "schoolSourcedId",
            "userSourcedId",
            "role",
            "primary",
            "beginDate",
            "endDate",
        ],
        enrollments,
    )
    write(
        "demographics.csv", ["sourcedId", "status", "dateLastModified", "birthDate"], demographics
    )
    return counts


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def _csv_parse_only(folder: Path) -> float:
    start = time.perf_counter()
    for path in folder.glob("*.csv"):
        with open(path, newline="", encoding="utf-8-sig") as handle:
            for _row in csv.reader(handle):
                pass
    return time.perf_counter() - start


def _per_row_baseline(folder: Path, subset: int) -> float:
    """Import the first ``subset`` users (and their enrollments) one row at a time."""
    import datetime as dt

    from peerpath.core.models import Role
    from peerpath.core.services import organization_create, role_grant, school_create, user_create
    from peerpath.people.services import student_profile_create
    from peerpath.rosters.models import Enrollment, SchoolClass

    org = organization_create(actor=None, name="Per-row baseline", slug="per-row")
    schools = {
        f"s-{i}": school_create(actor=None, organization=org, name=f"School {i}") for i in range(10)
    }
    with open(folder / "users.csv", newline="") as handle:
        users = [r for _i, r in zip(range(subset), csv.DictReader(handle), strict=False)]
    births = {}
    with open(folder / "demographics.csv", newline="") as handle:
        for r in csv.DictReader(handle):
            births[r["sourcedId"]] = dt.date.fromisoformat(r["birthDate"])
    wanted = {u["sourcedId"] for u in users}
    with open(folder / "enrollments.csv", newline="") as handle:
        enrollments = [r for r in csv.DictReader(handle) if r["userSourcedId"] in wanted]
    with open(folder / "classes.csv", newline="") as handle:
        class_rows = {r["sourcedId"]: r for r in csv.DictReader(handle)}

    start = time.perf_counter()
    by_sid = {}
    for u in users:
        user = user_create(actor=None, email=f"baseline.{u['sourcedId']}@x.invalid",
                           given_name=u["givenName"], family_name=u["familyName"], organization=org)  # fmt: skip
        by_sid[u["sourcedId"]] = user
        school = schools[u["orgSourcedIds"]]
        if u["role"] == "student":
            student_profile_create(actor=None, user=user, school=school, grade_level=int(u["grades"]),
                                   birth_date=births.get(u["sourcedId"]))  # fmt: skip
        elif u["role"] == "teacher":
            role_grant(actor=None, user=user, role=Role.STAFF, organization=org, school=school)
    classes: dict[str, SchoolClass] = {}
    for e in enrollments:
        kid = e["classSourcedId"]
        if kid not in classes:
            row = class_rows[kid]
            classes[kid] = SchoolClass.objects.create(
                organization=org, school=schools[row["schoolSourcedId"]], sourced_id=kid,
                title=row["title"], kind="scheduled",
            )  # fmt: skip
        Enrollment.objects.create(organization=org, sourced_id=e["sourcedId"], school_class=classes[kid],
                                  user=by_sid[e["userSourcedId"]], role=e["role"])  # fmt: skip
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--users", type=int, default=50_000)
    parser.add_argument("--baseline-users", type=int, default=5_000)
    parser.add_argument(
        "--postgres", default="", help="server URL; a fresh database is created on it"
    )
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="roster-bench-"))
    roster = work / "roster"
    roster.mkdir()
    started = time.perf_counter()
    counts = generate(roster, args.users, args.seed)
    size = sum(p.stat().st_size for p in roster.iterdir())
    print(f"generated {counts['users.csv']:,} users, {counts['enrollments.csv']:,} enrollments, "
          f"{counts['classes.csv']:,} classes ({size / 2**20:.1f} MiB) in {time.perf_counter() - started:.1f} s")  # fmt: skip

    os.environ["PEERPATH_DATA_DIR"] = str(work)
    if args.postgres:
        import psycopg

        base = args.postgres.rsplit("/", 1)[0]
        with psycopg.connect(args.postgres, autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS peerpath_roster_bench")
            conn.execute("CREATE DATABASE peerpath_roster_bench")
        os.environ["DATABASE_URL"] = f"{base}/peerpath_roster_bench"
        backend = "PostgreSQL"
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{work / 'bench.sqlite3'}"
        backend = "SQLite"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerpath.config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from peerpath.core.services import organization_create
    from peerpath.rosters.services import roster_import

    parse_s = _csv_parse_only(roster)
    org = organization_create(actor=None, name="Bench District", slug="bench")
    rss_before = _peak_mib()
    start = time.perf_counter()
    report = roster_import(actor=None, organization=org, source=roster)
    import_s = time.perf_counter() - start
    peak = _peak_mib()
    if not report.ok:
        for issue in report.errors[:20]:
            print("ERROR", issue)
        return 1
    start = time.perf_counter()
    again = roster_import(actor=None, organization=org, source=roster)
    reimport_s = time.perf_counter() - start
    assert again.ok
    assert all(c["created"] == 0 for c in again.counts.values())

    rows = sum(v for k, v in counts.items() if k != "manifest.csv")
    print(f"\nbackend: {backend}; users: {args.users:,}; rows in all files: {rows:,}")
    print(f"import (bulk, one transaction):   {import_s:7.1f} s  ({rows / import_s:,.0f} rows/s)")
    print(f"re-import (nothing changes):      {reimport_s:7.1f} s")
    print(f"peak RSS: {peak:.0f} MiB (process before the import: {rss_before:.0f} MiB)")
    print(
        f"baseline csv-parse only:          {parse_s:7.2f} s  -> import is {import_s / parse_s:.1f}x the bare parse"
    )
    if args.baseline_users:
        per_row = _per_row_baseline(roster, args.baseline_users)
        scaled = per_row * args.users / args.baseline_users
        print(f"baseline per-row-services:        {per_row:7.1f} s for {args.baseline_users:,} users, "
              f"scaled to {args.users:,}: {scaled:.0f} s -> bulk import is {scaled / import_s:.1f}x faster")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
