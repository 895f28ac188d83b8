"""
Roster state Peerpath had no place for: terms, classes, enrollments, imports.

Schools, courses, users, students, staff roles and guardian links live in
``core`` and ``people``; an import writes those too (see ``services``). Every
row imported from OneRoster carries its ``sourced_id``, unique within the
organization, so that a re-import updates rather than duplicates.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from peerpath.core.models import Organization, School, TimeStampedModel
from peerpath.people.models import Course


class RosterStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    DELETED = "tobedeleted", _("Deleted in the school's system")


class Term(TimeStampedModel):
    """An academic session: a school year, semester, term or grading period."""

    class Kind(models.TextChoices):
        SCHOOL_YEAR = "schoolYear", _("School year")
        SEMESTER = "semester", _("Semester")
        TERM = "term", _("Term")
        GRADING_PERIOD = "gradingPeriod", _("Grading period")

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="terms", verbose_name=_("organization")
    )
    sourced_id = models.CharField(_("roster id"), max_length=255)
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    start_date = models.DateField(_("starts"))
    end_date = models.DateField(_("ends"))
    school_year = models.PositiveSmallIntegerField(_("school year"), null=True, blank=True)
    parent_sourced_id = models.CharField(_("parent roster id"), max_length=255, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=RosterStatus.choices, default=RosterStatus.ACTIVE
    )

    class Meta:
        ordering = ["start_date", "title"]
        verbose_name = _("term")
        verbose_name_plural = _("terms")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "sourced_id"], name="term_sourced_id_unique_in_org"
            ),
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")), name="term_ordered"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class SchoolClass(TimeStampedModel):
    """A class (course section) taught in a school during one or more terms."""

    class Kind(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        HOMEROOM = "homeroom", _("Homeroom")

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", verbose_name=_("organization")
    )
    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="classes", verbose_name=_("school")
    )
    course = models.ForeignKey(
        Course,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="classes",
        verbose_name=_("course"),
    )
    #: Kept when the course itself was not in the roster, to link it later.
    course_sourced_id = models.CharField(_("course roster id"), max_length=255, blank=True)
    sourced_id = models.CharField(_("roster id"), max_length=255)
    title = models.CharField(_("title"), max_length=200)
    class_code = models.CharField(_("class code"), max_length=100, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    location = models.CharField(_("location"), max_length=200, blank=True)
    grades = models.JSONField(_("grades"), default=list, blank=True)
    subjects = models.JSONField(_("subjects"), default=list, blank=True)
    periods = models.JSONField(_("periods"), default=list, blank=True)
    terms = models.ManyToManyField(
        Term, blank=True, related_name="classes", verbose_name=_("terms")
    )
    status = models.CharField(
        _("status"), max_length=12, choices=RosterStatus.choices, default=RosterStatus.ACTIVE
    )

    class Meta:
        ordering = ["title"]
        verbose_name = _("class")
        verbose_name_plural = _("classes")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "sourced_id"], name="class_sourced_id_unique_in_org"
            )
        ]

    def __str__(self) -> str:
        return self.title


class Enrollment(TimeStampedModel):
    """A person in a class, as student, teacher or another role."""

    class Role(models.TextChoices):
        STUDENT = "student", _("Student")
        TEACHER = "teacher", _("Teacher")
        ADMINISTRATOR = "administrator", _("Administrator")
        AIDE = "aide", _("Aide")
        PROCTOR = "proctor", _("Proctor")

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", verbose_name=_("organization")
    )
    sourced_id = models.CharField(_("roster id"), max_length=255)
    school_class = models.ForeignKey(
        SchoolClass, on_delete=models.CASCADE, related_name="enrollments", verbose_name=_("class")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="enrollments",
        verbose_name=_("person"),
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    primary = models.BooleanField(_("primary teacher"), default=False)
    begin_date = models.DateField(_("begins"), null=True, blank=True)
    end_date = models.DateField(_("ends"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=RosterStatus.choices, default=RosterStatus.ACTIVE
    )

    class Meta:
        ordering = ["school_class", "role"]
        verbose_name = _("enrollment")
        verbose_name_plural = _("enrollments")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "sourced_id"], name="enrollment_sourced_id_unique_in_org"
            )
        ]
        indexes = [models.Index(fields=["school_class", "role"]), models.Index(fields=["user"])]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.school_class_id} ({self.role})"


class RosterImport(models.Model):
    """
    One run of an import, with its report.

    A run from the command line is recorded once it is over (succeeded or
    failed, dry run or not). A run from the import page is recorded when the
    file is uploaded and moves on: (``mapping`` →) ``uploaded`` → ``checking``
    → ``previewed`` → ``queued`` → ``running`` → ``succeeded``, or ``failed``
    or ``discarded`` at any step (nothing is changed then). The uploaded file
    is kept in a private folder (``PEERPATH_ROSTER_UPLOAD_DIR``) only until the
    run is over.
    """

    class Kind(models.TextChoices):
        ONEROSTER = "oneroster", _("OneRoster")
        CSV = "csv", _("Plain CSV")

    class Status(models.TextChoices):
        MAPPING = "mapping", _("Waiting for the column mapping")
        UPLOADED = "uploaded", _("Waiting to be checked")
        CHECKING = "checking", _("Checking the file")
        PREVIEWED = "previewed", _("Checked: waiting for confirmation")
        QUEUED = "queued", _("Waiting to import")
        RUNNING = "running", _("Importing")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed: nothing was changed")
        DISCARDED = "discarded", _("Discarded: nothing was changed")

    #: A run in one of these is waiting for, or being worked on by, the server.
    IN_PROGRESS = frozenset({Status.UPLOADED, Status.CHECKING, Status.QUEUED, Status.RUNNING})
    #: A run in one of these is over; its upload is gone.
    FINISHED = frozenset({Status.SUCCEEDED, Status.FAILED, Status.DISCARDED})

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="roster_imports"
    )
    school = models.ForeignKey(
        School, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    source_name = models.CharField(_("file"), max_length=255)
    dry_run = models.BooleanField(_("dry run"), default=False)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    version = models.CharField(_("OneRoster version"), max_length=10, blank=True)
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    warning_count = models.PositiveIntegerField(_("warnings"), default=0)
    warnings = models.JSONField(_("warnings"), default=list, blank=True)
    # -- runs from the import page ----------------------------------------------------
    #: The upload, relative to ``PEERPATH_ROSTER_UPLOAD_DIR``; empty once deleted.
    upload_path = models.CharField(_("uploaded file"), max_length=500, blank=True)
    #: Bytes of CSV to read (a .zip's uncompressed size), which decides inline or background.
    size_bytes = models.PositiveBigIntegerField(_("size"), default=0)
    background = models.BooleanField(_("run by the worker"), default=False)
    #: Plain CSV: the file's column headers, and the header chosen for each field.
    columns = models.JSONField(_("columns in the file"), default=list, blank=True)
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    #: What the run is waiting for or doing, in a few words (the page shows it).
    progress = models.CharField(_("progress"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("roster import")
        verbose_name_plural = _("roster imports")
        indexes = [models.Index(fields=["status", "updated_at"])]

    def __str__(self) -> str:
        return f"{self.source_name} ({self.get_status_display()})"

    @property
    def in_progress(self) -> bool:
        return self.status in self.IN_PROGRESS

    @property
    def finished(self) -> bool:
        return self.status in self.FINISHED
