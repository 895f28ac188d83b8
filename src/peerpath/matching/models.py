"""
Match rounds, proposals, published matches, requests and closures.

A :class:`MatchRound` snapshots the engine problem built from a program's
ready participants, the settings used and the engine's result, so a round
can be reproduced. The coordinator edits its :class:`Proposal` rows (lock,
remove, swap, pair by hand) and publishes them: each becomes a
:class:`Match`.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from peerpath.core.models import TimeStampedModel
from peerpath.programs.models import Participant, Program


class MatchMode(models.TextChoices):
    OPTIMAL = "optimal", _("Best overall (optimal)")
    FAIR = "fair", _("Fairest: lift the weakest pair (fair)")
    STABLE = "stable", _("Stable: no pair would rather swap (stable)")


class MatchSettings(TimeStampedModel):
    """
    How a program matches: criteria with weights, the mode, and request rules.

    ``criteria`` is a list of ``{"key", "weight", "hard", ...}`` entries over
    the criteria Peerpath knows (see :mod:`peerpath.matching.criteria`).
    """

    program = models.OneToOneField(Program, on_delete=models.CASCADE, related_name="match_settings")
    criteria = models.JSONField(default=list)
    mode = models.CharField(max_length=10, choices=MatchMode.choices, default=MatchMode.OPTIMAL)
    allow_mentee_requests = models.BooleanField(
        _("mentees may ask for a mentor from a list"), default=False
    )

    class Meta:
        verbose_name = _("match settings")
        verbose_name_plural = _("match settings")

    def __str__(self) -> str:
        return f"Match settings of {self.program}"


class RoundStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to run")
    RUNNING = "running", _("Running")
    PROPOSED = "proposed", _("Ready for review")
    PUBLISHED = "published", _("Published")
    DISCARDED = "discarded", _("Discarded")
    FAILED = "failed", _("Failed")


class BackgroundRound(TimeStampedModel):
    """
    What a round needs to be run in the background (see :mod:`peerpath.matching.rounds`).

    A worker that claims a round sets it RUNNING, counts the attempt and holds
    it until ``claimed_until`` (its lease, renewed while it works). A round
    still RUNNING after its lease has expired was left by a worker that
    stopped; it is queued again (``restarted_at``) or, after too many
    attempts, failed.
    """

    Status = RoundStatus

    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    progress = models.CharField(max_length=200, blank=True, default="")
    error = models.TextField(blank=True, default="")
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(
        null=True, blank=True, help_text="The running worker's lease; renewed while it works"
    )
    attempts = models.PositiveSmallIntegerField(
        default=0, help_text="How many times a worker has started this round"
    )
    restarted_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the round was last queued again after a worker stopped",
    )

    class Meta:
        abstract = True


class MatchRound(BackgroundRound):
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="match_rounds")
    mode = models.CharField(max_length=10, choices=MatchMode.choices)
    seed = models.PositiveIntegerField(default=0)
    settings_snapshot = models.JSONField(default=dict)
    problem = models.JSONField(default=dict, help_text="The engine input, as docs/matching.md")
    result = models.JSONField(default=dict)
    timings = models.JSONField(default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("match round")
        verbose_name_plural = _("match rounds")

    def __str__(self) -> str:
        return f"Round {self.pk} of {self.program} ({self.get_status_display()})"

    @property
    def is_open(self) -> bool:
        return self.status in {self.Status.QUEUED, self.Status.RUNNING, self.Status.PROPOSED}


class Proposal(models.Model):
    """A proposed pair in a round, or an unmatched mentee (``mentor`` empty) with its reason."""

    class Source(models.TextChoices):
        ENGINE = "engine", _("Engine")
        MANUAL = "manual", _("Paired by hand")

    round = models.ForeignKey(MatchRound, on_delete=models.CASCADE, related_name="proposals")
    mentee = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    mentor = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="+", null=True, blank=True
    )
    score = models.FloatField(null=True, blank=True)
    explanation = models.JSONField(default=dict)
    broken = models.JSONField(default=list, help_text="Hard criteria this pair breaks")
    reason = models.CharField(max_length=500, blank=True, default="")
    locked = models.BooleanField(default=False)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.ENGINE)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        constraints = [
            models.UniqueConstraint(fields=["round", "mentee"], name="proposal_one_per_mentee")
        ]

    def __str__(self) -> str:
        return f"{self.mentee_id} → {self.mentor_id}"


class Match(TimeStampedModel):
    """A published mentor–mentee pair."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        CLOSED = "closed", _("Closed")

    class CloseReason(models.TextChoices):
        TERM_ENDED = "term_ended", _("The term ended")
        GOALS_MET = "goals_met", _("Goals met")
        MISMATCH = "mismatch", _("Not a good fit")
        MOVED = "moved", _("Moved away or left the school")
        OTHER = "other", _("Other")

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="matches")
    mentor = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="mentor_matches")
    mentee = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="mentee_matches")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    score = models.FloatField(null=True, blank=True)
    explanation = models.JSONField(default=dict)
    round = models.ForeignKey(
        MatchRound, on_delete=models.SET_NULL, null=True, blank=True, related_name="matches"
    )
    started_at = models.DateTimeField(default=timezone.now)
    mentor_agreed_at = models.DateTimeField(null=True, blank=True)
    mentee_agreed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    close_reason = models.CharField(max_length=20, choices=CloseReason.choices, blank=True)
    close_note = models.TextField(blank=True, default="")
    future_contact_allowed = models.BooleanField(null=True, blank=True)
    mentor_would_mentor_again = models.BooleanField(null=True, blank=True)
    rematch_requested = models.BooleanField(default=False)

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("match")
        verbose_name_plural = _("matches")
        constraints = [
            models.UniqueConstraint(
                fields=["mentee"],
                condition=Q(status="active"),
                name="match_one_active_per_mentee",
            ),
            models.UniqueConstraint(
                fields=["mentor", "mentee"],
                condition=Q(status="active"),
                name="match_pair_active_once",
            ),
        ]
        indexes = [models.Index(fields=["program", "status"])]

    def __str__(self) -> str:
        return f"{self.mentor.student} ↔ {self.mentee.student}"

    @property
    def agreed(self) -> bool:
        return self.mentor_agreed_at is not None and self.mentee_agreed_at is not None


class MentorRequest(TimeStampedModel):
    """A mentee's request for a particular mentor, in programs that allow it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the mentor")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        CANCELLED = "cancelled", _("Cancelled")

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="mentor_requests")
    mentee = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    mentor = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    message = models.CharField(max_length=500, blank=True, default="")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("mentor request")
        verbose_name_plural = _("mentor requests")
        constraints = [
            models.UniqueConstraint(
                fields=["mentee"],
                condition=Q(status="pending"),
                name="one_pending_request_per_mentee",
            )
        ]

    def __str__(self) -> str:
        return f"{self.mentee_id} asks {self.mentor_id}"


class ExitSurvey(TimeStampedModel):
    """One side's answers when a match closes."""

    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="exit_surveys")
    respondent = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    rating = models.PositiveSmallIntegerField(_("how the match went (1–5)"))
    helped = models.TextField(_("what helped"), blank=True, default="")
    improve = models.TextField(_("what could be better"), blank=True, default="")
    would_again = models.BooleanField(_("would take part again"), null=True)

    class Meta:
        verbose_name = _("exit survey")
        verbose_name_plural = _("exit surveys")
        constraints = [
            models.UniqueConstraint(fields=["match", "respondent"], name="exit_survey_once")
        ]

    def __str__(self) -> str:
        return f"Exit survey {self.match_id}/{self.respondent_id}"


class GroupLeaderRule(models.TextChoices):
    NONE = "none", _("No leader needed")
    AT_LEAST_ONE = "at_least_one", _("At least one peer leader per group")
    EXACTLY_ONE = "exactly_one", _("Exactly one peer leader per group")


class GroupSettings(TimeStampedModel):
    """
    How a group program forms its groups (see docs/groups.md for the rules).

    ``criteria`` is a list of ``{"key", "prefer", "weight"}`` over the keys of
    :data:`peerpath.matching.groups.GROUP_CRITERIA`; ``no_isolated`` a list of
    those keys for which nobody should be the only one of their kind.
    Mentors (and "both") are the peer leaders.
    """

    program = models.OneToOneField(Program, on_delete=models.CASCADE, related_name="group_settings")
    min_size = models.PositiveSmallIntegerField(
        _("smallest group"), default=4, validators=[MinValueValidator(2), MaxValueValidator(20)]
    )
    max_size = models.PositiveSmallIntegerField(
        _("largest group"), default=6, validators=[MinValueValidator(2), MaxValueValidator(20)]
    )
    leaders = models.CharField(
        _("peer leaders"),
        max_length=20,
        choices=GroupLeaderRule.choices,
        default=GroupLeaderRule.NONE,
    )
    min_shared_slots = models.PositiveSmallIntegerField(
        _("free times every member shares"),
        default=1,
        validators=[MaxValueValidator(10)],
    )
    criteria = models.JSONField(default=list)
    no_isolated = models.JSONField(default=list)

    class Meta:
        verbose_name = _("group settings")
        verbose_name_plural = _("group settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(min_size__lte=F("max_size")), name="group_settings_sizes_ordered"
            )
        ]

    def __str__(self) -> str:
        return f"Group settings of {self.program}"


class GroupRound(BackgroundRound):
    """
    A formation round of a group program: the engine's proposal, under review.

    ``problem`` is the engine input (the JSON form of docs/groups.md),
    ``result`` the engine's answer, ``groups`` the grouping as the
    coordinator has edited it (``{"g1": ["<participant pk>", ...], ...}``) and
    ``evaluation`` that grouping re-scored by the engine (with the rules it
    breaks). Publishing creates the meetings app's groups.
    """

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="group_rounds")
    seed = models.PositiveIntegerField(default=0)
    settings_snapshot = models.JSONField(default=dict)
    problem = models.JSONField(default=dict, help_text="The engine input, as docs/groups.md")
    result = models.JSONField(default=dict)
    groups = models.JSONField(default=dict)
    evaluation = models.JSONField(default=dict)
    skipped = models.JSONField(default=dict, help_text="Participant pk -> why not in the problem")
    timings = models.JSONField(default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("group formation round")
        verbose_name_plural = _("group formation rounds")

    def __str__(self) -> str:
        return f"Group round {self.pk} of {self.program} ({self.get_status_display()})"


class ArrivalOverdue(models.Model):
    """
    A newly arrived student of a buddy program still without a buddy a week
    after arrival; flagged once, and the program's coordinators told.
    """

    participant = models.OneToOneField(
        Participant, on_delete=models.CASCADE, related_name="arrival_overdue"
    )
    flagged_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("arrival without a buddy")
        verbose_name_plural = _("arrivals without a buddy")

    def __str__(self) -> str:
        return f"No buddy yet: {self.participant_id}"
