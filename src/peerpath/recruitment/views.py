"""Recruitment pages: the program page, applying, review, referral, screening, consent."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from peerpath.core.access import scope_for
from peerpath.core.models import Role, User
from peerpath.programs.lifecycle import NotReadyError, TransitionNotAllowedError
from peerpath.programs.models import Participant, ParticipantRole, ParticipantStatus
from peerpath.programs.selectors import program_can_manage, program_get_managed
from peerpath.programs.services import participant_transition
from peerpath.recruitment import selectors
from peerpath.recruitment.consent import ConsentLinkError
from peerpath.recruitment.forms import (
    ApplicationForm,
    ConsentAnswerForm,
    ConsentRequestForm,
    DecisionForm,
    ReferralForm,
    ScreeningItemForm,
    ScreeningRecordForm,
)
from peerpath.recruitment.models import ScreeningItem
from peerpath.recruitment.services import (
    ApplicationAnswers,
    IneligibleError,
    application_submit,
    applications_decide,
    consent_from_link,
    consent_from_withdraw_link,
    consent_request,
    consent_respond,
    consent_withdraw,
    referral_create,
    screening_item_create,
    screening_record_set,
)
from peerpath.training.selectors import training_status


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@login_required
def program_page(request: HttpRequest, pk: int) -> HttpResponse:
    program = selectors.program_get_joinable(request.user, pk)
    participation = selectors.own_participation(request.user, program)
    is_student = hasattr(request.user, "student_profile")
    return render(
        request,
        "recruitment/program_page.html",
        {
            "program": program,
            "participation": participation,
            "can_apply": is_student
            and program.status == program.Status.RECRUITING
            and program.accepts_applications
            and (
                participation is None
                or (
                    participation.status == ParticipantStatus.APPLIED
                    and participation.application.submitted_at is None
                )
            ),
            "can_manage": program_can_manage(request.user, program),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest, pk: int, role: str) -> HttpResponse:
    user = _user(request)
    program = selectors.program_get_joinable(user, pk)
    if role not in ParticipantRole.values:
        raise Http404
    profile = getattr(user, "student_profile", None)
    if profile is None:
        raise PermissionDenied(_("Only students can apply."))
    participation = selectors.own_participation(user, program)
    initial = {
        "interests": profile.interests,
        "languages": profile.languages,
        "availability": profile.availability,
    }
    if participation is not None and hasattr(participation, "application"):
        if participation.application.submitted_at is not None:
            messages.info(request, _("You have already applied to this program."))
            return redirect("recruitment:program-page", pk=program.pk)
        initial["subjects"] = list(participation.subjects.values_list("pk", flat=True))
    form = ApplicationForm(request.POST or None, program=program, role=role, initial=initial)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        answers = ApplicationAnswers(
            subjects=list(data["subjects"]),
            interests=data["interests"],
            languages=data["languages"],
            availability=data["availability"],
            goals=data["goals"],
            meeting_mode=data["meeting_mode"],
            partner_preferences=data["partner_preferences"],
            motivation=data.get("motivation", ""),
            experience=data.get("experience", ""),
            subject_grades=form.subject_grades(),
        )
        try:
            application_submit(actor=user, program=program, role=role, answers=answers)
        except IneligibleError as error:
            problems = error.problems
        except ValidationError as error:
            problems = error.messages
        else:
            messages.success(
                request, _("Your application is in. We sent you an e-mail with the next steps.")
            )
            return redirect("recruitment:program-page", pk=program.pk)
    return render(
        request,
        "recruitment/apply.html",
        {"program": program, "form": form, "role": role, "problems": problems},
    )


@login_required
@require_http_methods(["GET", "POST"])
def review_queue(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    program = program_get_managed(user, pk)
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ids = [int(i) for i in request.POST.getlist("participants") if i.isdigit()]
        chosen = list(
            Participant.objects.filter(
                program=program,
                pk__in=ids,
                status__in=[ParticipantStatus.APPLIED, ParticipantStatus.WAITLISTED],
            ).select_related("student__user", "program")
        )
        if not chosen:
            messages.error(request, _("Choose at least one application."))
        else:
            try:
                count = applications_decide(
                    actor=user,
                    program=program,
                    participants=chosen,
                    decision=form.cleaned_data["decision"],
                    message=form.cleaned_data["message"],
                )
            except (TransitionNotAllowedError, ValidationError) as error:
                messages.error(request, str(error))
            else:
                messages.success(
                    request,
                    _("%(count)s application(s) decided; the applicants were told by e-mail.")
                    % {"count": count},
                )
                return redirect("recruitment:applications", pk=program.pk)
    return render(
        request,
        "recruitment/review_queue.html",
        {
            "program": program,
            "form": form,
            "applications": selectors.applications_for_review(program),
            "waitlist": selectors.waitlist(program),
            "invitations": selectors.invitations_open(program),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def refer(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    program = selectors.program_get_joinable(user, pk)
    scope = scope_for(user)
    if not (
        program_can_manage(user, program)
        or scope.has_school_role(program.school_id, Role.STAFF, Role.COORDINATOR)
    ):
        raise PermissionDenied(_("Only staff of this school can refer students."))
    form = ReferralForm(request.POST or None, program=program)
    if request.method == "POST" and form.is_valid():
        try:
            referral_create(
                actor=user,
                program=program,
                student=form.cleaned_data["student"],
                role=form.cleaned_data["role"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("%(name)s was invited to apply.") % {"name": form.cleaned_data["student"]},
            )
            return redirect("recruitment:refer", pk=program.pk)
    return render(request, "recruitment/refer.html", {"program": program, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def screening(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    program = program_get_managed(user, pk)
    form = ScreeningItemForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            screening_item_create(actor=user, program=program, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The checklist item was added."))
            return redirect("recruitment:screening", pk=program.pk)
    items, reports = selectors.screening_board(program)
    return render(
        request,
        "recruitment/screening.html",
        {"program": program, "form": form, "items": items, "reports": reports},
    )


@login_required
@require_http_methods(["GET", "POST"])
def participant_readiness(request: HttpRequest, pk: int, participant_pk: int) -> HttpResponse:
    user = _user(request)
    program = program_get_managed(user, pk)
    participant = get_object_or_404(
        Participant.objects.select_related("student__user", "program"),
        pk=participant_pk,
        program=program,
    )
    record_form = ScreeningRecordForm()
    consent_form = ConsentRequestForm()
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "record":
                record_form = ScreeningRecordForm(request.POST)
                if record_form.is_valid():
                    data = record_form.cleaned_data
                    item = get_object_or_404(ScreeningItem, pk=data["item"], program=program)
                    screening_record_set(
                        actor=user,
                        participant=participant,
                        item=item,
                        completed_on=data["completed_on"],
                        expires_on=data["expires_on"],
                        note=data["note"],
                    )
                    messages.success(request, _("“%(item)s” recorded.") % {"item": item.name})
                    return redirect(request.path)
            elif action == "consent":
                consent_form = ConsentRequestForm(request.POST)
                if consent_form.is_valid():
                    sent = consent_request(
                        actor=user,
                        participant=participant,
                        guardian_email=consent_form.cleaned_data["guardian_email"],
                    )
                    messages.success(
                        request,
                        _("A consent request was e-mailed to %(emails)s.")
                        % {"emails": ", ".join(c.guardian_email for c in sent)},
                    )
                    return redirect(request.path)
            elif action == "ready":
                participant_transition(
                    actor=user, participant=participant, to_status=ParticipantStatus.READY
                )
                messages.success(
                    request, _("%(name)s is ready to match.") % {"name": participant.student}
                )
                return redirect(request.path)
            else:
                messages.error(request, _("Unknown action."))
        except NotReadyError as error:
            messages.error(
                request, _("Not ready yet: %(missing)s") % {"missing": "; ".join(error.missing)}
            )
        except TransitionNotAllowedError as error:
            messages.error(request, str(error))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    report = selectors.readiness_report(participant)
    training = training_status(participant)
    return render(
        request,
        "recruitment/readiness.html",
        {
            "program": program,
            "participant": participant,
            "report": report,
            "training": training,
            "application": getattr(participant, "application", None),
            "record_form": record_form,
            "consent_form": consent_form,
        },
    )


_LINK_MESSAGES = {
    "invalid": _("This link is not valid. Check that you copied all of it."),
    "expired": _("This link has expired. Ask the program's coordinator for a new one."),
    "used": _("This link was already used; the answer is recorded."),
}


@require_http_methods(["GET", "POST"])
def consent_answer(request: HttpRequest, token: str) -> HttpResponse:
    """The page a guardian opens from the e-mailed link; the link is the credential."""
    try:
        consent = consent_from_link(token)
    except ConsentLinkError as error:
        return render(
            request,
            "recruitment/consent_link_error.html",
            {"message": _LINK_MESSAGES[error.reason]},
            status=410 if error.reason in {"expired", "used"} else 404,
        )
    form = ConsentAnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            answered = consent_respond(
                token=token,
                give=form.cleaned_data["answer"] == "give",
                guardian_name=form.cleaned_data["guardian_name"],
                language=translation.get_language() or "",  # the page's, for the confirmation
            )
        except ConsentLinkError as error:
            return render(
                request,
                "recruitment/consent_link_error.html",
                {"message": _LINK_MESSAGES[error.reason]},
                status=410,
            )
        return render(request, "recruitment/consent_done.html", {"consent": answered})
    participant = consent.participant
    return render(
        request,
        "recruitment/consent.html",
        {
            "consent": consent,
            "program": participant.program,
            "participant": participant,
            "form": form,
        },
    )


@require_http_methods(["GET", "POST"])
def consent_withdraw_view(request: HttpRequest, token: str) -> HttpResponse:
    try:
        consent = consent_from_withdraw_link(token)
    except ConsentLinkError as error:
        message = (
            _("Consent is no longer in force; nothing more to do.")
            if error.reason == "used"
            else _LINK_MESSAGES[error.reason]
        )
        return render(
            request,
            "recruitment/consent_link_error.html",
            {"message": message},
            status=410 if error.reason == "used" else 404,
        )
    if request.method == "POST":
        consent_withdraw(consent=consent, actor=None)
        return render(
            request, "recruitment/consent_done.html", {"consent": consent, "withdrawn": True}
        )
    return render(
        request,
        "recruitment/consent_withdraw.html",
        {"consent": consent, "program": consent.participant.program},
    )
