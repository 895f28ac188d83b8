"""The role-aware home page and the language switcher."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import check_for_language
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from peerpath.core.access import schools_managed_by, scope_for
from peerpath.core.models import User
from peerpath.core.services import user_set_language
from peerpath.matching.selectors import matches_for_user
from peerpath.programs.lifecycle import DISPLAY_ORDER
from peerpath.programs.models import ParticipantStatus
from peerpath.programs.selectors import (
    participations_for_guardian,
    participations_for_student,
    program_list_managed,
    program_list_visible,
    program_status_counts,
)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Show each person what they came to do: programs to run, or programs they are in."""
    user = request.user
    assert isinstance(user, User)
    managed = list(program_list_managed(user).order_by("school__name", "-term_start", "name"))
    counts = program_status_counts(managed)
    labels = {s: ParticipantStatus(s).label for s in DISPLAY_ORDER}
    managed_rows = [
        (program, [(s, labels[s], counts[program.pk][s]) for s in DISPLAY_ORDER])
        for program in managed
    ]
    managed_ids = {p.pk for p in managed}
    other_visible = []
    if scope_for(user).is_staff_member:
        other_visible = [p for p in program_list_visible(user) if p.pk not in managed_ids]
    my_participations = list(participations_for_student(user))
    context = {
        "managed_rows": managed_rows,
        "can_create": bool(schools_managed_by(user)) or user.is_superuser,
        "other_visible": other_visible,
        "my_participations": my_participations,
        # hours and thanks are a mentor's (a mentee would find an empty page)
        "is_mentor": any(p.role == "mentor" for p in my_participations),
        "children_participations": list(participations_for_guardian(user)),
        "my_matches": list(matches_for_user(user).filter(status="active")),
    }
    return render(request, "web/home.html", context)


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """
    Django's ``set_language`` (language cookie, back to ``next``), and for a
    logged-in person also their saved ``preferred_language``, which e-mails
    and every later visit on any device follow.
    """
    response = django_set_language(request)
    language = request.POST.get("language", "")
    user = request.user
    if (
        isinstance(user, User)
        and language in dict(settings.LANGUAGES)
        and check_for_language(language)
    ):
        user_set_language(user=user, language=language)
    return response
