from __future__ import annotations

from django.contrib import admin

from peerpath.core.admin import OrganizationScopedAdmin
from peerpath.people.models import Course, GuardianLink, StudentProfile


@admin.register(Course)
class CourseAdmin(OrganizationScopedAdmin):
    organization_path = "school__organization"
    list_display = ["name", "code", "area", "school"]
    list_filter = ["area"]
    search_fields = ["name", "code"]


@admin.register(StudentProfile)
class StudentProfileAdmin(OrganizationScopedAdmin):
    organization_path = "school__organization"
    list_display = ["user", "school", "grade_level"]
    list_filter = ["grade_level"]
    search_fields = ["user__given_name", "user__family_name", "user__email"]
    raw_id_fields = ["user"]


@admin.register(GuardianLink)
class GuardianLinkAdmin(OrganizationScopedAdmin):
    organization_path = "student__school__organization"
    list_display = ["guardian", "student", "relationship"]
    raw_id_fields = ["guardian", "student"]
