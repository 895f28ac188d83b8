"""
The criteria a coordinator can weigh, and how each reads a participant.

Each criterion is stored in :class:`~peerpath.matching.models.MatchSettings`
as ``{"key": ..., "weight": ..., "hard": ..., **options}`` and turned into an
engine :class:`~peerpath.engine.Criterion` by :func:`engine_criteria`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from peerpath.engine import Criterion
from peerpath.programs.models import ProgramType


@dataclass(frozen=True)
class CriterionSpec:
    key: str
    label: str | Promise
    help: str | Promise
    kind: str
    mentee_field: str | None
    mentor_field: str | None
    params: Mapping[str, Any]
    options: tuple[str, ...] = ()


CRITERIA: dict[str, CriterionSpec] = {
    spec.key: spec
    for spec in [
        CriterionSpec(
            "subjects",
            _("Subject fit"),
            _("The tutor offers the subjects the tutee needs help with."),
            "overlap",
            "needs",
            "offers",
            {},
        ),
        CriterionSpec(
            "free_time",
            _("Shared free time"),
            _("Weekly time slots both are free; required means at least the minimum."),
            "overlap",
            "free",
            "free",
            {"min": 1, "target": 3},
            options=("min",),
        ),
        CriterionSpec(
            "interests",
            _("Shared interests"),
            _("How many interests they share (Jaccard similarity)."),
            "jaccard",
            "interests",
            "interests",
            {"min": 1},
        ),
        CriterionSpec(
            "languages",
            _("A shared language"),
            _("They speak at least one language in common."),
            "category",
            "languages",
            "languages",
            {"prefer": "similar"},
        ),
        CriterionSpec(
            "grade_gap",
            _("Grade gap"),
            _("The mentor is 1–3 grades above the mentee."),
            "gap",
            "grade",
            "grade",
            {"min": 1, "max": 3, "falloff": 1},
        ),
        CriterionSpec(
            "background",
            _("Background"),
            _("Similar backgrounds, or deliberately diverse ones (self-described fields)."),
            "category",
            "background",
            "background",
            {"prefer": "similar"},
            options=("prefer",),
        ),
        CriterionSpec(
            "meeting_mode",
            _("Online or in person"),
            _("Both can meet the same way."),
            "category",
            "mode",
            "mode",
            {"prefer": "similar"},
        ),
        CriterionSpec(
            "requests",
            _("Stated preferences"),
            _("The mentee asked for this mentor."),
            "preference",
            "prefers",
            None,
            {},
        ),
    ]
}


def default_criteria(program_type: str) -> list[dict[str, Any]]:
    """Sensible starting weights for a program type; coordinators adjust them."""
    if program_type == ProgramType.PEER_TUTORING:
        return [
            {"key": "subjects", "weight": 4, "hard": True},
            {"key": "free_time", "weight": 3, "hard": True, "min": 1},
            {"key": "languages", "weight": 1, "hard": False},
            {"key": "grade_gap", "weight": 1, "hard": False},
            {"key": "interests", "weight": 0.5, "hard": False},
            {"key": "meeting_mode", "weight": 0.5, "hard": False},
        ]
    return [
        {"key": "interests", "weight": 3, "hard": False},
        {"key": "free_time", "weight": 2, "hard": True, "min": 1},
        {"key": "languages", "weight": 2, "hard": False},
        {"key": "grade_gap", "weight": 2, "hard": False},
        {"key": "background", "weight": 1, "hard": False, "prefer": "similar"},
        {"key": "meeting_mode", "weight": 1, "hard": False},
        {"key": "requests", "weight": 1, "hard": False},
    ]


def engine_criteria(settings_criteria: list[dict[str, Any]]) -> tuple[Criterion, ...]:
    """Turn stored settings into engine criteria (zero-weight soft ones are dropped)."""
    out = []
    for entry in settings_criteria:
        spec = CRITERIA.get(entry.get("key", ""))
        if spec is None:
            continue
        weight = float(entry.get("weight", 0))
        hard = bool(entry.get("hard", False))
        if weight <= 0 and not hard:
            continue
        params = dict(spec.params)
        for option in spec.options:
            if option in entry:
                params[option] = entry[option]
        out.append(
            Criterion(
                name=spec.key,
                kind=spec.kind,
                mentee_field=spec.mentee_field,
                mentor_field=spec.mentor_field,
                weight=weight,
                hard=hard,
                params=params,
            )
        )
    return tuple(out)
