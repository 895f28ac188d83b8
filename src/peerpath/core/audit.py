"""Write audit entries from services."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models

from peerpath.core.models import AuditEntry, Organization, User


def _json_safe(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, Mapping):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_json_safe(v) for v in value]
    return value


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """Return a JSON-safe dict of ``fields`` read from ``instance`` (FKs by id)."""
    data: dict[str, Any] = {}
    for name in fields:
        field = instance._meta.get_field(name)
        attname = getattr(field, "attname", name)
        data[name] = _json_safe(getattr(instance, attname))
    return data


def audit_record(
    *,
    actor: User | None,
    action: str,
    target: models.Model,
    organization: Organization | None = None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """
    Record that ``actor`` performed ``action`` on ``target``.

    Call it inside the service's transaction so that the entry and the write
    it describes are committed, or rolled back, together.
    """
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        organization=organization,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        before=_json_safe(dict(before or {})),
        after=_json_safe(dict(after or {})),
    )
