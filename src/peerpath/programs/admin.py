from __future__ import annotations

from django.contrib import admin

from peerpath.core.admin import OrganizationScopedAdmin
from peerpath.programs.models import Participant, Program


@admin.register(Program)
class ProgramAdmin(OrganizationScopedAdmin):
    organization_path = "school__organization"
    list_display = ["name", "school", "program_type", "status", "term_start", "term_end"]
    list_filter = ["program_type", "status"]
    search_fields = ["name"]
    filter_horizontal = ["coordinators"]


@admin.register(Participant)
class ParticipantAdmin(OrganizationScopedAdmin):
    organization_path = "program__school__organization"
    list_display = ["student", "program", "role", "status"]
    list_filter = ["role", "status"]
    raw_id_fields = ["student"]
    readonly_fields = ["status", "status_changed_at"]
