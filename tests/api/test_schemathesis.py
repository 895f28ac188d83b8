"""
A property-based run of the whole API from its own OpenAPI schema (Schemathesis).

Every operation gets at least ``EXAMPLES`` generated requests, valid and
invalid, half of the valid ones aimed at real objects, sent with a coordinator's token to the Django WSGI app over a fresh
transactional database holding one small school (``api_testlib.build_world``).
Each response must not be a server error and must match the schema (status
code, content type, headers, body); data that breaks the schema must be
refused with a 4xx. A second pass sends the same kind of requests with no
credentials and expects 401 on every operation.

``positive_data_acceptance`` is not run: a request can fit the schema and
still be refused for a business rule the schema cannot express (a term that
ends before it starts, a lifecycle move that is not allowed now), and those
answers (400, 409) are correct.

The figures are printed at the end (``pytest -s``) and recorded in docs/api.md.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from api_testlib import World, add_surveys_and_outcomes, build_world, key_for
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.generation.modes import GenerationMode

from matchlib import add
from peerpath.config.wsgi import application
from peerpath.insights.models import OutcomeRecord
from peerpath.matching.models import Match, MatchRound
from peerpath.matching.services import match_round_publish, match_round_start
from peerpath.support.models import CheckInResponse

EXAMPLES = 100

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]

HYPOTHESIS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)

Tally = dict[str, Counter[int]]


def _report(title: str, tally: Tally, seconds: float) -> None:
    total = sum(sum(c.values()) for c in tally.values())
    lines = [f"{title}: {len(tally)} operations, {total} requests, {seconds:.1f} s"]
    for label in sorted(tally):
        counts = tally[label]
        spread = " ".join(f"{code}×{n}" for code, n in sorted(counts.items()))
        lines.append(f"  {label:<62} {sum(counts.values()):>4}  {spread}")
    print("\n".join(lines))  # noqa: T201 - the measured figures, shown with -s


def _details(error: BaseException) -> str:
    if isinstance(error, BaseExceptionGroup):
        return "\n".join(str(e) for e in error.exceptions)
    return ""


@dataclass
class Known:
    """Real ids: path parameters by path, and body fields by operation."""

    paths: dict[str, dict[str, int]]
    bodies: dict[str, dict[str, Any]]


def _known(world: World) -> Known:
    """Real ids, so that half the valid requests reach real objects."""
    program = world.program.pk
    participant = world.cohort.mentees[-1].pk
    match = Match.objects.filter(program=world.program).order_by("pk").first()
    rounds = MatchRound.objects.filter(program=world.program).order_by("-pk").first()
    response = CheckInResponse.objects.filter(participant__program=world.program).first()
    outcome = OutcomeRecord.objects.filter(school=world.cohort.school).first()
    assert match is not None
    assert rounds is not None
    assert response is not None
    assert outcome is not None
    paths = {
        "/organizations/{id}/": {"id": world.organization.pk},
        "/schools/{id}/": {"id": world.cohort.school.pk},
        "/programs/{id}/": {"id": program},
        "/programs/{program_pk}/participants/{id}/": {"program_pk": program, "id": participant},
        "/programs/{program_pk}/participants/{id}/transition/": {
            "program_pk": program,
            "id": participant,
        },
        "/match-rounds/{id}/": {"id": rounds.pk},
        "/match-rounds/{id}/publish/": {"id": rounds.pk},
        "/matches/{id}/": {"id": match.pk},
        "/matches/{id}/close/": {"id": match.pk},
        "/matches/{match_pk}/sessions/": {"match_pk": match.pk},
        "/matches/{match_pk}/goals/": {"match_pk": match.pk},
        "/survey-responses/{id}/": {"id": response.pk},
        "/schools/{school_pk}/outcomes/": {"school_pk": world.cohort.school.pk},
        "/outcomes/{id}/": {"id": outcome.pk},
    }
    bodies = {
        "POST /programs/": {"school": world.cohort.school.pk},
        "POST /programs/{program_pk}/applications/decide/": {
            "participants": [p.pk for p in world.applicants]
        },
    }
    return Known(paths=paths, bodies=bodies)


def _with_body_fields(fields: dict[str, Any]) -> Callable[[Any], Any]:
    def replace(case: Any) -> Any:
        if isinstance(case.body, dict):
            case.body = {**case.body, **fields}
        return case

    return replace


def _strategies(operation: Any, known: Known, mode: GenerationMode) -> Any:
    """
    Valid requests are half generated, half aimed at real objects (ids of the seeded school).

    Invalid requests are left as generated, so that they stay invalid.
    """
    generated = operation.as_strategy(generation_mode=mode)
    if mode is GenerationMode.NEGATIVE:
        return generated
    path = operation.path.removeprefix("/api/v1")
    fixed = known.paths.get(path)
    if fixed is None and "{program_pk}" in path:
        fixed = {"program_pk": known.paths["/programs/{id}/"]["id"]}
    aimed = operation.as_strategy(generation_mode=mode, path_parameters=fixed or {})
    body_fields = known.bodies.get(f"{operation.method.upper()} {path}")
    if body_fields:
        aimed = aimed.map(_with_body_fields(body_fields))
    elif fixed is None:
        return generated
    return st.one_of(generated, aimed)


def _property(strategy: Any, send: Callable[[Any], Any], counts: Counter[int]) -> Any:
    @HYPOTHESIS
    @given(case=strategy)
    def check(case: Any) -> None:
        counts[send(case).status_code] += 1

    return check


def _run(
    schema: Any,
    modes: list[GenerationMode],
    send: Callable[[Any], Any],
    known: Known,
) -> tuple[Tally, list[str], int]:
    """Run ``send`` on generated cases of every operation; return the tally and the failures."""
    tally: Tally = defaultdict(Counter)
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for mode in modes:
            check = _property(_strategies(operation, known, mode), send, tally[operation.label])
            try:
                check()
            except (Exception, BaseExceptionGroup) as error:  # report every operation
                failures.append(f"{operation.label} ({mode.value}): {error!s}\n{_details(error)}")
    return tally, failures, operations


@pytest.fixture
def world_schema(transactional_db, settings) -> tuple[World, Any]:  # type: ignore[no-untyped-def]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    world = build_world()
    match_round = match_round_start(actor=world.coordinator, program=world.program)
    match_round_publish(actor=world.coordinator, match_round=match_round)
    add_surveys_and_outcomes(world)  # check-ins, surveys and a term of outcomes
    # A mentor for Gus (biology, Fridays), so that the round left to review has a pair.
    add(world.cohort, "mentor", grade=12, subjects=[world.cohort.biology], free=["fri-2"])
    match_round_start(actor=world.coordinator, program=world.program)
    return world, schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)


def test_every_operation_conforms_to_the_schema(world_schema: tuple[World, Any]) -> None:
    world, schema = world_schema
    headers = {"Authorization": f"Bearer {key_for(world.coordinator, 'schemathesis')}"}

    def send(case: Any) -> Any:
        response = case.call(headers=headers)
        case.validate_response(response, checks=CHECKS, headers=headers)
        return response

    started = time.monotonic()
    tally, failures, operations = _run(
        schema,
        [GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
        send,
        _known(world),
    )
    _report("Schemathesis, coordinator's token", tally, time.monotonic() - started)
    assert not failures, "\n\n".join(failures)
    assert len(tally) == operations
    assert all(sum(c.values()) >= 2 * EXAMPLES for c in tally.values()), tally
    assert not any(code >= 500 for c in tally.values() for code in c)


def test_no_operation_answers_without_credentials(world_schema: tuple[World, Any]) -> None:
    world, schema = world_schema

    def send(case: Any) -> Any:
        response = case.call()
        assert response.status_code == 401, (case.operation.label, response.status_code)
        assert response.headers["www-authenticate"] == ['Bearer realm="api"']
        return response

    started = time.monotonic()
    tally, failures, operations = _run(schema, [GenerationMode.POSITIVE], send, _known(world))
    _report("Schemathesis, no credentials", tally, time.monotonic() - started)
    assert not failures, "\n\n".join(failures)
    assert len(tally) == operations
    assert all(set(c) == {401} and sum(c.values()) >= EXAMPLES for c in tally.values()), tally
