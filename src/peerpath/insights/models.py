"""
Outcomes, disclosures and recognition.

An :class:`OutcomeRecord` holds what a school reports about one student in
one term (grade average on its own scale, attendance rate, enrolment status,
optional course grades); a re-import of the same term updates it. Every file
of participants' data that leaves Peerpath is a :class:`Disclosure`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from peerpath.core.models import Organization, School, TimeStampedModel
from peerpath.people.models import StudentProfile
from peerpath.programs.models import Participant, Program
from peerpath.rosters.models import Term


class EnrolmentStatus(models.TextChoices):
    ENROLLED = "enrolled", _("Enrolled")
    GRADUATED = "graduated", _("Graduated")
    TRANSFERRED = "transferred", _("Transferred to another school")
    WITHDRAWN = "withdrawn", _("Left school")


#: Statuses that count as "retained" (still in education at this school, or finished it).
RETAINED = frozenset({EnrolmentStatus.ENROLLED, EnrolmentStatus.GRADUATED})


class OutcomeImport(TimeStampedModel):
    """One outcome file: checked (previewed), then committed or discarded."""

    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("Checked, not imported yet")
        COMMITTED = "committed", _("Imported")
        FAILED = "failed", _("Not imported (errors)")
        DISCARDED = "discarded", _("Discarded")

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="outcome_imports")
    term = models.ForeignKey(Term, on_delete=models.CASCADE, related_name="outcome_imports")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    file_name = models.CharField(_("file"), max_length=255)
    status = models.CharField(max_length=10, choices=Status.choices)
    # Kept only between the preview and the confirmation, then cleared.
    content = models.TextField(blank=True, default="")
    counts = models.JSONField(default=dict, blank=True)
    errors = models.JSONField(default=list, blank=True)
    warnings = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("outcome import")
        verbose_name_plural = _("outcome imports")

    def __str__(self) -> str:
        return f"Outcome import {self.pk} ({self.file_name})"


class OutcomeRecord(TimeStampedModel):
    """
    One student's outcomes in one term.

    ``grade_average`` is on the school's ``grade_scale`` (4.0 for a GPA, 100
    for a percentage); ``grade_percent`` is the same on 0–100 so that terms
    and schools with different scales compare. ``attendance_rate`` is the
    percentage (0–100) of school days attended.
    """

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="outcome_records")
    student = models.ForeignKey(
        StudentProfile, on_delete=models.CASCADE, related_name="outcome_records"
    )
    term = models.ForeignKey(Term, on_delete=models.CASCADE, related_name="outcome_records")
    grade_average = models.FloatField(_("grade average"), null=True, blank=True)
    grade_scale = models.FloatField(_("grade scale (maximum)"), null=True, blank=True)
    grade_percent = models.FloatField(_("grade average (%)"), null=True, blank=True)
    attendance_rate = models.FloatField(_("attendance (%)"), null=True, blank=True)
    enrolment_status = models.CharField(
        _("enrolment"), max_length=12, choices=EnrolmentStatus.choices, blank=True, default=""
    )
    course_grades = models.JSONField(_("course grades"), default=dict, blank=True)
    source = models.ForeignKey(
        OutcomeImport, on_delete=models.SET_NULL, null=True, blank=True, related_name="records"
    )

    class Meta:
        ordering = ["term__start_date", "pk"]
        verbose_name = _("outcome record")
        verbose_name_plural = _("outcome records")
        constraints = [
            models.UniqueConstraint(fields=["student", "term"], name="outcome_once_per_term"),
            models.CheckConstraint(
                condition=Q(attendance_rate__isnull=True)
                | Q(attendance_rate__gte=0, attendance_rate__lte=100),
                name="outcome_attendance_percent",
            ),
        ]
        indexes = [models.Index(fields=["school", "term"])]

    def __str__(self) -> str:
        return f"Outcomes of {self.student_id} in {self.term_id}"


class Disclosure(models.Model):
    """A file of people's data that left Peerpath: who took it, what, and when."""

    class Kind(models.TextChoices):
        PARTICIPANTS = "participants", _("Participants (CSV)")
        MATCHES = "matches", _("Matches (CSV)")
        SESSIONS = "sessions", _("Sessions (CSV)")
        OUTCOMES = "outcomes", _("Outcomes (CSV)")
        REPORT = "report", _("Program report (PDF)")

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey(
        Program, on_delete=models.SET_NULL, null=True, blank=True, related_name="disclosures"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    file_name = models.CharField(max_length=255)
    rows = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("disclosure")
        verbose_name_plural = _("disclosures")

    def __str__(self) -> str:
        return f"{self.kind} of program {self.program_id} by {self.actor_id}"


class ThankYou(TimeStampedModel):
    """A coordinator's thank-you to a mentor, shown on the mentor's recognition page."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="thank_yous")
    mentor = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="thank_yous")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    message = models.TextField(_("message"), max_length=1000)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("thank-you")
        verbose_name_plural = _("thank-yous")

    def __str__(self) -> str:
        return f"Thank-you to {self.mentor_id}"
