"""Writes for check-ins, support contacts, settings and concerns."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings as django_settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from peerpath.core.access import school_role_holders
from peerpath.core.audit import audit_record
from peerpath.core.emails import email_users_on_commit
from peerpath.core.models import Role, RoleAssignment, School, User
from peerpath.matching.models import Match
from peerpath.meetings.models import Session
from peerpath.meetings.services import session_people
from peerpath.programs.models import Participant, Program
from peerpath.programs.selectors import program_can_manage
from peerpath.recruitment.readiness import has_consent
from peerpath.support.health import settings_for
from peerpath.support.instruments import INSTRUMENTS, SURVEYS
from peerpath.support.models import (
    CheckInResponse,
    Concern,
    ConcernNote,
    SessionFeedback,
    SupportContact,
    SupportSettings,
)


def _site(path: str) -> str:
    return f"{django_settings.PEERPATH_SITE_URL}{path}"


@transaction.atomic
def checkin_submit(
    *,
    actor: User,
    participant: Participant,
    kind: str,
    answers: dict[str, int],
    custom_answers: dict[str, str] | None = None,
) -> CheckInResponse:
    """Record a participant's own survey answers (their partner never sees them)."""
    if participant.student.user_id != actor.pk:
        raise PermissionDenied(_("You can only answer your own check-in."))
    if kind not in SURVEYS:
        raise ValidationError({"kind": _("Unknown survey.")})
    if not has_consent(participant):
        raise PermissionDenied(_("A guardian's consent is needed first."))
    expected = {item.key for key in SURVEYS[kind] for item in INSTRUMENTS[key].items}
    clean: dict[str, int] = {}
    for key in expected:
        value = answers.get(key)
        if value is None:
            raise ValidationError({key: _("Answer every statement.")})
        if not isinstance(value, int) or not 1 <= value <= 5:
            raise ValidationError({key: _("Choose 1 to 5.")})
        clean[key] = value
    match = (
        Match.objects.filter(status=Match.Status.ACTIVE).filter(mentor=participant).first()
        or Match.objects.filter(status=Match.Status.ACTIVE, mentee=participant).first()
    )
    response = CheckInResponse.objects.create(
        participant=participant,
        match=match if kind != CheckInResponse.Kind.PRE else None,
        kind=kind,
        answers=clean,
        scores={key: INSTRUMENTS[key].score(clean) for key in SURVEYS[kind]},
        custom_answers=custom_answers or {},
    )
    audit_record(
        actor=actor,
        action="checkin.submit",
        target=response,
        organization=participant.program.school.organization,
        after={"kind": kind},
    )
    return response


@transaction.atomic
def session_feedback_save(
    *,
    actor: User,
    session: Session,
    rating: int | None,
    comment: str = "",
    now: dt.datetime | None = None,
) -> SessionFeedback:
    """
    Save (or change) the actor's own feedback on a session they took part in.

    Only the session's people give feedback, once it has started and unless
    it was cancelled; a rating (1–5), a comment, or both. The partner never
    sees it; the program's coordinators do.
    """
    now = now or timezone.now()
    me = next((p for p in session_people(session) if p.user.pk == actor.pk), None)
    if me is None:
        raise PermissionDenied(_("Only the people of a session give feedback on it."))
    if session.is_cancelled:
        raise ValidationError(_("This session was cancelled."))
    if session.starts_at > now:
        raise ValidationError(_("You can give feedback once the session has taken place."))
    comment = comment.strip()
    if rating is None and not comment:
        raise ValidationError(_("Choose a rating or write a comment."))
    if rating is not None and not 1 <= rating <= 5:
        raise ValidationError({"rating": _("Choose 1 to 5.")})
    feedback, created = SessionFeedback.objects.update_or_create(
        session=session,
        participant=me.participant,
        defaults={"rating": rating, "comment": comment},
    )
    audit_record(
        actor=actor,
        action="support.feedback.create" if created else "support.feedback.update",
        target=feedback,
        organization=session.program.school.organization,
        after={"session": session.pk, "rating": rating},
    )
    return feedback


def _require_manager(actor: User, program: Program) -> None:
    if not program_can_manage(actor, program):
        raise PermissionDenied(_("Only the program's coordinators can do this."))


@transaction.atomic
def support_contact_log(
    *,
    actor: User,
    match: Match,
    contacted_with: str,
    method: str,
    happened_at: dt.datetime | None = None,
    notes: str = "",
) -> SupportContact:
    _require_manager(actor, match.program)
    when = happened_at or timezone.now()
    if when > timezone.now() + dt.timedelta(minutes=5):
        raise ValidationError({"happened_at": _("A contact cannot be in the future.")})
    contact = SupportContact(
        match=match,
        contacted_with=contacted_with,
        method=method,
        happened_at=when,
        notes=notes,
        logged_by=actor,
    )
    contact.full_clean()
    contact.save()
    audit_record(
        actor=actor,
        action="support.contact",
        target=contact,
        organization=match.program.school.organization,
        after={"match": match.pk, "with": contacted_with, "method": method},
    )
    return contact


@transaction.atomic
def support_settings_update(*, actor: User, program: Program, **fields: Any) -> SupportSettings:
    _require_manager(actor, program)
    found = settings_for(program.pk)
    before = {k: getattr(found, k) for k in fields}
    for key, value in fields.items():
        setattr(found, key, value)
    found.full_clean()
    if found.risk_no_meeting_days < found.watch_no_meeting_days:
        raise ValidationError({"risk_no_meeting_days": _("At risk must come after watch.")})
    if found.risk_relationship_below > found.watch_relationship_below:
        raise ValidationError({"risk_relationship_below": _("At risk must be below watch.")})
    found.save()
    audit_record(
        actor=actor,
        action="support.settings",
        target=found,
        organization=program.school.organization,
        before=before,
        after=fields,
    )
    return found


@transaction.atomic
def concern_raise(
    *, actor: User, school: School, category: str, description: str, match: Match | None = None
) -> Concern:
    """
    Raise a concern privately; the school's safeguarding leads are told at once.

    The e-mail says only that a concern was raised and links to it: the text
    itself stays inside Peerpath.
    """
    if not description.strip():
        raise ValidationError({"description": _("Tell us what happened.")})
    if (
        match is not None
        and actor.pk
        not in {
            match.mentor.student.user_id,
            match.mentee.student.user_id,
        }
        and not program_can_manage(actor, match.program)
    ):
        raise PermissionDenied(_("That match is not yours."))
    concern = Concern(
        school=school, raised_by=actor, category=category, description=description, match=match
    )
    concern.full_clean()
    concern.save()
    audit_record(
        actor=actor,
        action="concern.raise",
        target=concern,
        organization=school.organization,
        after={"category": category},
    )
    url = _site(reverse("support:concern", args=[concern.pk]))
    # the category's label stays lazy: each message names it in its readers' language
    email_users_on_commit(
        school_role_holders(school.pk, Role.SAFEGUARDING_LEAD),
        template="concern_raised",
        context={
            "school": school.name,
            "category": Concern.Category(concern.category).label,
            "url": url,
        },
    )
    return concern


def is_safeguarding_lead(user: User, school_id: int) -> bool:
    return RoleAssignment.objects.filter(
        user=user, role=Role.SAFEGUARDING_LEAD, school_id=school_id
    ).exists()


@transaction.atomic
def concern_update(*, actor: User, concern: Concern, note: str, status: str = "") -> ConcernNote:
    """A safeguarding lead adds a note and may move the status (new → acknowledged → resolved)."""
    concern = Concern.objects.select_for_update().get(pk=concern.pk)
    if not is_safeguarding_lead(actor, concern.school_id):
        raise PermissionDenied(_("Only the school's safeguarding leads can work on concerns."))
    if status and status not in Concern.Status.values:
        raise ValidationError({"status": _("Unknown status.")})
    if not note.strip() and not status:
        raise ValidationError({"note": _("Write a note or change the status.")})
    before = concern.status
    if status and status != concern.status:
        concern.status = status
        concern.save(update_fields=["status", "updated_at"])
    entry = ConcernNote.objects.create(
        concern=concern,
        author=actor,
        text=note.strip(),
        status_to=status if status != before else "",
    )
    audit_record(
        actor=actor,
        action="concern.update",
        target=concern,
        organization=concern.school.organization,
        before={"status": before},
        after={"status": concern.status},
    )
    return entry


def concern_record_view(*, actor: User, concern: Concern) -> None:
    """Every look at a concern is written to the audit log."""
    audit_record(
        actor=actor,
        action="concern.view",
        target=concern,
        organization=concern.school.organization,
    )
