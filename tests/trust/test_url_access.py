"""
Every URL of Peerpath, tried as every kind of person.

``access_rules.RULES`` declares who may use each named URL; a URL without a
declaration fails. For each URL and each role the walk checks that

* the allowed roles get the page and everyone else gets 403/404 (signed in)
  or is sent to log in (anonymous; the API answers 401/403);
* a POST by any role that may not use the URL is refused and changes
  nothing in the database (every table's row count and latest change);
* private text planted in the world (a concern, a held message, a private
  session note, a check-in answer, a student of another school) appears on
  no page for anyone but the people allowed to read it.

The world is built once per group of URLs and every URL's requests run in a
savepoint that is rolled back, so one URL's allowed requests cannot change
what the next one sees.
"""

from __future__ import annotations

from typing import Any

import pytest
from access_rules import RULES, Rule
from access_world import MARKS, ROLES, AccessWorld, build_access_world
from django.apps import apps
from django.db import transaction
from django.db.models import Max
from django.test import Client
from django.urls import reverse
from url_walk import url_names

#: Who may read each planted secret (and so see it on some page).
MARK_READERS = {
    "concern": {"mentee", "safeguarding"},  # the person who raised it and the leads
    "held": {"mentee", "safeguarding"},  # the sender and the moderators, not the recipient
    "private_note": {"mentor"},  # its author only
    "checkin": {"mentee", "coordinator", "org_admin"},  # never the partner
    "elm_student": {"other_coordinator"},  # Elm's own staff only
}

#: Tables a refused request may legitimately touch: the session store and login records.
_BOOKKEEPING = {"sessions.session", "axes.accessattempt", "axes.accesslog", "axes.accessfailurelog"}

_NUMERIC_KEYS = {"AutoField", "BigAutoField", "SmallAutoField", "IntegerField", "BigIntegerField"}

GROUPS = {
    "accounts and programs": ("", "programs:", "training:"),
    "recruitment": ("recruitment:",),
    "rosters": ("rosters:",),
    "matching": ("matching:",),
    "meetings": ("meetings:",),
    "messaging and support": ("messaging:", "support:"),
    "insights": ("insights:",),
    "privacy": ("privacy:",),
    "api": ("api:",),
}


def _group_of(name: str) -> str:
    for group, prefixes in GROUPS.items():
        if any(p and name.startswith(p) for p in prefixes):
            return group
    return "accounts and programs"


def _names() -> list[str]:
    return sorted({name for name, _route in url_names() if not name.startswith("admin:")})


def _snapshot() -> dict[str, tuple[int, Any, Any]]:
    state = {}
    for model in apps.get_models():
        label = model._meta.label_lower
        if label in _BOOKKEEPING:
            continue
        fields = {f.name for f in model._meta.concrete_fields}
        latest = "updated_at" if "updated_at" in fields else None
        qs = model._default_manager.all()
        numeric_pk = model._meta.pk.get_internal_type() in _NUMERIC_KEYS
        aggregates = {"n": Max("pk")} if numeric_pk else {}  # PostgreSQL has no max(uuid)
        if latest:
            aggregates["t"] = Max(latest)
        agg = qs.aggregate(**aggregates) if aggregates else {}
        state[label] = (qs.count(), agg.get("n"), agg.get("t"))
    return state


def _client(world: AccessWorld, role: str) -> Client:
    client = Client()
    user = world.users[role]
    if user is not None:
        client.force_login(user)
    return client


def _to_login(response: Any) -> bool:
    return response.status_code in (301, 302) and "/login" in response["Location"]


def _check_get(role: str, rule: Rule, response: Any) -> str | None:
    code = response.status_code
    if code >= 500:
        return f"server error {code}"
    if rule.token:
        return None if code in (200, 400, 404) else f"{code} for a wrong secret"
    if role in rule.allow:
        if code == 405 and rule.post:
            return None
        if code in (200, 204) or (code in (301, 302) and not _to_login(response)):
            return None
        return f"allowed but got {code}"
    if role == "anonymous":
        if _to_login(response) or code in (401, 403, 405):
            return None
        return f"anonymous got {code}"
    if code in (403, 404) or (code == 405 and rule.post):
        return None
    return f"denied but got {code}"


def _check_refused_post(role: str, response: Any) -> str | None:
    code = response.status_code
    if code >= 500:
        return f"POST: server error {code}"
    if code in (401, 403, 404, 405) or (role == "anonymous" and _to_login(response)):
        return None
    return f"POST by a role without access got {code}"


def _walk(world: AccessWorld, names: list[str]) -> list[str]:
    clients = {role: _client(world, role) for role in ROLES}
    problems: list[str] = []
    for name in names:
        rule = RULES[name]
        url = reverse(name, kwargs=rule.kwargs(world))
        with transaction.atomic():
            for role in ROLES:
                response = clients[role].get(url)
                problem = _check_get(role, rule, response)
                if problem:
                    problems.append(f"{name} as {role}: {problem} ({url})")
                body = response.content.decode(errors="replace")
                for key, mark in MARKS.items():
                    if mark in body and role not in MARK_READERS[key]:
                        problems.append(f"{name} as {role}: shows the {key} text ({url})")
            refused = [r for r in ROLES if r not in rule.allow and not rule.token]
            before = _snapshot()
            for role in refused:
                problem = _check_refused_post(role, clients[role].post(url, {}))
                if problem:
                    problems.append(f"{name} as {role}: {problem} ({url})")
            after = _snapshot()
            changed = sorted(k for k in before if before[k] != after[k])
            if changed:
                problems.append(f"{name}: refused POSTs changed {', '.join(changed)}")
            transaction.set_rollback(True)
    return problems


def test_every_url_declares_who_may_use_it() -> None:
    names = set(_names())
    undeclared = sorted(names - set(RULES))
    stale = sorted(set(RULES) - names)
    assert not undeclared, f"URLs without an access rule in access_rules.py: {undeclared}"
    assert not stale, f"access rules for URLs that no longer exist: {stale}"


@pytest.mark.parametrize("group", list(GROUPS))
@pytest.mark.django_db
def test_urls_answer_only_the_people_allowed(group: str, settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    names = [n for n in _names() if n in RULES and _group_of(n) == group]
    if not names:
        pytest.skip(f"no URLs in {group}")
    world = build_access_world()
    problems = _walk(world, names)
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
def test_the_admin_site_is_for_staff_accounts_only() -> None:
    world = build_access_world()
    changelists = [
        n for n, _r in url_names() if n.startswith("admin:") and n.endswith("_changelist")
    ]
    assert len(changelists) > 10
    for role in ROLES:
        user = world.users[role]
        if user is not None and user.is_staff:
            continue
        client = _client(world, role)
        for name in ["admin:index", *changelists]:
            response = client.get(reverse(name))
            assert response.status_code == 302, (name, role, response.status_code)
            assert reverse("admin:login") in response["Location"], (name, role)
