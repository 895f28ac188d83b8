"""
Writes for meetings: sessions, attendance, logs, notes, groups, goals, feeds, settings.

Every service takes keyword-only arguments, checks who is acting, validates,
saves inside one transaction, writes an audit entry and sends e-mail only
after the transaction commits.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings as django_settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from peerpath.core.audit import audit_record
from peerpath.core.emails import email_on_commit
from peerpath.core.models import User
from peerpath.matching.groups import (
    LEADER_ROLES,
    group_round_rules_broken,
    open_group_round_for_edit,
)
from peerpath.matching.models import GroupRound, Match
from peerpath.meetings.models import (
    Attendance,
    CalendarFeed,
    Goal,
    GoalUpdate,
    Group,
    GroupMember,
    MeetingSettings,
    Milestone,
    Session,
    SessionLog,
    SessionNote,
)
from peerpath.meetings.scheduling import weekly_occurrences
from peerpath.meetings.selectors import busy_intervals
from peerpath.programs.models import Participant, ParticipantStatus, Program, ProgramType
from peerpath.programs.selectors import program_can_manage
from peerpath.programs.services import participant_transition
from peerpath.recruitment.readiness import has_consent

MAX_WEEKS = 16
CLOSED_STATUSES = {ParticipantStatus.CLOSED, ParticipantStatus.WITHDRAWN, ParticipantStatus.PAUSED}


@dataclass(frozen=True)
class Person:
    """Someone expected at a session, and in which capacity (an ``Attendance.Role``)."""

    participant: Participant
    role: str

    @property
    def user(self) -> User:
        return self.participant.student.user


def _site(path: str) -> str:
    return f"{django_settings.PEERPATH_SITE_URL}{path}"


def people_of(*, match: Match | None = None, group: Group | None = None) -> list[Person]:
    """The pair's two sides, or the group's members (leaders first)."""
    if match is not None:
        return [
            Person(match.mentor, Attendance.Role.MENTOR),
            Person(match.mentee, Attendance.Role.MENTEE),
        ]
    assert group is not None
    members = group.members.select_related("participant__student__user").order_by("role", "pk")
    return [
        Person(
            m.participant,
            Attendance.Role.LEADER if m.role == GroupMember.Role.LEADER else Attendance.Role.MEMBER,
        )
        for m in members
    ]


def session_people(session: Session) -> list[Person]:
    return people_of(match=session.match, group=session.group)


def _relation(actor: User, people: Sequence[Person], program: Program) -> str | None:
    for person in people:
        if person.user.pk == actor.pk:
            return person.role
    if program_can_manage(actor, program):
        return "coordinator"
    return None


def _require(actor: User, people: Sequence[Person], program: Program, *allowed: str) -> str:
    relation = _relation(actor, people, program)
    if relation not in allowed:
        raise PermissionDenied(_("You cannot do this for this session."))
    assert relation is not None
    return relation


def session_title(session: Session) -> str:
    if session.match is not None:
        return _("Peer session: %(a)s and %(b)s") % {
            "a": session.match.mentor.student.user.get_short_name(),
            "b": session.match.mentee.student.user.get_short_name(),
        }
    assert session.group is not None
    return _("Group session: %(name)s") % {"name": session.group.name}


def _local_label(moment: dt.datetime, time_zone: str) -> str:
    from zoneinfo import ZoneInfo

    return date_format(moment.astimezone(ZoneInfo(time_zone)), "l j F Y, H:i")


def _tell(
    session: Session, people: Sequence[Person], *, template: str, extra: dict[str, object]
) -> None:
    """E-mail everyone at the session after commit (the actor too: a record of what they did)."""
    url = _site(reverse("meetings:session", args=[session.pk]))
    for person in people:
        user = person.user
        others = [p.user.get_short_name() for p in people if p.user.pk != user.pk]
        language = user.preferred_language or None
        with translation.override(language or django_settings.LANGUAGE_CODE):
            title = session_title(session)  # in the reader's language, not the actor's
        email_on_commit(
            to=[user.email],
            template=template,
            context={
                "name": user.get_short_name(),
                "others": ", ".join(others),
                "title": title,
                "program": session.program.name,
                "starts_at": session.starts_at,
                "ends_at": session.ends_at,
                "tz": session.program.school.time_zone,
                "location": session.location,
                "online_url": session.online_url,
                "url": url,
                "ics_url": _site(reverse("meetings:session-ics", args=[session.pk])),
                **extra,
            },
            language=language,
        )


def _check_target(
    *, match: Match | None, group: Group | None
) -> tuple[Program, list[Person], Match | None, Group | None]:
    if (match is None) == (group is None):
        raise ValueError("Give a match or a group.")
    if match is not None:
        match = Match.objects.select_related(
            "program__school__organization", "mentor__student__user", "mentee__student__user"
        ).get(pk=match.pk)
        if match.status != Match.Status.ACTIVE:
            raise ValidationError(_("This match is closed; it cannot meet any more."))
        return match.program, people_of(match=match), match, None
    assert group is not None
    group = Group.objects.select_related("program__school__organization").get(pk=group.pk)
    if group.status != Group.Status.ACTIVE:
        raise ValidationError(_("This group is closed; it cannot meet any more."))
    return group.program, people_of(group=group), None, group


def _check_consent(people: Sequence[Person]) -> None:
    missing = [p.user.get_short_name() for p in people if not has_consent(p.participant)]
    if missing:
        raise ValidationError(
            _("A guardian's consent is missing for %(names)s; the session cannot be scheduled.")
            % {"names": ", ".join(missing)}
        )


def _check_free(
    people: Sequence[Person],
    starts: Sequence[dt.datetime],
    minutes: int,
    *,
    tz: str,
    exclude: int | None = None,
) -> None:
    if not starts:
        return
    user_ids = [p.user.pk for p in people]
    end = starts[-1] + dt.timedelta(minutes=minutes)
    busy = busy_intervals(user_ids, starts[0], end, exclude=exclude)
    for start in starts:
        finish = start + dt.timedelta(minutes=minutes)
        if any(start < b_end and b_start < finish for b_start, b_end in busy):
            raise ValidationError(
                _("%(when)s clashes with another session one of you has.")
                % {"when": _local_label(start, tz)}
            )


def _clean_place(location: str, online_url: str) -> tuple[str, str]:
    location, online_url = location.strip(), online_url.strip()
    if not location and not online_url:
        raise ValidationError(_("Say where you will meet: a place, an online link, or both."))
    if online_url and not online_url.startswith(("https://", "http://")):
        raise ValidationError(_("The online link must start with https://."))
    return location, online_url


@transaction.atomic
def session_schedule(
    *,
    actor: User,
    starts_at: dt.datetime,
    match: Match | None = None,
    group: Group | None = None,
    duration_minutes: int | None = None,
    location: str = "",
    online_url: str = "",
    weeks: int = 1,
    now: dt.datetime | None = None,
) -> list[Session]:
    """
    Schedule a session, or ``weeks`` weekly sessions at the same local time.

    Partners, a group's peer leaders and the program's coordinators may
    schedule. Everyone must have consent (minors), the first session must be
    in the future and no occurrence may clash with another session of anyone
    taking part. Everyone is told by e-mail after commit.
    """
    program, people, match, group = _check_target(match=match, group=group)
    _require(actor, people, program, "mentor", "mentee", "leader", "coordinator")
    now = now or timezone.now()
    if timezone.is_naive(starts_at):
        raise ValueError("starts_at must be timezone-aware")
    if starts_at <= now:
        raise ValidationError(_("Choose a time in the future."))
    if not 1 <= weeks <= MAX_WEEKS:
        raise ValidationError(_("A series has 1 to %(n)s weekly sessions.") % {"n": MAX_WEEKS})
    minutes = duration_minutes or program.session_minutes
    if not 10 <= minutes <= 240:
        raise ValidationError(_("A session lasts 10 to 240 minutes."))
    location, online_url = _clean_place(location, online_url)
    _check_consent(people)
    tz = program.school.time_zone
    # Aware arithmetic in a zone adds wall-clock time; durations are added in UTC.
    starts = [s.astimezone(dt.UTC) for s in weekly_occurrences(starts_at, weeks, tz)]
    _check_free(people, starts, minutes, tz=tz)
    series = uuid.uuid4() if weeks > 1 else None
    sessions = [
        Session.objects.create(
            program=program,
            match=match,
            group=group,
            series=series,
            starts_at=start,
            ends_at=start + dt.timedelta(minutes=minutes),
            duration_minutes=minutes,
            location=location,
            online_url=online_url,
            created_by=actor,
        )
        for start in starts
    ]
    first = sessions[0]
    audit_record(
        actor=actor,
        action="meetings.session.schedule",
        target=first,
        organization=program.school.organization,
        after={
            "sessions": [s.pk for s in sessions],
            "starts_at": first.starts_at,
            "weeks": weeks,
            "minutes": minutes,
        },
    )
    _tell(first, people, template="meetings_session_scheduled", extra={"weeks": weeks})
    return sessions


@transaction.atomic
def session_record_held(
    *,
    actor: User,
    match: Match,
    starts_at: dt.datetime,
    duration_minutes: int,
    location: str = "",
    now: dt.datetime | None = None,
) -> Session:
    """Record a pair's meeting that already happened without being scheduled first."""
    program, people, found, _group = _check_target(match=match, group=None)
    _require(actor, people, program, "mentor", "mentee")
    now = now or timezone.now()
    starts_at = starts_at.astimezone(dt.UTC)
    if starts_at + dt.timedelta(minutes=duration_minutes) > now:
        raise ValidationError(_("Only a meeting that has already ended can be recorded."))
    _check_consent(people)
    tz = program.school.time_zone
    _check_free(people, [starts_at], duration_minutes, tz=tz)
    session = Session.objects.create(
        program=program,
        match=found,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(minutes=duration_minutes),
        duration_minutes=duration_minutes,
        location=location.strip(),
        created_by=actor,
    )
    for person in people:
        Attendance.objects.create(
            session=session,
            participant=person.participant,
            role=person.role,
            status=Attendance.Status.PRESENT,
            recorded_by=actor,
            recorded_at=now,
        )
    audit_record(
        actor=actor,
        action="meetings.session.record_held",
        target=session,
        organization=program.school.organization,
        after={"starts_at": starts_at, "minutes": duration_minutes},
    )
    return session


def _lock(session: Session) -> Session:
    locked = Session.objects.select_for_update(of=("self",)).get(pk=session.pk)
    fresh = (
        Session.objects.select_related(
            "program__school__organization",
            "match__mentor__student__user",
            "match__mentee__student__user",
            "group",
        )
        .filter(pk=locked.pk)
        .get()
    )
    return fresh


def _clean_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Give a reason, so that everyone knows why."))
    return reason[:500]


def _mark_cancelled(sessions: Sequence[Session], *, reason: str, now: dt.datetime) -> None:
    """Cancel locked ``sessions`` with ``reason``; a new ``sequence`` updates calendar feeds."""
    for session in sessions:
        session.status = Session.Status.CANCELLED
        session.change_reason = reason
        session.cancelled_at = now
        session.sequence += 1
        session.save(
            update_fields=["status", "change_reason", "cancelled_at", "sequence", "updated_at"]
        )


@transaction.atomic
def session_cancel(
    *,
    actor: User,
    session: Session,
    reason: str,
    whole_series: bool = False,
    now: dt.datetime | None = None,
) -> list[Session]:
    """Cancel a session that has not started (or it and the rest of its series), with a reason."""
    session = _lock(session)
    people = session_people(session)
    _require(actor, people, session.program, "mentor", "mentee", "leader", "coordinator")
    reason = _clean_reason(reason)
    now = now or timezone.now()
    if session.is_cancelled:
        raise ValidationError(_("This session is already cancelled."))
    if session.starts_at <= now:
        raise ValidationError(_("A session that has started cannot be cancelled."))
    targets = [session]
    if whole_series and session.series is not None:
        targets = list(
            Session.objects.select_for_update()
            .filter(
                series=session.series,
                starts_at__gte=session.starts_at,
                status=Session.Status.SCHEDULED,
            )
            .order_by("starts_at")
        )
    _mark_cancelled(targets, reason=reason, now=now)
    audit_record(
        actor=actor,
        action="meetings.session.cancel",
        target=session,
        organization=session.program.school.organization,
        after={"sessions": [t.pk for t in targets], "reason": reason},
    )
    session.status = Session.Status.CANCELLED
    _tell(
        session,
        people,
        template="meetings_session_cancelled",
        extra={"reason": reason, "count": len(targets), "by": actor.get_short_name()},
    )
    return targets


@transaction.atomic
def session_reschedule(
    *,
    actor: User,
    session: Session,
    starts_at: dt.datetime,
    reason: str,
    duration_minutes: int | None = None,
    location: str | None = None,
    online_url: str | None = None,
    now: dt.datetime | None = None,
) -> Session:
    """Move a session that has not started to a new future time, with a reason."""
    session = _lock(session)
    people = session_people(session)
    _require(actor, people, session.program, "mentor", "mentee", "leader", "coordinator")
    reason = _clean_reason(reason)
    now = now or timezone.now()
    if session.is_cancelled:
        raise ValidationError(_("A cancelled session cannot be moved; schedule a new one."))
    if session.starts_at <= now:
        raise ValidationError(_("A session that has started cannot be moved."))
    if starts_at <= now:
        raise ValidationError(_("Choose a time in the future."))
    minutes = duration_minutes or session.duration_minutes
    starts_at = starts_at.astimezone(dt.UTC)
    new_location, new_url = _clean_place(
        session.location if location is None else location,
        session.online_url if online_url is None else online_url,
    )
    _check_consent(people)
    tz = session.program.school.time_zone
    _check_free(people, [starts_at], minutes, tz=tz, exclude=session.pk)
    before = {"starts_at": session.starts_at, "minutes": session.duration_minutes}
    previous = session.starts_at
    session.starts_at = starts_at
    session.ends_at = starts_at + dt.timedelta(minutes=minutes)
    session.duration_minutes = minutes
    session.location, session.online_url = new_location, new_url
    session.change_reason = reason
    session.sequence += 1
    session.save(
        update_fields=[
            "starts_at",
            "ends_at",
            "duration_minutes",
            "location",
            "online_url",
            "change_reason",
            "sequence",
            "updated_at",
        ]
    )
    audit_record(
        actor=actor,
        action="meetings.session.reschedule",
        target=session,
        organization=session.program.school.organization,
        before=before,
        after={"starts_at": starts_at, "minutes": minutes, "reason": reason},
    )
    _tell(
        session,
        people,
        template="meetings_session_moved",
        extra={"reason": reason, "previous": previous, "by": actor.get_short_name()},
    )
    return session


def _require_started(session: Session, now: dt.datetime) -> None:
    if session.is_cancelled:
        raise ValidationError(_("This session was cancelled."))
    if session.starts_at > now:
        raise ValidationError(_("You can confirm a session once it has started."))


def _set_attendance(
    session: Session, person: Person, status: str, actor: User, now: dt.datetime
) -> None:
    Attendance.objects.update_or_create(
        session=session,
        participant=person.participant,
        defaults={"role": person.role, "status": status, "recorded_by": actor, "recorded_at": now},
    )


@transaction.atomic
def attendance_confirm(
    *, actor: User, session: Session, held: bool, now: dt.datetime | None = None
) -> None:
    """
    One side of a pair says whether the session happened.

    ``held=True`` ("we met") marks both present; ``held=False`` marks the
    actor present and the partner a no-show. What a partner recorded about
    themselves is their own account and is not overwritten by the other side.
    """
    session = _lock(session)
    if session.match is None:
        raise ValidationError(_("Attendance of a group is recorded member by member."))
    people = session_people(session)
    relation = _require(actor, people, session.program, "mentor", "mentee")
    now = now or timezone.now()
    _require_started(session, now)
    me = next(p for p in people if p.role == relation)
    partner = next(p for p in people if p.role != relation)
    _set_attendance(session, me, Attendance.Status.PRESENT, actor, now)
    partner_row = Attendance.objects.filter(
        session=session, participant=partner.participant
    ).first()
    if partner_row is None or partner_row.recorded_by_id != partner.user.pk:
        status = Attendance.Status.PRESENT if held else Attendance.Status.NO_SHOW
        _set_attendance(session, partner, status, actor, now)
    audit_record(
        actor=actor,
        action="meetings.attendance.confirm",
        target=session,
        organization=session.program.school.organization,
        after={"held": held},
    )


@transaction.atomic
def group_attendance_record(
    *,
    actor: User,
    session: Session,
    present: Sequence[int],
    now: dt.datetime | None = None,
) -> None:
    """A peer leader or coordinator records which members (participant ids) came."""
    session = _lock(session)
    if session.group is None:
        raise ValidationError(_("A pair's attendance is confirmed by each side."))
    people = session_people(session)
    _require(actor, people, session.program, "leader", "coordinator")
    now = now or timezone.now()
    _require_started(session, now)
    wanted = set(present)
    for person in people:
        status = (
            Attendance.Status.PRESENT
            if person.participant.pk in wanted
            else Attendance.Status.NO_SHOW
        )
        _set_attendance(session, person, status, actor, now)
    audit_record(
        actor=actor,
        action="meetings.attendance.group",
        target=session,
        organization=session.program.school.organization,
        after={"present": sorted(wanted)},
    )


@transaction.atomic
def session_log_save(
    *,
    actor: User,
    session: Session,
    duration_minutes: int,
    topics: str,
    went_well: str = "",
    next_steps: str = "",
    now: dt.datetime | None = None,
) -> SessionLog:
    """
    Write (or update) the session's log; either partner or a peer leader may.

    Logging a session nobody has confirmed yet confirms it as held: the log
    says how long everyone met.
    """
    session = _lock(session)
    people = session_people(session)
    _require(actor, people, session.program, "mentor", "mentee", "leader")
    now = now or timezone.now()
    _require_started(session, now)
    topics = topics.strip()
    if not topics:
        raise ValidationError({"topics": _("Say what you worked on.")})
    if not 5 <= duration_minutes <= 480:
        raise ValidationError({"duration_minutes": _("Between 5 and 480 minutes.")})
    log, created = SessionLog.objects.update_or_create(
        session=session,
        defaults={
            "author": actor,
            "duration_minutes": duration_minutes,
            "topics": topics,
            "went_well": went_well.strip(),
            "next_steps": next_steps.strip(),
        },
    )
    if not Attendance.objects.filter(session=session).exists():
        for person in people:
            _set_attendance(session, person, Attendance.Status.PRESENT, actor, now)
    audit_record(
        actor=actor,
        action="meetings.log.create" if created else "meetings.log.update",
        target=log,
        organization=session.program.school.organization,
        after={"session": session.pk, "minutes": duration_minutes},
    )
    return log


@transaction.atomic
def session_note_add(*, actor: User, session: Session, body: str, private: bool) -> SessionNote:
    """Add a note, shared with the others at the session or private to its author."""
    people = session_people(session)
    _require(actor, people, session.program, "mentor", "mentee", "leader", "member")
    body = body.strip()
    if not body:
        raise ValidationError({"body": _("Write a note first.")})
    note = SessionNote.objects.create(session=session, author=actor, body=body, private=private)
    # The audit keeps that a note exists, never what a private note says.
    audit_record(
        actor=actor,
        action="meetings.note.add",
        target=note,
        organization=session.program.school.organization,
        after={"session": session.pk, "private": private},
    )
    return note


# --- Groups ------------------------------------------------------------------------


@transaction.atomic
def group_create(
    *,
    actor: User,
    program: Program,
    name: str,
    leaders: Sequence[Participant],
    members: Sequence[Participant],
    now: dt.datetime | None = None,
) -> Group:
    """
    A coordinator forms a group (the grouping engine will call this too).

    ``now`` (default: the current time) is when it was formed; the demo forms
    a pilot circle of an earlier term with it.
    """
    if not program_can_manage(actor, program):
        raise PermissionDenied(_("Only the program's coordinators can form groups."))
    if not (program.is_group_program or program.program_type == ProgramType.BUDDY):
        raise ValidationError(_("Only group programs have groups."))
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the group a name.")})
    everyone = list(leaders) + list(members)
    if not leaders or not members:
        raise ValidationError(_("A group needs a peer leader and at least one member."))
    if len({p.pk for p in everyone}) != len(everyone):
        raise ValidationError(_("Each person can be in the group only once."))
    if any(p.program_id != program.pk or p.status in CLOSED_STATUSES for p in everyone):
        raise ValidationError(_("Every member must be an active participant of this program."))
    group = Group.objects.create(program=program, name=name[:120], created_at=now or timezone.now())
    GroupMember.objects.bulk_create(
        [GroupMember(group=group, participant=p, role=GroupMember.Role.LEADER) for p in leaders]
        + [GroupMember(group=group, participant=p, role=GroupMember.Role.MEMBER) for p in members]
    )
    audit_record(
        actor=actor,
        action="meetings.group.create",
        target=group,
        organization=program.school.organization,
        after={"leaders": [p.pk for p in leaders], "members": [p.pk for p in members]},
    )
    return group


@transaction.atomic
def group_round_publish(*, actor: User, group_round: GroupRound) -> list[Group]:
    """
    Publish a formation round: each proposed group becomes a group, in one transaction.

    Refused while the edited grouping breaks a rule (sizes, shared free time,
    leaders) or when a member is no longer ready, lacks consent, or is already
    in an active group of the program. Members move from ready to matched;
    each is told by e-mail after commit. Mentors (and "both") are peer leaders.
    """
    group_round = open_group_round_for_edit(actor, group_round)
    program = group_round.program
    broken = group_round_rules_broken(group_round)  # in the coordinator's language
    if broken:
        raise ValidationError([_("Fix what breaks the rules before publishing:"), *broken])
    proposed = {name: [int(pid) for pid in members] for name, members in group_round.groups.items()}
    ids = [pid for members in proposed.values() for pid in members]
    if not ids:
        raise ValidationError(_("There is no group to publish."))
    participants = {
        p.pk: p
        for p in Participant.objects.select_for_update(of=("self",))
        .filter(pk__in=ids, program=program)
        .select_related("student__user")
        .order_by("pk")
    }
    problems = []
    taken = set(
        GroupMember.objects.filter(
            participant_id__in=ids, group__program=program, group__status=Group.Status.ACTIVE
        ).values_list("participant_id", flat=True)
    )
    for pid in ids:
        p = participants.get(pid)
        if p is None:
            problems.append(_("A member has left the program."))
        elif p.status != ParticipantStatus.READY:
            problems.append(
                _("%(name)s is no longer ready (%(status)s).")
                % {"name": p.student, "status": p.get_status_display()}
            )
        elif not has_consent(p):
            problems.append(_("%(name)s has no guardian consent.") % {"name": p.student})
        elif pid in taken:
            problems.append(_("%(name)s is already in a group.") % {"name": p.student})
    if problems:
        raise ValidationError(sorted(set(problems)))
    number = Group.objects.filter(program=program).count()
    created: list[Group] = []
    for members in proposed.values():
        number += 1
        group = Group.objects.create(program=program, name=_("Group %(n)s") % {"n": number})
        GroupMember.objects.bulk_create(
            [
                GroupMember(
                    group=group,
                    participant=participants[pid],
                    role=GroupMember.Role.LEADER
                    if participants[pid].role in LEADER_ROLES
                    else GroupMember.Role.MEMBER,
                )
                for pid in members
            ]
        )
        created.append(group)
    for pid in ids:
        participant_transition(
            actor=actor,
            participant=participants[pid],
            to_status=ParticipantStatus.MATCHED,
            # the status history is written in English whoever acts (as matching's is)
            reason=gettext_noop("Group round %(id)s published") % {"id": group_round.pk},
        )
    group_round.status = GroupRound.Status.PUBLISHED
    group_round.published_at = timezone.now()
    group_round.published_by = actor
    group_round.save(update_fields=["status", "published_at", "published_by", "updated_at"])
    audit_record(
        actor=actor,
        action="meetings.group_round.publish",
        target=group_round,
        organization=program.school.organization,
        after={"groups": [g.pk for g in created], "members": len(ids)},
    )
    for group, members in zip(created, proposed.values(), strict=True):
        names = [participants[pid].student.user.get_short_name() for pid in members]
        url = _site(reverse("meetings:group", args=[group.pk]))
        for pid in members:
            user = participants[pid].student.user
            email_on_commit(
                to=[user.email],
                template="meetings_group_published",
                context={
                    "name": user.get_short_name(),
                    "group": group.name,
                    "program": program.name,
                    "others": [n for n in names if n != user.get_short_name()],
                    "url": url,
                },
                language=user.preferred_language or None,
            )
    return created


@transaction.atomic
def group_close(
    *,
    actor: User,
    group: Group,
    reason: str,
    regroup: bool = False,
    now: dt.datetime | None = None,
) -> Group:
    """
    Close a group at the end of the term, or when it dissolves, without blame.

    Only the program's coordinators (or the organization's admins) may close
    it. The group keeps the reason and who closed it (``close_reason``,
    ``closed_by``, as a closed match does). Its sessions that have not
    started are cancelled with the reason, its board becomes read-only
    (``messaging.rules``) and the retention period of its messages starts
    from ``closed_at``. Every member is told by e-mail after commit.

    A member placed by a group round (status *matched*) who is in no other
    active group or match becomes *ready* to be grouped again when
    ``regroup`` is true, and ends the program (*closed*) otherwise, as a
    closed match does with its ``rematch`` choice.
    """
    group = (
        Group.objects.select_for_update(of=("self",))
        .select_related("program__school__organization")
        .get(pk=group.pk)
    )
    program = group.program
    if not program_can_manage(actor, program):
        raise PermissionDenied(_("Only the program's coordinators can close a group."))
    if group.status != Group.Status.ACTIVE:
        raise ValidationError(_("This group is already closed."))
    reason = _clean_reason(reason)
    now = now or timezone.now()
    cancelled = list(
        Session.objects.select_for_update()
        .filter(group=group, status=Session.Status.SCHEDULED, starts_at__gt=now)
        .order_by("starts_at", "pk")
    )
    _mark_cancelled(cancelled, reason=reason, now=now)
    group.status = Group.Status.CLOSED
    group.closed_at = now
    group.closed_by = actor
    group.close_reason = reason
    group.save(update_fields=["status", "closed_at", "closed_by", "close_reason", "updated_at"])
    for member in group.members.select_related("participant").order_by("pk"):
        participant = member.participant
        elsewhere = (
            GroupMember.objects.filter(participant=participant, group__status=Group.Status.ACTIVE)
            .exclude(group=group)
            .exists()
            or Match.objects.filter(status=Match.Status.ACTIVE)
            .filter(Q(mentor=participant) | Q(mentee=participant))
            .exists()
        )
        if elsewhere or participant.status != ParticipantStatus.MATCHED:
            continue
        participant_transition(
            actor=actor,
            participant=participant,
            to_status=ParticipantStatus.READY if regroup else ParticipantStatus.CLOSED,
            reason=_("Group closed: %(name)s") % {"name": group.name},
        )
    audit_record(
        actor=actor,
        action="meetings.group.close",
        target=group,
        organization=program.school.organization,
        before={"status": Group.Status.ACTIVE},
        after={
            "status": group.status,
            "closed_at": now,
            "reason": reason,
            "regroup": regroup,
            "cancelled_sessions": [s.pk for s in cancelled],
        },
    )
    url = _site(reverse("meetings:group", args=[group.pk]))
    for person in people_of(group=group):
        user = person.user
        email_on_commit(
            to=[user.email],
            template="meetings_group_closed",
            context={
                "name": user.get_short_name(),
                "group": group.name,
                "program": program.name,
                "reason": reason,
                "cancelled": len(cancelled),
                "url": url,
            },
            language=user.preferred_language or None,
        )
    return group


# --- Goals -------------------------------------------------------------------------


def _goal_people(match: Match) -> list[Person]:
    return people_of(match=match)


@transaction.atomic
def goal_create(
    *,
    actor: User,
    match: Match,
    what: str,
    measure: str,
    due_on: dt.date,
    milestones: Sequence[str] = (),
) -> Goal:
    """The pair sets a shared goal: what, how it is measured, by when; optional milestones."""
    program, people, found, _group = _check_target(match=match, group=None)
    assert found is not None
    _require(actor, people, program, "mentor", "mentee")
    errors = {}
    if not what.strip():
        errors["what"] = _("Say what you want to achieve.")
    if not measure.strip():
        errors["measure"] = _("Say how you will know you got there.")
    if due_on < timezone.localdate():
        errors["due_on"] = _("Choose a date that has not passed.")
    if errors:
        raise ValidationError(errors)
    goal = Goal.objects.create(
        match=found, what=what.strip(), measure=measure.strip(), due_on=due_on, created_by=actor
    )
    Milestone.objects.bulk_create(
        [Milestone(goal=goal, title=t.strip()[:200]) for t in milestones if t.strip()]
    )
    audit_record(
        actor=actor,
        action="meetings.goal.create",
        target=goal,
        organization=program.school.organization,
        after={"what": goal.what, "due_on": due_on},
    )
    return goal


def _goal_for_write(actor: User, goal: Goal) -> Goal:
    goal = (
        Goal.objects.select_for_update(of=("self",))
        .select_related(
            "match__program__school__organization",
            "match__mentor__student__user",
            "match__mentee__student__user",
        )
        .get(pk=goal.pk)
    )
    _require(actor, _goal_people(goal.match), goal.match.program, "mentor", "mentee")
    if goal.match.status != Match.Status.ACTIVE:
        raise ValidationError(_("This match is closed; its goals can no longer change."))
    return goal


@transaction.atomic
def goal_update_progress(
    *,
    actor: User,
    goal: Goal,
    progress: int,
    note: str = "",
    session: Session | None = None,
    status: str | None = None,
    now: dt.datetime | None = None,
) -> GoalUpdate:
    """Either partner reports progress (0–100 %), optionally from a session of the pair."""
    goal = _goal_for_write(actor, goal)
    if not 0 <= progress <= 100:
        raise ValidationError({"progress": _("Progress is between 0 and 100 %.")})
    if session is not None and session.match_id != goal.match_id:
        raise ValidationError({"session": _("Choose one of your own sessions.")})
    if status is not None and status not in Goal.Status.values:
        raise ValidationError({"status": _("Unknown goal status.")})
    now = now or timezone.now()
    before = {"progress": goal.progress, "status": goal.status}
    update = GoalUpdate.objects.create(
        goal=goal,
        author=actor,
        session=session,
        progress=progress,
        note=note.strip(),
        created_at=now,
    )
    goal.progress = progress
    goal.last_update_at = now
    if status is not None:
        goal.status = status
    elif progress == 100:
        goal.status = Goal.Status.ACHIEVED
    goal.save(update_fields=["progress", "last_update_at", "status", "updated_at"])
    audit_record(
        actor=actor,
        action="meetings.goal.progress",
        target=goal,
        organization=goal.match.program.school.organization,
        before=before,
        after={"progress": progress, "status": goal.status, "session": update.session_id},
    )
    return update


@transaction.atomic
def milestone_add(
    *, actor: User, goal: Goal, title: str, due_on: dt.date | None = None
) -> Milestone:
    goal = _goal_for_write(actor, goal)
    if not title.strip():
        raise ValidationError({"title": _("Name the milestone.")})
    milestone = Milestone.objects.create(goal=goal, title=title.strip()[:200], due_on=due_on)
    audit_record(
        actor=actor,
        action="meetings.milestone.add",
        target=milestone,
        organization=goal.match.program.school.organization,
        after={"goal": goal.pk, "title": milestone.title},
    )
    return milestone


@transaction.atomic
def milestone_set_done(
    *, actor: User, milestone: Milestone, done: bool, now: dt.datetime | None = None
) -> Milestone:
    goal = _goal_for_write(actor, milestone.goal)
    milestone = Milestone.objects.select_for_update().get(pk=milestone.pk, goal=goal)
    milestone.done_at = (now or timezone.now()) if done else None
    milestone.save(update_fields=["done_at"])
    audit_record(
        actor=actor,
        action="meetings.milestone.done" if done else "meetings.milestone.undone",
        target=milestone,
        organization=goal.match.program.school.organization,
    )
    return milestone


# --- Calendar feeds ----------------------------------------------------------------


def feed_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def calendar_feed_create(*, actor: User) -> tuple[CalendarFeed, str]:
    """A new private feed URL secret for the actor; any earlier one stops working."""
    now = timezone.now()
    CalendarFeed.objects.filter(user=actor, revoked_at__isnull=True).update(revoked_at=now)
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed.objects.create(user=actor, token_digest=feed_digest(token))
    audit_record(actor=actor, action="meetings.feed.create", target=feed)
    return feed, token


@transaction.atomic
def calendar_feed_revoke(*, actor: User) -> int:
    """Turn the actor's feed off: its URL answers 404 from now on."""
    revoked = CalendarFeed.objects.filter(user=actor, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if revoked:
        audit_record(
            actor=actor, action="meetings.feed.revoke", target=actor, after={"revoked": revoked}
        )
    return revoked


@transaction.atomic
def calendar_feeds_revoke_for_users(*, actor: User | None, user_ids: list[int]) -> int:
    """
    Turn off the feeds of these users (they were deactivated); an access
    revoker registered with ``peerpath.core.deactivation``.
    """
    revoked = 0
    for user in User.objects.filter(
        pk__in=user_ids, calendar_feeds__revoked_at__isnull=True
    ).distinct():
        count = CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        audit_record(
            actor=actor,
            action="meetings.feed.revoke",
            target=user,
            organization=user.organization,
            after={"revoked": count},
        )
        revoked += count
    return revoked


# --- Settings ------------------------------------------------------------------------


@transaction.atomic
def meeting_settings_update(
    *,
    actor: User,
    program: Program,
    reminder_lead_hours: int,
    log_nudge_after_hours: int,
    goal_checkin_days: int,
) -> MeetingSettings:
    if not program_can_manage(actor, program):
        raise PermissionDenied(_("Only the program's coordinators can change this."))
    errors = {}
    if not 1 <= reminder_lead_hours <= 168:
        errors["reminder_lead_hours"] = _("Between 1 and 168 hours.")
    if not 1 <= log_nudge_after_hours <= 168:
        errors["log_nudge_after_hours"] = _("Between 1 and 168 hours.")
    if not 3 <= goal_checkin_days <= 90:
        errors["goal_checkin_days"] = _("Between 3 and 90 days.")
    if errors:
        raise ValidationError(errors)
    found, _created = MeetingSettings.objects.select_for_update().get_or_create(program=program)
    before = {
        "reminder_lead_hours": found.reminder_lead_hours,
        "log_nudge_after_hours": found.log_nudge_after_hours,
        "goal_checkin_days": found.goal_checkin_days,
    }
    found.reminder_lead_hours = reminder_lead_hours
    found.log_nudge_after_hours = log_nudge_after_hours
    found.goal_checkin_days = goal_checkin_days
    found.save()
    audit_record(
        actor=actor,
        action="meetings.settings.update",
        target=found,
        organization=program.school.organization,
        before=before,
        after={
            "reminder_lead_hours": reminder_lead_hours,
            "log_nudge_after_hours": log_nudge_after_hours,
            "goal_checkin_days": goal_checkin_days,
        },
    )
    return found
