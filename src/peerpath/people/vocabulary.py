"""Shared vocabularies: languages and interests students pick from."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

LANGUAGES: list[tuple[str, str | Promise]] = [
    ("en", _("English")),
    ("es", _("Spanish")),
    ("vi", _("Vietnamese")),
    ("zh", _("Chinese (Mandarin)")),
    ("ar", _("Arabic")),
    ("tl", _("Tagalog")),
    ("ko", _("Korean")),
    ("fr", _("French")),
    ("ht", _("Haitian Creole")),
    ("pt", _("Portuguese")),
    ("ru", _("Russian")),
    ("so", _("Somali")),
    ("hi", _("Hindi")),
    ("asl", _("American Sign Language")),
]

INTERESTS: list[tuple[str, str | Promise]] = [
    ("art", _("Art and drawing")),
    ("basketball", _("Basketball")),
    ("soccer", _("Soccer")),
    ("running", _("Running and track")),
    ("music", _("Music")),
    ("theatre", _("Theatre")),
    ("dance", _("Dance")),
    ("gaming", _("Video games")),
    ("coding", _("Coding")),
    ("robotics", _("Robotics")),
    ("reading", _("Reading")),
    ("writing", _("Creative writing")),
    ("science", _("Science")),
    ("math", _("Math puzzles")),
    ("chess", _("Chess")),
    ("cooking", _("Cooking")),
    ("photography", _("Photography")),
    ("film", _("Film")),
    ("volunteering", _("Volunteering")),
    ("environment", _("Environment")),
    ("debate", _("Debate")),
    ("fashion", _("Fashion")),
    ("anime", _("Anime and manga")),
    ("outdoors", _("Hiking and outdoors")),
    ("languages", _("Learning languages")),
    ("history", _("History")),
    ("business", _("Business")),
    ("health", _("Health and fitness")),
]
