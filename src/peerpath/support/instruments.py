"""
Check-in instruments written for Peerpath, on five-point Likert scales.

Each instrument is a list of statements; a respondent rates each from 1
(strongly disagree) to 5 (strongly agree). ``reverse`` items are scored 6 − x.
An instrument's score is the mean of its items, from 1 to 5. The statements
are our own wording, kept short for phones.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

SCALE: list[tuple[int, str | Promise]] = [
    (1, _("Strongly disagree")),
    (2, _("Disagree")),
    (3, _("Neither")),
    (4, _("Agree")),
    (5, _("Strongly agree")),
]


@dataclass(frozen=True)
class Item:
    key: str
    text: str | Promise
    reverse: bool = False


@dataclass(frozen=True)
class Instrument:
    key: str
    title: str | Promise
    items: tuple[Item, ...]

    def score(self, answers: dict[str, int]) -> float | None:
        """Mean item score (reverse items flipped); None when no item was answered."""
        values = []
        for item in self.items:
            value = answers.get(item.key)
            if value is None:
                continue
            values.append(6 - value if item.reverse else value)
        return round(sum(values) / len(values), 3) if values else None


RELATIONSHIP = Instrument(
    "relationship",
    _("How the match is going"),
    (
        Item("rq1", _("I look forward to meeting my partner.")),
        Item("rq2", _("My partner listens to me.")),
        Item("rq3", _("We agree on what we are working on.")),
        Item("rq4", _("I feel awkward or uneasy in our meetings."), reverse=True),
        Item("rq5", _("Our meetings are worth my time.")),
    ),
)
BELONGING = Instrument(
    "belonging",
    _("Belonging at school"),
    (
        Item("sb1", _("I feel like I belong at this school.")),
        Item("sb2", _("There is an adult or student here I can go to for help.")),
        Item("sb3", _("I often feel left out at school."), reverse=True),
        Item("sb4", _("People here notice when I am good at something.")),
        Item("sb5", _("I am proud to be a student here.")),
    ),
)
CONFIDENCE = Instrument(
    "confidence",
    _("Confidence with schoolwork"),
    (
        Item("ac1", _("I can do well in my hardest subject if I keep at it.")),
        Item("ac2", _("I know where to get help when I am stuck.")),
        Item("ac3", _("I give up quickly when work is hard."), reverse=True),
        Item("ac4", _("I can plan my time to finish assignments.")),
    ),
)

INSTRUMENTS: dict[str, Instrument] = {i.key: i for i in (RELATIONSHIP, BELONGING, CONFIDENCE)}

# What each kind of survey asks: regular check-ins focus on the match; the
# pre- and post-program surveys measure outcomes for evaluation.
SURVEYS: dict[str, tuple[str, ...]] = {
    "checkin": ("relationship",),
    "pre": ("belonging", "confidence"),
    "post": ("relationship", "belonging", "confidence"),
}
