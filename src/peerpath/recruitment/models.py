"""
Applications and referrals, the screening checklist, and guardian consent.

These are the first three steps of MENTOR's Elements of Effective Practice
(recruitment, screening; training lives in ``peerpath.training``). A
participant can only become ``ready`` when :mod:`peerpath.recruitment.readiness`
finds nothing missing.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from peerpath.core.models import TimeStampedModel
from peerpath.programs.models import Participant, Program


class MeetingMode(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    ONLINE = "online", _("Online")
    EITHER = "either", _("Either")


class Application(TimeStampedModel):
    """
    What a student told the program when applying (or was invited to).

    A referral creates the application with ``submitted_at`` empty: the
    student is invited and completes it. ``subject_grades`` maps a course id
    to the tutor's current grade in percent, for the program's minimum.
    """

    participant = models.OneToOneField(
        Participant, on_delete=models.CASCADE, related_name="application"
    )
    interests = models.JSONField(_("interests"), default=list, blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    availability = models.JSONField(_("weekly availability"), default=list, blank=True)
    meeting_mode = models.CharField(
        _("meet online or in person"),
        max_length=10,
        choices=MeetingMode.choices,
        default=MeetingMode.EITHER,
    )
    partner_preferences = models.CharField(
        _("anything about your partner you would prefer"), max_length=500, blank=True, default=""
    )
    motivation = models.TextField(_("why you want to mentor"), blank=True, default="")
    experience = models.TextField(_("experience helping others"), blank=True, default="")
    subject_grades = models.JSONField(
        _("current grades in offered subjects"), default=dict, blank=True
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    referral_note = models.CharField(_("why you refer this student"), max_length=500, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_message = models.TextField(_("message to the applicant"), blank=True, default="")

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")

    def __str__(self) -> str:
        return f"Application of {self.participant}"


class ScreeningItem(TimeStampedModel):
    """One item of a program's screening checklist."""

    class Kind(models.TextChoices):
        REFERENCE = "reference", _("Reference")
        INTERVIEW = "interview", _("Interview")
        CODE_OF_CONDUCT = "code_of_conduct", _("Code of conduct signed")
        BACKGROUND_CHECK = "background_check", _("Background check")
        OTHER = "other", _("Other")

    class AppliesTo(models.TextChoices):
        MENTORS = "mentor", _("Mentors")
        MENTEES = "mentee", _("Mentees")
        ALL = "all", _("Everyone")

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="screening_items")
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    applies_to = models.CharField(
        _("applies to"), max_length=10, choices=AppliesTo.choices, default=AppliesTo.MENTORS
    )
    required = models.BooleanField(_("required before matching"), default=True)
    expires = models.BooleanField(_("has an expiry date"), default=False)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("screening item")
        verbose_name_plural = _("screening items")
        constraints = [
            models.UniqueConstraint(fields=["program", "name"], name="screening_item_unique_name")
        ]

    def __str__(self) -> str:
        return self.name

    def applies_to_role(self, role: str) -> bool:
        return self.applies_to == self.AppliesTo.ALL or role in {self.applies_to, "both"}


class ScreeningRecord(TimeStampedModel):
    """That one checklist item was completed for one participant: by whom, when, until when."""

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="screening_records"
    )
    item = models.ForeignKey(ScreeningItem, on_delete=models.CASCADE, related_name="records")
    completed_on = models.DateField(_("completed on"))
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True, default="")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("screening record")
        verbose_name_plural = _("screening records")
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "item"], name="screening_record_once_per_item"
            )
        ]

    def __str__(self) -> str:
        return f"{self.item} — {self.participant}"

    def is_expired(self, today: dt.date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.expires_on is not None and self.expires_on < today


class GuardianConsent(TimeStampedModel):
    """
    A request for a guardian's consent, and their answer.

    The guardian answers through a signed, single-use link that expires
    (see :mod:`peerpath.recruitment.consent`); only a hash of the link's nonce
    is stored. Consent is given to one version of the program's terms.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the guardian")
        GIVEN = "given", _("Given")
        REFUSED = "refused", _("Refused")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        SUPERSEDED = "superseded", _("Replaced by a newer request")

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="consents")
    guardian_email = models.EmailField(_("guardian's e-mail"))
    guardian = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    terms_version = models.PositiveIntegerField(_("version of the terms"))
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    nonce_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField(_("link expires"))
    responded_at = models.DateTimeField(null=True, blank=True)
    responder_name = models.CharField(_("name typed by the guardian"), max_length=200, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("guardian consent")
        verbose_name_plural = _("guardian consents")

    def __str__(self) -> str:
        return f"{self.get_status_display()}: {self.participant}"
