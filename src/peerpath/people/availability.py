"""
The weekly availability grid: five school days of eight time slots.

A slot is written ``"<day>-<index>"`` (``"tue-3"``); the same codes are used in
forms, in the database and by the matching engine.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

DAYS: list[tuple[str, str | Promise]] = [
    ("mon", _("Monday")),
    ("tue", _("Tuesday")),
    ("wed", _("Wednesday")),
    ("thu", _("Thursday")),
    ("fri", _("Friday")),
]

# (start, end) in the school's local time.
SLOT_TIMES: list[tuple[str, str]] = [
    ("07:30", "08:15"),
    ("12:00", "12:45"),
    ("15:00", "15:45"),
    ("15:45", "16:30"),
    ("16:30", "17:15"),
    ("17:15", "18:00"),
    ("18:30", "19:15"),
    ("19:15", "20:00"),
]

SLOT_CODES: list[str] = [f"{day}-{i}" for day, _label in DAYS for i in range(len(SLOT_TIMES))]
_VALID = frozenset(SLOT_CODES)


def is_valid_slot(code: str) -> bool:
    return code in _VALID


def clean_slots(codes: list[str]) -> list[str]:
    """Return ``codes`` de-duplicated in grid order; raise ValueError on an unknown code."""
    unknown = sorted(set(codes) - _VALID)
    if unknown:
        raise ValueError(f"Unknown availability slot(s): {', '.join(unknown)}")
    wanted = set(codes)
    return [code for code in SLOT_CODES if code in wanted]


def slot_label(code: str) -> str:
    day, index = code.split("-")
    day_label = dict(DAYS)[day]
    start, end = SLOT_TIMES[int(index)]
    return f"{day_label} {start}–{end}"
