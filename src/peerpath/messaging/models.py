"""
Messages between the members of a match or a group, and the words a program holds for review.

A :class:`Thread` belongs to one match or to one group (its message board). Each :class:`Message` is *delivered*
(its recipient sees it), *held* (it waits for one of the school's
safeguarding leads; only its author and the leads see it) or *rejected* (it
was never delivered; its author sees why). Which messages are held is decided
in :mod:`peerpath.messaging.services`, from what
:mod:`peerpath.messaging.detector` finds in them.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from peerpath.core.models import TimeStampedModel
from peerpath.matching.models import Match
from peerpath.meetings.models import Group
from peerpath.programs.models import Program

#: The longest message a student can send, in characters.
MESSAGE_MAX_LENGTH = 2000


class Thread(TimeStampedModel):
    """
    The conversation of one match, or the message board of one group
    (created with its first message); exactly one of the two is set.
    """

    program = models.ForeignKey(
        Program, on_delete=models.CASCADE, related_name="message_threads", verbose_name=_("program")
    )
    match = models.OneToOneField(
        Match,
        on_delete=models.CASCADE,
        related_name="thread",
        verbose_name=_("match"),
        null=True,
        blank=True,
    )
    group = models.OneToOneField(
        Group,
        on_delete=models.CASCADE,
        related_name="thread",
        verbose_name=_("group"),
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("message thread")
        verbose_name_plural = _("message threads")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(match__isnull=False, group__isnull=True)
                | models.Q(match__isnull=True, group__isnull=False),
                name="thread_for_match_or_group",
            )
        ]

    def __str__(self) -> str:
        if self.group_id is not None:
            return f"Board of group {self.group_id}"
        return f"Thread of match {self.match_id}"


class Message(models.Model):
    """One message in a thread, with what the detector found in it and how it was moderated."""

    class Status(models.TextChoices):
        DELIVERED = "delivered", _("Delivered")
        HELD = "held", _("Held for review")
        REJECTED = "rejected", _("Not delivered")

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("author"),
    )
    body = models.TextField(_("message"), validators=[MaxLengthValidator(MESSAGE_MAX_LENGTH)])
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DELIVERED
    )
    findings = models.JSONField(
        _("what the detector found"),
        default=list,
        blank=True,
        help_text=_("A list of {kind, start, end}: spans of the body."),
    )
    created_at = models.DateTimeField(_("sent"), default=timezone.now, db_index=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("moderated by"),
    )
    moderated_at = models.DateTimeField(_("moderated"), null=True, blank=True)
    rejection_reason = models.TextField(_("why it was not delivered"), blank=True, default="")

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [
            models.Index(fields=["thread", "created_at"]),
            models.Index(fields=["status", "created_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="delivered", delivered_at__isnull=False)
                | ~models.Q(status="delivered"),
                name="message_delivered_has_time",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="rejected") | ~models.Q(rejection_reason=""),
                name="message_rejected_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"Message {self.pk} ({self.status})"

    @property
    def finding_kinds(self) -> list[str]:
        """The kinds of what was found, each once, in the order first found."""
        return list(dict.fromkeys(str(f.get("kind", "")) for f in self.findings))


class ModerationTerm(TimeStampedModel):
    """A word or phrase that holds a minor's message for review, in one program."""

    program = models.ForeignKey(
        Program,
        on_delete=models.CASCADE,
        related_name="moderation_terms",
        verbose_name=_("program"),
    )
    term = models.CharField(_("word or phrase"), max_length=60)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["term"]
        verbose_name = _("word held for review")
        verbose_name_plural = _("words held for review")
        constraints = [
            models.UniqueConstraint(fields=["program", "term"], name="moderation_term_once")
        ]

    def __str__(self) -> str:
        return self.term
