"""Peerpath's URLs plus ``/_load/ok``, a view that answers without the database."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def bare(request: HttpRequest) -> HttpResponse:
    """Answer "ok": the cost of Django, its middleware and gunicorn alone."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("_load/ok", bare, name="load-bare"),
    path("", include("peerpath.config.urls")),
]
