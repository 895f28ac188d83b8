"""
Erasure: remove or pseudonymise one person everywhere.

:func:`erase_person_data` does the work; ``peerpath.privacy.services`` wraps
it in one transaction with its audit entry. In order:

1. the person's account becomes a pseudonym (``Erased person 4KQ7``, an
   ``.invalid`` address), cannot log in, holds no role, API token, calendar
   feed, web session or two-step login device (``core.deactivation.users_access_end``
   ends the sessions, so what other apps register to revoke is revoked too),
   and the login attempts kept for their e-mail address (django-axes: time,
   IP address, browser) are deleted;
2. their student profile loses everything that describes them (birth date,
   languages, interests, availability, background, roster id) and is hidden
   from peers;
3. rows that are *theirs* (owned through at most three links: participations,
   applications, check-ins, exit surveys, screening and consent records…) and
   rows they *wrote* (messages, session logs and notes, goal updates, concerns
   and concern notes) lose their free text and their JSON answers;
4. every text and JSON column of every table is then searched for their
   e-mail address and full name, and rows connected to them (shared records of
   their matches, audit entries, queued e-mails) also for their given,
   preferred and family names alone; each is replaced by the pseudonym.

Audit entries are kept — their actor link now leads to the pseudonym, and
their before/after values are searched like any other column. Shared records
(sessions, goals, the partner's messages) are kept for the partner, with the
person's name replaced.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models import Q, TextField
from django.db.models.functions import Cast

from peerpath.core.deactivation import users_access_end
from peerpath.core.models import RoleAssignment, User
from peerpath.people.models import StudentProfile
from peerpath.privacy.graph import (
    SECRET_FIELDS,
    links_for,
    login_record_models,
    personal_models,
)

__all__ = [
    "ERASED_DOMAIN",
    "ErasureReport",
    "erase_person_data",
    "needles_for",
    "pseudonym_for",
    "text_columns",
]

#: Owned rows reached through at most this many links are the person's own
#: record (participations, applications, check-ins): their free text goes.
#: Rows further away are shared with someone else (a session of a match) and
#: only lose the person's name.
_OWN_RECORD_DEPTH = 3

#: JSON columns kept on erasure: scores and explanations without free text,
#: which programs' statistics still count.
_KEEP_JSON = {
    "support.checkinresponse": {"scores"},
}

#: Transient logs (e-mails in the outbox or queued as tasks, the admin's change
#: log) in which every form of the name is replaced, wherever it is.
_LOG_MODELS = {"django_tasks_database.dbtaskresult", "admin.logentry", "core.outboundemail"}

#: The domain of every erased person's address (``.invalid`` never resolves, RFC 2606).
ERASED_DOMAIN = "@erased.invalid"

#: Text columns that identify a row for a machine, not describe a person.
_MACHINE_FIELDS = frozenset({"sourced_id", "version", "claimed_by", "last_error", "object_id"})

#: Accounts that are simply deleted: nobody else's record depends on them.
#: The two-step login devices go with their secrets (a backup code is a
#: ``StaticToken`` of the ``StaticDevice`` and cascades with it).
_DELETE = (
    "api.apitoken",
    "meetings.calendarfeed",
    "otp_totp.totpdevice",
    "otp_static.staticdevice",
)


@dataclass
class ErasureReport:
    pseudonym: str
    email: str
    blanked: dict[str, int] = field(default_factory=dict)
    scrubbed: dict[str, int] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)


def pseudonym_for(user: User) -> tuple[str, str, str]:
    """Return ``(given name, family name, e-mail)`` that replace ``user``'s."""
    code = hashlib.sha256(f"peerpath-erased-{user.pk}".encode()).hexdigest()[:6].upper()
    return "Erased", f"person {code}", f"erased-{user.pk}-{code.lower()}{ERASED_DOMAIN}"


def needles_for(user: User) -> tuple[list[str], list[str]]:
    """Return ``(long, short)`` forms of the person's identity to search for.

    Long forms (e-mail, full names) are searched everywhere; short forms
    (one name alone) only where the row is connected to the person.
    """
    given, family, preferred = user.given_name, user.family_name, user.preferred_name
    long = {user.email, f"{given} {family}"}
    if preferred:
        long.add(f"{preferred} {family}")
    short = {name for name in (given, family, preferred) if len(name) >= 2}
    return sorted(filter(None, long), key=len, reverse=True), sorted(short, key=len, reverse=True)


def text_columns(model: type[models.Model]) -> list[models.Field]:
    """Concrete columns of ``model`` that hold text or JSON."""
    return [
        f
        for f in model._meta.concrete_fields
        if isinstance(f, models.CharField | models.TextField | models.JSONField)
        and not isinstance(f, models.SlugField)
        and f.name not in SECRET_FIELDS
    ]


def _is_free_text(f: models.Field) -> bool:
    return (
        isinstance(f, models.CharField | models.TextField)
        and not f.choices
        and not f.primary_key
        and not f.unique
        and f.name not in SECRET_FIELDS
        and f.name not in _MACHINE_FIELDS
    )


def _cleared(f: models.Field) -> Any:
    if isinstance(f, models.JSONField):
        return f.get_default() if f.has_default() else None
    return ""


@cache
def _connected_paths(label: str) -> tuple[str, ...]:
    """Every chain of links (any ``on_delete``) from ``label`` to a person,
    passing only through models whose rows belong to a person."""
    model = apps.get_model(label)
    user_model = apps.get_model("core", "User")
    if model is user_model:
        return ()
    found: list[str] = []
    frontier: list[tuple[type[models.Model], str, frozenset[type[models.Model]]]] = [
        (model, "", frozenset({model}))
    ]
    for _depth in range(6):
        next_frontier = []
        for current, prefix, seen in frontier:
            for f in current._meta.concrete_fields:
                if not f.is_relation:
                    continue
                target = f.related_model
                assert isinstance(target, type)
                lookup = f"{prefix}__{f.name}" if prefix else f.name
                if target is user_model:
                    found.append(lookup)
                elif target not in seen and links_for(target._meta.label_lower).owner_paths:
                    next_frontier.append((target, lookup, seen | {target}))
        frontier = next_frontier
    return tuple(found[:64])


def _connected_q(label: str, user_pk: int) -> Q | None:
    paths = _connected_paths(label)
    if not paths:
        return None
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(**{path: user_pk})
    return q


def _audit_about_q(user: User) -> Q:
    """Audit entries whose target is the person or one of the rows they own."""
    q = Q(target_type="core.user", target_id=str(user.pk))
    for links in personal_models():
        if links.label in {"core.user", "core.auditentry"} or not links.owner_paths:
            continue
        pks = links.model._default_manager.filter(links.owner_q(user.pk)).values_list(
            "pk", flat=True
        )
        ids = [str(pk) for pk in pks]
        if ids:
            q |= Q(target_type=links.label, target_id__in=ids)
    return q


def _search_forms(needle: str, f: models.Field) -> list[str]:
    forms = [needle]
    if isinstance(f, models.JSONField):
        escaped = json.dumps(needle)[1:-1]
        if escaped != needle:
            forms.append(escaped)
    return forms


def _replace_in(value: Any, patterns: list[tuple[re.Pattern[str], str]]) -> Any:
    if isinstance(value, str):
        for pattern, replacement in patterns:
            value = pattern.sub(replacement, value)
        return value
    if isinstance(value, list):
        return [_replace_in(v, patterns) for v in value]
    if isinstance(value, dict):
        return {_replace_in(k, patterns): _replace_in(v, patterns) for k, v in value.items()}
    return value


def _patterns(
    needles: list[str], *, email: str, new_email: str, name: str
) -> list[tuple[re.Pattern[str], str]]:
    found = []
    for needle in needles:
        replacement = new_email if needle.lower() == email.lower() else name
        found.append((re.compile(rf"(?<!\w){re.escape(needle)}(?!\w)", re.IGNORECASE), replacement))
    return found


def _all_models() -> Iterator[type[models.Model]]:
    yield from apps.get_models()


def _scrub(
    report: ErasureReport,
    *,
    user_pk: int,
    audit_about: Q,
    long: list[str],
    short: list[str],
    email: str,
    new_email: str,
    name: str,
) -> None:
    long_patterns = _patterns(long, email=email, new_email=new_email, name=name)
    all_patterns = _patterns(long + short, email=email, new_email=new_email, name=name)
    for model in _all_models():
        label = model._meta.label_lower
        columns = text_columns(model)
        if not columns:
            continue
        manager = model._default_manager
        connected = None if label in _LOG_MODELS else _connected_q(label, user_pk)
        if label == "core.auditentry":
            connected = audit_about if connected is None else connected | audit_about
        is_log = label in _LOG_MODELS
        for f in columns:
            alias = f"_privacy_{f.name}"
            annotated = manager.annotate(**{alias: Cast(f.name, TextField())})

            def matching(needles: list[str], alias: str = alias, f: Any = f) -> Q:
                q = Q(pk__in=[])
                for needle in needles:
                    for form in _search_forms(needle, f):
                        q |= Q(**{f"{alias}__icontains": form})
                return q

            passes: list[tuple[Q, list[tuple[re.Pattern[str], str]]]] = []
            if connected is not None:
                passes.append((matching(long + short) & connected, all_patterns))
            passes.append(
                (
                    matching(long + short if is_log else long),
                    all_patterns if is_log else long_patterns,
                )
            )
            for query, patterns in passes:
                if label == "core.user":
                    query &= Q(pk=user_pk)  # other people's accounts keep their names
                rows = annotated.filter(query).values_list("pk", f.attname).distinct()
                for pk, value in list(rows):
                    new = _replace_in(value, patterns)
                    if new == value:
                        continue
                    if isinstance(f, models.CharField) and f.max_length and isinstance(new, str):
                        new = new[: f.max_length]
                    manager.filter(pk=pk).update(**{f.attname: new})
                    report.scrubbed[label] = report.scrubbed.get(label, 0) + 1


def _blank_rows(report: ErasureReport, user: User) -> None:
    for links in personal_models():
        label = links.label
        if label in {"core.user", "core.auditentry"} or label in _DELETE or label in _LOG_MODELS:
            continue
        own_paths = [p for p in links.owner_paths if p and p.count("__") < _OWN_RECORD_DEPTH]
        q = Q(pk__in=[])
        for path in own_paths:
            q |= Q(**{path: user.pk})
        for name in links.author_fields:
            q |= Q(**{name: user.pk})
        if not own_paths and not links.author_fields:
            continue
        keep = _KEEP_JSON.get(label, set())
        changes = {
            f.attname: _cleared(f)
            for f in links.model._meta.concrete_fields
            if (_is_free_text(f) or isinstance(f, models.JSONField)) and f.name not in keep
        }
        if not changes:
            continue
        count = links.model._default_manager.filter(q).update(**changes)
        if count:
            report.blanked[label] = count


def erase_person_data(user: User, *, actor: User | None = None) -> ErasureReport:
    """Erase ``user`` as described in the module docstring (call inside a transaction)."""
    given, family, new_email = pseudonym_for(user)
    name = f"{given} {family}"
    long, short = needles_for(user)
    old_email = user.email
    report = ErasureReport(pseudonym=name, email=new_email)
    audit_about = _audit_about_q(user)

    for label in _DELETE:
        model = apps.get_model(label)
        count, _ = model._default_manager.filter(user=user).delete()
        if count:
            report.deleted[label] = count
    # Login attempts name the person only by the address they typed (no link
    # to the account); their IP address and browser go with them.
    for model, column in login_record_models():
        count, _ = model._default_manager.filter(
            **{f"{column}__iexact": old_email.strip()}
        ).delete()
        if count:
            report.deleted[model._meta.label_lower] = count
    count, _ = RoleAssignment.objects.filter(user=user).delete()
    if count:
        report.deleted["core.roleassignment"] = count
    # Sessions, and whatever other apps registered to revoke (core.deactivation).
    for kind, count in users_access_end(actor=actor, user_ids=[user.pk]).items():
        if count:
            report.deleted[f"access.{kind}"] = count

    _blank_rows(report, user)
    StudentProfile.objects.filter(user=user).update(
        birth_date=None,
        age_band="",
        languages=[],
        interests=[],
        availability=[],
        background={},
        sourced_id="",
        directory_opt_out=True,
    )

    user.given_name = given
    user.family_name = family
    user.preferred_name = ""
    user.email = new_email
    user.sourced_id = ""
    user.preferred_language = ""
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.set_unusable_password()
    user.save()
    user.groups.clear()
    user.user_permissions.clear()

    _scrub(
        report,
        user_pk=user.pk,
        audit_about=audit_about,
        long=long,
        short=short,
        email=old_email,
        new_email=new_email,
        name=name,
    )
    return report
