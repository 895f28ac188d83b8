"""
Training modules, their quizzes, what each program requires, and progress.

A :class:`TrainingModule` with no organization belongs to Peerpath's starter
curriculum (loaded by a data migration, see :mod:`peerpath.training.curriculum`)
and is offered to every organization; an organization can add its own.
Progress is kept per student, not per participation: a module completed for
one program counts for every program that requires it.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from peerpath.core.models import Organization, TimeStampedModel
from peerpath.people.models import StudentProfile
from peerpath.programs.models import Program


class Audience(models.TextChoices):
    MENTOR = "mentor", _("Mentors and tutors")
    MENTEE = "mentee", _("Mentees")
    ALL = "all", _("Everyone")


class RequiredFor(models.TextChoices):
    MENTOR = "mentor", _("Mentors and tutors")
    MENTEE = "mentee", _("Mentees")


class TrainingModule(TimeStampedModel):
    """One unit of training: Markdown content and an optional quiz."""

    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="training_modules",
        null=True,
        blank=True,
        verbose_name=_("organization"),
        help_text=_("Empty for Peerpath's starter curriculum, offered to everyone."),
    )
    slug = models.SlugField(_("slug"), max_length=80)
    title = models.CharField(_("title"), max_length=200)
    summary = models.CharField(_("summary"), max_length=300, blank=True, default="")
    audience = models.CharField(
        _("audience"), max_length=10, choices=Audience.choices, default=Audience.MENTOR
    )
    content = models.TextField(
        _("content"), help_text=_("Markdown. HTML is removed when the module is shown.")
    )
    estimated_minutes = models.PositiveSmallIntegerField(
        _("estimated minutes"), validators=[MinValueValidator(1), MaxValueValidator(600)]
    )
    pass_mark_percent = models.PositiveSmallIntegerField(
        _("pass mark (%)"),
        default=80,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("The share of quiz questions a student must answer correctly."),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["order", "title"]
        verbose_name = _("training module")
        verbose_name_plural = _("training modules")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "slug"],
                condition=Q(organization__isnull=False),
                name="training_module_slug_unique_in_org",
            ),
            models.UniqueConstraint(
                fields=["slug"],
                condition=Q(organization__isnull=True),
                name="training_module_slug_unique_builtin",
            ),
            models.CheckConstraint(
                condition=Q(pass_mark_percent__lte=100), name="training_module_pass_mark_percent"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_builtin(self) -> bool:
        return self.organization_id is None


class QuizQuestion(models.Model):
    """A multiple-choice question; ``correct_choice`` indexes ``choices`` from 0."""

    module = models.ForeignKey(TrainingModule, on_delete=models.CASCADE, related_name="questions")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    prompt = models.CharField(_("question"), max_length=500)
    choices = models.JSONField(_("choices"), default=list)
    correct_choice = models.PositiveSmallIntegerField(_("correct choice (from 0)"))
    explanation = models.TextField(
        _("explanation"), blank=True, default="", help_text=_("Shown after answering.")
    )

    class Meta:
        ordering = ["module", "order", "pk"]
        verbose_name = _("quiz question")
        verbose_name_plural = _("quiz questions")
        constraints = [
            models.UniqueConstraint(fields=["module", "order"], name="quiz_question_order_unique")
        ]

    def __str__(self) -> str:
        return self.prompt


class ProgramModule(models.Model):
    """A module that a program requires of its mentors or of its mentees."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="training_modules")
    module = models.ForeignKey(
        TrainingModule, on_delete=models.CASCADE, related_name="program_requirements"
    )
    role = models.CharField(_("required of"), max_length=10, choices=RequiredFor.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["program", "role", "module__order", "module__title"]
        verbose_name = _("required module")
        verbose_name_plural = _("required modules")
        constraints = [
            models.UniqueConstraint(
                fields=["program", "module", "role"], name="program_module_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.program}: {self.module} ({self.get_role_display()})"


class ModuleProgress(models.Model):
    """
    How far one student is with one module.

    ``best_score`` is the best quiz result as a whole percent, rounded down
    (so ``best_score >= pass mark`` exactly when the student reached the mark);
    it stays empty for a module without a quiz.
    """

    student = models.ForeignKey(
        StudentProfile, on_delete=models.CASCADE, related_name="training_progress"
    )
    module = models.ForeignKey(TrainingModule, on_delete=models.CASCADE, related_name="progress")
    started_at = models.DateTimeField(_("started"))
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    best_score = models.PositiveSmallIntegerField(
        _("best score (%)"), null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    passed = models.BooleanField(_("passed"), default=False)
    attempts = models.PositiveSmallIntegerField(_("quiz attempts"), default=0)

    class Meta:
        ordering = ["student", "module__order"]
        verbose_name = _("module progress")
        verbose_name_plural = _("module progress")
        constraints = [
            models.UniqueConstraint(fields=["student", "module"], name="module_progress_unique")
        ]
        indexes = [models.Index(fields=["module", "completed_at"])]

    def __str__(self) -> str:
        return f"{self.student} — {self.module}"

    @property
    def is_completed(self) -> bool:
        return self.completed_at is not None
