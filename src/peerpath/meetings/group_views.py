"""
Group formation pages: a group program's settings and rounds, the review of
a proposed round (move a member, see the scores change) and publishing.

The rounds themselves are matching's (:mod:`peerpath.matching.groups`);
publishing creates this app's groups, so the pages live here.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from peerpath.core.models import User
from peerpath.matching.forms import GroupSettingsForm
from peerpath.matching.group_reasons import group_label, round_reasons
from peerpath.matching.groups import (
    GROUP_CRITERIA,
    OUT,
    group_round_move,
    group_round_start,
    group_settings_for,
    group_settings_update,
)
from peerpath.matching.models import GroupRound
from peerpath.matching.pair_reasons import unknown_criterion_label
from peerpath.matching.selectors import group_round_get_managed
from peerpath.meetings.models import Group, Session
from peerpath.meetings.selectors import group_get_for_user, sessions_for_group
from peerpath.meetings.services import group_close, group_round_publish
from peerpath.people.availability import SLOT_CODES, slot_label
from peerpath.programs.models import Participant, ParticipantStatus
from peerpath.programs.selectors import program_get_managed


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


@login_required
@require_http_methods(["GET", "POST"])
def program_groups(request: HttpRequest, pk: int) -> HttpResponse:
    """A group program's formation settings, its rounds and its groups."""
    user = _user(request)
    program = program_get_managed(user, pk)
    if not program.is_group_program:
        raise Http404
    found = group_settings_for(program)
    form = GroupSettingsForm(
        request.POST if request.POST.get("action") == "settings" else None,
        criteria=found.criteria,
        initial={
            "min_size": found.min_size,
            "max_size": found.max_size,
            "leaders": found.leaders,
            "min_shared_slots": found.min_shared_slots,
            "no_isolated": found.no_isolated,
        },
    )
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "settings" and form.is_valid():
                data = form.cleaned_data
                group_settings_update(
                    actor=user,
                    program=program,
                    min_size=data["min_size"],
                    max_size=data["max_size"],
                    leaders=data["leaders"],
                    min_shared_slots=data["min_shared_slots"],
                    criteria=form.criteria(),
                    no_isolated=list(data["no_isolated"]),
                )
                messages.success(request, _("The group settings were saved."))
                return redirect("meetings:program-groups", pk=program.pk)
            if action == "run":
                group_round = group_round_start(actor=user, program=program)
                return redirect("meetings:group-round", pk=group_round.pk)
            if action not in {"settings", "run"}:
                raise Http404
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    ready = Participant.objects.filter(program=program, status=ParticipantStatus.READY)
    return render(
        request,
        "meetings/program_groups.html",
        {
            "program": program,
            "form": form,
            "ready": ready.count(),
            "ready_leaders": ready.filter(role__in=["mentor", "both"]).count(),
            "rounds": program.group_rounds.all()[:10],
            "groups": Group.objects.filter(program=program).prefetch_related(
                "members__participant__student__user"
            ),
        },
    )


def _round_context(
    group_round: GroupRound, *, before: dict[str, float] | None = None
) -> dict[str, Any]:
    """
    What the review shows: each proposed group with its members, shared free
    times, score explained by criterion and the rules it breaks; who is left
    out and why. ``before`` holds group scores before a move, to show the change.
    """
    ids = [int(p["id"]) for p in group_round.problem.get("participants", [])]
    ids += [int(pid) for pid in group_round.skipped]
    people = {
        str(p.pk): p for p in Participant.objects.filter(pk__in=ids).select_related("student__user")
    }
    evaluation = group_round.evaluation or {}
    violations = list(evaluation.get("violations", []))
    labels = {key: spec.label for key, spec in GROUP_CRITERIA.items()}
    names = [(g["id"], group_label(g["id"])) for g in evaluation.get("groups", [])]
    reasons = round_reasons(
        result=group_round.result,
        evaluation=evaluation,
        names={pid: p.student.user.display_name for pid, p in people.items()},
        labels={key: str(label) for key, label in labels.items()},
    )
    groups = []
    for g in evaluation.get("groups", []):
        leaders = set(g["leaders"])
        groups.append(
            {
                "id": g["id"],
                "label": group_label(g["id"]),
                "score": g["score"],
                "before": (before or {}).get(g["id"]),
                "explanation": [
                    (labels[key] if key in labels else unknown_criterion_label(key), value)
                    for key, value in g["explanation"].items()
                ],
                "slots": [slot_label(code) for code in SLOT_CODES if code in g["shared_slots"]],
                "members": [
                    {"participant": people[pid], "leader": pid in leaders}
                    for pid in g["members"]
                    if pid in people
                ],
                "broken": reasons.broken.get(g["id"], []),
                "warnings": reasons.isolated.get(g["id"], []),
                "targets": [(gid, label) for gid, label in names if gid != g["id"]],
            }
        )
    left_out = [
        {
            "participant": people[x["participant"]],
            "reason": reasons.left_out.get(x["participant"]) or _("Taken out by the coordinator"),
        }
        for x in evaluation.get("left_out", [])
        if x["participant"] in people
    ]
    skipped = [
        {"participant": people[pid], "reason": _("Guardian consent is missing.")}
        for pid in group_round.skipped
        if pid in people
    ]
    return {
        "round": group_round,
        "program": group_round.program,
        "groups": groups,
        "left_out": left_out,
        "skipped": skipped,
        "targets": names,
        "out": OUT,
        "violations": violations,
        "pair_rules": reasons.pair_rules,
        "min_score": evaluation.get("min_score"),
        "mean_score": evaluation.get("mean_score"),
        "settings": group_round.settings_snapshot,
        "labels": labels,
    }


@login_required
def group_round_review(request: HttpRequest, pk: int) -> HttpResponse:
    group_round = group_round_get_managed(request.user, pk)
    return render(request, "meetings/group_round.html", _round_context(group_round))


@login_required
def group_round_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Polled by htmx while a round waits or runs; tells the page to reload when done."""
    group_round = group_round_get_managed(request.user, pk)
    response = render(request, "meetings/_group_round_status.html", {"round": group_round})
    if group_round.status not in {GroupRound.Status.QUEUED, GroupRound.Status.RUNNING}:
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def group_round_move_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Move one member to another group (or out); the page shows both groups' new scores."""
    user = _user(request)
    group_round = group_round_get_managed(user, pk)
    participant = request.POST.get("participant", "")
    target = request.POST.get("to", "")
    if not participant.isdigit() or not target:
        raise Http404
    before = {g["id"]: g["score"] for g in (group_round.evaluation or {}).get("groups", [])}
    members_before = {gid: list(m) for gid, m in group_round.groups.items()}
    notice = error_text = ""
    try:
        group_round = group_round_move(
            actor=user, group_round=group_round, participant_id=int(participant), to_group=target
        )
    except ValidationError as error:
        error_text = " ".join(error.messages)
        group_round.refresh_from_db()
        before = {}
    else:
        moved = Participant.objects.select_related("student__user").get(pk=int(participant))
        name = moved.student.user.display_name
        notice = (
            _("%(name)s was taken out of every group.") % {"name": name}
            if target == OUT
            else _("%(name)s moved to %(group)s.") % {"name": name, "group": group_label(target)}
        )
    changed = {
        gid: score
        for gid, score in before.items()
        if group_round.groups.get(gid) != members_before.get(gid)
    }
    if _is_htmx(request):
        context = _round_context(group_round, before=changed)
        context.update(notice=notice, move_error=error_text)
        return render(request, "meetings/_group_round_body.html", context)
    if error_text:
        messages.error(request, error_text)
    elif notice:
        messages.success(request, notice)
    return redirect("meetings:group-round", pk=group_round.pk)


@login_required
@require_POST
def group_round_publish_view(request: HttpRequest, pk: int) -> HttpResponse:
    group_round = group_round_get_managed(request.user, pk)
    try:
        groups = group_round_publish(actor=_user(request), group_round=group_round)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("meetings:group-round", pk=pk)
    messages.success(
        request,
        _("%(n)s groups published; every member was told by e-mail.") % {"n": len(groups)},
    )
    return redirect("meetings:program-groups", pk=group_round.program_id)


@login_required
@require_http_methods(["GET", "POST"])
def group_close_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A coordinator closes a group: a confirm page that asks why; members are told by e-mail."""
    user = _user(request)
    group, relation = group_get_for_user(user, pk)
    if relation != "coordinator":
        raise PermissionDenied(_("Only coordinators close groups."))
    reason = request.POST.get("reason", "")
    error = ""
    if request.method == "POST":
        try:
            group_close(
                actor=user, group=group, reason=reason, regroup=request.POST.get("regroup") == "on"
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(
                request,
                _("%(name)s is closed; every member was told by e-mail.") % {"name": group.name},
            )
            return redirect("meetings:group", pk=group.pk)
    upcoming = (
        sessions_for_group(group)
        .filter(status=Session.Status.SCHEDULED, starts_at__gt=timezone.now())
        .count()
    )
    return render(
        request,
        "meetings/group_close.html",
        {"group": group, "reason": reason, "error": error, "upcoming": upcoming},
    )
