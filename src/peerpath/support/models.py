"""
Monitoring and support: check-ins, session feedback, health settings, support
contacts and concerns.

A concern is the most private thing Peerpath holds: only the school's
safeguarding leads and the person who raised it can see it, and every view is
written to the audit log.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from peerpath.core.models import School, TimeStampedModel
from peerpath.matching.models import Match
from peerpath.meetings.models import Session
from peerpath.programs.models import Participant, Program


class SupportSettings(TimeStampedModel):
    """Per-program cadence, contact schedule and health thresholds (defaults are sensible)."""

    program = models.OneToOneField(
        Program, on_delete=models.CASCADE, related_name="support_settings"
    )
    checkin_every_days = models.PositiveSmallIntegerField(
        _("check-in survey every (days)"), default=14, validators=[MinValueValidator(7)]
    )
    custom_questions = models.JSONField(_("your own check-in questions"), default=list, blank=True)
    first_month_contacts = models.PositiveSmallIntegerField(
        _("support contacts in the first month"), default=2
    )
    contact_every_days = models.PositiveSmallIntegerField(
        _("then a support contact every (days)"), default=30
    )
    watch_no_meeting_days = models.PositiveSmallIntegerField(
        _("watch when no meeting for (days)"), default=14
    )
    risk_no_meeting_days = models.PositiveSmallIntegerField(
        _("at risk when no meeting for (days)"), default=28
    )
    watch_relationship_below = models.FloatField(
        _("watch when the relationship score is below"),
        default=3.5,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    risk_relationship_below = models.FloatField(
        _("at risk when the relationship score is below"),
        default=2.5,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    risk_no_shows = models.PositiveSmallIntegerField(
        _("at risk after this many no-shows in a row"), default=2
    )
    watch_rating_below = models.FloatField(
        _("watch when session ratings average below"),
        default=3.0,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )

    class Meta:
        verbose_name = _("support settings")
        verbose_name_plural = _("support settings")

    def __str__(self) -> str:
        return f"Support settings of {self.program}"


class CheckInResponse(TimeStampedModel):
    """One participant's answers to a survey; only they and coordinators see them."""

    class Kind(models.TextChoices):
        CHECKIN = "checkin", _("Check-in")
        PRE = "pre", _("Before the program")
        POST = "post", _("After the program")

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="checkin_responses"
    )
    match = models.ForeignKey(
        Match, on_delete=models.SET_NULL, null=True, blank=True, related_name="checkin_responses"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.CHECKIN)
    answers = models.JSONField(default=dict)
    scores = models.JSONField(default=dict, help_text="Instrument key → mean score (1–5)")
    custom_answers = models.JSONField(default=dict, blank=True)
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        verbose_name = _("check-in response")
        verbose_name_plural = _("check-in responses")
        indexes = [models.Index(fields=["participant", "kind", "submitted_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.participant_id}"


class CheckInReminder(models.Model):
    """
    One e-mail inviting one participant to a check-in due on ``due_on``, claimed before sending.

    The unique key (participant, match, due date) makes the invitation exist
    once however many workers run; the status walk ``pending → sending →
    sent`` (or ``failed`` and back on a retry) is changed only by conditional
    updates, so two workers never both send it (see :mod:`peerpath.support.checkins`).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed, will retry")
        GAVE_UP = "gave_up", _("Failed, gave up")
        SKIPPED = "skipped", _("No longer needed")

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="+")
    due_on = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField()
    next_attempt_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=64, blank=True, default="")
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")

    class Meta:
        verbose_name = _("check-in reminder")
        verbose_name_plural = _("check-in reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "match", "due_on"], name="checkin_reminder_once"
            )
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"Check-in of {self.participant_id} due {self.due_on}: {self.status}"


class SessionFeedback(TimeStampedModel):
    """
    One participant's feedback on a session they took part in: a rating, a comment, or both.

    Private to its author and the program's coordinators: the partner never
    sees it. Ratings of a pair's sessions feed the match's health.
    """

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="feedback")
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="session_feedback"
    )
    rating = models.PositiveSmallIntegerField(
        _("how did the session go? (1–5)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    comment = models.TextField(_("comment"), max_length=2000, blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("session feedback")
        verbose_name_plural = _("session feedback")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "participant"], name="session_feedback_once"
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="session_feedback_rating_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"Feedback of {self.participant_id} on session {self.session_id}"


class SupportContact(TimeStampedModel):
    """A coordinator's contact with a mentor, mentee or guardian about a match."""

    class With(models.TextChoices):
        MENTOR = "mentor", _("Mentor")
        MENTEE = "mentee", _("Mentee")
        GUARDIAN = "guardian", _("Guardian")
        PAIR = "pair", _("Both partners")

    class Method(models.TextChoices):
        IN_PERSON = "in_person", _("In person")
        PHONE = "phone", _("Phone")
        EMAIL = "email", _("E-mail")
        MESSAGE = "message", _("Peerpath message")

    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="support_contacts")
    contacted_with = models.CharField(_("with"), max_length=10, choices=With.choices)
    method = models.CharField(_("how"), max_length=10, choices=Method.choices)
    happened_at = models.DateTimeField(_("when"), default=timezone.now)
    notes = models.TextField(_("notes (coordinators only)"), blank=True, default="")
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-happened_at", "-pk"]
        verbose_name = _("support contact")
        verbose_name_plural = _("support contacts")

    def __str__(self) -> str:
        return f"Contact with {self.get_contacted_with_display()} on {self.happened_at:%Y-%m-%d}"


class Concern(TimeStampedModel):
    """A private concern, for the school's safeguarding leads."""

    class Status(models.TextChoices):
        NEW = "new", _("New")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        RESOLVED = "resolved", _("Resolved")

    class Category(models.TextChoices):
        WELLBEING = "wellbeing", _("Someone's wellbeing or safety")
        BOUNDARIES = "boundaries", _("Something that crossed a line")
        BULLYING = "bullying", _("Bullying or unkindness")
        MATCH = "match", _("A problem with my match")
        OTHER = "other", _("Something else")

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="concerns")
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    category = models.CharField(_("what it is about"), max_length=12, choices=Category.choices)
    description = models.TextField(_("what happened"))
    match = models.ForeignKey(
        Match, on_delete=models.SET_NULL, null=True, blank=True, related_name="concerns"
    )
    status = models.CharField(max_length=14, choices=Status.choices, default=Status.NEW)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("concern")
        verbose_name_plural = _("concerns")

    def __str__(self) -> str:
        return f"Concern {self.pk} ({self.get_status_display()})"


class ConcernNote(TimeStampedModel):
    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    text = models.TextField()
    status_to = models.CharField(max_length=14, choices=Concern.Status.choices, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("concern note")
        verbose_name_plural = _("concern notes")

    def __str__(self) -> str:
        return f"Note on concern {self.concern_id}"
