from __future__ import annotations

from django.contrib import admin

from peerpath.core.admin import OrganizationScopedAdmin
from peerpath.rosters.models import Enrollment, RosterImport, SchoolClass, Term


@admin.register(Term)
class TermAdmin(OrganizationScopedAdmin):
    list_display = ["title", "kind", "start_date", "end_date", "status"]
    list_filter = ["kind", "status"]
    search_fields = ["title", "sourced_id"]


@admin.register(SchoolClass)
class SchoolClassAdmin(OrganizationScopedAdmin):
    list_display = ["title", "class_code", "school", "course", "status"]
    list_filter = ["status", "kind"]
    search_fields = ["title", "class_code", "sourced_id"]
    raw_id_fields = ["school", "course"]


@admin.register(Enrollment)
class EnrollmentAdmin(OrganizationScopedAdmin):
    list_display = ["user", "school_class", "role", "status"]
    list_filter = ["role", "status"]
    search_fields = ["sourced_id", "user__email"]
    raw_id_fields = ["school_class", "user"]


@admin.register(RosterImport)
class RosterImportAdmin(OrganizationScopedAdmin):
    list_display = ["source_name", "kind", "started_at", "dry_run", "status", "error_count"]
    list_filter = ["kind", "status", "dry_run"]
    readonly_fields = [f.name for f in RosterImport._meta.fields]
