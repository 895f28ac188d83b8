"""The group engine's reason codes as sentences in the reader's language."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from factories import PASSWORD
from groupslib import GroupCohort, build_group_cohort
from peerpath.engine.grouping.reasons import reason
from peerpath.engine.groups import REASON_CODES
from peerpath.matching.group_reasons import (
    TRANSLATED_CODES,
    group_reason_text,
    round_reasons,
)
from peerpath.matching.groups import group_round_start

#: Parameters of every code, as the engine gives them.
SAMPLES = {
    "few_free_slots": {"free": 1, "k": 2},
    "together_too_many": {"count": 6, "max_size": 5},
    "together_few_shared_slots": {"others": ["7", "8"], "shared": 0, "k": 2},
    "together_two_leaders": {"others": ["7"]},
    "together_with_unplaceable": {"others": ["7"]},
    "shares_with_nobody": {"k": 2},
    "shares_with_few": {"k": 2, "count": 1, "min_size": 4},
    "too_few_for_a_group": {"count": 3, "min_size": 4},
    "no_leader": {},
    "too_many_leaders": {"leaders": 3, "groups": 2, "min_size": 2, "max_size": 3, "left_out": 1},
    "too_few_leaders": {"leaders": 1, "count": 9, "max_size": 4, "left_out": 5},
    "sizes_do_not_fit": {"count": 5, "min_size": 4, "max_size": 4, "left_out": 1},
    "no_group_formed": {},
    "groups_full": {},
    "no_group_shares_slots": {"k": 2},
    "no_grouping_places": {},
    "no_grouping_exists": {},
    "not_placed": {},
    "group_too_small": {"group": "g2", "size": 1, "min_size": 3},
    "group_too_large": {"group": "g2", "size": 7, "max_size": 6},
    "group_few_shared_slots": {"group": "g2", "shared": 0, "k": 1},
    "group_leader_rule": {"group": "g2", "leaders": 0, "rule": "at_least_one"},
    "pair_not_together": {"a": "7", "b": "8"},
    "pair_not_apart": {"a": "7", "b": "8"},
    "not_in_any_group": {"participant": "7"},
    "isolated": {"group": "g1", "participant": "7", "field": "subject", "value": "Algebra"},
}
NAMES = {"7": "Ivy Park", "8": "Jon Park"}


def test_every_engine_code_has_a_translated_sentence():
    assert REASON_CODES <= TRANSLATED_CODES == set(SAMPLES)
    for code in sorted(REASON_CODES):
        params = SAMPLES[code]
        english = reason(code, **params).text
        with translation.override("es"):
            spanish = group_reason_text(code, params, default=english, names=NAMES)
        assert spanish != english, code
        assert '"7"' not in spanish, code  # people are named, never shown by engine id


def test_a_left_out_reason_in_spanish():
    params = {"others": ["7", "8"], "shared": 0, "k": 2}
    english = reason("together_few_shared_slots", **params).text
    with translation.override("es"):
        text = group_reason_text("together_few_shared_slots", params, default=english, names=NAMES)
    assert text == (
        "debe estar en el mismo grupo que Ivy Park y Jon Park, pero juntos comparten "
        "0 horarios libres; cada grupo necesita 2"
    )
    with translation.override("en"):
        assert group_reason_text("shares_with_nobody", {"k": 2}, default="") == (
            "shares fewer than 2 free times with anyone"
        )


def test_an_unknown_code_or_bad_parameters_keep_the_engine_sentence():
    assert group_reason_text("new_code", {}, default="the engine's words") == "the engine's words"
    assert group_reason_text("few_free_slots", {"k": 2}, default="as is") == "as is"


def test_round_reasons_sort_by_group_and_read_rounds_stored_before_codes():
    evaluation = {
        "violations": ["group g2: 0 leaders; the rule is at least one leader", '"7" and "8" x'],
        "violation_codes": [
            {"code": "group_leader_rule", "params": SAMPLES["group_leader_rule"]},
            {"code": "pair_not_apart", "params": SAMPLES["pair_not_apart"]},
        ],
        "warnings": ["group g1: \"7\" is the only member with subject = 'Algebra'"],
        "warning_codes": [{"code": "isolated", "params": SAMPLES["isolated"]}],
    }
    result = {"left_out": [{"participant": "7", "reason": "not placed in any group"}]}
    with translation.override("es"):
        found = round_reasons(
            result=result, evaluation=evaluation, names=NAMES, labels={"subject": "Materia"}
        )
    assert found.broken == {"g2": ["0 líderes; la regla es al menos un líder"]}
    assert found.pair_rules == ["Ivy Park y Jon Park deben estar en grupos distintos"]
    assert found.isolated == {"g1": ["Ivy Park es el único miembro con Materia = Algebra"]}
    assert found.left_out == {"7": "not placed in any group"}  # no code: the engine's words
    old = round_reasons(
        result=result,
        evaluation={k: v for k, v in evaluation.items() if not k.endswith("_codes")},
        names=NAMES,
        labels={},
    )
    assert old.broken == {"g2": ["0 leaders; the rule is at least one leader"]}
    assert old.pair_rules == ['"7" and "8" x']


@pytest.fixture
def groups(db, settings) -> GroupCohort:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return build_group_cohort()


def test_the_review_page_gives_the_reason_in_the_coordinators_language(groups):
    c = groups
    c.coordinator.preferred_language = "es"
    c.coordinator.save(update_fields=["preferred_language"])
    group_round = group_round_start(actor=c.coordinator, program=c.program)
    ivy = str(c.people["Ivy"].pk)
    [left] = [x for x in group_round.result["left_out"] if x["participant"] == ivy]
    assert left["code"] == "shares_with_nobody"
    client = Client()
    assert client.login(username=c.coordinator.email, password=PASSWORD)
    page = client.get(reverse("meetings:group-round", args=[group_round.pk])).content.decode()
    assert "Ivy Park</strong> — no comparte ningún horario libre con nadie" in page
    assert "shares fewer than" not in page
