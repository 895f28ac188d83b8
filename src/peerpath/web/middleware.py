"""Per-request behaviour of the web shell: the preferred language, security headers."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation


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
