"""Per-request behaviour of the web shell: language, security headers, two-factor login."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation

from peerpath.core.twofactor import has_confirmed_device, two_factor_required


class PreferredLanguageMiddleware:
    """
    Activate ``request.user.preferred_language`` when the user has chosen one.

    ``LocaleMiddleware`` has already picked a language from the language cookie
    or ``Accept-Language``; this runs after ``AuthenticationMiddleware`` and
    replaces that choice for a logged-in user with a saved preference. Users
    without one (and anonymous visitors) keep what ``LocaleMiddleware`` chose.
    ``LocaleMiddleware`` still sets ``Content-Language`` on the response from
    the language active at that point, i.e. this one.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.languages = frozenset(code for code, _name in settings.LANGUAGES)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            language = getattr(user, "preferred_language", "")
            if language in self.languages:
                translation.activate(language)
                request.LANGUAGE_CODE = language
        return self.get_response(request)


class PermissionsPolicyMiddleware:
    """
    Send ``Permissions-Policy`` (``settings.PEERPATH_PERMISSIONS_POLICY``) on
    every response: Django's ``SecurityMiddleware`` has no setting for it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.policy: str = getattr(settings, "PEERPATH_PERMISSIONS_POLICY", "")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.policy:
            response.headers.setdefault("Permissions-Policy", self.policy)
        return response


class TwoFactorMiddleware:
    """
    Send people who need two-factor authentication (``two_factor_required``)
    and have not given a code in this session to enter one, or to set up an
    authenticator app if they have none. Logging in and out, password reset,
    the language switch and static files stay reachable.

    Runs after django-otp's ``OTPMiddleware``, which adds ``user.is_verified()``.
    """

    EXEMPT_PREFIXES = ("/accounts/", "/static/", "/i18n/", "/admin/login/", "/admin/logout/")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and two_factor_required(user)
            and not user.is_verified()
            and not request.path_info.startswith(self.EXEMPT_PREFIXES)
        ):
            target = "two_factor_verify" if has_confirmed_device(user) else "two_factor_setup"
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse(target)}?{query}")
        return self.get_response(request)
