"""
The admin site, for organization admins and platform operators.

Organization admins see only their own organization's rows; every change made
here is also written to the audit log by Django's admin log.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from peerpath.core.access import scope_for
from peerpath.core.models import AuditEntry, Organization, RoleAssignment, School, User
from peerpath.core.services import user_deactivate
from peerpath.core.twofactor import two_factor_reset


class OrganizationScopedAdmin(admin.ModelAdmin):
    """Limit rows to the organizations the admin user is an admin of."""

    organization_path = "organization"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        orgs = scope_for(request.user).admin_organization_ids
        return qs.filter(**{f"{self.organization_path}__in": orgs})

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser or scope_for(request.user).is_org_admin()

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser


@admin.register(Organization)
class OrganizationAdmin(OrganizationScopedAdmin):
    organization_path = "pk"
    list_display = ["name", "slug", "kind"]
    search_fields = ["name", "slug"]


@admin.register(School)
class SchoolAdmin(OrganizationScopedAdmin):
    list_display = ["name", "organization", "slug"]
    search_fields = ["name"]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(OrganizationScopedAdmin):
    list_display = ["user", "role", "organization", "school"]
    list_filter = ["role"]
    raw_id_fields = ["user"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin, OrganizationScopedAdmin):
    ordering = ["family_name", "given_name"]
    list_display = ["email", "given_name", "family_name", "organization", "is_active"]
    search_fields = ["email", "given_name", "family_name"]
    list_filter = ["is_active", "is_staff"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Name", {"fields": ("given_name", "family_name", "preferred_name", "preferred_language")}),
        ("Organization", {"fields": ("organization", "sourced_id")}),
        ("Access", {"fields": ("is_active", "is_staff", "is_superuser")}),
    )
    add_fieldsets = (
        (None, {"fields": ("email", "given_name", "family_name", "password1", "password2")}),
    )
    readonly_fields = ["is_superuser"]
    actions = ["reset_two_factor"]

    @admin.action(description=_("Reset two-step login (a lost phone)"), permissions=["change"])
    def reset_two_factor(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        actor = request.user if isinstance(request.user, User) else None
        for user in queryset:
            two_factor_reset(actor=actor, user=user)
        self.message_user(
            request,
            _("They will set up an authenticator app again at their next login."),
        )

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data and not obj.is_active:
            # Unticking "active" ends every session, token and feed at once.
            actor = request.user if isinstance(request.user, User) else None
            user_deactivate(actor=actor, user=obj)


@admin.register(AuditEntry)
class AuditEntryAdmin(OrganizationScopedAdmin):
    list_display = ["created_at", "actor", "action", "target_type", "target_id"]
    list_filter = ["action"]
    readonly_fields = [f.name for f in AuditEntry._meta.fields]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


admin.site.site_header = "Peerpath administration"
admin.site.site_title = "Peerpath admin"


def _admin_site_has_permission(request: HttpRequest) -> bool:
    user = request.user
    return bool(
        user.is_active and user.is_staff and (user.is_superuser or scope_for(user).is_org_admin())
    )


admin.site.has_permission = _admin_site_has_permission  # type: ignore[method-assign]
