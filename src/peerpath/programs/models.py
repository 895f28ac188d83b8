"""Programs and the people taking part in them."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from peerpath.core.models import School, TimeStampedModel
from peerpath.people.models import Course, StudentProfile


class ProgramType(models.TextChoices):
    ONE_TO_ONE = "one_to_one", _("One-to-one mentoring")
    PEER_TUTORING = "peer_tutoring", _("Peer tutoring")
    STUDY_GROUPS = "study_groups", _("Study groups")
    BUDDY = "buddy", _("Buddy system")
    CIRCLE = "circle", _("Mentorship circle")


class Cadence(models.TextChoices):
    WEEKLY = "weekly", _("Weekly")
    FORTNIGHTLY = "fortnightly", _("Every two weeks")
    MONTHLY = "monthly", _("Monthly")


class Program(TimeStampedModel):
    """A peer mentoring, tutoring or support program run in one school."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        RECRUITING = "recruiting", _("Recruiting")
        RUNNING = "running", _("Running")
        CLOSED = "closed", _("Closed")

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="programs")
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=80)
    program_type = models.CharField(_("type"), max_length=20, choices=ProgramType.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    description = models.TextField(_("description"), blank=True, default="")
    objectives = models.TextField(_("objectives"), blank=True, default="")
    guidelines = models.TextField(_("guidelines for participants"), blank=True, default="")
    term_start = models.DateField(_("term starts"))
    term_end = models.DateField(_("term ends"))
    mentee_grade_min = models.PositiveSmallIntegerField(
        _("lowest mentee grade"), null=True, blank=True
    )
    mentee_grade_max = models.PositiveSmallIntegerField(
        _("highest mentee grade"), null=True, blank=True
    )
    mentor_grade_min = models.PositiveSmallIntegerField(
        _("lowest mentor grade"), null=True, blank=True
    )
    mentor_grade_max = models.PositiveSmallIntegerField(
        _("highest mentor grade"), null=True, blank=True
    )
    eligibility_notes = models.TextField(_("other eligibility rules"), blank=True, default="")
    default_mentor_capacity = models.PositiveSmallIntegerField(
        _("mentees per mentor"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
    )
    meeting_cadence = models.CharField(
        _("meeting cadence"), max_length=20, choices=Cadence.choices, default=Cadence.WEEKLY
    )
    session_minutes = models.PositiveSmallIntegerField(
        _("minutes per session"),
        default=45,
        validators=[MinValueValidator(10), MaxValueValidator(240)],
    )
    accepts_applications = models.BooleanField(
        _("students can apply from the program page"), default=True
    )
    mentor_commitment = models.CharField(
        _("what it asks of mentors"), max_length=300, blank=True, default=""
    )
    mentee_commitment = models.CharField(
        _("what it asks of mentees"), max_length=300, blank=True, default=""
    )
    mentor_min_subject_grade = models.PositiveSmallIntegerField(
        _("lowest grade (%) a tutor may have in a subject they offer"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(100)],
    )
    consent_age = models.PositiveSmallIntegerField(
        _("guardian consent needed under this age"),
        default=18,
        validators=[MinValueValidator(0), MaxValueValidator(21)],
    )
    terms = models.TextField(_("program terms a guardian consents to"), blank=True, default="")
    terms_version = models.PositiveIntegerField(_("version of the terms"), default=1)
    mentor_training_minutes = models.PositiveIntegerField(
        _("training minutes a mentor needs before matching"),
        default=120,
        help_text=_("The field's standard is at least two hours of pre-match training."),
    )
    coordinators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="coordinated_programs",
        verbose_name=_("program coordinators"),
        help_text=_("People who run this program besides the school's coordinators."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-term_start", "name"]
        verbose_name = _("program")
        verbose_name_plural = _("programs")
        constraints = [
            models.UniqueConstraint(
                fields=["school", "slug"], name="program_slug_unique_in_school"
            ),
            models.CheckConstraint(
                condition=Q(term_end__gte=F("term_start")), name="program_term_ordered"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_group_program(self) -> bool:
        return self.program_type in {ProgramType.STUDY_GROUPS, ProgramType.CIRCLE}


class ParticipantRole(models.TextChoices):
    MENTOR = "mentor", _("Mentor")
    MENTEE = "mentee", _("Mentee")
    BOTH = "both", _("Mentor and mentee")


class ParticipantStatus(models.TextChoices):
    APPLIED = "applied", _("Applied")
    SCREENING = "screening", _("Screening")
    READY = "ready", _("Ready to match")
    MATCHED = "matched", _("Matched")
    CLOSED = "closed", _("Closed")
    WAITLISTED = "waitlisted", _("Waitlisted")
    DECLINED = "declined", _("Declined")
    PAUSED = "paused", _("Paused")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Participant(TimeStampedModel):
    """A student taking part in a program as mentor, mentee or both."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="participants")
    student = models.ForeignKey(
        StudentProfile, on_delete=models.CASCADE, related_name="participations"
    )
    role = models.CharField(_("role"), max_length=10, choices=ParticipantRole.choices)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ParticipantStatus.choices,
        default=ParticipantStatus.APPLIED,
    )
    status_changed_at = models.DateTimeField(_("status since"), default=timezone.now)
    mentor_capacity = models.PositiveSmallIntegerField(
        _("mentees (overrides the program default)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
    )
    subjects = models.ManyToManyField(
        Course,
        blank=True,
        related_name="participants",
        verbose_name=_("subjects"),
        help_text=_("Offered by a mentor or tutor; needed by a mentee."),
    )
    goals = models.TextField(_("goals"), blank=True, default="")

    class Meta:
        ordering = ["student__user__family_name", "student__user__given_name"]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [
            models.UniqueConstraint(
                fields=["program", "student"], name="participant_once_per_program"
            )
        ]
        indexes = [models.Index(fields=["program", "status", "role"])]

    def __str__(self) -> str:
        return f"{self.student} ({self.get_role_display()}, {self.program})"

    @property
    def capacity(self) -> int:
        return self.mentor_capacity or self.program.default_mentor_capacity


class ParticipantStatusChange(models.Model):
    """The history of a participant's status, for funnels and for accountability."""

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="status_changes"
    )
    from_status = models.CharField(max_length=20, choices=ParticipantStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=ParticipantStatus.choices)
    reason = models.CharField(max_length=500, blank=True, default="")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["changed_at", "id"]
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")

    def __str__(self) -> str:
        return f"{self.participant_id}: {self.from_status or '∅'} → {self.to_status}"
