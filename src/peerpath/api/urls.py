"""
``/api/``: version 1 of the REST API, its OpenAPI schema and its docs.

The docs page is Redoc, served from our own static files (no CDN), reading
the schema at ``/api/schema/``. Anything else under ``/api/`` answers a JSON
404 (401 without credentials), never an HTML page.
"""

from __future__ import annotations

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView

from peerpath.api import views

app_name = "api"

urlpatterns = [
    path("v1/", include(("peerpath.api.v1.urls", "v1"))),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", views.docs, name="docs"),
    path("tokens/", views.token_list, name="tokens"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token-revoke"),
    re_path(r"^[\s\S]*$", views.NotFoundApi.as_view(), name="not-found"),
]
