"""Writes for matching: settings, rounds, review edits, publishing, requests, closure."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.conf import settings as django_settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from peerpath.core.audit import audit_record
from peerpath.core.emails import email_on_commit
from peerpath.core.models import User
from peerpath.engine import solve
from peerpath.matching.builder import build_problem, explain_pair, problem_to_dict
from peerpath.matching.criteria import CRITERIA, default_criteria
from peerpath.matching.models import (
    ExitSurvey,
    Match,
    MatchMode,
    MatchRound,
    MatchSettings,
    MentorRequest,
    Proposal,
)
from peerpath.matching.pair_reasons import REMOVED_BY_COORDINATOR
from peerpath.matching.rounds import (
    PROGRESS_SOLVING,
    PROGRESS_WAITING,
    RoundRun,
    round_execute,
    rounds_run_queued,
)
from peerpath.people.models import GuardianLink
from peerpath.programs.models import Participant, ParticipantStatus, Program
from peerpath.programs.selectors import program_can_manage
from peerpath.programs.services import participant_transition
from peerpath.recruitment.readiness import has_consent

#: Why matching moved a participant to another status, as the status history
#: (``ParticipantStatusChange.reason``) stores it: in English, whoever acted and
#: in whatever language, so that every row reads the same (the fixed ones are
#: their message ids, which a page showing them can translate).
STATUS_ROUND_PUBLISHED = gettext_noop("Match round %(id)s published")
STATUS_REQUEST_ACCEPTED = gettext_noop("Mentor request accepted")
STATUS_PAIRED_BY_HAND = gettext_noop("Paired by the coordinator")
STATUS_MATCH_CLOSED = gettext_noop("Match closed: %(reason)s")


def _require_manager(actor: User, program: Program) -> None:
    if not program_can_manage(actor, program):
        raise PermissionDenied(_("Only the program's coordinators can do this."))


def _site(path: str) -> str:
    return f"{django_settings.PEERPATH_SITE_URL}{path}"


def match_settings_for(program: Program) -> MatchSettings:
    """The program's settings, created from the defaults for its type on first use."""
    found, _created = MatchSettings.objects.get_or_create(
        program=program, defaults={"criteria": default_criteria(program.program_type)}
    )
    return found


def _clean_criteria(criteria: list[dict[str, Any]]) -> list[dict[str, Any]]:
    cleaned = []
    for entry in criteria:
        key = entry.get("key")
        if key not in CRITERIA:
            raise ValidationError({"criteria": _("Unknown criterion %(key)s.") % {"key": key}})
        weight = float(entry.get("weight", 0))
        if not 0 <= weight <= 10:
            raise ValidationError({"criteria": _("Weights are between 0 and 10.")})
        item: dict[str, Any] = {"key": key, "weight": weight, "hard": bool(entry.get("hard"))}
        if key == "free_time":
            minimum = int(entry.get("min", 1))
            if not 1 <= minimum <= 10:
                raise ValidationError({"criteria": _("The minimum shared time is 1–10 slots.")})
            item["min"] = minimum
        if key == "background":
            prefer = entry.get("prefer", "similar")
            if prefer not in {"similar", "diverse"}:
                raise ValidationError({"criteria": _("Background is similar or diverse.")})
            item["prefer"] = prefer
        cleaned.append(item)
    if not any(c["weight"] > 0 for c in cleaned):
        raise ValidationError({"criteria": _("Give at least one criterion a weight above 0.")})
    return cleaned


@transaction.atomic
def match_settings_update(
    *,
    actor: User,
    program: Program,
    criteria: list[dict[str, Any]],
    mode: str,
    allow_mentee_requests: bool,
    mentor_capacity: int | None = None,
) -> MatchSettings:
    _require_manager(actor, program)
    if mode not in MatchMode.values:
        raise ValidationError({"mode": _("Unknown matching mode.")})
    found = match_settings_for(program)
    before = {
        "criteria": found.criteria,
        "mode": found.mode,
        "requests": found.allow_mentee_requests,
    }
    found.criteria = _clean_criteria(criteria)
    found.mode = mode
    found.allow_mentee_requests = allow_mentee_requests
    found.save(update_fields=["criteria", "mode", "allow_mentee_requests", "updated_at"])
    if mentor_capacity is not None and mentor_capacity != program.default_mentor_capacity:
        if not 1 <= mentor_capacity <= 12:
            raise ValidationError({"mentor_capacity": _("Capacity is 1–12 mentees.")})
        Program.objects.filter(pk=program.pk).update(default_mentor_capacity=mentor_capacity)
        program.default_mentor_capacity = mentor_capacity
    audit_record(
        actor=actor,
        action="matching.settings",
        target=found,
        organization=program.school.organization,
        before=before,
        after={
            "criteria": found.criteria,
            "mode": mode,
            "requests": allow_mentee_requests,
            "capacity": program.default_mentor_capacity,
        },
    )
    return found


def _inline_limit() -> int:
    return int(getattr(django_settings, "PEERPATH_MATCH_INLINE_LIMIT", 3000))


def match_round_start(
    *, actor: User, program: Program, locked: list[tuple[int, int]] | None = None
) -> MatchRound:
    """
    Start a round: small programs are solved at once, large ones by the worker.

    An open round of the program is discarded (its locked pairs carry over
    when ``locked`` is not given).
    """
    _require_manager(actor, program)
    with transaction.atomic():
        Program.objects.select_for_update().get(pk=program.pk)  # one round start at a time
        found = match_settings_for(program)
        previous = MatchRound.objects.filter(
            program=program, status__in=[MatchRound.Status.QUEUED, MatchRound.Status.PROPOSED]
        )
        if locked is None:
            locked = list(
                Proposal.objects.filter(
                    round__in=previous, locked=True, mentor__isnull=False
                ).values_list("mentee_id", "mentor_id")
            )
        previous.update(status=MatchRound.Status.DISCARDED)
        match_round = MatchRound.objects.create(
            program=program,
            mode=found.mode,
            seed=0,
            created_by=actor,
            settings_snapshot={"criteria": found.criteria, "mode": found.mode, "locked": locked},
            progress=PROGRESS_WAITING,
        )
        audit_record(
            actor=actor,
            action="matching.round.start",
            target=match_round,
            organization=program.school.organization,
            after={"mode": found.mode, "locked": len(locked)},
        )
        size = Participant.objects.filter(
            program=program, status__in=[ParticipantStatus.READY, ParticipantStatus.MATCHED]
        ).count()
    if size <= _inline_limit():
        match_round_execute(round_id=match_round.pk)
        match_round.refresh_from_db()
    return match_round


def _solve_round(run: RoundRun[MatchRound]) -> None:
    """Build the round's problem, solve it and save its proposals (one transaction)."""
    match_round = run.round
    snapshot = match_round.settings_snapshot
    with run.timed("load_and_build_s"):
        built = build_problem(
            match_round.program,
            snapshot["criteria"],
            locked=[tuple(p) for p in snapshot.get("locked", [])],
        )
    run.report(PROGRESS_SOLVING)
    with run.timed("solve_s"):
        result = solve(built.problem, mode=match_round.mode, seed=match_round.seed)
    with transaction.atomic():
        with run.timed("save_s"):
            proposals = [
                Proposal(
                    round=match_round,
                    mentee=built.mentees[a.mentee],
                    mentor=built.mentors[a.mentor],
                    score=a.score,
                    explanation=dict(a.explanation),
                    locked=a.locked,
                )
                for a in result.assignments
            ]
            proposals += [
                Proposal(round=match_round, mentee=built.mentees[u.mentee], reason=u.reason)
                for u in result.unmatched
            ]
            Proposal.objects.bulk_create(proposals, batch_size=1000)
        finished = run.finish(
            status=MatchRound.Status.PROPOSED,
            problem=problem_to_dict(built.problem, match_round.mode, match_round.seed),
            result={**result.to_dict(codes=True), "skipped": built.skipped},
            timings=run.timings,
        )
        if not finished:  # a later attempt owns the round now; it saves its own proposals
            transaction.set_rollback(True)


def match_round_execute(*, round_id: int) -> MatchRound | None:
    """
    Solve a queued round and store its proposals; safe to call from a worker.

    The solve runs outside any transaction; the proposals are saved in one.
    A failure marks the round failed with the reason and changes nothing else.
    Claiming, the lease and restarts are :mod:`peerpath.matching.rounds`'.
    """
    return round_execute(
        MatchRound,
        round_id=round_id,
        work=_solve_round,
        select_related=("program", "program__school__organization"),
    )


def match_rounds_run_queued(*, limit: int = 10) -> int:
    """
    Restart abandoned rounds and run queued ones, oldest first (the worker's loop body).

    Returns how many ran.
    """
    return rounds_run_queued(MatchRound, match_round_execute, limit=limit)


def _open_round_for_edit(actor: User, match_round: MatchRound) -> MatchRound:
    _require_manager(actor, match_round.program)
    locked = MatchRound.objects.select_for_update().get(pk=match_round.pk)
    if locked.status != MatchRound.Status.PROPOSED:
        raise ValidationError(_("This round can no longer be changed."))
    return locked


def _recompute(proposal: Proposal, criteria: list[dict[str, Any]]) -> None:
    if proposal.mentor is None:
        proposal.score = None
        proposal.explanation = {}
        proposal.broken = []
        return
    explained = explain_pair(proposal.mentee, proposal.mentor, criteria)
    proposal.score = explained.score
    proposal.explanation = explained.explanation
    proposal.broken = explained.broken
    if proposal.mentee.student_id == proposal.mentor.student_id:
        proposal.broken = [*proposal.broken, "same_person"]


@transaction.atomic
def proposal_set_lock(*, actor: User, proposal: Proposal, locked: bool) -> Proposal:
    _open_round_for_edit(actor, proposal.round)
    if locked and proposal.mentor_id is None:
        raise ValidationError(_("Only a pair can be locked."))
    proposal.locked = locked
    proposal.save(update_fields=["locked"])
    return proposal


@transaction.atomic
def proposal_assign(
    *, actor: User, proposal: Proposal, mentor: Participant | None, reason: str = ""
) -> list[Proposal]:
    """
    Give a proposal's mentee another mentor (or none), by hand.

    Returns the proposals that changed, each with its new score and the hard
    criteria it breaks (shown at once on the review screen).
    """
    match_round = _open_round_for_edit(actor, proposal.round)
    if mentor is not None and mentor.program_id != match_round.program_id:
        raise ValidationError(_("That mentor is in another program."))
    proposal = (
        Proposal.objects.select_for_update(of=("self",))
        .select_related("mentee__student", "mentee__application", "mentor__student")
        .get(pk=proposal.pk)
    )
    proposal.mentor = mentor
    proposal.source = Proposal.Source.MANUAL
    proposal.locked = False
    proposal.reason = reason or (REMOVED_BY_COORDINATOR if mentor is None else "")
    _recompute(proposal, match_round.settings_snapshot["criteria"])
    proposal.save(
        update_fields=["mentor", "score", "explanation", "broken", "reason", "locked", "source"]
    )
    audit_record(
        actor=actor,
        action="matching.proposal.assign",
        target=proposal,
        organization=match_round.program.school.organization,
        after={"mentee": proposal.mentee_id, "mentor": proposal.mentor_id},
    )
    return [proposal]


@transaction.atomic
def proposal_swap(*, actor: User, first: Proposal, second: Proposal) -> list[Proposal]:
    """Swap the mentors of two proposals of the same round."""
    match_round = _open_round_for_edit(actor, first.round)
    if second.round_id != match_round.pk:
        raise ValidationError(_("Both pairs must be in the same round."))
    a, b = (
        Proposal.objects.select_for_update(of=("self",))
        .select_related("mentee__student", "mentee__application", "mentor__student")
        .get(pk=first.pk),
        Proposal.objects.select_for_update(of=("self",))
        .select_related("mentee__student", "mentee__application", "mentor__student")
        .get(pk=second.pk),
    )
    a.mentor, b.mentor = b.mentor, a.mentor
    for p in (a, b):
        p.source = Proposal.Source.MANUAL
        p.locked = False
        p.reason = "" if p.mentor else REMOVED_BY_COORDINATOR
        _recompute(p, match_round.settings_snapshot["criteria"])
        p.save(
            update_fields=["mentor", "score", "explanation", "broken", "reason", "locked", "source"]
        )
    audit_record(
        actor=actor,
        action="matching.proposal.swap",
        target=match_round,
        organization=match_round.program.school.organization,
        after={"swapped": [a.pk, b.pk]},
    )
    return [a, b]


def round_capacity_problems(match_round: MatchRound) -> list[str]:
    """Mentors a round would overfill, counting matches published since it ran."""
    proposed = Counter(
        match_round.proposals.filter(mentor__isnull=False).values_list("mentor_id", flat=True)
    )
    if not proposed:
        return []
    active = Counter(
        Match.objects.filter(
            program=match_round.program, status=Match.Status.ACTIVE, mentor_id__in=proposed
        ).values_list("mentor_id", flat=True)
    )
    problems = []
    for mentor in Participant.objects.filter(pk__in=proposed).select_related(
        "student__user", "program"
    ):
        total = proposed[mentor.pk] + active.get(mentor.pk, 0)
        if total > mentor.capacity:
            problems.append(
                _("%(name)s would have %(n)s mentees; their capacity is %(cap)s.")
                % {"name": mentor.student, "n": total, "cap": mentor.capacity}
            )
    return problems


@transaction.atomic
def match_round_publish(*, actor: User, match_round: MatchRound) -> list[Match]:
    """
    Publish a round: every pair becomes an active match, in one transaction.

    Mentors are locked in id order so concurrent publishing or requests cannot
    overfill anyone; any problem (capacity, a participant no longer ready or
    without consent, a pair matched before) aborts the whole publish.
    """
    match_round = _open_round_for_edit(actor, match_round)
    program = match_round.program
    pairs = list(
        match_round.proposals.filter(mentor__isnull=False).select_related(
            "mentee__student__user", "mentor__student__user"
        )
    )
    if not pairs:
        raise ValidationError(_("There is no pair to publish."))
    mentor_ids = sorted({p.mentor_id for p in pairs if p.mentor_id is not None})
    list(Participant.objects.select_for_update().filter(pk__in=mentor_ids).order_by("pk"))
    problems = round_capacity_problems(match_round)
    mentee_ids = [p.mentee_id for p in pairs]
    if len(set(mentee_ids)) != len(mentee_ids):
        problems.append(_("A mentee appears twice."))
    already = set(
        Match.objects.filter(
            program=program, status=Match.Status.ACTIVE, mentee_id__in=mentee_ids
        ).values_list("mentee_id", flat=True)
    )
    history = set(
        Match.objects.filter(program=program, mentee_id__in=mentee_ids).values_list(
            "mentee_id", "mentor_id"
        )
    )
    for p in pairs:
        if p.mentee_id in already:
            problems.append(_("%(name)s already has a mentor.") % {"name": p.mentee.student})
        if (p.mentee_id, p.mentor_id) in history:
            problems.append(
                _("%(a)s and %(b)s were matched before; choose another partner.")
                % {"a": p.mentee.student, "b": p.mentor.student if p.mentor else ""}
            )
        for side in (p.mentee, p.mentor):
            if side is None:
                continue
            side.refresh_from_db(fields=["status"])
            if side.status not in {ParticipantStatus.READY, ParticipantStatus.MATCHED}:
                problems.append(
                    _("%(name)s is no longer ready (%(status)s).")
                    % {"name": side.student, "status": side.get_status_display()}
                )
            elif not has_consent(side):
                problems.append(_("%(name)s has no guardian consent.") % {"name": side.student})
        if "same_person" in p.broken:
            problems.append(_("%(name)s cannot mentor themselves.") % {"name": p.mentee.student})
    if problems:
        raise ValidationError(sorted(set(problems)))
    matches = Match.objects.bulk_create(
        [
            Match(
                program=program,
                mentor=p.mentor,
                mentee=p.mentee,
                score=p.score,
                explanation=p.explanation,
                round=match_round,
            )
            for p in pairs
            if p.mentor is not None
        ]
    )
    moved: set[int] = set()
    for p in pairs:
        for side in (p.mentee, p.mentor):
            if side is not None and side.pk not in moved and side.status == ParticipantStatus.READY:
                participant_transition(
                    actor=actor,
                    participant=side,
                    to_status=ParticipantStatus.MATCHED,
                    reason=STATUS_ROUND_PUBLISHED % {"id": match_round.pk},
                )
                moved.add(side.pk)
    match_round.status = MatchRound.Status.PUBLISHED
    match_round.published_at = timezone.now()
    match_round.published_by = actor
    match_round.save(update_fields=["status", "published_at", "published_by", "updated_at"])
    audit_record(
        actor=actor,
        action="matching.round.publish",
        target=match_round,
        organization=program.school.organization,
        after={"matches": len(matches)},
    )
    for match in Match.objects.filter(round=match_round).select_related(
        "mentor__student__user", "mentee__student__user", "program"
    ):
        _announce_match(match)
    return matches


def _announce_match(match: Match) -> None:
    url = _site(reverse("matching:match", args=[match.pk]))
    mentor_user = match.mentor.student.user
    mentee_user = match.mentee.student.user
    for user, partner in ((mentor_user, mentee_user), (mentee_user, mentor_user)):
        email_on_commit(
            to=[user.email],
            template="match_published",
            context={
                "name": user.get_short_name(),
                "partner": partner.get_short_name(),
                "program": match.program.name,
                "url": url,
            },
            language=user.preferred_language or None,
        )
    guardians = GuardianLink.objects.filter(
        student__in=[match.mentor.student_id, match.mentee.student_id]
    ).select_related("guardian", "student__user")
    for link in guardians:
        email_on_commit(
            to=[link.guardian.email],
            template="match_guardian",
            context={"student": link.student.user.get_short_name(), "program": match.program.name},
            language=link.guardian.preferred_language or None,
        )


def mentor_load(mentor: Participant) -> int:
    return Match.objects.filter(mentor=mentor, status=Match.Status.ACTIVE).count()


def eligible_mentors_for(mentee: Participant) -> list[Participant]:
    """Mentors a mentee may ask: ready or matched, with room, not matched with them before."""
    program = mentee.program
    before = set(Match.objects.filter(mentee=mentee).values_list("mentor_id", flat=True))
    mentors = (
        Participant.objects.filter(
            program=program,
            role__in=["mentor", "both"],
            status__in=[ParticipantStatus.READY, ParticipantStatus.MATCHED],
            student__directory_opt_out=False,
        )
        .exclude(pk__in=before)
        .exclude(student=mentee.student)
        .annotate(
            active=Count("mentor_matches", filter=Q(mentor_matches__status=Match.Status.ACTIVE))
        )
        .select_related("student__user", "program", "application")
        .prefetch_related("subjects")
        .order_by("student__user__given_name", "pk")
    )
    return [m for m in mentors if m.active < m.capacity and has_consent(m)]


@transaction.atomic
def mentor_request_create(
    *, actor: User, mentee: Participant, mentor: Participant, message: str = ""
) -> MentorRequest:
    """A mentee asks a mentor from the eligible list (programs that allow requests)."""
    if mentee.student.user_id != actor.pk:
        raise PermissionDenied(_("You can only ask for a mentor for yourself."))
    program = mentee.program
    if not match_settings_for(program).allow_mentee_requests:
        raise PermissionDenied(_("This program does not take requests."))
    if mentee.status != ParticipantStatus.READY or not has_consent(mentee):
        raise ValidationError(_("You can ask for a mentor once you are ready to match."))
    if mentor.pk not in {m.pk for m in eligible_mentors_for(mentee)}:
        raise ValidationError(_("That mentor cannot take a request."))
    if MentorRequest.objects.filter(mentee=mentee, status=MentorRequest.Status.PENDING).exists():
        raise ValidationError(_("You already have a request waiting for an answer."))
    request = MentorRequest.objects.create(
        program=program, mentee=mentee, mentor=mentor, message=message[:500]
    )
    audit_record(
        actor=actor,
        action="matching.request.create",
        target=request,
        organization=program.school.organization,
        after={"mentee": mentee.pk, "mentor": mentor.pk},
    )
    email_on_commit(
        to=[mentor.student.user.email],
        template="mentor_request",
        context={
            "name": mentor.student.user.get_short_name(),
            "mentee": mentee.student.user.get_short_name(),
            "program": program.name,
            "url": _site(reverse("matching:requests")),
        },
        language=mentor.student.user.preferred_language or None,
    )
    return request


@transaction.atomic
def mentor_request_decide(*, actor: User, request: MentorRequest, accept: bool) -> Match | None:
    """
    The mentor accepts or declines. Accepting locks the mentor's row first, so
    two requests accepted at the same moment can never exceed the capacity.
    """
    request = (
        MentorRequest.objects.select_for_update(of=("self",))
        .select_related("program")
        .get(pk=request.pk)
    )
    mentor = (
        Participant.objects.select_for_update(of=("self",))
        .select_related("student__user", "program")
        .get(pk=request.mentor_id)
    )
    if mentor.student.user_id != actor.pk:
        raise PermissionDenied(_("Only the mentor asked can answer."))
    if request.status != MentorRequest.Status.PENDING:
        raise ValidationError(_("This request was already answered."))
    request.decided_at = timezone.now()
    if not accept:
        request.status = MentorRequest.Status.DECLINED
        request.save(update_fields=["status", "decided_at", "updated_at"])
        return None
    mentee = (
        Participant.objects.select_for_update(of=("self",))
        .select_related("student__user", "program")
        .get(pk=request.mentee_id)
    )
    match = _pair(
        program=request.program,
        mentor=mentor,
        mentee=mentee,
        reason=STATUS_REQUEST_ACCEPTED,
        full_message=_("You have no room for another mentee."),
    )
    request.status = MentorRequest.Status.ACCEPTED
    request.save(update_fields=["status", "decided_at", "updated_at"])
    audit_record(
        actor=actor,
        action="matching.request.accept",
        target=match,
        organization=request.program.school.organization,
        after={"mentee": mentee.pk, "mentor": mentor.pk},
    )
    return match


def _pair(
    *, program: Program, mentor: Participant, mentee: Participant, reason: str, full_message: str
) -> Match:
    """
    Create one active match; the caller holds row locks on both participants.

    Checks capacity, that the mentee has no mentor, that both are ready (or the
    mentor already matched) with consent, and that the two were never matched.
    """
    if mentor_load(mentor) >= mentor.capacity:
        raise ValidationError(full_message)
    if Match.objects.filter(mentee=mentee, status=Match.Status.ACTIVE).exists():
        raise ValidationError(_("This mentee already has a mentor."))
    if mentee.status != ParticipantStatus.READY:
        raise ValidationError(_("This mentee is no longer waiting for a mentor."))
    if mentor.status not in {ParticipantStatus.READY, ParticipantStatus.MATCHED}:
        raise ValidationError(_("This mentor is not ready to match."))
    if not (has_consent(mentee) and has_consent(mentor)):
        raise ValidationError(_("Guardian consent is missing."))
    if mentee.student_id == mentor.student_id:
        raise ValidationError(_("A student cannot mentor themselves."))
    if Match.objects.filter(mentee=mentee, mentor=mentor).exists():
        raise ValidationError(_("These two were matched before; choose another partner."))
    explained = explain_pair(mentee, mentor, match_settings_for(program).criteria)
    match = Match.objects.create(
        program=program,
        mentor=mentor,
        mentee=mentee,
        score=explained.score,
        explanation=explained.explanation,
    )
    for side in (mentee, mentor):
        if side.status == ParticipantStatus.READY:
            participant_transition(
                actor=None, participant=side, to_status=ParticipantStatus.MATCHED, reason=reason
            )
    _announce_match(match)
    return match


@transaction.atomic
def match_create_manual(
    *, actor: User, program: Program, mentor: Participant, mentee: Participant
) -> Match:
    """A coordinator pairs two people by hand, outside a round (late joiners, a quick fix)."""
    _require_manager(actor, program)
    locked = {
        p.pk: p
        for p in Participant.objects.select_for_update(of=("self",))
        .select_related("student__user", "program")
        .filter(pk__in=[mentor.pk, mentee.pk], program=program)
        .order_by("pk")
    }
    if mentor.pk not in locked or mentee.pk not in locked:
        raise ValidationError(_("Both must be in this program."))
    if locked[mentor.pk].role not in {"mentor", "both"} or locked[mentee.pk].role not in {
        "mentee",
        "both",
    }:
        raise ValidationError(_("Choose a mentor and a mentee."))
    match = _pair(
        program=program,
        mentor=locked[mentor.pk],
        mentee=locked[mentee.pk],
        reason=STATUS_PAIRED_BY_HAND,
        full_message=_("This mentor has no room for another mentee."),
    )
    audit_record(
        actor=actor,
        action="matching.match.manual",
        target=match,
        organization=program.school.organization,
        after={"mentee": mentee.pk, "mentor": mentor.pk},
    )
    return match


@transaction.atomic
def match_agree(*, actor: User, match: Match) -> Match:
    """One side accepts the match agreement."""
    match = (
        Match.objects.select_for_update(of=("self",))
        .select_related("mentor__student", "mentee__student")
        .get(pk=match.pk)
    )
    if match.status != Match.Status.ACTIVE:
        raise ValidationError(_("This match is closed."))
    now = timezone.now()
    if match.mentor.student.user_id == actor.pk:
        match.mentor_agreed_at = match.mentor_agreed_at or now
    elif match.mentee.student.user_id == actor.pk:
        match.mentee_agreed_at = match.mentee_agreed_at or now
    else:
        raise PermissionDenied(_("Only the two partners accept the agreement."))
    match.save(update_fields=["mentor_agreed_at", "mentee_agreed_at", "updated_at"])
    return match


@transaction.atomic
def match_close(
    *,
    actor: User,
    match: Match,
    reason: str,
    note: str = "",
    future_contact_allowed: bool = False,
    mentor_would_mentor_again: bool | None = None,
    rematch: bool = False,
) -> Match:
    """
    Close a match without blame; both sides are asked for an exit survey.

    With ``rematch``, each side becomes ready to be matched again (never with
    each other); otherwise a side with no other active match is closed.
    """
    match = (
        Match.objects.select_for_update(of=("self",))
        .select_related(
            "program__school__organization", "mentor__student__user", "mentee__student__user"
        )
        .get(pk=match.pk)
    )
    _require_manager(actor, match.program)
    if match.status != Match.Status.ACTIVE:
        raise ValidationError(_("This match is already closed."))
    if reason not in Match.CloseReason.values:
        raise ValidationError({"reason": _("Choose a reason.")})
    match.status = Match.Status.CLOSED
    match.closed_at = timezone.now()
    match.closed_by = actor
    match.close_reason = reason
    match.close_note = note
    match.future_contact_allowed = future_contact_allowed
    match.mentor_would_mentor_again = mentor_would_mentor_again
    match.rematch_requested = rematch
    match.save()
    with translation.override("en"):
        closed = STATUS_MATCH_CLOSED % {"reason": match.get_close_reason_display()}
    for side, is_mentor in ((match.mentee, False), (match.mentor, True)):
        still_active = (
            is_mentor and Match.objects.filter(mentor=side, status=Match.Status.ACTIVE).exists()
        )
        side.refresh_from_db(fields=["status"])
        if still_active or side.status != ParticipantStatus.MATCHED:
            continue
        participant_transition(
            actor=actor,
            participant=side,
            to_status=ParticipantStatus.READY if rematch else ParticipantStatus.CLOSED,
            reason=closed,
        )
    audit_record(
        actor=actor,
        action="matching.match.close",
        target=match,
        organization=match.program.school.organization,
        after={"reason": reason, "rematch": rematch, "future_contact": future_contact_allowed},
    )
    url = _site(reverse("matching:exit-survey", args=[match.pk]))
    for user in (match.mentor.student.user, match.mentee.student.user):
        email_on_commit(
            to=[user.email],
            template="match_closed",
            context={"name": user.get_short_name(), "program": match.program.name, "url": url},
            language=user.preferred_language or None,
        )
    return match


@transaction.atomic
def exit_survey_submit(
    *,
    actor: User,
    match: Match,
    rating: int,
    helped: str = "",
    improve: str = "",
    would_again: bool | None = None,
) -> ExitSurvey:
    match = Match.objects.select_related("mentor__student", "mentee__student").get(pk=match.pk)
    if match.status != Match.Status.CLOSED:
        raise ValidationError(_("The exit survey opens when the match closes."))
    if match.mentor.student.user_id == actor.pk:
        respondent = match.mentor
    elif match.mentee.student.user_id == actor.pk:
        respondent = match.mentee
    else:
        raise PermissionDenied(_("Only the two partners answer the exit survey."))
    if not 1 <= rating <= 5:
        raise ValidationError({"rating": _("Choose 1 to 5.")})
    if ExitSurvey.objects.filter(match=match, respondent=respondent).exists():
        raise ValidationError(_("You already answered."))
    return ExitSurvey.objects.create(
        match=match,
        respondent=respondent,
        rating=rating,
        helped=helped,
        improve=improve,
        would_again=would_again,
    )
