"""Every model that leads to a person is covered by the export, or declared not personal."""

from __future__ import annotations

from django.apps import apps

from peerpath.privacy.graph import NOT_PERSONAL, any_path_to_user, links_for


def test_every_model_linked_to_a_user_is_covered_or_declared_not_personal():
    uncovered = []
    for model in apps.get_models():
        label = model._meta.label_lower
        path = any_path_to_user(model)
        if path is None:
            continue
        links = links_for(label)
        if links.covered or links.author_fields:
            assert label not in NOT_PERSONAL, f"{label} is covered; drop it from NOT_PERSONAL"
            continue
        if label not in NOT_PERSONAL:
            uncovered.append(f"{label} (reaches a user through {path})")
    assert uncovered == [], (
        "These models reach a user but the export does not cover them; give them a "
        "cascading link to their owner or declare them in NOT_PERSONAL with a reason: "
        + "; ".join(uncovered)
    )


def test_every_declaration_names_a_real_model_and_gives_a_reason():
    for label, reason in NOT_PERSONAL.items():
        apps.get_model(label)  # raises if the model is gone
        assert len(reason) > 20


def test_ownership_follows_the_closest_owner():
    # An exit survey belongs to its respondent, not to the respondent's partner.
    assert links_for("matching.exitsurvey").owner_paths == ("respondent__student__user",)
    assert links_for("support.checkinresponse").owner_paths == ("participant__student__user",)
    # A private note belongs to its author only.
    assert links_for("meetings.sessionnote").owner_paths == ("author",)
    # Both sides own a match; the coordinator who closed it is only mentioned.
    match = links_for("matching.match")
    assert match.owner_paths == ("mentee__student__user", "mentor__student__user")
    assert match.mention_fields == ("closed_by",)
    # A group is the program's; the coordinator who closed it is only mentioned.
    group = links_for("meetings.group")
    assert (group.owner_paths, group.mention_fields) == ((), ("closed_by",))
    assert links_for("messaging.message").author_fields == ("author",)
