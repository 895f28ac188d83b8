"""
Why a participant is left out and which rule a grouping breaks, as a stable
code with parameters, besides the English sentence.

The engine is pure (no Django, hence no gettext): it gives every reason as a
:class:`Reason` whose ``code`` and ``params`` an application turns into a
sentence in the reader's language (Peerpath's web app does in
``peerpath.matching.group_reasons``), and whose ``text`` is the English
sentence of the engine's JSON and of ``peerpath groups``. Codes and parameter
names are an interface: change one only together with its translations.
Parameters hold numbers and participant or group ids, never names.

Left out (``GroupResult.left_out``):

=============================  ==============================================
``few_free_slots``             ``free``, ``k``
``together_too_many``          ``count`` (others), ``max_size``
``together_few_shared_slots``  ``others`` (ids), ``shared``, ``k``
``together_two_leaders``       ``others`` (ids)
``together_with_unplaceable``  ``others`` (ids)
``shares_with_nobody``         ``k``
``shares_with_few``            ``k``, ``count``, ``min_size``
``too_few_for_a_group``        ``count``, ``min_size``
``no_leader``
``too_many_leaders``           ``leaders``, ``groups``, ``min_size``, ``max_size``, ``left_out``
``too_few_leaders``            ``leaders``, ``count``, ``max_size``, ``left_out``
``sizes_do_not_fit``           ``count``, ``min_size``, ``max_size``, ``left_out``
``no_group_formed``
``groups_full``
``no_group_shares_slots``      ``k``
``no_grouping_places``
``no_grouping_exists``
``not_placed``
=============================  ==============================================

Rules broken (``GroupResult.violations``) and warnings: ``group_too_small``
(``group``, ``size``, ``min_size``), ``group_too_large`` (``group``,
``size``, ``max_size``), ``group_few_shared_slots`` (``group``, ``shared``,
``k``), ``group_leader_rule`` (``group``, ``leaders``, ``rule``),
``pair_not_together`` and ``pair_not_apart`` (``a``, ``b``),
``not_in_any_group`` (``participant``); ``isolated`` (``group``,
``participant``, ``field``, ``value``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["REASON_CODES", "Reason", "reason"]


@dataclass(frozen=True, slots=True)
class Reason:
    """A reason's stable ``code``, its ``params`` and its English ``text``."""

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)
    text: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The code and parameters in JSON form (the text is given beside it)."""
        return {"code": self.code, "params": dict(self.params)}


def _s(n: int) -> str:
    return "" if n == 1 else "s"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{_s(n)}"


def _ids(ids: Sequence[str]) -> str:
    return ", ".join(f'"{pid}"' for pid in ids)


def _leader_phrase(rule: str) -> str:
    return "exactly one leader" if rule == "exactly_one" else "at least one leader"


_ENGLISH: dict[str, Callable[..., str]] = {
    # left out
    "few_free_slots": lambda free, k: (
        f"has {free} free slot{_s(free)}; every group needs {k} shared free slot{_s(k)}"
    ),
    "together_too_many": lambda count, max_size: (
        f"must be together with {count} others (through together pairs), "
        f"more than a group of {max_size} holds"
    ),
    "together_few_shared_slots": lambda others, shared, k: (
        f"must be together with {_ids(others)}, but together they share "
        f"{shared} free slot{_s(shared)}; every group needs {k}"
    ),
    "together_two_leaders": lambda others: (
        f"must be together with {_ids(others)}, but that puts two leaders in one group; "
        "every group has exactly one leader"
    ),
    "together_with_unplaceable": lambda others: (
        f"must be together with {_ids(others)}, who cannot be placed"
    ),
    "shares_with_nobody": lambda k: f"shares fewer than {k} free slot{_s(k)} with anyone",
    "shares_with_few": lambda k, count, min_size: (
        f"shares {k} free slot{_s(k)} with only {count} other participant{_s(count)}; "
        f"a group of {min_size} needs {min_size - 1}"
    ),
    "too_few_for_a_group": lambda count, min_size: (
        f"{count} participant{_s(count)} cannot form a group of at least {min_size}"
    ),
    "no_leader": lambda: "no participant who can be placed is a leader; every group needs one",
    "too_many_leaders": lambda leaders, groups, min_size, max_size, left_out: (
        f"{leaders} leaders for at most {groups} groups of {min_size}–{max_size}; "
        f"every group has exactly one leader, so {left_out} must be left out"
    ),
    "too_few_leaders": lambda leaders, count, max_size, left_out: (
        f"only {leaders} leader{_s(leaders)} for {count} participants in groups of at most "
        f"{max_size}; {left_out} must be left out"
    ),
    "sizes_do_not_fit": lambda count, min_size, max_size, left_out: (
        f"{count} participants cannot form groups of {min_size}–{max_size}; "
        f"{left_out} must be left out"
    ),
    "no_group_formed": lambda: "no group could be formed",
    "groups_full": lambda: "every group is full",
    "no_group_shares_slots": lambda k: (
        f"no group with room shares {_plural(k, 'free slot')} with this participant"
    ),
    "no_grouping_places": lambda: (
        "no grouping found that places this participant without breaking a rule"
    ),
    "no_grouping_exists": lambda: (
        "no grouping can meet the rules with everyone placed (an exact search proved it)"
    ),
    "not_placed": lambda: "not placed in any group",
    # rules broken
    "group_too_small": lambda group, size, min_size: (
        f"group {group}: {_plural(size, 'member')}, fewer than {min_size}"
    ),
    "group_too_large": lambda group, size, max_size: (
        f"group {group}: {_plural(size, 'member')}, more than {max_size}"
    ),
    "group_few_shared_slots": lambda group, shared, k: (
        f"group {group}: {_plural(shared, 'shared free slot')}, fewer than {k}"
    ),
    "group_leader_rule": lambda group, leaders, rule: (
        f"group {group}: {_plural(leaders, 'leader')}; the rule is {_leader_phrase(rule)}"
    ),
    "pair_not_together": lambda a, b: f'"{a}" and "{b}" must be in the same group',
    "pair_not_apart": lambda a, b: f'"{a}" and "{b}" must be in different groups',
    "not_in_any_group": lambda participant: f'"{participant}" is not in any group',
    # warnings
    "isolated": lambda group, participant, field, value: (
        f'group {group}: "{participant}" is the only member with {field} = {value!r}'
    ),
}

#: Every code the engine gives.
REASON_CODES = frozenset(_ENGLISH)


def reason(code: str, **params: Any) -> Reason:
    """Return the :class:`Reason` ``code`` with ``params`` and its English text."""
    return Reason(code, params, _ENGLISH[code](**params))
