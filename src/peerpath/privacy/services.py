"""Writes of the privacy app: exports (audited) and erasure."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from peerpath.core.access import forget_scope
from peerpath.core.audit import audit_record
from peerpath.core.models import User
from peerpath.privacy.erasure import ERASED_DOMAIN, ErasureReport, erase_person_data
from peerpath.privacy.export import PersonExport, export_zip, person_export

__all__ = ["person_erase", "person_export_zip"]


@transaction.atomic
def person_export_zip(*, actor: User | None, person: User) -> tuple[PersonExport, bytes]:
    """Build ``person``'s subject-access export and record who took it."""
    export = person_export(person)
    data = export_zip(export)
    audit_record(
        actor=actor,
        action="privacy.export",
        target=person,
        organization=person.organization,
        after={"rows": export.row_count(), "models": sorted(export.records)},
    )
    return export, data


@transaction.atomic
def person_erase(*, actor: User | None, person: User) -> ErasureReport:
    """Erase ``person`` everywhere, in one transaction, and audit it under the pseudonym."""
    if actor is not None and actor.pk == person.pk:
        raise ValidationError(_("You cannot erase your own account."))
    if person.email.endswith(ERASED_DOMAIN):
        raise ValidationError(_("This person has already been erased."))
    report = erase_person_data(person, actor=actor)
    forget_scope(person)
    audit_record(
        actor=actor,
        action="privacy.erase",
        target=person,
        organization=person.organization,
        after={
            "pseudonym": report.pseudonym,
            "blanked": report.blanked,
            "scrubbed": report.scrubbed,
            "deleted": report.deleted,
        },
    )
    return report
