"""
What a participant still lacks from screening and guardian consent.

Registered with :func:`peerpath.programs.lifecycle.register_readiness_check`,
so the move to ``ready`` is refused, with these reasons, until both lists are
empty. Training adds its own check from ``peerpath.training``.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from peerpath.programs.models import Participant
from peerpath.recruitment.models import GuardianConsent, ScreeningRecord


def needs_guardian_consent(participant: Participant) -> bool:
    """Whether the student is younger than the program's consent age (unknown age: yes)."""
    program = participant.program
    if program.consent_age == 0:
        return False
    return participant.student.is_minor(adult_age=program.consent_age)


def valid_consent(participant: Participant) -> GuardianConsent | None:
    """The consent currently in force for the program's terms, if any."""
    return (
        GuardianConsent.objects.filter(
            participant=participant,
            status=GuardianConsent.Status.GIVEN,
            terms_version=participant.program.terms_version,
        )
        .order_by("-responded_at")
        .first()
    )


def has_consent(participant: Participant) -> bool:
    """
    Whether the participant may take part in matching, messages, sessions and surveys.

    Adults (for the program's consent age) always may; minors need a guardian's
    consent to the current terms.
    """
    return not needs_guardian_consent(participant) or valid_consent(participant) is not None


def consent_missing(participant: Participant) -> list[str]:
    if has_consent(participant):
        return []
    older = GuardianConsent.objects.filter(
        participant=participant, status=GuardianConsent.Status.GIVEN
    ).exists()
    if older:
        return [_("Guardian consent was given to older program terms; ask again.")]
    return [_("Guardian consent has not been given.")]


def screening_missing(participant: Participant) -> list[str]:
    today = timezone.localdate()
    records = {r.item_id: r for r in ScreeningRecord.objects.filter(participant=participant)}
    missing: list[str] = []
    for item in participant.program.screening_items.filter(required=True):
        if not item.applies_to_role(participant.role):
            continue
        record = records.get(item.pk)
        if record is None:
            missing.append(_("Screening: “%(item)s” is not recorded.") % {"item": item.name})
        elif item.expires and record.expires_on is None:
            missing.append(_("Screening: “%(item)s” has no expiry date.") % {"item": item.name})
        elif record.expires_on is not None and record.is_expired(today):
            missing.append(
                _("Screening: “%(item)s” expired on %(date)s.")
                % {"item": item.name, "date": date_format(record.expires_on, "DATE_FORMAT")}
            )
    return missing
