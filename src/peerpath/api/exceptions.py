"""
Turn the domain's exceptions into API responses.

Services raise Django's ``ValidationError`` for bad input (400, with the
field errors) and ``ValueError`` subclasses for moves the lifecycle forbids
(409: the request was well formed but conflicts with the current state).
Every error body is a JSON object, documented in the schema.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from peerpath.programs.lifecycle import NotReadyError, TransitionNotAllowedError

NON_FIELD_ERRORS = "non_field_errors"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state."
    default_code = "conflict"


def validation_error_detail(error: DjangoValidationError) -> dict[str, list[str]]:
    """Field errors as ``{field: [messages]}``; errors of no field go under ``non_field_errors``."""
    if hasattr(error, "error_dict"):
        return {
            (NON_FIELD_ERRORS if field == "__all__" else field): list(messages)
            for field, messages in error.message_dict.items()
        }
    return {NON_FIELD_ERRORS: list(error.messages)}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(validation_error_detail(exc))
    elif isinstance(exc, NotReadyError):
        exc = Conflict({"detail": str(exc), "missing": exc.missing})
    elif isinstance(exc, TransitionNotAllowedError):
        exc = Conflict(str(exc))
    elif isinstance(exc, exceptions.ValidationError) and not isinstance(exc.detail, dict):
        exc = exceptions.ValidationError({NON_FIELD_ERRORS: exc.detail})
    return drf_exception_handler(exc, context)
