"""Programs and their participants."""

from __future__ import annotations

from typing import Any

import django_filters
from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from peerpath.api.base import Api, IdFilter, ListApi
from peerpath.core.access import schools_managed_by
from peerpath.core.models import School
from peerpath.people.models import StudentProfile
from peerpath.programs.models import (
    Participant,
    ParticipantRole,
    ParticipantStatus,
    Program,
    ProgramType,
)
from peerpath.programs.selectors import (
    participant_list,
    program_get_managed,
    program_get_visible,
    program_list_visible,
)
from peerpath.programs.services import (
    PROGRAM_FIELDS,
    participant_transition,
    program_create,
    program_update,
)

# --- Programs ---------------------------------------------------------------


class ProgramOutput(serializers.ModelSerializer):
    class Meta:
        model = Program
        fields = [
            "id",
            "school",
            "slug",
            *PROGRAM_FIELDS,
            "terms_version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ProgramUpdateInput(serializers.ModelSerializer):
    """The settings a coordinator may change (every field optional)."""

    class Meta:
        model = Program
        fields = PROGRAM_FIELDS


class ProgramCreateInput(serializers.ModelSerializer):
    """A new program: ``school`` must be one you coordinate (or administer)."""

    school = serializers.PrimaryKeyRelatedField(queryset=School.objects.none())

    class Meta:
        model = Program
        fields = ["school", *PROGRAM_FIELDS]

    def __init__(self, *args: Any, schools: list[School] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        school_field = self.fields["school"]
        assert isinstance(school_field, serializers.PrimaryKeyRelatedField)
        school_field.queryset = School.objects.filter(pk__in=[s.pk for s in schools or []])


class ProgramFilter(django_filters.FilterSet):
    school = IdFilter(field_name="school_id")
    status = django_filters.ChoiceFilter(choices=Program.Status.choices)
    program_type = django_filters.ChoiceFilter(choices=ProgramType.choices)
    search = django_filters.CharFilter(field_name="name", lookup_expr="icontains", max_length=100)

    class Meta:
        model = Program
        fields = ["school", "status", "program_type", "search"]


class ProgramListApi(ListApi):
    queryset = Program.objects.none()  # for the schema; rows come from the selector
    filterset_class = ProgramFilter

    @extend_schema(responses=ProgramOutput(many=True))
    def get(self, request: Request) -> Response:
        """List the programs you can open: those you run, work in or take part in."""
        programs = self.filter_queryset(program_list_visible(self.actor()))
        return self.paginated(programs.order_by("school__name", "name", "pk"), ProgramOutput)


class ProgramCreateApi(Api):
    queryset = Program.objects.none()
    input_serializer = ProgramCreateInput

    @extend_schema(request=ProgramCreateInput, responses={201: ProgramOutput})
    def post(self, request: Request) -> Response:
        """Create a program in a school you coordinate."""
        actor = self.actor()
        schools = schools_managed_by(actor)
        if not schools:
            raise PermissionDenied
        data = dict(self.input(schools=schools))
        program = program_create(actor=actor, school=data.pop("school"), **data)
        return Response(ProgramOutput(program).data, status=status.HTTP_201_CREATED)


class ProgramRetrieveApi(Api):
    queryset = Program.objects.none()

    @extend_schema(responses=ProgramOutput)
    def get(self, request: Request, pk: int) -> Response:
        """Return a program you can open."""
        return Response(ProgramOutput(program_get_visible(self.actor(), pk)).data)


class ProgramUpdateApi(Api):
    queryset = Program.objects.none()
    input_serializer = ProgramUpdateInput

    @extend_schema(request=ProgramUpdateInput, responses=ProgramOutput)
    def patch(self, request: Request, pk: int) -> Response:
        """Change some of a program's settings; only its coordinators may."""
        actor = self.actor()
        program = program_get_managed(actor, pk)
        data = self.input(partial=True)
        program = program_update(actor=actor, program=program, **data)
        return Response(ProgramOutput(program).data)


# --- Participants -------------------------------------------------------------


class StudentOutput(serializers.ModelSerializer):
    name = serializers.CharField(source="user.display_name")
    email = serializers.EmailField(source="user.email")

    class Meta:
        model = StudentProfile
        fields = ["id", "name", "email", "grade_level"]
        read_only_fields = fields


class ParticipantOutput(serializers.ModelSerializer):
    student = StudentOutput()

    class Meta:
        model = Participant
        fields = [
            "id",
            "program",
            "student",
            "role",
            "status",
            "status_changed_at",
            "mentor_capacity",
            "subjects",
            "goals",
            "created_at",
        ]
        read_only_fields = fields


class ParticipantFilter(django_filters.FilterSet):
    """The participant list's filters; ``participant_list`` applies them."""

    role = django_filters.ChoiceFilter(
        choices=ParticipantRole.choices,
        help_text="mentor and mentee also match participants who are both.",
    )
    status = django_filters.ChoiceFilter(choices=ParticipantStatus.choices)
    search = django_filters.CharFilter(
        max_length=100, help_text="Words found in the name or e-mail address."
    )

    class Meta:
        model = Participant
        fields = ["role", "status", "search"]


class ParticipantTransitionInput(serializers.Serializer):
    status = serializers.ChoiceField(choices=ParticipantStatus.choices)
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


def _participants(program: Program) -> Any:
    return (
        Participant.objects.filter(program=program)
        .select_related("student__user")
        .prefetch_related("subjects")
    )


class ParticipantListApi(ListApi):
    queryset = Participant.objects.none()
    filterset_class = ParticipantFilter

    @extend_schema(responses=ParticipantOutput(many=True))
    def get(self, request: Request, program_pk: int) -> Response:
        """List a program's participants (its coordinators only)."""
        actor = self.actor()
        program = program_get_managed(actor, program_pk)
        filters = self.filters()
        participants = participant_list(
            user=actor,
            program=program,
            search=filters.get("search") or "",
            role=filters.get("role") or "",
            status=filters.get("status") or "",
        ).prefetch_related("subjects")
        return self.paginated(participants, ParticipantOutput)


class ParticipantRetrieveApi(Api):
    queryset = Participant.objects.none()

    @extend_schema(responses=ParticipantOutput)
    def get(self, request: Request, program_pk: int, pk: int) -> Response:
        """Return one participant of a program you coordinate."""
        program = program_get_managed(self.actor(), program_pk)
        return Response(ParticipantOutput(self.get_in(_participants(program), pk)).data)


class ParticipantTransitionApi(Api):
    queryset = Participant.objects.none()
    input_serializer = ParticipantTransitionInput

    @extend_schema(
        operation_id="programs_participants_transition",
        request=ParticipantTransitionInput,
        responses={200: ParticipantOutput},
    )
    def post(self, request: Request, program_pk: int, pk: int) -> Response:
        """
        Move a participant to another status of the lifecycle.

        A move the lifecycle does not allow, or to ``ready`` while screening,
        consent or training is missing, is refused with 409.
        """
        actor = self.actor()
        program = program_get_managed(actor, program_pk)
        participant = self.get_in(_participants(program), pk)
        data = self.input()
        participant_transition(
            actor=actor, participant=participant, to_status=data["status"], reason=data["reason"]
        )
        return Response(ParticipantOutput(self.get_in(_participants(program), pk)).data)
