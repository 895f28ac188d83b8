"""A match's sessions with their logs, and its goals (read only, for now)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from peerpath.api.base import ListApi
from peerpath.meetings.models import Goal, Session, SessionLog
from peerpath.meetings.selectors import goals_for_match, match_get_for_meetings, sessions_for_match


class SessionLogOutput(serializers.ModelSerializer):
    """What the pair wrote after the session (both partners and the coordinators see it)."""

    class Meta:
        model = SessionLog
        fields = ["duration_minutes", "topics", "went_well", "next_steps", "created_at"]
        read_only_fields = fields


class SessionOutput(serializers.ModelSerializer):
    log = SessionLogOutput(read_only=True, allow_null=True, default=None)

    class Meta:
        model = Session
        fields = [
            "id",
            "program",
            "match",
            "starts_at",
            "ends_at",
            "duration_minutes",
            "status",
            "location",
            "online_url",
            "cancelled_at",
            "log",
        ]
        read_only_fields = fields


class GoalOutput(serializers.ModelSerializer):
    class Meta:
        model = Goal
        fields = [
            "id",
            "match",
            "what",
            "measure",
            "due_on",
            "status",
            "progress",
            "last_update_at",
        ]
        read_only_fields = fields


class MatchSessionListApi(ListApi):
    queryset = Session.objects.none()  # for the schema; rows come from the selector

    @extend_schema(responses=SessionOutput(many=True))
    def get(self, request: Request, match_pk: int) -> Response:
        """List a match's sessions, earliest first (its partners and coordinators)."""
        match, _relation = match_get_for_meetings(self.actor(), match_pk)
        return self.paginated(sessions_for_match(match), SessionOutput)


class MatchGoalListApi(ListApi):
    queryset = Goal.objects.none()

    @extend_schema(responses=GoalOutput(many=True))
    def get(self, request: Request, match_pk: int) -> Response:
        """List a match's goals with their progress (its partners and coordinators)."""
        match, _relation = match_get_for_meetings(self.actor(), match_pk)
        return self.paginated(goals_for_match(match).order_by("status", "due_on", "pk"), GoalOutput)
