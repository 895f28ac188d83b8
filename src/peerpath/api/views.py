"""The API's pages: the docs, the user's tokens, and a JSON 404 for unknown API paths."""

from __future__ import annotations

from typing import Any

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.views import APIView

from peerpath.api import selectors
from peerpath.api.forms import TokenForm
from peerpath.api.services import api_token_create, api_token_revoke, may_hold_token
from peerpath.core.models import User


# Redoc styles itself with <style> elements made at run time and searches in a
# blob: worker; only this page allows those, every other page keeps the strict policy.
@csp_update({"style-src": [UNSAFE_INLINE], "worker-src": [SELF, "blob:"]})
def docs(request: HttpRequest) -> HttpResponse:
    """The browsable reference (Redoc, vendored) of the schema at ``/api/schema/``."""
    return render(request, "api/docs.html")


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@login_required
@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    """The user's API tokens; a new token's key is shown on this response only."""
    user = _user(request)
    if not may_hold_token(user):
        raise PermissionDenied(_("Only staff members can have API tokens."))
    form = TokenForm(request.POST or None)
    new_key = ""
    if request.method == "POST" and form.is_valid():
        try:
            issued = api_token_create(actor=user, user=user, name=form.cleaned_data["name"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            new_key = issued.key
            form = TokenForm()
    response = render(
        request,
        "api/tokens.html",
        {"form": form, "tokens": selectors.api_token_list(user), "new_key": new_key},
    )
    response["Cache-Control"] = "no-store"  # the page may hold a secret
    return response


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    token = selectors.api_token_get_own(user, pk)
    api_token_revoke(actor=user, token=token)
    messages.success(request, _("The token “%(name)s” was revoked.") % {"name": token.name})
    return redirect("api:tokens")


class NotFoundApi(APIView):
    """Any other path under ``/api/``: 401 without credentials, else a JSON 404."""

    schema = None

    def _not_found(self, request: Request, *args: Any, **kwargs: Any) -> None:
        raise NotFound

    get = post = put = patch = delete = _not_found
