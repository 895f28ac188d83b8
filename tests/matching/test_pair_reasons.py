"""The pair engine's unmatched reason codes as sentences in the reader's language."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse
from django.utils import translation

from factories import PASSWORD
from peerpath.engine.reasons import PAIR_REASON_CODES, pair_reason
from peerpath.matching.models import MatchRound
from peerpath.matching.pair_reasons import (
    TRANSLATED_CODES,
    pair_reason_text,
    unmatched_reasons,
)
from peerpath.matching.services import match_round_start

#: Parameters of every code, as the engine gives them.
SAMPLES = {
    "no_mentors": {},
    "no_mutually_acceptable": {},
    "listed_all_forbidden": {},
    "no_listed_pair": {},
    "all_forbidden": {},
    "passing_all_forbidden": {},
    "hard_excludes_all": {"criterion": "subjects"},
    "hard_no_shared": {"criterion": "free_time", "field": "free", "min": 2},
    "hard_no_same": {"criterion": "languages", "field": "languages"},
    "hard_no_different": {"criterion": "background", "field": "background"},
    "hard_gap": {"criterion": "grade_gap", "field": "grade", "min": 1, "max": 3},
    "hard_no_mutual_listing": {"criterion": "requests"},
    "hard_combined": {"criteria": ["subjects", "free_time"]},
    "compatible_already_full": {"count": 1},
    "compatible_full": {"count": 3},
    "compatible_full_ranked": {"count": 2},
    "compatible_full_at_turn": {"count": 1},
    "acceptable_full_ranked": {"count": 4},
}
LABELS = {"subjects": "Afinidad de materias", "free_time": "Tiempo libre en común"}


def test_every_engine_code_has_a_translated_sentence():
    assert TRANSLATED_CODES == PAIR_REASON_CODES == set(SAMPLES)
    for code, params in SAMPLES.items():
        english = pair_reason(code, **params).text
        with translation.override("es"):
            spanish = pair_reason_text(code, params, default=english)
        assert spanish != english, code
        with translation.override("en"):
            assert pair_reason_text(code, params, default=english), code


def test_criteria_are_named_by_their_labels_in_spanish():
    with translation.override("es"):
        combined = pair_reason_text(
            "hard_combined", SAMPLES["hard_combined"], default="", labels=LABELS
        )
        full = pair_reason_text("compatible_full", {"count": 3}, default="")
        one = pair_reason_text("compatible_full", {"count": 1}, default="")
        # a key the given labels lack has its settings label; one no label names is unknown
        gap = pair_reason_text("hard_gap", SAMPLES["hard_gap"], default="", labels=LABELS)
        unknown = pair_reason_text("hard_excludes_all", {"criterion": "zodiac"}, default="")
    assert combined == (
        "ningún mentor cumple a la vez los criterios obligatorios "
        "(“Afinidad de materias” y “Tiempo libre en común”)"
    )
    assert full == (
        "3 mentores compatibles, todos completos; ninguna otra distribución empareja a más "
        "mentorados"
    )
    assert one.startswith("1 mentor compatible, completo;")
    assert gap == (
        "ningún mentor cumple el criterio obligatorio “Diferencia de grado”: ninguno está entre "
        "1 y 3 por encima de este mentorado"
    )
    assert unknown == "ningún mentor cumple el criterio obligatorio “criterio desconocido (zodiac)”"
    with translation.override("en"):
        assert pair_reason_text("hard_excludes_all", {"criterion": "zodiac"}, default="") == (
            "no mentor meets the required criterion “unknown criterion (zodiac)”"
        )


def test_an_unknown_code_or_bad_parameters_keep_the_stored_sentence():
    assert pair_reason_text("new_code", {}, default="the engine's words") == "the engine's words"
    assert pair_reason_text("hard_gap", {"criterion": "x"}, default="as is") == "as is"


def test_only_reasons_still_the_engines_are_translated():
    result = {
        "unmatched": [
            {
                "mentee": "7",
                "reason": "there are no mentors",
                "code": "no_mentors",
                "params": {},
            },
            {"mentee": "8", "reason": "every mentor is a forbidden pair"},  # before codes
        ]
    }
    with translation.override("es"):
        found = unmatched_reasons(result=result, labels={})
    assert found == {("7", "there are no mentors"): "no hay mentores"}
    assert ("7", "Removed by the coordinator") not in found  # a reason the coordinator set
    assert unmatched_reasons(result={}, labels={}) == {}


def _review(cohort, match_round: MatchRound) -> str:
    client = Client()
    assert client.login(username=cohort.coordinator.email, password=PASSWORD)
    # the locale middleware activates the reader's language and leaves it active in
    # this thread; restore ours so that later tests see their own
    with translation.override(translation.get_language()):
        return client.get(reverse("matching:round", args=[match_round.pk])).content.decode()


def test_the_review_page_gives_the_reason_in_the_coordinators_language(cohort):
    cohort.coordinator.preferred_language = "es"
    cohort.coordinator.save(update_fields=["preferred_language"])
    match_round = match_round_start(actor=cohort.coordinator, program=cohort.program)
    gus = match_round.proposals.get(mentor__isnull=True)
    [entry] = match_round.result["unmatched"]
    assert entry["mentee"] == str(gus.mentee_id)
    assert entry["code"] == "hard_no_shared"
    assert entry["params"] == {"criterion": "free_time", "field": "free", "min": 1}
    assert gus.reason == entry["reason"]  # the proposal keeps the English
    page = _review(cohort, match_round)
    name = gus.mentee.student.user.display_name
    assert (
        f"{name}</strong> — ningún mentor cumple el criterio obligatorio “Tiempo libre en común”: "
        "ninguno tiene nada en común con este mentorado"
    ) in page
    assert "excludes every mentor" not in page


def test_a_round_stored_before_codes_keeps_its_english(cohort):
    match_round = match_round_start(actor=cohort.coordinator, program=cohort.program)
    result = dict(match_round.result)
    result["unmatched"] = [
        {"mentee": x["mentee"], "reason": x["reason"]} for x in result["unmatched"]
    ]
    MatchRound.objects.filter(pk=match_round.pk).update(result=result)
    cohort.coordinator.preferred_language = "es"
    cohort.coordinator.save(update_fields=["preferred_language"])
    page = _review(cohort, match_round)
    assert "excludes every mentor: no mentor shares any of the mentee&#x27;s free" in page
