"""Matching pages: settings and rounds, review, publishing, requests, matches, closure."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from peerpath.core.models import User
from peerpath.matching import selectors
from peerpath.matching.buddies import (
    ARRIVAL_WINDOW_DAYS,
    arrival_record,
    arrivals_waiting,
    buddy_pair_new_arrivals,
    is_overdue,
)
from peerpath.matching.forms import ArrivalForm, CloseForm, ExitSurveyForm, MatchSettingsForm
from peerpath.matching.models import MatchRound, MentorRequest, Proposal
from peerpath.matching.pair_reasons import (
    criterion_label,
    proposal_reason_text,
    unmatched_reasons,
)
from peerpath.matching.services import (
    eligible_mentors_for,
    exit_survey_submit,
    match_agree,
    match_close,
    match_round_publish,
    match_round_start,
    match_settings_for,
    match_settings_update,
    mentor_request_create,
    mentor_request_decide,
    proposal_assign,
    proposal_set_lock,
    proposal_swap,
    round_capacity_problems,
)
from peerpath.programs.models import Participant, ParticipantStatus, ProgramType
from peerpath.programs.selectors import program_get_managed


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _tri(value: object) -> bool | None:
    return {"true": True, "false": False, True: True, False: False}.get(value)


@login_required
@require_http_methods(["GET", "POST"])
def program_matching(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    program = program_get_managed(user, pk)
    found = match_settings_for(program)
    initial = {
        "mode": found.mode,
        "mentor_capacity": program.default_mentor_capacity,
        "allow_mentee_requests": found.allow_mentee_requests,
    }
    form = MatchSettingsForm(
        request.POST if request.POST.get("action") == "settings" else None,
        criteria=found.criteria,
        initial=initial,
    )
    arrival_form = ArrivalForm(
        request.POST if request.POST.get("action") == "arrival" else None, program=program
    )
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "settings" and form.is_valid():
                match_settings_update(
                    actor=user,
                    program=program,
                    criteria=form.criteria(),
                    mode=form.cleaned_data["mode"],
                    allow_mentee_requests=form.cleaned_data["allow_mentee_requests"],
                    mentor_capacity=form.cleaned_data["mentor_capacity"],
                )
                messages.success(request, _("The matching settings were saved."))
                return redirect("matching:program", pk=program.pk)
            if action == "run":
                match_round = match_round_start(actor=user, program=program)
                return redirect("matching:round", pk=match_round.pk)
            if action == "buddies":
                pairing = buddy_pair_new_arrivals(actor=user, program=program)
                paired = len(pairing.matches)
                messages.success(
                    request,
                    ngettext(
                        "%(n)s new arrival paired with a buddy; everyone was told by e-mail.",
                        "%(n)s new arrivals paired with a buddy; everyone was told by e-mail.",
                        paired,
                    )
                    % {"n": paired},
                )
                for participant, reason in pairing.waiting:
                    messages.warning(
                        request,
                        _("%(name)s is still waiting: %(reason)s")
                        % {"name": participant.student.user.display_name, "reason": reason},
                    )
                return redirect("matching:program", pk=program.pk)
            if action == "arrival" and arrival_form.is_valid():
                arrival_record(
                    actor=user,
                    participant=arrival_form.cleaned_data["participant"],
                    arrived_on=arrival_form.cleaned_data["arrived_on"],
                )
                messages.success(request, _("The arrival date was recorded."))
                return redirect("matching:program", pk=program.pk)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    ready = Participant.objects.filter(program=program, status=ParticipantStatus.READY)
    is_buddy = program.program_type == ProgramType.BUDDY
    today = timezone.localdate()
    arrivals = [(p, is_overdue(p, today)) for p in arrivals_waiting(program)] if is_buddy else []
    return render(
        request,
        "matching/program.html",
        {
            "program": program,
            "form": form,
            "rounds": program.match_rounds.all()[:10],
            "matches": selectors.matches_for_program(program.pk),
            "ready_mentees": ready.filter(role__in=["mentee", "both"]).count(),
            "ready_mentors": ready.filter(role__in=["mentor", "both"]).count(),
            "is_buddy": is_buddy,
            "arrivals": arrivals,
            "arrival_form": arrival_form,
            "arrival_window": ARRIVAL_WINDOW_DAYS,
        },
    )


def _round_context(match_round: MatchRound) -> dict[str, object]:
    proposals = list(selectors.round_proposals(match_round))
    mentors = {p.mentor_id: p.mentor for p in proposals if p.mentor is not None}
    extra_mentors = Participant.objects.filter(
        pk__in=[int(m["id"]) for m in match_round.problem.get("mentors", [])]
    ).select_related("student__user")
    for mentor in extra_mentors:
        mentors.setdefault(mentor.pk, mentor)
    said = unmatched_reasons(result=match_round.result or {})
    return {
        "round": match_round,
        "program": match_round.program,
        "pairs": [
            (
                p,
                [(criterion_label(key), value) for key, value in p.explanation.items()],
                [criterion_label(key) for key in p.broken],
            )
            for p in proposals
            if p.mentor_id is not None
        ],
        "unmatched": [
            (p, said.get((str(p.mentee_id), p.reason)) or proposal_reason_text(p.reason))
            for p in proposals
            if p.mentor_id is None
        ],
        "mentors": sorted(mentors.values(), key=lambda m: (m.student.user.family_name, m.pk)),
        "capacity_problems": round_capacity_problems(match_round)
        if match_round.status == MatchRound.Status.PROPOSED
        else [],
    }


@login_required
def round_review(request: HttpRequest, pk: int) -> HttpResponse:
    match_round = selectors.round_get_managed(request.user, pk)
    return render(request, "matching/round.html", _round_context(match_round))


@login_required
def round_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Polled by htmx while a round waits or runs; tells the page to reload when done."""
    match_round = selectors.round_get_managed(request.user, pk)
    response = render(request, "matching/_round_status.html", {"round": match_round})
    if match_round.status not in {MatchRound.Status.QUEUED, MatchRound.Status.RUNNING}:
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def round_publish(request: HttpRequest, pk: int) -> HttpResponse:
    match_round = selectors.round_get_managed(request.user, pk)
    try:
        matches = match_round_publish(actor=_user(request), match_round=match_round)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("matching:round", pk=pk)
    messages.success(
        request,
        _("%(n)s matches published; everyone was told by e-mail.") % {"n": len(matches)},
    )
    return redirect("matching:program", pk=match_round.program_id)


@login_required
@require_POST
def round_rerun(request: HttpRequest, pk: int) -> HttpResponse:
    match_round = selectors.round_get_managed(request.user, pk)
    if match_round.status != MatchRound.Status.PROPOSED:
        messages.error(request, _("Only a round under review can be run again."))
        return redirect("matching:round", pk=pk)
    new_round = match_round_start(actor=_user(request), program=match_round.program)
    messages.success(request, _("Matching ran again; locked pairs were kept."))
    return redirect("matching:round", pk=new_round.pk)


@login_required
@require_POST
def proposal_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    proposal = get_object_or_404(Proposal.objects.select_related("round__program"), pk=pk)
    match_round = selectors.round_get_managed(user, proposal.round_id)
    action = request.POST.get("action", "")
    try:
        if action in {"lock", "unlock"}:
            proposal_set_lock(actor=user, proposal=proposal, locked=action == "lock")
        elif action == "remove":
            proposal_assign(actor=user, proposal=proposal, mentor=None)
        elif action == "assign":
            mentor_id = request.POST.get("mentor", "")
            mentor = get_object_or_404(
                Participant,
                pk=int(mentor_id) if mentor_id.isdigit() else 0,
                program=match_round.program,
            )
            proposal_assign(actor=user, proposal=proposal, mentor=mentor)
        elif action == "swap":
            other_id = request.POST.get("other", "")
            other = get_object_or_404(
                Proposal, pk=int(other_id) if other_id.isdigit() else 0, round=match_round
            )
            proposal_swap(actor=user, first=proposal, second=other)
        else:
            raise Http404
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    match_round.refresh_from_db()
    if getattr(request, "htmx", False):
        return render(request, "matching/_round_body.html", _round_context(match_round))
    return redirect("matching:round", pk=match_round.pk)


@login_required
@require_http_methods(["GET", "POST"])
def match_page(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    match, relation = selectors.match_get_for_user(user, pk)
    if request.method == "POST":
        if request.POST.get("action") == "agree" and relation in {"mentor", "mentee"}:
            try:
                match_agree(actor=user, match=match)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, _("You accepted the match agreement."))
            return redirect("matching:match", pk=match.pk)
        raise PermissionDenied
    me = match.mentor if relation == "mentor" else match.mentee
    partner = match.mentee if relation == "mentor" else match.mentor

    def interests(p: Participant) -> set[str]:
        application = getattr(p, "application", None)
        return set((application.interests if application else None) or p.student.interests)

    return render(
        request,
        "matching/match.html",
        {
            "match": match,
            "relation": relation,
            "me": me,
            "partner": partner,
            "shared_slots": selectors.shared_slots(match.mentor, match.mentee),
            "shared_interests": sorted(interests(match.mentor) & interests(match.mentee)),
            "i_agreed": (match.mentor_agreed_at if relation == "mentor" else match.mentee_agreed_at)
            if relation in {"mentor", "mentee"}
            else None,
            "why_matched": [
                criterion_label(key) for key, value in match.explanation.items() if value > 0
            ],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def match_close_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    match, relation = selectors.match_get_for_user(user, pk)
    if relation != "coordinator":
        raise PermissionDenied(_("Only coordinators close matches."))
    form = CloseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            match_close(
                actor=user,
                match=match,
                reason=data["reason"],
                note=data["note"],
                future_contact_allowed=data["future_contact_allowed"],
                mentor_would_mentor_again=_tri(request.POST.get("mentor_would_mentor_again")),
                rematch=data["rematch"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The match is closed; both were asked for an exit survey."))
            return redirect("matching:program", pk=match.program_id)
    return render(request, "matching/close.html", {"match": match, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def exit_survey(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    match, relation = selectors.match_get_for_user(user, pk)
    if relation not in {"mentor", "mentee"}:
        raise PermissionDenied(_("Only the two partners answer the exit survey."))
    form = ExitSurveyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            exit_survey_submit(
                actor=user,
                match=match,
                rating=data["rating"],
                helped=data["helped"],
                improve=data["improve"],
                would_again=_tri(request.POST.get("would_again")),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Thank you for your answers."))
            return redirect("home")
    return render(request, "matching/exit_survey.html", {"match": match, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def requests_page(request: HttpRequest) -> HttpResponse:
    """A mentee's list of mentors to ask, and a mentor's requests to answer."""
    user = _user(request)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "ask":
                mentee = get_object_or_404(
                    Participant, pk=request.POST.get("mentee", 0), student__user=user
                )
                mentor = get_object_or_404(
                    Participant, pk=request.POST.get("mentor", 0), program=mentee.program
                )
                mentor_request_create(
                    actor=user,
                    mentee=mentee,
                    mentor=mentor,
                    message=request.POST.get("message", ""),
                )
                messages.success(request, _("Your request was sent to the mentor."))
            elif action in {"accept", "decline"}:
                mentor_request = get_object_or_404(
                    MentorRequest, pk=request.POST.get("request", 0), mentor__student__user=user
                )
                mentor_request_decide(actor=user, request=mentor_request, accept=action == "accept")
                messages.success(
                    request,
                    _("You accepted; your new match is on your home page.")
                    if action == "accept"
                    else _("You declined the request."),
                )
            else:
                raise Http404
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect("matching:requests")
    mine = Participant.objects.filter(
        student__user=user,
        status=ParticipantStatus.READY,
        role__in=["mentee", "both"],
        program__match_settings__allow_mentee_requests=True,
    ).select_related("program")
    offers = [(p, eligible_mentors_for(p)) for p in mine]
    return render(
        request,
        "matching/requests.html",
        {
            "offers": offers,
            "incoming": selectors.requests_for_mentor(user),
            "sent": selectors.requests_by_mentee(user),
        },
    )
