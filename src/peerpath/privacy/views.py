"""Pages for a person's privacy rights: see, export, erase."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from peerpath.core.models import User
from peerpath.privacy import selectors, services
from peerpath.privacy.forms import EraseConfirmForm


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@login_required
@require_GET
def person_page(request: HttpRequest, pk: int) -> HttpResponse:
    access = selectors.person_get_for_privacy(_user(request), pk)
    return render(
        request,
        "privacy/person.html",
        {
            "access": access,
            "person": access.person,
            "participations": selectors.person_participations(access.person),
        },
    )


@login_required
@require_POST
def person_export_view(request: HttpRequest, pk: int) -> HttpResponse:
    access = selectors.person_get_for_privacy(_user(request), pk)
    _export, data = services.person_export_zip(actor=_user(request), person=access.person)
    name = f"peerpath-person-{access.person.pk}-{timezone.localdate():%Y%m%d}.zip"
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def person_erase_view(request: HttpRequest, pk: int) -> HttpResponse:
    access = selectors.person_get_for_privacy(_user(request), pk, erase=True)
    person = access.person
    form = EraseConfirmForm(request.POST or None, expected=person.email)
    if request.method == "POST" and form.is_valid():
        try:
            report = services.person_erase(actor=_user(request), person=person)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Erased. The person is now “%(name)s” everywhere.") % {"name": report.pseudonym},
            )
            return redirect("privacy:person", pk=person.pk)
    return render(request, "privacy/erase.html", {"person": person, "form": form})
