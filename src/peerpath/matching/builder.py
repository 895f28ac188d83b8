"""
Turn a program's participants into an engine problem, and explain single pairs.

Engine ids are participant primary keys as strings. A participant whose role
is ``both`` appears on both sides and may never be paired with themselves.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from peerpath.engine import Criterion, Mentee, Mentor, Problem, solve
from peerpath.matching.criteria import engine_criteria
from peerpath.matching.models import Match, MentorRequest
from peerpath.programs.models import Participant, ParticipantStatus, Program
from peerpath.recruitment.readiness import has_consent

MENTOR_ROLES = ("mentor", "both")
MENTEE_ROLES = ("mentee", "both")


def _attributes(participant: Participant, requests: dict[int, list[str]]) -> dict[str, Any]:
    application = getattr(participant, "application", None)
    profile = participant.student
    availability = (application.availability if application else None) or profile.availability
    languages = (application.languages if application else None) or profile.languages
    interests = (application.interests if application else None) or profile.interests
    mode = application.meeting_mode if application else "either"
    background = sorted(
        f"{key}={value}"
        for key, value in (profile.background or {}).items()
        if value not in (None, "", False)
    )
    subjects = [str(course.pk) for course in participant.subjects.all()]
    return {
        "free": list(availability),
        "languages": list(languages),
        "interests": list(interests),
        "grade": profile.grade_level,
        "background": background,
        "mode": ["in_person", "online"] if mode == "either" else [mode],
        "needs": subjects,
        "offers": subjects,
        "prefers": requests.get(participant.pk, []),
    }


def _participants(
    program: Program, roles: Sequence[str], statuses: Iterable[str]
) -> list[Participant]:
    return list(
        Participant.objects.filter(program=program, role__in=roles, status__in=list(statuses))
        .select_related("student", "student__user", "application", "program")
        .prefetch_related("subjects")
        .order_by("pk")
    )


@dataclass
class BuiltProblem:
    problem: Problem
    mentees: dict[str, Participant]
    mentors: dict[str, Participant]
    skipped: dict[str, str]  # mentee id -> why they were left out before solving


def build_problem(
    program: Program,
    settings_criteria: list[dict[str, Any]],
    *,
    locked: Sequence[tuple[int, int]] = (),
) -> BuiltProblem:
    """
    The problem for a round: ready mentees without an active match, and mentors
    with room left (active matches count as load). Pairs that were matched
    before are forbidden, so a rematch never returns the same partner.
    """
    active = Match.objects.filter(program=program, status=Match.Status.ACTIVE)
    load = Counter(active.values_list("mentor_id", flat=True))
    matched_mentees = set(active.values_list("mentee_id", flat=True))
    requests: dict[int, list[str]] = {}
    for mentee_id, mentor_id in MentorRequest.objects.filter(
        program=program, status=MentorRequest.Status.PENDING
    ).values_list("mentee_id", "mentor_id"):
        requests.setdefault(mentee_id, []).append(str(mentor_id))

    skipped: dict[str, str] = {}
    mentees: dict[str, Participant] = {}
    for p in _participants(program, MENTEE_ROLES, [ParticipantStatus.READY]):
        if p.pk in matched_mentees:
            continue
        if not has_consent(p):
            skipped[str(p.pk)] = "Guardian consent is missing."
            continue
        mentees[str(p.pk)] = p
    mentors: dict[str, Participant] = {}
    mentor_entries = []
    for p in _participants(
        program, MENTOR_ROLES, [ParticipantStatus.READY, ParticipantStatus.MATCHED]
    ):
        used = load.get(p.pk, 0)
        if used >= p.capacity or not has_consent(p):
            continue
        mentors[str(p.pk)] = p
        mentor_entries.append(
            Mentor(str(p.pk), capacity=p.capacity, load=used, attributes=_attributes(p, requests))
        )
    mentee_entries = [
        Mentee(pid, attributes=_attributes(p, requests)) for pid, p in mentees.items()
    ]
    forbidden = {
        (str(mentee_id), str(mentor_id))
        for mentee_id, mentor_id in Match.objects.filter(program=program).values_list(
            "mentee_id", "mentor_id"
        )
        if str(mentee_id) in mentees and str(mentor_id) in mentors
    }
    forbidden |= {(pid, pid) for pid in mentees if pid in mentors}
    locked_pairs = tuple(
        (str(a), str(b)) for a, b in locked if str(a) in mentees and str(b) in mentors
    )
    problem = Problem(
        mentors=tuple(mentor_entries),
        mentees=tuple(mentee_entries),
        criteria=engine_criteria(settings_criteria),
        forbidden=tuple(sorted(forbidden - set(locked_pairs))),
        locked=locked_pairs,
    )
    return BuiltProblem(problem=problem, mentees=mentees, mentors=mentors, skipped=skipped)


def problem_to_dict(problem: Problem, mode: str, seed: int) -> dict[str, Any]:
    """The problem in the interchange format of docs/matching.md (for the round's snapshot)."""
    return {
        "mode": mode,
        "seed": seed,
        "mentors": [
            {"id": m.id, "capacity": m.capacity, "load": m.load, "attributes": dict(m.attributes)}
            for m in problem.mentors
        ],
        "mentees": [{"id": m.id, "attributes": dict(m.attributes)} for m in problem.mentees],
        "criteria": [
            {
                "name": c.name,
                "kind": c.kind,
                "mentee_field": c.mentee_field,
                "mentor_field": c.mentor_field,
                "weight": c.weight,
                "hard": c.hard,
                "params": dict(c.params),
            }
            for c in problem.criteria
        ],
        "forbidden": [list(p) for p in problem.forbidden],
        "locked": [list(p) for p in problem.locked],
    }


@dataclass(frozen=True)
class PairExplanation:
    score: float
    explanation: dict[str, float]
    broken: list[str]  # names of hard criteria the pair fails


def explain_pair(
    mentee: Participant, mentor: Participant, settings_criteria: list[dict[str, Any]]
) -> PairExplanation:
    """
    Score one pair exactly as a round would, and name the hard criteria it breaks.

    The pair is scored with every criterion soft (so a score exists even for a
    pair a hard rule forbids), then each hard criterion is tested alone.
    """
    criteria = engine_criteria(settings_criteria)
    requests: dict[int, list[str]] = {}
    mentee_entry = Mentee("e", attributes=_attributes(mentee, requests))
    mentor_entry = Mentor("m", capacity=1, attributes=_attributes(mentor, requests))
    soft = tuple(
        Criterion(c.name, c.kind, c.mentee_field, c.mentor_field, c.weight, False, c.params)
        for c in criteria
    )
    result = solve(Problem(mentors=(mentor_entry,), mentees=(mentee_entry,), criteria=soft))
    if result.assignments:
        assignment = result.assignments[0]
        score, explanation = assignment.score, dict(assignment.explanation)
    else:
        score, explanation = 0.0, {}
    broken = []
    for c in criteria:
        if not c.hard:
            continue
        alone = Criterion(c.name, c.kind, c.mentee_field, c.mentor_field, 1.0, True, c.params)
        check = solve(Problem(mentors=(mentor_entry,), mentees=(mentee_entry,), criteria=(alone,)))
        if not check.assignments:
            broken.append(c.name)
    return PairExplanation(score=score, explanation=explanation, broken=broken)
