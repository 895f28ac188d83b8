"""
The group formation engine's reasons, in the reader's language.

The engine is pure and cannot call gettext: it gives each left-out reason,
broken rule and isolation warning as a stable code with parameters
(:mod:`peerpath.engine.grouping.reasons`) beside its English sentence, and
:meth:`~peerpath.engine.groups.GroupResult.to_dict` stores both in a round.
This module turns a code into a translated sentence, naming participants by
their display name instead of their engine id. A code it does not know (or a
round stored before codes existed) keeps the engine's English sentence.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from peerpath.matching.pair_reasons import unknown_criterion_label

__all__ = [
    "TRANSLATED_CODES",
    "RoundReasons",
    "group_label",
    "group_reason_text",
    "round_reasons",
]


def group_label(group_id: str) -> str:
    """A group's name on the review page: ``g3`` is "Group 3"."""
    number = group_id[1:] if group_id.startswith("g") and group_id[1:].isdigit() else group_id
    return _("Group %(n)s") % {"n": number}


class _Say:
    """Parameters of one reason, with participants named for people."""

    def __init__(
        self, params: Mapping[str, Any], names: Mapping[str, str], labels: Mapping[str, str]
    ) -> None:
        self.params = params
        self.names = names
        self.labels = labels

    def __getitem__(self, key: str) -> Any:
        return self.params[key]

    def name(self, key: str) -> str:
        pid = str(self.params[key])
        return self.names.get(pid, pid)

    def names_of(self, key: str) -> str:
        ids: Sequence[str] = self.params[key]
        return str(get_text_list([self.names.get(str(pid), str(pid)) for pid in ids], _("and")))

    def label(self, key: str) -> str:
        value = str(self.params[key])
        return str(self.labels[value]) if value in self.labels else unknown_criterion_label(value)


def _leader_rule(p: _Say) -> str:
    if p["rule"] == "exactly_one":
        return ngettext(
            "%(n)s leader; the rule is exactly one leader",
            "%(n)s leaders; the rule is exactly one leader",
            p["leaders"],
        ) % {"n": p["leaders"]}
    return ngettext(
        "%(n)s leader; the rule is at least one leader",
        "%(n)s leaders; the rule is at least one leader",
        p["leaders"],
    ) % {"n": p["leaders"]}


#: One sentence per engine code. Left-out reasons follow a name on the page
#: ("Ivy Park — shares fewer than 2 free times with anyone"), so they start in
#: lower case, as the engine's English does; a rule a group breaks follows
#: "Breaks:" on that group, so it leaves out the group's name.
_TEXT: dict[str, Callable[[_Say], str]] = {
    "few_free_slots": lambda p: (
        ngettext(
            "has %(free)s free time; every group needs %(k)s in common",
            "has %(free)s free times; every group needs %(k)s in common",
            p["free"],
        )
        % {"free": p["free"], "k": p["k"]}
    ),
    "together_too_many": lambda p: (
        ngettext(
            "must be in the same group as %(n)s other person (through pairs kept together), "
            "more than a group of %(max)s holds",
            "must be in the same group as %(n)s other people (through pairs kept together), "
            "more than a group of %(max)s holds",
            p["count"],
        )
        % {"n": p["count"], "max": p["max_size"]}
    ),
    "together_few_shared_slots": lambda p: (
        ngettext(
            "must be in the same group as %(others)s, but together they share %(shared)s free "
            "time; every group needs %(k)s",
            "must be in the same group as %(others)s, but together they share %(shared)s free "
            "times; every group needs %(k)s",
            p["shared"],
        )
        % {"others": p.names_of("others"), "shared": p["shared"], "k": p["k"]}
    ),
    "together_two_leaders": lambda p: (
        _(
            "must be in the same group as %(others)s, but that puts two leaders in one group; "
            "every group has exactly one leader"
        )
        % {"others": p.names_of("others")}
    ),
    "together_with_unplaceable": lambda p: (
        _("must be in the same group as %(others)s, who cannot be placed")
        % {"others": p.names_of("others")}
    ),
    "shares_with_nobody": lambda p: (
        ngettext(
            "shares fewer than %(k)s free time with anyone",
            "shares fewer than %(k)s free times with anyone",
            p["k"],
        )
        % {"k": p["k"]}
    ),
    "shares_with_few": lambda p: (
        ngettext(
            "shares %(k)s free times with only %(n)s other participant; a group of %(min)s "
            "needs %(needed)s",
            "shares %(k)s free times with only %(n)s other participants; a group of %(min)s "
            "needs %(needed)s",
            p["count"],
        )
        % {"k": p["k"], "n": p["count"], "min": p["min_size"], "needed": p["min_size"] - 1}
    ),
    "too_few_for_a_group": lambda p: (
        ngettext(
            "%(n)s participant cannot form a group of at least %(min)s",
            "%(n)s participants cannot form a group of at least %(min)s",
            p["count"],
        )
        % {"n": p["count"], "min": p["min_size"]}
    ),
    "no_leader": lambda p: _("no participant who can be placed is a leader; every group needs one"),
    "too_many_leaders": lambda p: (
        _(
            "%(leaders)s leaders for at most %(groups)s groups of %(min)s–%(max)s; every group "
            "has exactly one leader, so %(n)s must be left out"
        )
        % {
            "leaders": p["leaders"],
            "groups": p["groups"],
            "min": p["min_size"],
            "max": p["max_size"],
            "n": p["left_out"],
        }
    ),
    "too_few_leaders": lambda p: (
        ngettext(
            "only %(leaders)s leader for %(count)s participants in groups of at most %(max)s; "
            "%(n)s must be left out",
            "only %(leaders)s leaders for %(count)s participants in groups of at most %(max)s; "
            "%(n)s must be left out",
            p["leaders"],
        )
        % {"leaders": p["leaders"], "count": p["count"], "max": p["max_size"], "n": p["left_out"]}
    ),
    "sizes_do_not_fit": lambda p: (
        _("%(count)s participants cannot form groups of %(min)s–%(max)s; %(n)s must be left out")
        % {"count": p["count"], "min": p["min_size"], "max": p["max_size"], "n": p["left_out"]}
    ),
    "no_group_formed": lambda p: _("no group could be formed"),
    "groups_full": lambda p: _("every group is full"),
    "no_group_shares_slots": lambda p: (
        ngettext(
            "no group with room shares %(k)s free time with this participant",
            "no group with room shares %(k)s free times with this participant",
            p["k"],
        )
        % {"k": p["k"]}
    ),
    "no_grouping_places": lambda p: _(
        "no grouping found that places this participant without breaking a rule"
    ),
    "no_grouping_exists": lambda p: _(
        "no grouping can meet the rules with everyone placed (an exact search proved it)"
    ),
    "not_placed": lambda p: _("not placed in any group"),
    "group_too_small": lambda p: (
        ngettext("%(n)s member, fewer than %(min)s", "%(n)s members, fewer than %(min)s", p["size"])
        % {"n": p["size"], "min": p["min_size"]}
    ),
    "group_too_large": lambda p: (
        ngettext("%(n)s member, more than %(max)s", "%(n)s members, more than %(max)s", p["size"])
        % {"n": p["size"], "max": p["max_size"]}
    ),
    "group_few_shared_slots": lambda p: (
        ngettext(
            "%(n)s shared free time, fewer than %(k)s",
            "%(n)s shared free times, fewer than %(k)s",
            p["shared"],
        )
        % {"n": p["shared"], "k": p["k"]}
    ),
    "group_leader_rule": _leader_rule,
    "pair_not_together": lambda p: (
        _("%(a)s and %(b)s must be in the same group") % {"a": p.name("a"), "b": p.name("b")}
    ),
    "pair_not_apart": lambda p: (
        _("%(a)s and %(b)s must be in different groups") % {"a": p.name("a"), "b": p.name("b")}
    ),
    "not_in_any_group": lambda p: (
        _("%(name)s is not in any group") % {"name": p.name("participant")}
    ),
    "isolated": lambda p: (
        _("%(name)s is the only member with %(criterion)s = %(value)s")
        % {"name": p.name("participant"), "criterion": p.label("field"), "value": p["value"]}
    ),
}

#: The engine codes this module says in the reader's language (every code the
#: engine gives: ``tests/matching/test_group_reasons.py`` checks).
TRANSLATED_CODES = frozenset(_TEXT)


def group_reason_text(
    code: str,
    params: Mapping[str, Any],
    *,
    default: str,
    names: Mapping[str, str] | None = None,
    labels: Mapping[str, str] | None = None,
) -> str:
    """
    Return the engine reason ``code`` with ``params`` as a sentence in the
    active language.

    Parameters
    ----------
    code, params
        As the engine gives them (:mod:`peerpath.engine.grouping.reasons`).
    default
        The engine's English sentence, returned for a code this module does
        not know or parameters it cannot read.
    names
        Participant id → the name to show.
    labels
        Criterion key → its label (for isolation warnings).
    """
    say = _TEXT.get(code)
    if say is None:
        return default
    try:
        return say(_Say(params, names or {}, labels or {}))
    except (KeyError, TypeError, ValueError):
        return default


@dataclass
class RoundReasons:
    """What the review page says about a round, by participant and by group."""

    #: participant id → why the engine left them out
    left_out: dict[str, str] = field(default_factory=dict)
    #: group id → rules the group breaks
    broken: dict[str, list[str]] = field(default_factory=dict)
    #: group id → members who are the only one of their kind
    isolated: dict[str, list[str]] = field(default_factory=dict)
    #: rules about two people (and anyone left out when nobody may be)
    pair_rules: list[str] = field(default_factory=list)


_GROUP_PREFIX = re.compile(r"^group (?P<group>\S+): (?P<rest>.*)$", re.DOTALL)


def _coded(
    texts: Sequence[str], codes: Sequence[Mapping[str, Any]] | None
) -> list[tuple[str, Mapping[str, Any] | None]]:
    """Pair each English sentence with its code (none for a round stored before codes)."""
    if codes is None or len(codes) != len(texts):
        return [(text, None) for text in texts]
    return list(zip(texts, codes, strict=True))


def round_reasons(
    *,
    result: Mapping[str, Any],
    evaluation: Mapping[str, Any],
    names: Mapping[str, str],
    labels: Mapping[str, str],
) -> RoundReasons:
    """
    Sort and translate the reasons of a round: ``result`` is the engine's
    first result (why each left-out participant could not be placed),
    ``evaluation`` the grouping as it stands after the coordinator's moves.
    """
    out = RoundReasons()
    for x in result.get("left_out", []):
        out.left_out[x["participant"]] = group_reason_text(
            x.get("code", ""), x.get("params", {}), default=x["reason"], names=names
        )
    for kind, texts, codes in (
        ("broken", evaluation.get("violations", []), evaluation.get("violation_codes")),
        ("isolated", evaluation.get("warnings", []), evaluation.get("warning_codes")),
    ):
        by_group = out.broken if kind == "broken" else out.isolated
        for text, coded in _coded(texts, codes):
            match = _GROUP_PREFIX.match(text)
            group = match["group"] if match else None
            sentence = match["rest"].strip() if match else text
            if coded is not None:
                group = coded.get("params", {}).get("group")
                sentence = group_reason_text(
                    coded.get("code", ""),
                    coded.get("params", {}),
                    default=sentence,
                    names=names,
                    labels=labels,
                )
            if group is None:
                out.pair_rules.append(sentence)
            else:
                by_group.setdefault(str(group), []).append(sentence)
    return out
