"""
Group formation rounds: a group program's settings, the engine problem built
from its ready participants, running a round (inline or in ``peerpath
worker``) and a coordinator's edits with the engine's re-scoring.

Engine ids are participant primary keys as strings; mentors (and "both") are
the peer leaders. Publishing a round creates groups in the meetings app
(:func:`peerpath.meetings.services.group_round_publish`), which is above this
layer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings as django_settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from peerpath.core.audit import audit_record
from peerpath.core.models import User
from peerpath.engine.groups import (
    GroupCriterion,
    GroupProblem,
    GroupResult,
    IsolationRule,
    evaluate_groups,
    form_groups,
    group_problem_from_dict,
)
from peerpath.engine.groups import Participant as GroupParticipant
from peerpath.matching.group_reasons import group_label, round_reasons
from peerpath.matching.models import GroupLeaderRule, GroupRound, GroupSettings
from peerpath.matching.rounds import (
    ERROR_NO_GROUPING,
    PROGRESS_FORMING_GROUPS,
    PROGRESS_WAITING,
    RoundRun,
    round_execute,
    rounds_run_queued,
)
from peerpath.programs.models import Participant, ParticipantStatus, Program
from peerpath.programs.selectors import program_can_manage
from peerpath.recruitment.readiness import has_consent

LEADER_ROLES = ("mentor", "both")


@dataclass(frozen=True)
class GroupCriterionSpec:
    """A participant attribute a group program can be formed by."""

    label: str | Promise
    help: str | Promise
    kind: str  # "category" or "number" (the engine's kinds)
    isolable: bool  # offered as a "nobody isolated" attribute


GROUP_CRITERIA: dict[str, GroupCriterionSpec] = {
    "grade": GroupCriterionSpec(
        gettext_lazy("Grade"),
        gettext_lazy("Similar: classmates of the same year. Diverse: older and younger together."),
        "number",
        False,
    ),
    "subject": GroupCriterionSpec(
        gettext_lazy("Subject"),
        gettext_lazy("The first subject the participant studies or offers in this program."),
        "category",
        True,
    ),
    "home_language": GroupCriterionSpec(
        gettext_lazy("Home language"),
        gettext_lazy("Self-described home language, else the first language spoken."),
        "category",
        True,
    ),
    "first_generation": GroupCriterionSpec(
        gettext_lazy("First generation"),
        gettext_lazy("Self-described: first in the family to go to university."),
        "category",
        True,
    ),
}


def default_group_criteria(program_type: str) -> list[dict[str, Any]]:
    """Study groups gather one subject; circles and buddy groups mix grades."""
    if program_type == "study_groups":
        return [
            {"key": "subject", "prefer": "similar", "weight": 2.0},
            {"key": "grade", "prefer": "similar", "weight": 1.0},
        ]
    return [{"key": "grade", "prefer": "diverse", "weight": 1.0}]


def _require_manager(actor: User, program: Program) -> None:
    if not program_can_manage(actor, program):
        raise PermissionDenied(_("Only the program's coordinators can do this."))


def _require_group_program(program: Program) -> None:
    if not program.is_group_program:
        raise ValidationError(_("Only study groups and circles form groups."))


def group_settings_for(program: Program) -> GroupSettings:
    """The program's group settings, created from the defaults for its type on first use."""
    found, _created = GroupSettings.objects.get_or_create(
        program=program, defaults={"criteria": default_group_criteria(program.program_type)}
    )
    return found


def _clean_group_criteria(criteria: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    cleaned = []
    seen = set()
    for entry in criteria:
        key = entry.get("key")
        if key not in GROUP_CRITERIA:
            raise ValidationError({"criteria": _("Unknown criterion %(key)s.") % {"key": key}})
        if key in seen:
            raise ValidationError({"criteria": _("Each criterion can be chosen once.")})
        seen.add(key)
        prefer = entry.get("prefer", "similar")
        if prefer not in {"similar", "diverse"}:
            raise ValidationError({"criteria": _("Choose similar or diverse.")})
        weight = float(entry.get("weight", 0))
        if not 0 <= weight <= 10:
            raise ValidationError({"criteria": _("Weights are between 0 and 10.")})
        if weight > 0:
            cleaned.append({"key": key, "prefer": prefer, "weight": weight})
    return cleaned


@transaction.atomic
def group_settings_update(
    *,
    actor: User,
    program: Program,
    min_size: int,
    max_size: int,
    leaders: str,
    min_shared_slots: int,
    criteria: list[dict[str, Any]],
    no_isolated: list[str],
) -> GroupSettings:
    """Save how the program's groups are formed."""
    _require_manager(actor, program)
    _require_group_program(program)
    if not 2 <= min_size <= max_size <= 20:
        raise ValidationError(_("Group sizes are 2–20, the smallest no larger than the largest."))
    if leaders not in GroupLeaderRule.values:
        raise ValidationError({"leaders": _("Unknown leader rule.")})
    if not 0 <= min_shared_slots <= 10:
        raise ValidationError({"min_shared_slots": _("Shared free times are 0–10.")})
    unknown = [k for k in no_isolated if k not in GROUP_CRITERIA or not GROUP_CRITERIA[k].isolable]
    if unknown:
        raise ValidationError(
            {"no_isolated": _("Unknown attribute %(key)s.") % {"key": unknown[0]}}
        )
    found = group_settings_for(program)
    fields = ["min_size", "max_size", "leaders", "min_shared_slots", "criteria", "no_isolated"]
    before = {f: getattr(found, f) for f in fields}
    found.min_size, found.max_size = min_size, max_size
    found.leaders = leaders
    found.min_shared_slots = min_shared_slots
    found.criteria = _clean_group_criteria(criteria)
    found.no_isolated = sorted(set(no_isolated))
    found.save(update_fields=[*fields, "updated_at"])
    audit_record(
        actor=actor,
        action="matching.group_settings",
        target=found,
        organization=program.school.organization,
        before=before,
        after={f: getattr(found, f) for f in fields},
    )
    return found


def settings_snapshot(found: GroupSettings) -> dict[str, Any]:
    return {
        "min_size": found.min_size,
        "max_size": found.max_size,
        "leaders": found.leaders,
        "min_shared_slots": found.min_shared_slots,
        "criteria": list(found.criteria),
        "no_isolated": list(found.no_isolated),
    }


# --- The engine problem -----------------------------------------------------------------


def participant_slots(participant: Participant) -> list[str]:
    """The participant's weekly free slots (their application's, else their profile's)."""
    application = getattr(participant, "application", None)
    return list(
        (application.availability if application else None) or participant.student.availability
    )


def _group_attributes(participant: Participant) -> dict[str, Any]:
    profile = participant.student
    background = profile.background or {}
    application = getattr(participant, "application", None)
    languages = (application.languages if application else None) or profile.languages or []
    subjects = sorted(course.code for course in participant.subjects.all())
    home = background.get("home_language") or (languages[0] if languages else None)
    first_gen = background.get("first_generation")
    return {
        "grade": profile.grade_level,
        "subject": subjects[0] if subjects else None,
        "home_language": str(home) if home else None,
        "first_generation": None if first_gen is None else bool(first_gen),
    }


def group_candidates(program: Program) -> QuerySet[Participant]:
    """Ready participants of the program, with what the problem reads."""
    return (
        Participant.objects.filter(program=program, status=ParticipantStatus.READY)
        .select_related("student", "student__user", "application", "program")
        .prefetch_related("subjects")
        .order_by("pk")
    )


@dataclass
class BuiltGroupProblem:
    problem: GroupProblem
    participants: dict[str, Participant]
    skipped: dict[str, str]  # participant id -> why they were not in the problem


def build_group_problem(program: Program, snapshot: dict[str, Any]) -> BuiltGroupProblem:
    """The engine problem of a round: the program's ready participants with consent."""
    participants: dict[str, Participant] = {}
    skipped: dict[str, str] = {}
    entries = []
    for p in group_candidates(program):
        if not has_consent(p):
            skipped[str(p.pk)] = "Guardian consent is missing."
            continue
        participants[str(p.pk)] = p
        entries.append(
            GroupParticipant(
                str(p.pk),
                slots=frozenset(participant_slots(p)),
                leader=p.role in LEADER_ROLES,
                attributes=_group_attributes(p),
            )
        )
    criteria = tuple(
        GroupCriterion(
            c["key"],
            c["key"],
            kind=GROUP_CRITERIA[c["key"]].kind,
            prefer=c["prefer"],
            weight=float(c["weight"]),
        )
        for c in snapshot["criteria"]
    )
    problem = GroupProblem(
        participants=tuple(entries),
        min_size=int(snapshot["min_size"]),
        max_size=int(snapshot["max_size"]),
        min_shared_slots=int(snapshot["min_shared_slots"]),
        leaders=snapshot["leaders"],
        criteria=criteria,
        no_isolated=tuple(IsolationRule(key) for key in snapshot["no_isolated"]),
    )
    return BuiltGroupProblem(problem=problem, participants=participants, skipped=skipped)


def group_problem_to_dict(problem: GroupProblem, seed: int) -> dict[str, Any]:
    """The problem in the JSON form of docs/groups.md (read back by ``group_problem_from_dict``)."""
    return {
        "seed": seed,
        "size": {"min": problem.min_size, "max": problem.max_size},
        "min_shared_slots": problem.min_shared_slots,
        "leaders": problem.leaders,
        "allow_left_out": problem.allow_left_out,
        "criteria": [
            {
                "name": c.name,
                "field": c.field,
                "kind": c.kind,
                "prefer": c.prefer,
                "weight": c.weight,
            }
            for c in problem.criteria
        ],
        "no_isolated": [r.field for r in problem.no_isolated],
        "participants": [
            {
                "id": p.id,
                "slots": sorted(p.slots),
                "leader": p.leader,
                "attributes": dict(p.attributes),
            }
            for p in problem.participants
        ],
    }


# --- Rounds ---------------------------------------------------------------------------


def _inline_limit() -> int:
    return int(getattr(django_settings, "PEERPATH_GROUP_INLINE_LIMIT", 60))


def group_round_start(*, actor: User, program: Program) -> GroupRound:
    """
    Start a formation round from the program's settings and ready participants.

    Small cohorts (``PEERPATH_GROUP_INLINE_LIMIT``, 60 by default: the search
    takes seconds there) are solved at once; larger ones wait for ``peerpath
    worker``. An open round of the program is discarded.
    """
    _require_manager(actor, program)
    _require_group_program(program)
    with transaction.atomic():
        Program.objects.select_for_update().get(pk=program.pk)  # one round start at a time
        found = group_settings_for(program)
        GroupRound.objects.filter(
            program=program, status__in=[GroupRound.Status.QUEUED, GroupRound.Status.PROPOSED]
        ).update(status=GroupRound.Status.DISCARDED)
        group_round = GroupRound.objects.create(
            program=program,
            seed=0,
            created_by=actor,
            settings_snapshot=settings_snapshot(found),
            progress=PROGRESS_WAITING,
        )
        audit_record(
            actor=actor,
            action="matching.group_round.start",
            target=group_round,
            organization=program.school.organization,
            after=group_round.settings_snapshot,
        )
        size = Participant.objects.filter(program=program, status=ParticipantStatus.READY).count()
    if size <= _inline_limit():
        group_round_execute(round_id=group_round.pk)
        group_round.refresh_from_db()
    return group_round


def _result_groups(result: GroupResult) -> dict[str, list[str]]:
    return {g.id: list(g.members) for g in result.groups}


def _form_round_groups(run: RoundRun[GroupRound]) -> None:
    """Build the round's problem, form the groups and record them (or why none fit)."""
    group_round = run.round
    with run.timed("load_and_build_s"):
        built = build_group_problem(group_round.program, group_round.settings_snapshot)
    run.report(PROGRESS_FORMING_GROUPS)
    with run.timed("solve_s"):
        result = form_groups(built.problem, seed=group_round.seed)
    run.finish(
        status=GroupRound.Status.PROPOSED if result.feasible else GroupRound.Status.FAILED,
        problem=group_problem_to_dict(built.problem, group_round.seed),
        result=result.to_dict(),
        groups=_result_groups(result),
        evaluation=result.to_dict() if result.feasible else {},
        skipped=built.skipped,
        timings=run.timings,
        error="" if result.feasible else ERROR_NO_GROUPING % {"detail": result.reason or ""},
    )


def group_round_execute(*, round_id: int) -> GroupRound | None:
    """
    Form the groups of a queued round and store them; safe to call from a worker.

    The search runs outside any transaction. A failure (or a problem with no
    feasible grouping) marks the round failed with the reason. Claiming, the
    lease and restarts are :mod:`peerpath.matching.rounds`'.
    """
    return round_execute(
        GroupRound, round_id=round_id, work=_form_round_groups, select_related=("program",)
    )


def group_rounds_run_queued(*, limit: int = 10) -> int:
    """Restart abandoned group rounds and run queued ones, oldest first (a worker step)."""
    return rounds_run_queued(GroupRound, group_round_execute, limit=limit)


def round_problem(group_round: GroupRound) -> GroupProblem:
    problem, _seed, _options = group_problem_from_dict(group_round.problem)
    return problem


def open_group_round_for_edit(actor: User, group_round: GroupRound) -> GroupRound:
    """The round, locked for this transaction; it must be under review."""
    _require_manager(actor, group_round.program)
    locked = (
        GroupRound.objects.select_for_update(of=("self",))
        .select_related("program__school__organization")
        .get(pk=group_round.pk)
    )
    if locked.status != GroupRound.Status.PROPOSED:
        raise ValidationError(_("This round can no longer be changed."))
    return locked


def group_round_rules_broken(group_round: GroupRound) -> list[str]:
    """
    The rules the round's grouping breaks as it stands, in the active language.

    One sentence per rule ("Group 2: 2 members, fewer than 3"; a rule about
    two people names them), in the engine's order: what a refusal to publish
    the round lists. Read from the stored codes, so the coordinator reads
    their own language; a round stored before codes gives the engine's English.
    """
    evaluation = group_round.evaluation or {}
    if not evaluation.get("violations"):
        return []
    ids = [int(p["id"]) for p in group_round.problem.get("participants", [])]
    names = {
        str(p.pk): p.student.user.display_name
        for p in Participant.objects.filter(pk__in=ids).select_related("student__user")
    }
    reasons = round_reasons(
        result=group_round.result or {},
        evaluation=evaluation,
        names=names,
        labels={key: str(spec.label) for key, spec in GROUP_CRITERIA.items()},
    )
    broken = [
        _("%(group)s: %(rule)s") % {"group": group_label(group), "rule": rule}
        for group, rules in reasons.broken.items()
        for rule in rules
    ]
    return broken + reasons.pair_rules


OUT = "out"
"""The target of a move that takes a participant out of every group."""


@transaction.atomic
def group_round_move(
    *, actor: User, group_round: GroupRound, participant_id: int, to_group: str
) -> GroupRound:
    """
    Move one participant to another group of the round (or ``OUT`` of every group).

    The edited grouping is re-scored by the engine
    (:func:`peerpath.engine.groups.evaluate_groups`): each group's score and
    shared slots, and the rules it now breaks, are stored in ``evaluation``.
    """
    group_round = open_group_round_for_edit(actor, group_round)
    pid = str(participant_id)
    groups = {name: list(members) for name, members in group_round.groups.items()}
    if pid not in {p["id"] for p in group_round.problem.get("participants", [])}:
        raise ValidationError(_("That participant is not in this round."))
    if to_group != OUT and to_group not in groups:
        raise ValidationError(_("There is no such group in this round."))
    source = next((name for name, members in groups.items() if pid in members), OUT)
    if source == to_group:
        raise ValidationError(_("They are already there."))
    if source != OUT:
        groups[source].remove(pid)
    if to_group != OUT:
        groups[to_group].append(pid)
    groups = {name: members for name, members in groups.items() if members}
    evaluation = evaluate_groups(round_problem(group_round), groups)
    group_round.groups = groups
    group_round.evaluation = evaluation.to_dict()
    group_round.save(update_fields=["groups", "evaluation", "updated_at"])
    audit_record(
        actor=actor,
        action="matching.group_round.move",
        target=group_round,
        organization=group_round.program.school.organization,
        before={"participant": pid, "group": source},
        after={"participant": pid, "group": to_group},
    )
    return group_round
