"""
Why the pair matching engine left a mentee unmatched, in the reader's language.

The engine is pure and cannot call gettext: it gives each unmatched mentee's
reason as a stable code with parameters (:mod:`peerpath.engine.reasons`) beside
its English sentence, and a round stores both in its result
(``MatchResult.to_dict(codes=True)``). This module turns a code into a
translated sentence, naming criteria by their labels on the settings page
(:data:`~peerpath.matching.criteria.CRITERIA`). A code it does not know, a
round stored before codes existed, or a reason the coordinator replaced keeps
the stored sentence.

A reason Peerpath itself gives a proposal (:data:`REMOVED_BY_COORDINATOR`) is
stored in English, as its message id, and translated when shown
(:func:`proposal_reason_text`). A criterion key with no label (a criterion this
version does not offer) is named as unknown, in the reader's language, never
shown bare (:func:`criterion_label`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from peerpath.matching.criteria import CRITERIA

__all__ = [
    "REMOVED_BY_COORDINATOR",
    "TRANSLATED_CODES",
    "criterion_label",
    "pair_reason_text",
    "proposal_reason_text",
    "unknown_criterion_label",
    "unmatched_reasons",
]

#: The reason of a proposal whose mentor the coordinator took away (stored in
#: English whoever did it; translated by :func:`proposal_reason_text`).
REMOVED_BY_COORDINATOR = gettext_noop("Removed by the coordinator")

#: What a pair "breaks" that is no criterion: the same student on both sides.
SAME_PERSON = "same_person"


def unknown_criterion_label(key: str) -> str:
    """How a criterion key with no label is named (not bare: it is no word to a reader)."""
    return _("unknown criterion (%(key)s)") % {"key": key}


def criterion_label(key: str, labels: Mapping[str, str] | None = None) -> str:
    """
    Return a criterion's label in the active language.

    ``labels`` maps keys to labels; a key it lacks has its label on the
    settings page (:data:`~peerpath.matching.criteria.CRITERIA`). A pair's
    ``same_person`` "criterion" is said as the rule it is.
    """
    if labels is not None and key in labels:
        return str(labels[key])
    spec = CRITERIA.get(key)
    if spec is not None:
        return str(spec.label)
    if key == SAME_PERSON:
        return _("a student cannot mentor themselves")
    return unknown_criterion_label(key)


def proposal_reason_text(reason: str) -> str:
    """Return a proposal's stored ``reason`` in the active language if Peerpath wrote it."""
    return _(reason) if reason == REMOVED_BY_COORDINATOR else reason


class _Say:
    """Parameters of one reason, with criteria named by their labels."""

    def __init__(self, params: Mapping[str, Any], labels: Mapping[str, str] | None) -> None:
        self.params = params
        self.labels = labels

    def __getitem__(self, key: str) -> Any:
        return self.params[key]

    def label(self, key: str) -> str:
        return criterion_label(str(self.params[key]), self.labels)

    def labels_of(self, key: str) -> str:
        names = [criterion_label(str(n), self.labels) for n in self.params[key]]
        return str(get_text_list([f"“{n}”" for n in names], _("and")))


def _number(value: Any) -> str:
    return f"{float(value):g}"


def _no_shared(p: _Say) -> str:
    if p["min"] == 1:
        return _(
            "no mentor meets the required criterion “%(criterion)s”: "
            "none has any in common with this mentee"
        ) % {"criterion": p.label("criterion")}
    return _(
        "no mentor meets the required criterion “%(criterion)s”: "
        "none has at least %(n)s in common with this mentee"
    ) % {"criterion": p.label("criterion"), "n": p["min"]}


#: One sentence per engine code. They follow a name on the review page
#: ("Ivy Park — there are no mentors"), so they start in lower case, as the
#: engine's English does. A "forbidden pair" in Peerpath is a mentor the
#: mentee was matched with before, or the same student on both sides.
_TEXT: dict[str, Callable[[_Say], str]] = {
    "no_mentors": lambda p: _("there are no mentors"),
    "no_mutually_acceptable": lambda p: _(
        "no mentor is acceptable to both sides (a pair must be listed by both)"
    ),
    "listed_all_forbidden": lambda p: _(
        "every listed mentor is ruled out for this mentee (matched before, or the same student)"
    ),
    "no_listed_pair": lambda p: _("no allowed pair is listed for this mentee"),
    "all_forbidden": lambda p: _(
        "every mentor is ruled out for this mentee (matched before, or the same student)"
    ),
    "passing_all_forbidden": lambda p: _(
        "every mentor who meets the required criteria is ruled out for this mentee "
        "(matched before, or the same student)"
    ),
    "hard_excludes_all": lambda p: (
        _("no mentor meets the required criterion “%(criterion)s”")
        % {"criterion": p.label("criterion")}
    ),
    "hard_no_shared": _no_shared,
    "hard_no_same": lambda p: (
        _("no mentor meets the required criterion “%(criterion)s”: none matches this mentee")
        % {"criterion": p.label("criterion")}
    ),
    "hard_no_different": lambda p: (
        _("no mentor meets the required criterion “%(criterion)s”: none differs from this mentee")
        % {"criterion": p.label("criterion")}
    ),
    "hard_gap": lambda p: (
        _(
            "no mentor meets the required criterion “%(criterion)s”: "
            "none is %(min)s to %(max)s above this mentee"
        )
        % {"criterion": p.label("criterion"), "min": _number(p["min"]), "max": _number(p["max"])}
    ),
    "hard_no_mutual_listing": lambda p: (
        _("no mentor meets the required criterion “%(criterion)s”: none is listed by both sides")
        % {"criterion": p.label("criterion")}
    ),
    "hard_combined": lambda p: (
        _("no mentor meets the required criteria together (%(criteria)s)")
        % {"criteria": p.labels_of("criteria")}
    ),
    "compatible_already_full": lambda p: (
        ngettext(
            "%(n)s compatible mentor, already full (existing matches or locked pairs)",
            "%(n)s compatible mentors, all already full (existing matches or locked pairs)",
            p["count"],
        )
        % {"n": p["count"]}
    ),
    "compatible_full": lambda p: (
        ngettext(
            "%(n)s compatible mentor, full; no other arrangement matches more mentees",
            "%(n)s compatible mentors, all full; no other arrangement matches more mentees",
            p["count"],
        )
        % {"n": p["count"]}
    ),
    "compatible_full_ranked": lambda p: (
        ngettext(
            "%(n)s compatible mentor, full with mentees it ranks higher",
            "%(n)s compatible mentors, all full with mentees they rank higher",
            p["count"],
        )
        % {"n": p["count"]}
    ),
    "compatible_full_at_turn": lambda p: (
        ngettext(
            "%(n)s compatible mentor, full when this mentee's turn came",
            "%(n)s compatible mentors, all full when this mentee's turn came",
            p["count"],
        )
        % {"n": p["count"]}
    ),
    "acceptable_full_ranked": lambda p: (
        ngettext(
            "%(n)s mentor acceptable to both sides, full with mentees it ranks higher",
            "%(n)s mentors acceptable to both sides, all full with mentees they rank higher",
            p["count"],
        )
        % {"n": p["count"]}
    ),
}

#: The engine codes this module says in the reader's language (all of them:
#: ``tests/matching/test_pair_reasons.py`` checks).
TRANSLATED_CODES = frozenset(_TEXT)


def pair_reason_text(
    code: str,
    params: Mapping[str, Any],
    *,
    default: str,
    labels: Mapping[str, str] | None = None,
) -> str:
    """
    Return the engine's unmatched reason ``code`` with ``params`` as a
    sentence in the active language.

    Parameters
    ----------
    code, params
        As the engine gives them (:mod:`peerpath.engine.reasons`).
    default
        The stored English sentence, returned for a code this module does not
        know or parameters it cannot read.
    labels
        Criterion key → its label (the settings page's when not given).
    """
    say = _TEXT.get(code)
    if say is None:
        return default
    try:
        return say(_Say(params, labels))
    except (KeyError, TypeError, ValueError):
        return default


def unmatched_reasons(
    *, result: Mapping[str, Any], labels: Mapping[str, str] | None = None
) -> dict[tuple[str, str], str]:
    """
    The translated reason of each unmatched mentee in a round's ``result``.

    Keyed by ``(mentee id, stored English reason)``: a proposal whose reason
    is still the engine's finds its sentence; one the coordinator changed, or
    a round stored before codes, finds none and keeps its own text.
    """
    out: dict[tuple[str, str], str] = {}
    for x in result.get("unmatched", []):
        if "code" not in x:
            continue
        english = str(x.get("reason", ""))
        out[(str(x["mentee"]), english)] = pair_reason_text(
            x["code"], x.get("params", {}), default=english, labels=labels
        )
    return out
