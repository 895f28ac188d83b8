"""The starter curriculum: loaded by a migration, long enough, with sound quizzes."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from peerpath.training.curriculum import STARTER_CURRICULUM
from peerpath.training.models import QuizQuestion, TrainingModule
from peerpath.training.services import starter_curriculum_load

MENTOR_TOPICS = {
    "communication-and-active-listening",
    "empathy",
    "confidentiality-and-its-limits",
    "setting-shared-goals",
    "boundaries",
    "how-a-match-closes",
}


def test_curriculum_covers_the_topics_and_reaches_two_hours():
    mentor = [m for m in STARTER_CURRICULUM if m.audience == "mentor"]
    assert {m.slug for m in mentor} == MENTOR_TOPICS
    assert sum(m.minutes for m in mentor) == 135
    assert all(20 <= m.minutes <= 25 for m in mentor)
    assert [m.slug for m in STARTER_CURRICULUM if m.audience == "mentee"] == ["mentee-orientation"]
    for module in STARTER_CURRICULUM:
        assert 3 <= len(module.questions) <= 5, module.slug
        assert module.pass_mark == 80
        for question in module.questions:
            assert 0 <= question.correct < len(question.choices), question.prompt
            assert len(set(question.choices)) == len(question.choices) >= 3
            assert question.explanation


@pytest.mark.django_db
def test_the_migration_that_loads_it_is_applied():
    loader = MigrationLoader(connection)
    key = ("training", "0002_starter_curriculum")
    assert key in loader.graph.nodes
    assert key in loader.applied_migrations


@pytest.mark.django_db
def test_the_migration_loads_the_curriculum_idempotently():
    migration = importlib.import_module("peerpath.training.migrations.0002_starter_curriculum")
    TrainingModule.objects.filter(organization=None).delete()

    migration.load(apps, None)
    migration.load(apps, None)

    builtin = TrainingModule.objects.filter(organization=None)
    assert builtin.count() == 7
    assert sum(m.estimated_minutes for m in builtin.filter(audience="mentor")) >= 120
    assert QuizQuestion.objects.filter(module__organization=None).count() == sum(
        len(m.questions) for m in STARTER_CURRICULUM
    )


@pytest.mark.django_db
def test_reloading_updates_text_and_keeps_local_choices():
    starter_curriculum_load()
    module = TrainingModule.objects.get(organization=None, slug="empathy")
    module.title = "Edited"
    module.is_active = False
    module.save(update_fields=["title", "is_active"])
    pk = module.pk

    assert starter_curriculum_load() == 0

    module.refresh_from_db()
    assert (module.pk, module.title, module.is_active) == (
        pk,
        "Empathy: understanding before helping",
        False,
    )
