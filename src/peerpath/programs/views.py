"""Program pages: list, create, detail, edit, and the participant list."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from peerpath.core.access import schools_managed_by, scope_for
from peerpath.core.models import Role, User
from peerpath.programs.forms import ParticipantFilterForm, ProgramCreateForm, ProgramForm
from peerpath.programs.lifecycle import NotReadyError, TransitionNotAllowedError, allowed_next
from peerpath.programs.models import Participant, ParticipantStatus
from peerpath.programs.selectors import (
    participant_list,
    program_can_manage,
    program_get_managed,
    program_get_visible,
    program_list_visible,
    program_status_counts,
)
from peerpath.programs.services import (
    PROGRAM_FIELDS,
    participant_transition,
    program_create,
    program_update,
)


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@login_required
def program_list(request: HttpRequest) -> HttpResponse:
    programs = list(program_list_visible(request.user).order_by("school__name", "name"))
    return render(
        request,
        "programs/program_list.html",
        {"programs": programs, "can_create": bool(schools_managed_by(_user(request)))},
    )


@login_required
@require_http_methods(["GET", "POST"])
def program_create_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    schools = schools_managed_by(user)
    if not schools:
        raise PermissionDenied(_("Only coordinators can create programs."))
    form = ProgramCreateForm(request.POST or None, schools=schools)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in PROGRAM_FIELDS}
        try:
            program = program_create(actor=user, school=form.cleaned_data["school"], **fields)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The program “%(name)s” was created.") % {"name": program})
            return redirect("programs:detail", pk=program.pk)
    return render(request, "programs/program_form.html", {"form": form, "program": None})


@login_required
def program_detail(request: HttpRequest, pk: int) -> HttpResponse:
    program = program_get_visible(request.user, pk)
    can_manage = program_can_manage(request.user, program)
    counts = program_status_counts([program])[program.pk] if can_manage else {}
    can_refer = scope_for(request.user).has_school_role(program.school_id, Role.STAFF)
    return render(
        request,
        "programs/program_detail.html",
        {
            "program": program,
            "can_manage": can_manage,
            "can_refer": can_refer,
            "counts": [(s, ParticipantStatus(s).label, n) for s, n in counts.items()],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def program_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    program = program_get_managed(user, pk)
    form = ProgramForm(request.POST or None, instance=program)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in PROGRAM_FIELDS}
        program.refresh_from_db()  # the form wrote into the instance; the service compares
        try:
            program_update(actor=user, program=program, **fields)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your changes were saved."))
            return redirect("programs:detail", pk=program.pk)
    return render(request, "programs/program_form.html", {"form": form, "program": program})


@login_required
def participant_list_view(request: HttpRequest, pk: int) -> HttpResponse:
    program = program_get_managed(request.user, pk)
    form = ParticipantFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    participants = participant_list(
        user=request.user,
        program=program,
        search=filters.get("q", ""),
        role=filters.get("role", ""),
        status=filters.get("status", ""),
    )
    paginator = Paginator(participants, settings.PEERPATH_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    for participant in page.object_list:
        nexts = allowed_next(participant.status)
        participant.next_choices = [
            (code, label) for code, label in ParticipantStatus.choices if code in nexts
        ]
    context = {"program": program, "form": form, "page": page, "query": query.urlencode()}
    template = (
        "programs/_participant_table.html"
        if getattr(request, "htmx", False)
        else "programs/participant_list.html"
    )
    return render(request, template, context)


@login_required
@require_POST
def participant_status_view(request: HttpRequest, pk: int, participant_pk: int) -> HttpResponse:
    user = _user(request)
    program = program_get_managed(user, pk)
    participant = get_object_or_404(Participant, pk=participant_pk, program=program)
    to_status = request.POST.get("status", "")
    try:
        participant_transition(
            actor=user,
            participant=participant,
            to_status=to_status,
            reason=request.POST.get("reason", ""),
        )
    except TransitionNotAllowedError as error:
        messages.error(request, str(error))
    except NotReadyError as error:
        messages.error(
            request,
            _("%(name)s is not ready yet: %(missing)s")
            % {"name": participant.student, "missing": "; ".join(error.missing)},
        )
    except ValueError:
        messages.error(request, _("Unknown status."))
    else:
        messages.success(
            request,
            _("%(name)s is now %(status)s.")
            % {"name": participant.student, "status": ParticipantStatus(to_status).label},
        )
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = reverse("programs:participants", args=[program.pk])
    return redirect(next_url)
