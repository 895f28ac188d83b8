"""
Helpers for the roster tests (imported by name: ``from roster_helpers import …``).

``fixtures/`` holds small OneRoster sets written for these tests. The real
third-party samples are read in place from ``../shared/oneroster-samples`` (GPL:
never copied into this repository); tests that need them skip when absent.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.apps import apps

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "oneroster-samples"
CATALYST = SAMPLES / "catalyst_moodle-enrol_oneroster"


def sample(name: str) -> Path:
    path = SAMPLES / name
    if not path.exists():
        pytest.skip(f"shared OneRoster sample {name} is not available")
    return path


def db_contains(text: str) -> list[str]:
    """Return ``model.field`` names of every stored value that contains ``text``."""
    found: list[str] = []
    for model in apps.get_models():
        for row in model.objects.values():
            for field, value in row.items():
                if value is not None and text in str(value):
                    found.append(f"{model._meta.label}.{field}")
    return found


def table_counts() -> dict[str, int]:
    return {
        m._meta.label: m.objects.count()
        for m in apps.get_models()
        if m._meta.app_label in {"core", "people", "rosters"}
        and m._meta.model_name not in {"rosterimport", "auditentry"}
    }
