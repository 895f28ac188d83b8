"""
Writes for messages, their moderation and the program's list of held words.

Each service checks who may act (:mod:`peerpath.messaging.rules`), saves,
writes an audit entry in the same transaction, and sends its e-mail after
commit. Audit entries never contain a message's text: it stays in the thread.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from peerpath.core.access import school_role_holders
from peerpath.core.audit import audit_record
from peerpath.core.emails import email_on_commit, email_users_on_commit
from peerpath.core.models import Role, User
from peerpath.matching.models import Match
from peerpath.meetings.models import Group
from peerpath.messaging.detector import detect
from peerpath.messaging.models import MESSAGE_MAX_LENGTH, Message, ModerationTerm, Thread
from peerpath.messaging.rules import (
    group_involves_minor,
    group_members_of,
    group_send_refusal,
    involves_minor,
    is_safeguarding_lead,
    send_refusal,
)
from peerpath.programs.models import Participant, Program
from peerpath.programs.selectors import program_can_manage, program_coordinators
from peerpath.recruitment.readiness import has_consent

#: The longest reason a safeguarding lead can give for not delivering a message.
REASON_MAX_LENGTH = 500


def _site(path: str) -> str:
    return f"{settings.PEERPATH_SITE_URL}{path}"


@dataclass(frozen=True)
class Conversation:
    """A match's thread or a group's board: who is in it, who may write, where it lives."""

    program: Program
    match: Match | None = None
    group: Group | None = None

    @classmethod
    def of(cls, *, match: Match | None = None, group: Group | None = None) -> Conversation:
        """Load the match or the group (exactly one) with what the rules read."""
        if (match is None) == (group is None):
            raise ValueError("Give a match or a group.")
        if match is not None:
            match = Match.objects.select_related(
                "program__school__organization", "mentor__student__user", "mentee__student__user"
            ).get(pk=match.pk)
            return cls(program=match.program, match=match)
        assert group is not None
        group = Group.objects.select_related("program__school__organization").get(pk=group.pk)
        return cls(program=group.program, group=group)

    @classmethod
    def of_thread(cls, thread: Thread) -> Conversation:
        if thread.group_id is not None:
            return cls.of(group=Group(pk=thread.group_id))
        return cls.of(match=Match(pk=thread.match_id))

    def members(self) -> list[Participant]:
        if self.match is not None:
            return [self.match.mentor, self.match.mentee]
        assert self.group is not None
        return [m.participant for m in group_members_of(self.group)]

    def refusal(self, user: User) -> str:
        if self.match is not None:
            return send_refusal(self.match, user)
        assert self.group is not None
        return group_send_refusal(self.group, user)

    def involves_minor(self) -> bool:
        if self.match is not None:
            return involves_minor(self.match)
        assert self.group is not None
        return group_involves_minor(self.group)

    def url(self) -> str:
        if self.match is not None:
            return _site(reverse("messaging:thread", args=[self.match.pk]))
        assert self.group is not None
        return _site(reverse("messaging:group-board", args=[self.group.pk]))

    def thread(self) -> Thread:
        if self.match is not None:
            found, _created = Thread.objects.get_or_create(
                match=self.match, defaults={"program": self.program}
            )
        else:
            found, _created = Thread.objects.get_or_create(
                group=self.group, defaults={"program": self.program}
            )
        return found

    def audit_target(self) -> dict[str, int]:
        if self.match is not None:
            return {"match": self.match.pk}
        assert self.group is not None
        return {"group": self.group.pk}


def _tell_recipients(message: Message, conversation: Conversation) -> None:
    """E-mail everyone in the conversation but the author that a message arrived."""
    author = message.author
    assert author is not None
    for participant in conversation.members():
        recipient = participant.student.user
        if recipient.pk == author.pk:
            continue
        email_on_commit(
            to=[recipient.email],
            template="message_new",
            context={
                "sender": author.get_short_name(),
                "program": conversation.program.name,
                "url": conversation.url(),
            },
            language=recipient.preferred_language or None,
        )


@transaction.atomic
def message_send(
    *,
    actor: User,
    body: str,
    match: Match | None = None,
    group: Group | None = None,
    now: dt.datetime | None = None,
) -> Message:
    """
    Send ``body`` from ``actor`` to their partner in ``match``, or to the board of ``group``.

    If a member is a minor and the detector finds contact details or a listed
    word, the message is held for the school's safeguarding leads (who are
    told by e-mail) and the recipients see nothing of it; otherwise it is
    delivered and the recipients are told. ``now`` (default: the current
    time) is when it was sent; the demo posts on a past term's board with it.
    """
    body = body.strip()
    if not body:
        raise ValidationError({"body": _("Write a message first.")})
    if len(body) > MESSAGE_MAX_LENGTH:
        raise ValidationError(
            {"body": _("Keep it under %(n)d characters.") % {"n": MESSAGE_MAX_LENGTH}}
        )
    conversation = Conversation.of(match=match, group=group)
    refusal = conversation.refusal(actor)
    if refusal:
        raise PermissionDenied(refusal)
    program = conversation.program
    thread = conversation.thread()
    terms = list(ModerationTerm.objects.filter(program=program).values_list("term", flat=True))
    findings = detect(body, extra_terms=terms)
    held = bool(findings) and conversation.involves_minor()
    now = now or timezone.now()
    message = Message.objects.create(
        thread=thread,
        author=actor,
        body=body,
        status=Message.Status.HELD if held else Message.Status.DELIVERED,
        findings=[{"kind": f.kind, "start": f.start, "end": f.end} for f in findings],
        created_at=now,
        delivered_at=None if held else now,
    )
    audit_record(
        actor=actor,
        action="message.send",
        target=message,
        organization=program.school.organization,
        after={
            **conversation.audit_target(),
            "status": message.status,
            "found": message.finding_kinds,
        },
    )
    if held:
        leads = school_role_holders(program.school_id, Role.SAFEGUARDING_LEAD)
        email_users_on_commit(
            leads or program_coordinators(program),
            template="message_held",
            context={
                "program": program.name,
                "school": program.school.name,
                "no_lead": not leads,
                "url": _site(reverse("messaging:queue")),
            },
        )
    else:
        _tell_recipients(message, conversation)
    return message


def _held_for_update(actor: User, message: Message) -> tuple[Message, Conversation]:
    message = Message.objects.select_for_update(of=("self",)).get(pk=message.pk)
    conversation = Conversation.of_thread(message.thread)
    if not is_safeguarding_lead(actor, conversation.program.school_id):
        raise PermissionDenied(_("Only the school's safeguarding leads can moderate messages."))
    if message.status != Message.Status.HELD:
        raise ValidationError(_("This message has already been moderated."))
    return message, conversation


@transaction.atomic
def message_release(*, actor: User, message: Message) -> Message:
    """
    A safeguarding lead delivers a held message; the recipients are told.

    Refused while any member lacks a guardian's consent (it may have been
    withdrawn since the message was sent): minors without consent are not messaged.
    """
    message, conversation = _held_for_update(actor, message)
    if not all(has_consent(p) for p in conversation.members()):
        raise ValidationError(
            _("A guardian's consent is missing now, so the message cannot be delivered.")
        )
    now = timezone.now()
    message.status = Message.Status.DELIVERED
    message.delivered_at = now
    message.moderated_by = actor
    message.moderated_at = now
    message.save(update_fields=["status", "delivered_at", "moderated_by", "moderated_at"])
    audit_record(
        actor=actor,
        action="message.release",
        target=message,
        organization=conversation.program.school.organization,
        before={"status": Message.Status.HELD},
        after={"status": message.status},
    )
    author = message.author
    if author is not None and any(p.student.user_id == author.pk for p in conversation.members()):
        _tell_recipients(message, conversation)
    return message


@transaction.atomic
def message_reject(*, actor: User, message: Message, reason: str) -> Message:
    """A safeguarding lead keeps a held message back; its author is told why."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the message is not delivered.")})
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(
            {"reason": _("Keep it under %(n)d characters.") % {"n": REASON_MAX_LENGTH}}
        )
    message, conversation = _held_for_update(actor, message)
    message.status = Message.Status.REJECTED
    message.rejection_reason = reason
    message.moderated_by = actor
    message.moderated_at = timezone.now()
    message.save(update_fields=["status", "rejection_reason", "moderated_by", "moderated_at"])
    audit_record(
        actor=actor,
        action="message.reject",
        target=message,
        organization=conversation.program.school.organization,
        before={"status": Message.Status.HELD},
        after={"status": message.status, "reason": reason},
    )
    if message.author is not None:
        email_on_commit(
            to=[message.author.email],
            template="message_rejected",
            context={
                "program": conversation.program.name,
                "reason": reason,
                "url": conversation.url(),
            },
            language=message.author.preferred_language or None,
        )
    return message


def can_edit_terms(user: User, program: Program) -> bool:
    """Coordinators of the program and safeguarding leads of its school edit its word list."""
    return program_can_manage(user, program) or is_safeguarding_lead(user, program.school_id)


def _normalise_term(term: str) -> str:
    return " ".join(term.split()).lower()


@transaction.atomic
def moderation_term_add(*, actor: User, program: Program, term: str) -> ModerationTerm:
    """Add a word or phrase that holds a minor's message in ``program``."""
    if not can_edit_terms(actor, program):
        raise PermissionDenied(_("Only coordinators and safeguarding leads can edit this list."))
    term = _normalise_term(term)
    if len(term) < 2:
        raise ValidationError({"term": _("Enter a word of at least two letters.")})
    if len(term) > ModerationTerm._meta.get_field("term").max_length:  # type: ignore[operator]
        raise ValidationError({"term": _("Keep it under 60 characters.")})
    if not any(ch.isalnum() for ch in term):
        raise ValidationError({"term": _("Enter a word, not only punctuation.")})
    if ModerationTerm.objects.filter(program=program, term=term).exists():
        raise ValidationError({"term": _("“%(term)s” is already on the list.") % {"term": term}})
    try:
        with transaction.atomic():
            entry = ModerationTerm.objects.create(program=program, term=term, added_by=actor)
    except IntegrityError:
        raise ValidationError(
            {"term": _("“%(term)s” is already on the list.") % {"term": term}}
        ) from None
    audit_record(
        actor=actor,
        action="message.term_add",
        target=entry,
        organization=program.school.organization,
        after={"program": program.pk, "term": term},
    )
    return entry


@transaction.atomic
def moderation_term_remove(*, actor: User, entry: ModerationTerm) -> None:
    """Take a word off the program's list."""
    program = entry.program
    if not can_edit_terms(actor, program):
        raise PermissionDenied(_("Only coordinators and safeguarding leads can edit this list."))
    audit_record(
        actor=actor,
        action="message.term_remove",
        target=entry,
        organization=program.school.organization,
        before={"program": program.pk, "term": entry.term},
    )
    entry.delete()


def thread_record_staff_read(
    *, actor: User, match: Match | None = None, group: Group | None = None
) -> None:
    """A coordinator read a pair's messages or a group's board: that is written to the audit log."""
    target: Match | Group
    if match is not None:
        target = match
    else:
        assert group is not None
        target = group
    audit_record(
        actor=actor,
        action="message.thread_view",
        target=target,
        organization=target.program.school.organization,
    )
