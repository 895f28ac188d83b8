"""
Which rows of the database are about one person.

Peerpath does not keep a hand-written list of "personal" tables: this module
walks Django's model graph (:func:`django.apps.apps.get_models`), so a model
added later is covered the day it is added. Two kinds of link lead from a row
to a person's :class:`~peerpath.core.models.User`:

*ownership*
    A chain of foreign keys (or one-to-one links) that all ``CASCADE``: the row
    cannot exist without the person, e.g. ``ExitSurvey.respondent →
    Participant.student → StudentProfile.user``. Of a model's ownership chains
    only the *shortest* ones count, so that a row that belongs to one person
    closely is not also counted as belonging to everyone it reaches further
    away: an exit survey belongs to its respondent (3 links), not to the
    respondent's partner (4 links, through the match).
*mention*
    One direct link to the user that does not cascade (``SET_NULL``,
    ``PROTECT``, many-to-many): the person *acted* on the row (``actor``,
    ``recorded_by``, ``decided_by``) or was named on it (``coordinators``).
    The row is someone else's record; the person is only mentioned in it.

Links named in :data:`AUTHOR_FIELDS` (``author``, ``raised_by``) are
mentions, but the person wrote the row, so it is theirs too.

:data:`NOT_PERSONAL` declares, with a reason, every model that reaches a
user only through shared records (a program's settings reach the user who
created the program); ``tests/privacy`` fails when a model reaches a user
and is neither covered nor declared.

Third-party models are walked like ours, on purpose: the sign-in machinery
is personal data too. The session store (``core.UserSession``) and
django-otp's devices link to the user and are covered by the walk; their
secret columns (session keys, TOTP keys, backup codes) are declared in
:data:`MODEL_SECRET_FIELDS` and never leave the database. django-axes keeps
no link to the account, only the e-mail address typed at login, so its
tables are declared in :data:`LOGIN_RECORDS` and found by that address.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache

from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models import Q

__all__ = [
    "AUTHOR_FIELDS",
    "EXTRA_OWNER_PATHS",
    "LOGIN_RECORDS",
    "MODEL_SECRET_FIELDS",
    "NOT_PERSONAL",
    "SECRET_FIELDS",
    "STAFF_ONLY_FIELDS",
    "ModelLinks",
    "any_path_to_user",
    "links_for",
    "login_record_models",
    "personal_models",
    "secret_fields",
]

#: Links to the user that mean "written by": the row belongs to its author.
AUTHOR_FIELDS = frozenset({"author", "raised_by"})

#: Ownership paths added to the shortest ones, with the reason in a comment.
EXTRA_OWNER_PATHS: dict[str, tuple[str, ...]] = {
    # A student's guardians are part of the student's record, not only of the
    # guardian's (the shortest chain is the guardian's own link).
    "people.guardianlink": ("student__user",),
}

#: Models that reach a user only through a shared record, and why they are not personal.
NOT_PERSONAL: dict[str, str] = {
    "matching.matchsettings": "A program's matching settings; they reach a user only "
    "through the program's creator and coordinators.",
    "matching.groupsettings": "A program's grouping settings (same reason as match settings).",
    "meetings.meetingsettings": "A program's meeting settings (same reason).",
    "support.supportsettings": "A program's check-in settings (same reason).",
    "recruitment.screeningitem": "A program's list of screening requirements; a "
    "participant's results are ScreeningRecord rows, which are covered.",
    "training.programmodule": "Which training modules a program requires.",
}

#: Fields never exported nor kept on erasure: hashes and secrets, not information.
SECRET_FIELDS = frozenset({"password", "token_digest", "secret_hash", "nonce_hash"})

#: Secret columns of one model, in addition to :data:`SECRET_FIELDS`: what would
#: let someone log in as the person (a session key and its signed data, a TOTP
#: key, a backup code, the hash of a session key), or what a login form sent
#: (axes keeps a failed attempt's GET and POST data with the password masked:
#: form machinery such as the CSRF token, not information about the person).
MODEL_SECRET_FIELDS: dict[str, frozenset[str]] = {
    "core.usersession": frozenset({"session_key", "session_data"}),
    "otp_totp.totpdevice": frozenset({"key"}),
    "otp_static.statictoken": frozenset({"token"}),
    "axes.accessattempt": frozenset({"get_data", "post_data"}),
    "axes.accesslog": frozenset({"session_hash"}),
}

#: Sign-in records without a link to the account (django-axes): model label →
#: the column holding the e-mail address typed at login (``peerpath.core.auth``
#: stores it trimmed and lower-case). Each row has the time, IP address and
#: browser of one attempt; the export gives the person theirs and erasure
#: deletes them.
LOGIN_RECORDS: dict[str, str] = {
    "axes.accessattempt": "username",
    "axes.accessfailurelog": "username",
    "axes.accesslog": "username",
}

#: Notes written by staff about a pair, left out of a participant's export; the
#: staff member who wrote them is mentioned in the row (and gets it in theirs).
STAFF_ONLY_FIELDS: dict[str, frozenset[str]] = {
    "support.supportcontact": frozenset({"notes"}),
    "matching.match": frozenset({"close_note"}),
    "messaging.message": frozenset({"findings", "rejection_reason"}),
}

_MAX_DEPTH = 7


def _user_model() -> type[models.Model]:
    return apps.get_model(settings.AUTH_USER_MODEL)


def _forward_links(model: type[models.Model]) -> Iterator[models.Field]:
    for f in model._meta.get_fields():
        if f.concrete and f.is_relation and (f.many_to_one or f.one_to_one or f.many_to_many):
            assert isinstance(f, models.Field)
            yield f


def _cascades(f: models.Field) -> bool:
    remote = f.remote_field
    return bool(
        remote is not None
        and not f.many_to_many
        and getattr(remote, "on_delete", None) is models.CASCADE
    )


@dataclass(frozen=True)
class ModelLinks:
    """How the rows of one model lead to a person."""

    label: str
    model: type[models.Model]
    owner_paths: tuple[str, ...] = ()
    mention_fields: tuple[str, ...] = ()
    author_fields: tuple[str, ...] = field(default=())

    @property
    def covered(self) -> bool:
        return bool(self.owner_paths or self.mention_fields)

    def owner_q(self, user_pk: int) -> Q:
        q = Q(pk__in=[])
        for path in self.owner_paths:
            q |= Q(pk=user_pk) if path == "" else Q(**{path: user_pk})
        for name in self.author_fields:
            q |= Q(**{name: user_pk})
        return q

    def mention_q(self, user_pk: int) -> Q:
        q = Q(pk__in=[])
        for name in self.mention_fields:
            q |= Q(**{name: user_pk})
        return q


def _owner_paths(model: type[models.Model]) -> tuple[str, ...]:
    """The shortest all-``CASCADE`` chains from ``model`` to the user, as lookups."""
    user_model = _user_model()
    if model is user_model:
        return ("",)
    frontier: list[tuple[type[models.Model], str, frozenset[type[models.Model]]]] = [
        (model, "", frozenset({model}))
    ]
    for _depth in range(_MAX_DEPTH):
        found: list[str] = []
        next_frontier = []
        for current, prefix, seen in frontier:
            for f in _forward_links(current):
                if not _cascades(f):
                    continue
                target = f.related_model
                assert isinstance(target, type)
                lookup = f"{prefix}__{f.name}" if prefix else f.name
                if target is user_model:
                    found.append(lookup)
                elif target not in seen:
                    next_frontier.append((target, lookup, seen | {target}))
        if found:
            return tuple(sorted(found))
        frontier = next_frontier
    return ()


@cache
def links_for(label: str) -> ModelLinks:
    """Return how rows of the model ``app_label.modelname`` lead to a person."""
    model = apps.get_model(label)
    user_model = _user_model()
    label = model._meta.label_lower
    owner = _owner_paths(model)
    if label in EXTRA_OWNER_PATHS:
        owner = tuple(sorted(set(owner) | set(EXTRA_OWNER_PATHS[label])))
    mentions: list[str] = []
    authors: list[str] = []
    for f in _forward_links(model):
        if f.related_model is not user_model or _cascades(f):
            continue
        (authors if f.name in AUTHOR_FIELDS else mentions).append(f.name)
    return ModelLinks(label, model, owner, tuple(mentions), tuple(authors))


def personal_models() -> list[ModelLinks]:
    """Every installed model with a row that can lead to a person, in a stable order."""
    found = []
    for model in apps.get_models():
        links = links_for(model._meta.label_lower)
        if links.covered or links.author_fields:
            found.append(links)
    return sorted(found, key=lambda links: links.label)


def secret_fields(label: str) -> frozenset[str]:
    """Columns of the model ``label`` that are never exported."""
    return SECRET_FIELDS | MODEL_SECRET_FIELDS.get(label, frozenset())


def login_record_models() -> list[tuple[type[models.Model], str]]:
    """The installed :data:`LOGIN_RECORDS` models, each with its e-mail column."""
    found = []
    for label, column in sorted(LOGIN_RECORDS.items()):
        app_label, model_name = label.split(".")
        if app_label in apps.app_configs:
            found.append((apps.get_model(app_label, model_name), column))
    return found


def any_path_to_user(model: type[models.Model]) -> str | None:
    """
    Return one chain of links of any kind from ``model`` to the user, or ``None``.

    Used by the tests to find models that reach a person in a way that
    :func:`links_for` does not follow, so that each is covered or declared.
    """
    user_model = _user_model()
    if model is user_model:
        return ""
    frontier: list[tuple[type[models.Model], str]] = [(model, "")]
    seen = {model}
    for _depth in range(_MAX_DEPTH):
        next_frontier = []
        for current, prefix in frontier:
            for f in _forward_links(current):
                target = f.related_model
                assert isinstance(target, type)
                lookup = f"{prefix}__{f.name}" if prefix else f.name
                if target is user_model:
                    return lookup
                if target not in seen:
                    seen.add(target)
                    next_frontier.append((target, lookup))
        frontier = next_frontier
    return None
