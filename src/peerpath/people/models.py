"""Students, their guardians and the courses of a school."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from peerpath.core.models import School, TimeStampedModel


class Course(TimeStampedModel):
    """A course or subject a student can need help with or offer help in."""

    class Area(models.TextChoices):
        MATH = "math", _("Mathematics")
        SCIENCE = "science", _("Science")
        ENGLISH = "english", _("English")
        SOCIAL = "social_studies", _("Social studies")
        LANGUAGES = "languages", _("World languages")
        COMPUTING = "computing", _("Computer science")
        ARTS = "arts", _("Arts")
        OTHER = "other", _("Other")

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="courses")
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    area = models.CharField(
        _("subject area"), max_length=20, choices=Area.choices, default=Area.OTHER
    )
    sourced_id = models.CharField(_("roster id"), max_length=255, blank=True, default="")

    class Meta:
        ordering = ["name"]
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        constraints = [
            models.UniqueConstraint(fields=["school", "code"], name="course_code_unique_in_school")
        ]

    def __str__(self) -> str:
        return self.name


class StudentProfile(TimeStampedModel):
    """
    What a school knows about one student.

    ``background`` holds optional, self-described fields (for example first
    generation at university, home language); only coordinators see it, and
    only matching for similarity or diversity reads it.
    """

    class AgeBand(models.TextChoices):
        UNDER_13 = "under_13", _("Under 13")
        AGE_13_15 = "13_15", _("13–15")
        AGE_16_17 = "16_17", _("16–17")
        ADULT = "18_plus", _("18 or over")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="student_profile"
    )
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="students")
    grade_level = models.PositiveSmallIntegerField(
        _("grade or year"), validators=[MinValueValidator(1), MaxValueValidator(16)]
    )
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    age_band = models.CharField(_("age band"), max_length=10, choices=AgeBand.choices, blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    interests = models.JSONField(_("interests"), default=list, blank=True)
    availability = models.JSONField(_("weekly availability"), default=list, blank=True)
    background = models.JSONField(_("self-described background"), default=dict, blank=True)
    directory_opt_out = models.BooleanField(_("hidden from peer directories"), default=False)
    arrived_on = models.DateField(
        _("joined the school on"),
        null=True,
        blank=True,
        help_text=_(
            "Set for newly arrived students; buddy programs pair them in their first week."
        ),
    )
    sourced_id = models.CharField(_("roster id"), max_length=255, blank=True, default="")

    class Meta:
        ordering = ["user__family_name", "user__given_name"]
        verbose_name = _("student")
        verbose_name_plural = _("students")
        indexes = [models.Index(fields=["school", "grade_level"])]

    def __str__(self) -> str:
        return str(self.user)

    def age_on(self, day: dt.date) -> int | None:
        if self.birth_date is None:
            return None
        born = self.birth_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    def is_minor(self, *, adult_age: int = 18) -> bool:
        """Whether the student is under ``adult_age``; unknown ages count as minors."""
        age = self.age_on(timezone.localdate())
        if age is not None:
            return age < adult_age
        return self.age_band != self.AgeBand.ADULT


class GuardianLink(TimeStampedModel):
    """A parent or guardian of a student."""

    guardian = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="guardian_links"
    )
    student = models.ForeignKey(
        StudentProfile, on_delete=models.CASCADE, related_name="guardian_links"
    )
    relationship = models.CharField(_("relationship"), max_length=50, blank=True, default="")

    class Meta:
        verbose_name = _("guardian link")
        verbose_name_plural = _("guardian links")
        constraints = [
            models.UniqueConstraint(fields=["guardian", "student"], name="guardian_link_unique")
        ]

    def __str__(self) -> str:
        return f"{self.guardian} → {self.student}"
