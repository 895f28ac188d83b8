"""
Subject-access export: everything Peerpath holds about one person.

:func:`person_export` walks :mod:`peerpath.privacy.graph` and returns one JSON
document and one CSV file per model, packed by :func:`export_zip`. What it
includes, and what it leaves out so that nothing about anyone else goes with
it, is written down in ``docs/privacy.md``:

* every row the person *owns* (see :mod:`~peerpath.privacy.graph`), whole,
  except secrets (password hashes, token digests, session keys, TOTP keys,
  backup codes: :func:`~peerpath.privacy.graph.secret_fields`) and notes
  that staff keep about a pair (:data:`~peerpath.privacy.graph.STAFF_ONLY_FIELDS`);
* their sign-in history: web sessions (when each expires), two-step login
  devices (name, when set up and last used), and the login attempts kept for
  their e-mail address (:data:`~peerpath.privacy.graph.LOGIN_RECORDS`: time,
  IP address, browser);
* every row they *wrote* (``author``, ``raised_by``), whole;
* rows that only *mention* them (they recorded, decided or acted) as a list
  of "mentioned as ``field`` in ``model`` #id on date", without the row's
  content, which is about someone else;
* audit entries about their own rows;
* a link to another person is given as that person's display name, and
  another person's e-mail address is withheld wherever it is stored (a
  guardian's address on a consent);
* another person's messages only when they were delivered to this person.
"""

from __future__ import annotations

import datetime as dt
import decimal
import io
import json
import uuid
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils import timezone

from peerpath.core.models import AuditEntry, User
from peerpath.insights.csvsafe import write_csv
from peerpath.privacy.graph import (
    STAFF_ONLY_FIELDS,
    ModelLinks,
    links_for,
    login_record_models,
    personal_models,
    secret_fields,
)

__all__ = ["PersonExport", "export_zip", "person_export"]

FORMAT_VERSION = 1


@dataclass
class PersonExport:
    """The rows about one person, ready to be written as JSON and CSV."""

    user: User
    generated_at: dt.datetime
    #: model label → rows (dicts of field name → JSON-safe value)
    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    #: rows of other people's records in which the person is named
    mentions: list[dict[str, Any]] = field(default_factory=list)

    def document(self) -> dict[str, Any]:
        return {
            "format": "peerpath-subject-access",
            "version": FORMAT_VERSION,
            "generated_at": self.generated_at.isoformat(),
            "person": {
                "id": self.user.pk,
                "name": self.user.get_full_name(),
                "email": self.user.email,
            },
            "records": self.records,
            "mentions": self.mentions,
        }

    def row_count(self) -> int:
        return sum(len(rows) for rows in self.records.values()) + len(self.mentions)


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, bytes | memoryview):
        return None
    return value


class _Labels:
    """Names of linked rows, read once each; a user is named, never e-mailed."""

    def __init__(self, me: User) -> None:
        self.me = me
        self.cache: dict[tuple[type[models.Model], Any], str] = {}

    def label(self, model: type[models.Model], pk: Any) -> str:
        key = (model, pk)
        if key not in self.cache:
            obj = model._default_manager.filter(pk=pk).first()
            if obj is None:
                text = ""
            elif isinstance(obj, User):
                text = obj.display_name
            else:
                text = str(obj)
            self.cache[key] = text
        return self.cache[key]


def _row(
    obj: models.Model, links: ModelLinks, labels: _Labels, *, staff_view: bool
) -> dict[str, Any]:
    hidden = set(secret_fields(links.label))
    if not staff_view:
        hidden |= STAFF_ONLY_FIELDS.get(links.label, frozenset())
    row: dict[str, Any] = {}
    for f in obj._meta.concrete_fields:
        if f.name in hidden:
            continue
        value = getattr(obj, f.attname)
        if isinstance(f, models.EmailField) and value and value != labels.me.email:
            row[f.name] = "(withheld: someone else's address)"
        elif f.is_relation and value is not None:
            target = f.related_model
            assert isinstance(target, type)
            row[f.name] = {"id": value, "name": labels.label(target, value)}
        else:
            row[f.name] = _plain(value)
    for f in obj._meta.many_to_many:
        if f.name in hidden:
            continue
        target = f.related_model
        assert isinstance(target, type)
        pks = list(getattr(obj, f.name).values_list("pk", flat=True))
        row[f.name] = [{"id": pk, "name": labels.label(target, pk)} for pk in pks]
    return row


def _others_allowed(links: ModelLinks, user: User) -> Q:
    """Rows of a shared record that this person may receive, beyond their own."""
    if links.label == "messaging.message":
        return Q(author_id=user.pk) | Q(status="delivered")
    return Q()


def person_export(user: User) -> PersonExport:
    """Collect everything about ``user`` (read only; the caller audits)."""
    labels = _Labels(user)
    export = PersonExport(user=user, generated_at=timezone.now())
    owned_pks: dict[str, list[Any]] = {}
    for links in personal_models():
        model = links.model
        manager = model._default_manager
        owned_q = links.owner_q(user.pk)
        owned = list(
            manager.filter(owned_q).filter(_others_allowed(links, user)).order_by("pk").distinct()
        )
        if owned:
            export.records[links.label] = [
                _row(
                    obj,
                    links,
                    labels,
                    staff_view=any(_mentions(obj, name, user) for name in links.mention_fields),
                )
                for obj in owned
            ]
            owned_pks[links.label] = [obj.pk for obj in owned]
        if links.mention_fields:
            mentioned = (
                manager.filter(links.mention_q(user.pk))
                .exclude(pk__in=owned_pks.get(links.label, []))
                .order_by("pk")
                .distinct()
            )
            for obj in mentioned:
                fields = [name for name in links.mention_fields if _mentions(obj, name, user)]
                when = getattr(obj, "created_at", None)
                export.mentions.append(
                    {
                        "model": links.label,
                        "id": obj.pk,
                        "as": fields,
                        "on": when.isoformat() if isinstance(when, dt.datetime) else None,
                    }
                )
    for model, column in login_record_models():
        attempts = model._default_manager.filter(
            **{f"{column}__iexact": user.email.strip()}
        ).order_by("pk")
        login_links = ModelLinks(model._meta.label_lower, model)
        rows = [_row(obj, login_links, labels, staff_view=False) for obj in attempts]
        if rows:
            export.records[login_links.label] = rows
    about = _audit_about(owned_pks)
    if about:
        already = {row["id"] for row in export.records.get("core.auditentry", [])}
        audit_links = links_for("core.auditentry")
        rows = [
            _row(obj, audit_links, labels, staff_view=False)
            for obj in about
            if obj.pk not in already
        ]
        export.records.setdefault("core.auditentry", []).extend(rows)
    return export


def _mentions(obj: models.Model, name: str, user: User) -> bool:
    f = obj._meta.get_field(name)
    if f.many_to_many:
        return bool(getattr(obj, name).filter(pk=user.pk).exists())
    return getattr(obj, f"{name}_id", None) == user.pk


def _audit_about(owned_pks: dict[str, list[Any]]) -> list[AuditEntry]:
    """Audit entries whose target is one of the person's own rows."""
    found: list[AuditEntry] = []
    for label, pks in sorted(owned_pks.items()):
        if label == "core.auditentry":
            continue
        ids = [str(pk) for pk in pks]
        for start in range(0, len(ids), 500):
            found.extend(
                AuditEntry.objects.filter(
                    target_type=label, target_id__in=ids[start : start + 500]
                ).order_by("pk")
            )
    return found


def _csv_cell(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"id", "name"}:
        return value["name"] or value["id"]
    if isinstance(value, list) and all(isinstance(v, dict) and "name" in v for v in value):
        return "; ".join(str(v["name"]) for v in value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return value


def _csv_files(export: PersonExport) -> Iterable[tuple[str, bytes]]:
    for label, rows in sorted(export.records.items()):
        headers: list[str] = []
        for row in rows:
            headers.extend(h for h in row if h not in headers)
        data, _count = write_csv(headers, ([_csv_cell(r.get(h)) for h in headers] for r in rows))
        yield f"csv/{label}.csv", data
    if export.mentions:
        data, _count = write_csv(
            ["model", "id", "as", "on"],
            ([m["model"], m["id"], ", ".join(m["as"]), m["on"]] for m in export.mentions),
        )
        yield "csv/mentions.csv", data


def export_zip(export: PersonExport) -> bytes:
    """Return the export as a .zip: ``person.json`` and ``csv/<model>.csv``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "person.json",
            json.dumps(export.document(), ensure_ascii=False, indent=2, sort_keys=True),
        )
        for name, data in _csv_files(export):
            archive.writestr(name, data)
    return buffer.getvalue()
