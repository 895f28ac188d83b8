"""Check-in and survey responses (read only)."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from peerpath.api.base import Api, IdFilter, ListApi
from peerpath.support.models import CheckInResponse
from peerpath.support.selectors import checkin_response_get, checkin_responses_visible


class SurveyResponseOutput(serializers.ModelSerializer):
    """
    One participant's answers to a check-in, or to the survey before or after the program.

    ``scores`` holds the mean (1–5) of each instrument's questions;
    ``custom_answers`` the answers to the program's own questions, by question.
    """

    program = serializers.IntegerField(source="participant.program_id")
    participant_name = serializers.CharField(source="participant.student.user.display_name")
    answers = serializers.DictField(child=serializers.JSONField())
    scores = serializers.DictField(child=serializers.FloatField())
    custom_answers = serializers.DictField(child=serializers.JSONField())

    class Meta:
        model = CheckInResponse
        fields = [
            "id",
            "program",
            "participant",
            "participant_name",
            "match",
            "kind",
            "submitted_at",
            "scores",
            "answers",
            "custom_answers",
        ]
        read_only_fields = fields


class SurveyResponseFilter(django_filters.FilterSet):
    program = IdFilter(field_name="participant__program_id")
    participant = IdFilter(field_name="participant_id")
    match = IdFilter(field_name="match_id")
    kind = django_filters.ChoiceFilter(choices=CheckInResponse.Kind.choices)
    submitted_from = django_filters.DateFilter(
        field_name="submitted_at", lookup_expr="date__gte", label="Submitted on or after (a date)"
    )
    submitted_to = django_filters.DateFilter(
        field_name="submitted_at", lookup_expr="date__lte", label="Submitted on or before (a date)"
    )

    class Meta:
        model = CheckInResponse
        fields = ["program", "participant", "match", "kind", "submitted_from", "submitted_to"]


class SurveyResponseListApi(ListApi):
    queryset = CheckInResponse.objects.none()  # for the schema; rows come from the selector
    filterset_class = SurveyResponseFilter

    @extend_schema(responses=SurveyResponseOutput(many=True))
    def get(self, request: Request) -> Response:
        """
        List the check-in and survey responses you may read, newest first.

        Coordinators see every response of the programs they run; a
        participant (logged in to the web app) sees only their own — never
        their match partner's. Others get an empty list.
        """
        responses = self.filter_queryset(checkin_responses_visible(self.actor()))
        return self.paginated(responses.order_by("-submitted_at", "-pk"), SurveyResponseOutput)


class SurveyResponseRetrieveApi(Api):
    queryset = CheckInResponse.objects.none()

    @extend_schema(responses=SurveyResponseOutput)
    def get(self, request: Request, pk: int) -> Response:
        """Return one response: yours, or one of a program you run."""
        return Response(SurveyResponseOutput(checkin_response_get(self.actor(), pk)).data)
