from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from peerpath.programs.selectors import (
    participant_list,
    program_get_managed,
    program_get_visible,
    program_list_managed,
    program_list_visible,
    program_status_counts,
)
from peerpath.programs.services import participant_transition


def names(programs):
    return sorted(p.name for p in programs)


def test_visibility_by_role(world):
    both = ["Hillview Buddies", "Math Tutoring"]
    assert names(program_list_visible(world.coordinator)) == ["Math Tutoring"]
    assert names(program_list_visible(world.other_coordinator)) == ["Hillview Buddies"]
    assert names(program_list_visible(world.org_admin)) == both
    assert names(program_list_visible(world.staff)) == ["Math Tutoring"]
    assert names(program_list_visible(world.safeguarding)) == ["Math Tutoring"]
    assert names(program_list_visible(world.mentee.user)) == ["Math Tutoring"]
    assert names(program_list_visible(world.guardian)) == ["Math Tutoring"]
    assert names(program_list_visible(world.outsider.user)) == ["Hillview Buddies"]


def test_management_by_role(world):
    assert names(program_list_managed(world.coordinator)) == ["Math Tutoring"]
    assert names(program_list_managed(world.org_admin)) == ["Hillview Buddies", "Math Tutoring"]
    for who in (world.staff, world.safeguarding, world.guardian, world.mentee.user):
        assert names(program_list_managed(who)) == []


def test_program_coordinator_without_school_role_manages_only_that_program(world):
    world.other_program.coordinators.add(world.staff)
    assert names(program_list_managed(world.staff)) == ["Hillview Buddies"]


def test_inactive_user_sees_nothing(world):
    world.coordinator.is_active = False
    world.coordinator.save()
    assert list(program_list_visible(world.coordinator)) == []


def test_get_visible_raises_404_across_schools(world):
    with pytest.raises(Http404):
        program_get_visible(world.other_coordinator, world.program.pk)


def test_get_managed_raises_403_for_staff_who_can_see(world):
    with pytest.raises(PermissionDenied):
        program_get_managed(world.staff, world.program.pk)


def test_participant_list_filters_and_search(world):
    def emails(**kw):
        qs = participant_list(user=world.coordinator, program=world.program, **kw)
        return [p.student.user.email for p in qs]

    # Ordered by family name: Mentee before Mentor.
    assert emails() == ["ned.mentee@lakeside.test", "mia.mentor@lakeside.test"]
    assert emails(role="mentor") == ["mia.mentor@lakeside.test"]
    assert emails(search="ned") == ["ned.mentee@lakeside.test"]
    assert emails(search="NED MENTEE") == ["ned.mentee@lakeside.test"]
    assert emails(search="nobody") == []
    participant_transition(
        actor=world.coordinator, participant=world.mentee_participant, to_status="screening"
    )
    assert emails(status="screening") == ["ned.mentee@lakeside.test"]


def test_participant_list_denied_to_non_managers(world):
    with pytest.raises(PermissionDenied):
        participant_list(user=world.staff, program=world.program)


def test_status_counts_cover_every_status_in_lifecycle_order(world):
    counts = program_status_counts([world.program])[world.program.pk]
    assert list(counts) == [
        "applied",
        "screening",
        "ready",
        "matched",
        "closed",
        "paused",
        "waitlisted",
        "declined",
        "withdrawn",
    ]
    assert counts["applied"] == 2
    assert sum(counts.values()) == 2
