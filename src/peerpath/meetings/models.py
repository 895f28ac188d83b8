"""
Sessions, attendance, session logs and notes, groups, shared goals and reminders.

A :class:`Session` belongs to exactly one match (a pair) or one
:class:`Group`; weekly series are stored as one row per occurrence sharing a
``series`` id, so each occurrence can be moved or cancelled on its own and
keeps its local wall-clock time across daylight-saving changes.
Times are stored in UTC; the school's time zone is used to suggest, show and
export them.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from peerpath.core.models import TimeStampedModel
from peerpath.matching.models import Match
from peerpath.programs.models import Participant, Program


class MeetingSettings(TimeStampedModel):
    """A program's reminder rules; a program without a row uses the defaults."""

    program = models.OneToOneField(
        Program, on_delete=models.CASCADE, related_name="meeting_settings"
    )
    reminder_lead_hours = models.PositiveSmallIntegerField(
        _("remind this many hours before a session"),
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(168)],
    )
    log_nudge_after_hours = models.PositiveSmallIntegerField(
        _("ask for a session log this many hours after a session"),
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(168)],
    )
    goal_checkin_days = models.PositiveSmallIntegerField(
        _("nudge a goal check-in after this many days without an update"),
        default=14,
        validators=[MinValueValidator(3), MaxValueValidator(90)],
    )

    class Meta:
        verbose_name = _("meeting settings")
        verbose_name_plural = _("meeting settings")

    def __str__(self) -> str:
        return f"Meeting settings of {self.program}"


class Group(TimeStampedModel):
    """A study group, buddy group or mentorship circle in a group program."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        CLOSED = "closed", _("Closed")

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="groups")
    name = models.CharField(_("name"), max_length=120)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    closed_at = models.DateTimeField(
        _("closed at"),
        null=True,
        blank=True,
        help_text="When the group closed; its board's retention period counts from here",
    )
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    close_reason = models.CharField(
        _("why it closed"),
        max_length=500,
        blank=True,
        default="",
        help_text="The coordinator's reason, as the members were told it by e-mail",
    )

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("group")
        verbose_name_plural = _("groups")
        indexes = [models.Index(fields=["program", "status"])]

    def __str__(self) -> str:
        return self.name


class GroupMember(models.Model):
    class Role(models.TextChoices):
        LEADER = "leader", _("Peer leader")
        MEMBER = "member", _("Member")

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="members")
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="group_memberships"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)

    class Meta:
        ordering = ["role", "pk"]
        verbose_name = _("group member")
        verbose_name_plural = _("group members")
        constraints = [
            models.UniqueConstraint(fields=["group", "participant"], name="group_member_once")
        ]

    def __str__(self) -> str:
        return f"{self.participant_id} in {self.group_id}"


class Session(TimeStampedModel):
    """One meeting of a pair or a group, at a time in UTC."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        CANCELLED = "cancelled", _("Cancelled")

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="sessions")
    match = models.ForeignKey(
        Match, on_delete=models.CASCADE, related_name="sessions", null=True, blank=True
    )
    group = models.ForeignKey(
        Group, on_delete=models.CASCADE, related_name="sessions", null=True, blank=True
    )
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    series = models.UUIDField(null=True, blank=True, db_index=True)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    duration_minutes = models.PositiveSmallIntegerField(_("planned minutes"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    location = models.CharField(_("place"), max_length=200, blank=True, default="")
    online_url = models.URLField(_("online link"), max_length=500, blank=True, default="")
    # RFC 5545 SEQUENCE: calendars replace an event only when it grows.
    sequence = models.PositiveIntegerField(default=0)
    change_reason = models.CharField(max_length=500, blank=True, default="")
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["starts_at", "pk"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        constraints = [
            models.CheckConstraint(
                condition=Q(match__isnull=False, group__isnull=True)
                | Q(match__isnull=True, group__isnull=False),
                name="session_for_match_or_group",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="session_ends_after_start"
            ),
        ]
        indexes = [
            models.Index(fields=["program", "starts_at"]),
            models.Index(fields=["status", "starts_at"]),
        ]

    def __str__(self) -> str:
        return f"Session {self.pk} at {self.starts_at:%Y-%m-%d %H:%M} UTC"

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED


class Attendance(models.Model):
    """
    Whether one participant was at a session, and who said so.

    Each side of a pair confirms a session ("we met", or "my partner did not
    come"); a group's peer leader or the coordinator records each member.
    ``role`` says in which capacity the participant attended, so mentor hours
    are a plain sum over ``role in (mentor, leader)``.
    """

    class Status(models.TextChoices):
        PRESENT = "present", _("Attended")
        NO_SHOW = "no_show", _("Did not come")

    class Role(models.TextChoices):
        MENTOR = "mentor", _("Mentor")
        MENTEE = "mentee", _("Mentee")
        LEADER = "leader", _("Peer leader")
        MEMBER = "member", _("Member")

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendance")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    role = models.CharField(max_length=10, choices=Role.choices)
    status = models.CharField(max_length=10, choices=Status.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "participant"], name="attendance_once_per_session"
            )
        ]
        indexes = [models.Index(fields=["participant", "role", "status"])]

    def __str__(self) -> str:
        return f"{self.participant_id} {self.status} at {self.session_id}"


class SessionLog(TimeStampedModel):
    """What happened in a session; seen by both sides and the coordinator."""

    session = models.OneToOneField(Session, on_delete=models.CASCADE, related_name="log")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    duration_minutes = models.PositiveSmallIntegerField(
        _("how long you met (minutes)"),
        validators=[MinValueValidator(5), MaxValueValidator(480)],
    )
    topics = models.TextField(_("topics"), max_length=2000)
    went_well = models.TextField(_("what went well"), max_length=2000, blank=True, default="")
    next_steps = models.TextField(_("next steps"), max_length=2000, blank=True, default="")

    class Meta:
        verbose_name = _("session log")
        verbose_name_plural = _("session logs")

    def __str__(self) -> str:
        return f"Log of session {self.session_id}"


class SessionNote(TimeStampedModel):
    """A note on a session: shared with the partner(s), or private to its author alone."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    body = models.TextField(_("note"), max_length=4000)
    private = models.BooleanField(_("only I can read this"), default=False)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("session note")
        verbose_name_plural = _("session notes")
        indexes = [models.Index(fields=["session", "private", "author"])]

    def __str__(self) -> str:
        return f"Note {self.pk} on session {self.session_id}"


class Goal(TimeStampedModel):
    """A shared goal of a pair, written SMART-style: what, how it is measured, by when."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("In progress")
        ACHIEVED = "achieved", _("Achieved")
        DROPPED = "dropped", _("Set aside")

    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="goals")
    what = models.CharField(_("what we want to achieve"), max_length=300)
    measure = models.CharField(_("how we will know (the measure)"), max_length=300)
    due_on = models.DateField(_("by when"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    # The latest progress update's percentage, kept here for one-query overviews.
    progress = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(100)])
    last_update_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["status", "due_on", "pk"]
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        indexes = [models.Index(fields=["match", "status"])]

    def __str__(self) -> str:
        return self.what


class Milestone(models.Model):
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("milestone"), max_length=200)
    due_on = models.DateField(_("by when"), null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")

    def __str__(self) -> str:
        return self.title


class GoalUpdate(models.Model):
    """A progress report on a goal by either partner, optionally from a session."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="updates")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    session = models.ForeignKey(
        Session, on_delete=models.SET_NULL, null=True, blank=True, related_name="goal_updates"
    )
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"), validators=[MaxValueValidator(100)]
    )
    note = models.TextField(_("what changed"), max_length=2000, blank=True, default="")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("goal update")
        verbose_name_plural = _("goal updates")

    def __str__(self) -> str:
        return f"{self.goal_id}: {self.progress}%"


class CalendarFeed(TimeStampedModel):
    """
    A private iCalendar feed URL of one user.

    Only a SHA-256 digest of the secret in the URL is stored; revoking the
    feed (or making a new one) makes the old URL answer 404.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    token_digest = models.CharField(max_length=64, unique=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(revoked_at__isnull=True), name="one_live_feed_per_user"
            )
        ]

    def __str__(self) -> str:
        return f"Calendar feed of {self.user_id}"


class ReminderDelivery(models.Model):
    """
    One reminder e-mail to one person, claimed before it is sent.

    The unique key (kind, object, version, recipient) makes a reminder exist
    once however many schedulers run; the status walk
    ``pending → sending → sent`` (or ``failed`` and back to ``sending`` on a
    retry) is changed only by a conditional update, so two workers never both
    send it. ``version`` tells a moved session's reminder (its sequence) or
    a goal's next check-in period apart from the earlier one.
    """

    class Kind(models.TextChoices):
        SESSION = "session", _("Session reminder")
        LOG = "log", _("Session log nudge")
        GOAL = "goal", _("Goal check-in")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed, will retry")
        GAVE_UP = "gave_up", _("Failed, gave up")
        SKIPPED = "skipped", _("No longer needed")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    object_id = models.PositiveBigIntegerField()
    version = models.CharField(max_length=40, default="", blank=True)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField()
    next_attempt_at = models.DateTimeField()
    enqueued_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=64, blank=True, default="")
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")

    class Meta:
        verbose_name = _("reminder delivery")
        verbose_name_plural = _("reminder deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_id", "version", "recipient"], name="reminder_once"
            )
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id}/{self.version} → {self.recipient_id}: {self.status}"
