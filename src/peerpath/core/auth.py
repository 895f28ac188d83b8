"""
Logging in: throttling of password guessing (django-axes).

Failed logins are counted per e-mail address and client IP address; after
``AXES_FAILURE_LIMIT`` failures that pair is locked out for
``AXES_COOLOFF_TIME``, and a successful login resets the count.
"""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


class LoginThrottleBackend(AxesStandaloneBackend):
    """
    Refuse a login attempt from a locked-out e-mail and IP address pair.

    Only attempts that come with an HTTP request are throttled: the login
    form, the admin login and anything else a visitor can reach. A call of
    ``authenticate()`` without a request (a management command, the test
    client's ``login``) cannot be made by a visitor, so axes is skipped for
    it instead of refusing it.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)


def login_throttle_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """Count attempts per e-mail address whatever its case or surrounding spaces."""
    username = (credentials or {}).get("username")
    if username is None:
        username = request.POST.get("username", "")
    return str(username or "").strip().lower()


def login_lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict[str, Any]
) -> HttpResponse:
    """Explain a lockout (429) and how long it lasts, in the person's language."""
    cool_off = settings.AXES_COOLOFF_TIME
    minutes = max(1, round(cool_off.total_seconds() / 60)) if cool_off else None
    return render(
        request,
        "registration/locked_out.html",
        {"failure_limit": settings.AXES_FAILURE_LIMIT, "cooloff_minutes": minutes},
        status=429,
    )
