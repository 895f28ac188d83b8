"""Students' outcomes (grades, attendance, enrolment) per term, for coordinators (read only)."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from peerpath.api.base import Api, IdFilter, ListApi
from peerpath.insights.models import EnrolmentStatus, OutcomeRecord
from peerpath.insights.selectors import outcome_record_get, school_for_insights, school_outcomes


class OutcomeOutput(serializers.ModelSerializer):
    """
    One student's outcomes in one term, as the school reported them.

    ``grade_average`` is on the school's ``grade_scale`` (4 for a GPA, 100 for
    a percentage); ``grade_percent`` is the same on 0–100; ``attendance_rate``
    is the percentage of school days attended; ``course_grades`` maps a course
    code to its grade.
    """

    term_title = serializers.CharField(source="term.title")
    student_name = serializers.CharField(source="student.user.display_name")
    student_sourced_id = serializers.CharField(
        source="student.sourced_id", help_text="The student's id in the school's roster."
    )
    course_grades = serializers.DictField(child=serializers.JSONField())

    class Meta:
        model = OutcomeRecord
        fields = [
            "id",
            "school",
            "term",
            "term_title",
            "student",
            "student_name",
            "student_sourced_id",
            "grade_average",
            "grade_scale",
            "grade_percent",
            "attendance_rate",
            "enrolment_status",
            "course_grades",
            "updated_at",
        ]
        read_only_fields = fields


class OutcomeFilter(django_filters.FilterSet):
    term = IdFilter(field_name="term_id")
    student = IdFilter(field_name="student_id")
    enrolment_status = django_filters.ChoiceFilter(choices=EnrolmentStatus.choices)

    class Meta:
        model = OutcomeRecord
        fields = ["term", "student", "enrolment_status"]


class SchoolOutcomeListApi(ListApi):
    queryset = OutcomeRecord.objects.none()  # for the schema; rows come from the selector
    filterset_class = OutcomeFilter

    @extend_schema(responses=OutcomeOutput(many=True))
    def get(self, request: Request, school_pk: int) -> Response:
        """
        List a school's outcome records, by term then student.

        For the school's coordinators and its organization's admins; staff of
        the school get 403, everyone else 404.
        """
        school = school_for_insights(self.actor(), school_pk)
        return self.paginated(self.filter_queryset(school_outcomes(school)), OutcomeOutput)


class OutcomeRetrieveApi(Api):
    queryset = OutcomeRecord.objects.none()

    @extend_schema(responses=OutcomeOutput)
    def get(self, request: Request, pk: int) -> Response:
        """Return one outcome record of a school you coordinate or administer."""
        return Response(OutcomeOutput(outcome_record_get(self.actor(), pk)).data)
