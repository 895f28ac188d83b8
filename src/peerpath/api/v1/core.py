"""Organizations and schools (read only)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from peerpath.api import selectors
from peerpath.api.base import Api, ListApi
from peerpath.core.models import Organization, School


class OrganizationOutput(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["id", "name", "slug", "kind"]
        read_only_fields = fields


class SchoolOutput(serializers.ModelSerializer):
    class Meta:
        model = School
        fields = ["id", "organization", "name", "slug", "time_zone"]
        read_only_fields = fields


class OrganizationListApi(ListApi):
    queryset = Organization.objects.none()  # for the schema; rows come from the selector

    @extend_schema(responses=OrganizationOutput(many=True))
    def get(self, request: Request) -> Response:
        """List the organizations you administer or work in."""
        return self.paginated(
            selectors.organization_list_visible(self.actor()).order_by("name", "pk"),
            OrganizationOutput,
        )


class OrganizationRetrieveApi(Api):
    queryset = Organization.objects.none()

    @extend_schema(responses=OrganizationOutput)
    def get(self, request: Request, pk: int) -> Response:
        """Return one organization you administer or work in."""
        organization = self.get_in(selectors.organization_list_visible(self.actor()), pk)
        return Response(OrganizationOutput(organization).data)


class SchoolListApi(ListApi):
    queryset = School.objects.none()

    @extend_schema(responses=SchoolOutput(many=True))
    def get(self, request: Request) -> Response:
        """List the schools you work in (every school of an organization you administer)."""
        return self.paginated(
            selectors.school_list_visible(self.actor()).order_by("name", "pk"), SchoolOutput
        )


class SchoolRetrieveApi(Api):
    queryset = School.objects.none()

    @extend_schema(responses=SchoolOutput)
    def get(self, request: Request, pk: int) -> Response:
        """Return one school you work in."""
        school = self.get_in(selectors.school_list_visible(self.actor()), pk)
        return Response(SchoolOutput(school).data)
