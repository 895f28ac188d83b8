from __future__ import annotations

from django.contrib import admin

from peerpath.core.admin import OrganizationScopedAdmin
from peerpath.training.models import QuizQuestion, TrainingModule


class QuizQuestionInline(admin.StackedInline):
    model = QuizQuestion
    extra = 0


@admin.register(TrainingModule)
class TrainingModuleAdmin(OrganizationScopedAdmin):
    """Organization admins edit their own modules; the starter curriculum is the operators'."""

    list_display = ["title", "organization", "audience", "estimated_minutes", "order", "is_active"]
    list_filter = ["audience", "is_active"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [QuizQuestionInline]
