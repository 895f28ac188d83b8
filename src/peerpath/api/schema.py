"""
The OpenAPI schema: every operation documents its error responses too.

drf-spectacular documents success bodies only; clients (and the Schemathesis
run in ``tests/api``) also need to know that a refusal is a JSON object with
a ``detail``, and that bad input is a 400 with field errors.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular import openapi
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from peerpath.matching.models import Match, MatchRound
from peerpath.programs.models import ParticipantStatus, Program


class ErrorOutput(serializers.Serializer):
    """A refusal: not logged in (401), not allowed (403), not found (404)."""

    detail = serializers.CharField()


class ConflictOutput(serializers.Serializer):
    """The request is well formed but the object's state does not allow it (409)."""

    detail = serializers.CharField()
    missing = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="What a participant still lacks before they can be ready.",
    )


VALIDATION_ERROR = OpenApiResponse(
    response={
        "type": "object",
        "additionalProperties": {},
        "description": (
            "Field errors, as {field: [messages]}; errors of no single field are under "
            "non_field_errors, and a body that is not JSON under detail."
        ),
    },
    description="The input is not valid.",
)

_WRITE_METHODS = {"POST", "PUT", "PATCH"}


class AutoSchema(openapi.AutoSchema):
    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        errors: dict[str, Any] = {
            "401": OpenApiResponse(ErrorOutput, description="No valid token or session."),
            "403": OpenApiResponse(ErrorOutput, description="Your role does not allow this."),
            "404": OpenApiResponse(ErrorOutput, description="Not found, or not in your scope."),
        }
        if self.method in _WRITE_METHODS or self._is_list_view():
            errors["400"] = VALIDATION_ERROR
        if self.method in _WRITE_METHODS:
            errors["409"] = OpenApiResponse(ConflictOutput, description="Not allowed now.")
            errors["415"] = OpenApiResponse(ErrorOutput, description="Send application/json.")
        for code, response in errors.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(response, code, direction=direction)
        return responses

    def _get_filter_parameters(self) -> list[dict[str, Any]]:
        """
        Carry the filters' bounds (``max_length``, ``min_value``) into the schema.

        An empty choice (``?status=``, as the browsable API's filter form
        sends) means "any", so it is part of the documented values.
        """
        parameters: list[dict[str, Any]] = super()._get_filter_parameters()
        filterset_class = getattr(self.view, "filterset_class", None)
        if filterset_class is None:
            return parameters
        for parameter in parameters:
            found = filterset_class.base_filters.get(parameter["name"])
            if found is None:
                continue
            if "max_length" in found.extra:
                parameter["schema"]["maxLength"] = found.extra["max_length"]
            if "min_value" in found.extra:
                parameter["schema"]["minimum"] = found.extra["min_value"]
            if "enum" in parameter["schema"] and "" not in parameter["schema"]["enum"]:
                parameter["schema"]["enum"] = [*parameter["schema"]["enum"], ""]
            if parameter["schema"].get("format") in {"date", "date-time"}:
                # A date, or empty for "any".
                parameter["schema"] = {
                    "anyOf": [parameter["schema"], {"type": "string", "maxLength": 0}]
                }
        return parameters

    def get_tags(self) -> list[str]:
        """Group operations by resource (``programs``, ``match-rounds``), as the URLs do."""
        return super().get_tags() or ["api"]


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """Document :class:`~peerpath.api.authentication.ApiTokenAuthentication` as HTTP bearer."""

    target_class = "peerpath.api.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "pp_<prefix>_<secret>",
            "description": "A personal API token; see docs/api.md.",
        }


# Names of the choice sets that share a field name (``status``) in several
# models, for ``SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]``.
PROGRAM_STATUSES = Program.Status.choices
PARTICIPANT_STATUSES = ParticipantStatus.choices
MATCH_ROUND_STATUSES = MatchRound.Status.choices
MATCH_STATUSES = Match.Status.choices
MATCH_CLOSE_REASONS = Match.CloseReason.choices
