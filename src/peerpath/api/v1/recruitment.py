"""Applications: the review queue and the decisions on it."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from peerpath.api.base import Api, ListApi
from peerpath.api.v1.programs import ParticipantOutput, StudentOutput
from peerpath.programs.models import Participant, ParticipantStatus
from peerpath.programs.selectors import program_get_managed
from peerpath.recruitment import selectors
from peerpath.recruitment.models import Application
from peerpath.recruitment.services import DECISIONS, applications_decide

MAX_DECISIONS = 500


class AnswersOutput(serializers.ModelSerializer):
    class Meta:
        model = Application
        fields = [
            "submitted_at",
            "referred_by",
            "referral_note",
            "interests",
            "languages",
            "availability",
            "meeting_mode",
            "partner_preferences",
            "motivation",
            "experience",
        ]
        read_only_fields = fields


class ApplicationOutput(serializers.ModelSerializer):
    """A participant who applied (or was invited or waitlisted), with their answers."""

    student = StudentOutput()
    application = AnswersOutput(allow_null=True, help_text="Empty if they never applied.")

    class Meta:
        model = Participant
        fields = ["id", "program", "student", "role", "status", "subjects", "goals", "application"]
        read_only_fields = fields


class ApplicationFilter(django_filters.FilterSet):
    queue = django_filters.ChoiceFilter(
        choices=[
            ("review", "Submitted, waiting for a decision"),
            ("waitlist", "Waitlisted"),
            ("invited", "Referred, not yet submitted"),
        ],
        help_text="Which queue of the review page; review by default.",
    )

    class Meta:
        model = Participant
        fields = ["queue"]


_QUEUES = {
    "review": selectors.applications_for_review,
    "waitlist": selectors.waitlist,
    "invited": selectors.invitations_open,
}


class DecisionInput(serializers.Serializer):
    participants = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        min_length=1,
        max_length=MAX_DECISIONS,
        help_text="Participant ids of applications that are applied or waitlisted.",
    )
    decision = serializers.ChoiceField(choices=sorted(DECISIONS))
    message = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class DecisionOutput(serializers.Serializer):
    decided = serializers.IntegerField()
    participants = ParticipantOutput(many=True)


class ApplicationListApi(ListApi):
    queryset = Participant.objects.none()  # for the schema; rows come from the selectors
    filterset_class = ApplicationFilter

    @extend_schema(responses=ApplicationOutput(many=True))
    def get(self, request: Request, program_pk: int) -> Response:
        """List a program's applications in one queue of the review page (coordinators only)."""
        program = program_get_managed(self.actor(), program_pk)
        queue = self.filters().get("queue") or "review"
        applications: QuerySet[Participant] = _QUEUES[queue](program)
        return self.paginated(
            applications.select_related("application").prefetch_related("subjects"),
            ApplicationOutput,
        )


class ApplicationDecideApi(Api):
    queryset = Participant.objects.none()
    input_serializer = DecisionInput

    @extend_schema(
        operation_id="programs_applications_decide",
        request=DecisionInput,
        responses={200: DecisionOutput},
    )
    def post(self, request: Request, program_pk: int) -> Response:
        """
        Accept, waitlist or decline applications, all or none; each applicant is told by e-mail.

        Every id must be an application of this program that is applied or
        waitlisted; otherwise nothing is decided (400).
        """
        actor = self.actor()
        program = program_get_managed(actor, program_pk)
        data: dict[str, Any] = self.input()
        ids = sorted(set(data["participants"]))
        chosen = list(
            Participant.objects.filter(
                program=program,
                pk__in=ids,
                status__in=[ParticipantStatus.APPLIED, ParticipantStatus.WAITLISTED],
            ).select_related("student__user", "program")
        )
        unknown = sorted(set(ids) - {p.pk for p in chosen})
        if unknown:
            raise ValidationError(
                {
                    "participants": [
                        _("Not an application waiting for a decision: %(ids)s")
                        % {"ids": ", ".join(map(str, unknown))}
                    ]
                }
            )
        decided = applications_decide(
            actor=actor,
            program=program,
            participants=chosen,
            decision=data["decision"],
            message=data["message"],
        )
        participants = (
            Participant.objects.filter(pk__in=ids)
            .select_related("student__user")
            .prefetch_related("subjects")
            .order_by("pk")
        )
        return Response(DecisionOutput({"decided": decided, "participants": participants}).data)
