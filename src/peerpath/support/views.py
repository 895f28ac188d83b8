"""Support pages: needs attention, contacts, check-ins, concerns, settings."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from peerpath.core.models import School, User
from peerpath.matching.models import Match
from peerpath.meetings.services import session_title
from peerpath.programs.models import Participant
from peerpath.programs.selectors import program_get_managed, program_list_managed
from peerpath.support import selectors
from peerpath.support.forms import (
    CheckInForm,
    ConcernForm,
    ConcernUpdateForm,
    SessionFeedbackForm,
    SupportContactForm,
    SupportSettingsForm,
)
from peerpath.support.health import settings_for
from peerpath.support.instruments import SURVEYS
from peerpath.support.services import (
    checkin_submit,
    concern_raise,
    concern_record_view,
    concern_update,
    is_safeguarding_lead,
    session_feedback_save,
    support_contact_log,
    support_settings_update,
)


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@login_required
def attention(request: HttpRequest, pk: int) -> HttpResponse:
    program = program_get_managed(request.user, pk)
    rows, counts = selectors.attention_queue(program)
    return render(
        request,
        "support/attention.html",
        {
            "program": program,
            "rows": rows,
            "counts": counts,
            "contact_form": SupportContactForm(),
        },
    )


@login_required
@require_POST
def contact_log(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    match = get_object_or_404(
        Match.objects.select_related("program").filter(program__in=program_list_managed(user)),
        pk=pk,
    )
    form = SupportContactForm(request.POST)
    if form.is_valid():
        try:
            support_contact_log(actor=user, match=match, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The contact was logged."))
    else:
        messages.error(request, _("Please fill in who, how and when."))
    return redirect("support:attention", pk=match.program_id)


@login_required
@require_http_methods(["GET", "POST"])
def settings_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    program = program_get_managed(user, pk)
    found = settings_for(program.pk)
    form = SupportSettingsForm(request.POST or None, instance=found)
    if request.method == "POST" and form.is_valid():
        try:
            support_settings_update(
                actor=user, program=program, **{f: form.cleaned_data[f] for f in form.Meta.fields}
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The settings were saved."))
            return redirect("support:attention", pk=program.pk)
    return render(request, "support/settings.html", {"program": program, "form": form})


@login_required
def checkins(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    participations = selectors.own_participations(user)
    return render(request, "support/checkins.html", {"participations": participations})


@login_required
@require_http_methods(["GET", "POST"])
def checkin(request: HttpRequest, participant_pk: int, kind: str) -> HttpResponse:
    user = _user(request)
    participant = get_object_or_404(
        Participant.objects.select_related("program", "student"),
        pk=participant_pk,
        student__user=user,
    )
    if kind not in SURVEYS:
        raise Http404
    custom = settings_for(participant.program_id).custom_questions if kind == "checkin" else []
    form = CheckInForm(request.POST or None, kind=kind, custom_questions=custom)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        answers = {k: v for k, v in data.items() if not k.startswith("custom_")}
        custom_answers = {
            str(form.fields[k].label): data[k] for k in form.custom_keys if data.get(k)
        }
        try:
            checkin_submit(
                actor=user,
                participant=participant,
                kind=kind,
                answers=answers,
                custom_answers=custom_answers,
            )
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Thank you. Your answers are private."))
            return redirect("support:checkins")
    return render(
        request, "support/checkin.html", {"participant": participant, "form": form, "kind": kind}
    )


@login_required
@require_http_methods(["GET", "POST"])
def session_feedback(request: HttpRequest, pk: int) -> HttpResponse:
    """A participant's own private feedback on a session; coordinators read everyone's."""
    user = _user(request)
    session, relation = selectors.feedback_session_get(user, pk)
    giver = relation in selectors.FEEDBACK_GIVERS
    if request.method == "POST" and not giver:
        raise PermissionDenied(_("Only the people of a session give feedback on it."))
    mine = selectors.own_feedback(session, user) if giver else None
    form = SessionFeedbackForm(
        request.POST or None,
        initial={"rating": mine.rating, "comment": mine.comment} if mine else None,
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                session_feedback_save(
                    actor=user,
                    session=session,
                    rating=form.cleaned_data["rating"],
                    comment=form.cleaned_data["comment"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Thank you. Your feedback is private."))
                return redirect("meetings:session", pk=session.pk)
        status = 400
    return render(
        request,
        "support/session_feedback.html",
        {
            "session": session,
            "title": session_title(session),
            "relation": relation,
            "giver": giver,
            "can_give": giver and not session.is_cancelled and session.starts_at <= timezone.now(),
            "mine": mine,
            "form": form,
            "everyone": selectors.session_feedback_all(session)
            if relation == "coordinator"
            else [],
            "tz": session.program.school.time_zone,
        },
        status=status,
    )


@login_required
def match_feedback(request: HttpRequest, pk: int) -> HttpResponse:
    """Every rating and comment on a pair's sessions: the program's coordinators only."""
    match = selectors.match_feedback_get(_user(request), pk)
    rows = selectors.match_feedback_all(match)
    ratings = [f.rating for f in rows if f.rating is not None]
    return render(
        request,
        "support/match_feedback.html",
        {
            "match": match,
            "rows": rows,
            "average": round(sum(ratings) / len(ratings), 1) if ratings else None,
            "rated": len(ratings),
            "tz": match.program.school.time_zone,
        },
    )


@login_required
def concern_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    concerns = selectors.concerns_visible(user)
    return render(request, "support/concerns.html", {"concerns": concerns})


@login_required
@require_http_methods(["GET", "POST"])
def concern_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    schools = School.objects.filter(pk__in=[s.pk for s in selectors.schools_of(user)])
    if not schools.exists():
        raise PermissionDenied(_("You are not part of a school in Peerpath."))
    form = ConcernForm(request.POST or None, schools=schools, matches=selectors.own_matches(user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            concern_raise(
                actor=user,
                school=data["school"],
                category=data["category"],
                description=data["description"],
                match=data["match"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return render(request, "support/concern_sent.html")
    return render(request, "support/concern_new.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def concern_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    concern = selectors.concern_get(user, pk)
    lead = is_safeguarding_lead(user, concern.school_id)
    form = ConcernUpdateForm(request.POST or None)
    if request.method == "POST":
        if not lead:
            raise PermissionDenied(_("Only the school's safeguarding leads can work on concerns."))
        if form.is_valid():
            try:
                concern_update(
                    actor=user,
                    concern=concern,
                    note=form.cleaned_data["note"],
                    status=form.cleaned_data["status"],
                )
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, _("Saved."))
                return redirect("support:concern", pk=concern.pk)
    concern_record_view(actor=user, concern=concern)
    return render(
        request,
        "support/concern_detail.html",
        {
            "concern": concern,
            "lead": lead,
            "form": form,
            "notes": concern.notes.select_related("author"),
        },
    )
