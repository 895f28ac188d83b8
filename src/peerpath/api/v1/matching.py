"""Match rounds (start, review, publish) and matches (list, read, close)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from peerpath.api.base import Api, ListApi
from peerpath.matching import selectors
from peerpath.matching.models import Match, MatchRound, Proposal
from peerpath.matching.services import match_close, match_round_publish, match_round_start
from peerpath.programs.models import Participant
from peerpath.programs.selectors import program_get_managed

# --- Match rounds -------------------------------------------------------------


class PartnerOutput(serializers.ModelSerializer):
    """One side of a pair: the participant and the student's name."""

    name = serializers.CharField(source="student.user.display_name")

    class Meta:
        model = Participant
        fields = ["id", "name", "role", "status"]
        read_only_fields = fields


class ProposalOutput(serializers.ModelSerializer):
    mentee = PartnerOutput()
    mentor = PartnerOutput(allow_null=True, help_text="Empty when no mentor could be found.")

    class Meta:
        model = Proposal
        fields = ["id", "mentee", "mentor", "score", "reason", "broken", "locked", "source"]
        read_only_fields = fields


_ROUND_FIELDS = [
    "id",
    "program",
    "status",
    "mode",
    "progress",
    "error",
    "created_at",
    "started_at",
    "finished_at",
    "published_at",
]


class MatchRoundOutput(serializers.ModelSerializer):
    class Meta:
        model = MatchRound
        fields = _ROUND_FIELDS
        read_only_fields = fields


class MatchRoundDetailOutput(serializers.ModelSerializer):
    """A round with its proposed pairs, best first, and the mentees left unmatched."""

    proposals = serializers.SerializerMethodField()

    class Meta:
        model = MatchRound
        fields = [*_ROUND_FIELDS, "proposals"]
        read_only_fields = fields

    @extend_schema_field(ProposalOutput(many=True))
    def get_proposals(self, match_round: MatchRound) -> Any:
        return ProposalOutput(selectors.round_proposals(match_round), many=True).data


class MatchRoundFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=MatchRound.Status.choices)

    class Meta:
        model = MatchRound
        fields = ["status"]


class MatchRoundListApi(ListApi):
    queryset = MatchRound.objects.none()  # for the schema; rows come from the program
    filterset_class = MatchRoundFilter

    @extend_schema(responses=MatchRoundOutput(many=True))
    def get(self, request: Request, program_pk: int) -> Response:
        """List a program's match rounds, newest first (coordinators only)."""
        program = program_get_managed(self.actor(), program_pk)
        rounds = self.filter_queryset(MatchRound.objects.filter(program=program))
        return self.paginated(rounds.order_by("-created_at", "-pk"), MatchRoundOutput)


class MatchRoundStartApi(Api):
    queryset = MatchRound.objects.none()

    @extend_schema(request=None, responses={201: MatchRoundDetailOutput})
    def post(self, request: Request, program_pk: int) -> Response:
        """
        Start a round with the program's matching settings.

        A program of up to ``PEERPATH_MATCH_INLINE_LIMIT`` participants is
        solved at once (the round comes back ``proposed``); a larger one is
        ``queued`` for the worker: poll the round until it is proposed. An open
        round of the program is discarded; its locked pairs carry over.
        """
        actor = self.actor()
        program = program_get_managed(actor, program_pk)
        match_round = match_round_start(actor=actor, program=program)
        return Response(MatchRoundDetailOutput(match_round).data, status=status.HTTP_201_CREATED)


class MatchRoundRetrieveApi(Api):
    queryset = MatchRound.objects.none()

    @extend_schema(responses=MatchRoundDetailOutput)
    def get(self, request: Request, pk: int) -> Response:
        """Return a round of a program you coordinate, with its proposals."""
        match_round = selectors.round_get_managed(self.actor(), pk)
        return Response(MatchRoundDetailOutput(match_round).data)


class MatchRoundPublishOutput(serializers.Serializer):
    round = MatchRoundOutput()
    matches = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_matches(self, data: dict[str, Any]) -> list[int]:
        return [m.pk for m in data["matches"]]


class MatchRoundPublishApi(Api):
    queryset = MatchRound.objects.none()

    @extend_schema(
        operation_id="match_rounds_publish", request=None, responses={200: MatchRoundPublishOutput}
    )
    def post(self, request: Request, pk: int) -> Response:
        """
        Publish a proposed round: every pair becomes an active match, all or none.

        Problems (capacity, a participant no longer ready or without consent,
        a pair matched before) are listed in a 400 and nothing is published.
        """
        actor = self.actor()
        match_round = selectors.round_get_managed(actor, pk)
        matches = match_round_publish(actor=actor, match_round=match_round)
        match_round.refresh_from_db()
        return Response(MatchRoundPublishOutput({"round": match_round, "matches": matches}).data)


# --- Matches --------------------------------------------------------------------


class MatchOutput(serializers.ModelSerializer):
    mentor = PartnerOutput()
    mentee = PartnerOutput()
    close_reason = serializers.ChoiceField(
        choices=Match.CloseReason.choices, allow_blank=True, read_only=True
    )

    class Meta:
        model = Match
        fields = [
            "id",
            "program",
            "round",
            "mentor",
            "mentee",
            "status",
            "score",
            "started_at",
            "agreed",
            "closed_at",
            "close_reason",
        ]
        read_only_fields = fields


class MatchFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Match.Status.choices)

    class Meta:
        model = Match
        fields = ["status"]


class MatchCloseInput(serializers.Serializer):
    reason = serializers.ChoiceField(choices=Match.CloseReason.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    future_contact_allowed = serializers.BooleanField(required=False, default=False)
    mentor_would_mentor_again = serializers.BooleanField(
        required=False, allow_null=True, default=None
    )
    rematch = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Make both ready to be matched again (never with each other).",
    )


class MatchListApi(ListApi):
    queryset = Match.objects.none()
    filterset_class = MatchFilter

    @extend_schema(responses=MatchOutput(many=True))
    def get(self, request: Request, program_pk: int) -> Response:
        """List a program's matches, active first (coordinators only)."""
        program = program_get_managed(self.actor(), program_pk)
        matches = self.filter_queryset(selectors.matches_for_program(program.pk))
        return self.paginated(matches.order_by("status", "-started_at", "-pk"), MatchOutput)


class MatchRetrieveApi(Api):
    queryset = Match.objects.none()

    @extend_schema(responses=MatchOutput)
    def get(self, request: Request, pk: int) -> Response:
        """Return a match you coordinate or are part of."""
        match, _relation = selectors.match_get_for_user(self.actor(), pk)
        return Response(MatchOutput(match).data)


class MatchCloseApi(Api):
    queryset = Match.objects.none()
    input_serializer = MatchCloseInput

    @extend_schema(
        operation_id="matches_close", request=MatchCloseInput, responses={200: MatchOutput}
    )
    def post(self, request: Request, pk: int) -> Response:
        """Close an active match without blame; both sides are asked for an exit survey."""
        actor = self.actor()
        match, relation = selectors.match_get_for_user(actor, pk)
        if relation != "coordinator":
            raise PermissionDenied
        data = self.input()
        match = match_close(actor=actor, match=match, **data)
        return Response(MatchOutput(match).data)
