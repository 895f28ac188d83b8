"""
Who may use each URL of Peerpath: the declaration the URL access walk checks.

Every named URL pattern must have a rule here (a new URL without one fails
``test_every_url_declares_who_may_use_it``). A rule names the arguments the
access world gives the URL and the roles that may open it:

* ``allow`` — the roles that get the page (2xx, or a redirect that is not to
  the login page); every other signed-in role must get 403 or 404 and
  anonymous visitors must be sent to log in (HTML) or refused (API);
* ``post`` — the URL changes data: the walk does not post as allowed roles
  (their flows have their own tests) but posts as every other role and
  checks that nothing in the database changed;
* ``token`` — the URL is guarded by a secret in the URL, not by a login:
  every role, signed in or not, gets the same answer for a wrong secret.

Roles (see ``access_world``): anonymous; mentee (Dee); mentor (Ada, Dee's
own mentor); other_mentor (Ben, mentor of another pair in the same
program); teacher (school staff); coordinator (Oak); other_coordinator
(Elm, same district); safeguarding (Oak's safeguarding lead); org_admin
(the district); guardian (Dee's guardian).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from access_world import ROLES, AccessWorld

ALL = frozenset(ROLES)
SIGNED_IN = ALL - {"anonymous"}
PAIR = frozenset({"mentee", "mentor"})
MANAGERS = frozenset({"coordinator", "org_admin"})
NOBODY: frozenset[str] = frozenset()
STUDENTS = frozenset({"mentee", "mentor", "other_mentor"})
STAFF = frozenset({"teacher", "coordinator", "other_coordinator", "safeguarding", "org_admin"})


@dataclass(frozen=True)
class Rule:
    allow: frozenset[str]
    kwargs: Callable[[AccessWorld], dict[str, Any]] = field(default=lambda w: {})
    post: bool = False
    token: bool = False
    api: bool = False


def _program(w: AccessWorld) -> dict[str, Any]:
    return {"pk": w.program.pk}


def _match(w: AccessWorld) -> dict[str, Any]:
    return {"pk": w.match_pk}


def _session(w: AccessWorld) -> dict[str, Any]:
    return {"pk": w.session.pk}


def _school(w: AccessWorld) -> dict[str, Any]:
    return {"pk": w.program.school_id}


PROGRAM_VIEWERS = frozenset(
    {"mentee", "mentor", "other_mentor", "teacher", "coordinator", "safeguarding", "org_admin"}
)

RULES: dict[str, Rule] = {
    # -- accounts and the shell ---------------------------------------------------
    "home": Rule(SIGNED_IN),
    "set_language": Rule(ALL, post=True),
    "login": Rule(ALL),
    "logout": Rule(ALL, post=True),
    "password_reset": Rule(ALL),
    "password_reset_done": Rule(ALL),
    "password_reset_confirm": Rule(ALL, lambda w: {"uidb64": "MQ", "token": "x-y"}, token=True),
    "password_reset_complete": Rule(ALL),
    # Two-step login: anyone signed in may set up an app or type a code (only
    # admins, coordinators and safeguarding leads are required to).
    "two_factor_verify": Rule(SIGNED_IN, post=True),
    "two_factor_setup": Rule(SIGNED_IN, post=True),
    # -- programs ---------------------------------------------------------------------
    "programs:list": Rule(SIGNED_IN),
    "programs:create": Rule(MANAGERS | {"other_coordinator"}),  # each for their own school
    "programs:detail": Rule(PROGRAM_VIEWERS | {"guardian"}, _program),
    "programs:edit": Rule(MANAGERS, _program),
    "programs:participants": Rule(MANAGERS, _program),
    "programs:participant-status": Rule(
        MANAGERS, lambda w: {"pk": w.program.pk, "participant_pk": w.dee.pk}, post=True
    ),
    # -- training ---------------------------------------------------------------------
    "training:mine": Rule(SIGNED_IN),
    "training:module": Rule(SIGNED_IN, lambda w: {"pk": w.module.pk}),
    "training:quiz": Rule(SIGNED_IN, lambda w: {"pk": w.module.pk}, post=True),
    "training:complete": Rule(SIGNED_IN, lambda w: {"pk": w.module.pk}, post=True),
    "training:program": Rule(MANAGERS, _program),
    "training:requirements": Rule(MANAGERS, _program, post=True),
    "training:reminders": Rule(MANAGERS, _program, post=True),
    # -- recruitment ------------------------------------------------------------------
    "recruitment:program-page": Rule(SIGNED_IN - {"other_coordinator"}, _program),
    "recruitment:apply": Rule(STUDENTS, lambda w: {"pk": w.program.pk, "role": "mentor"}),
    "recruitment:applications": Rule(MANAGERS, _program),
    "recruitment:refer": Rule(MANAGERS | {"teacher"}, _program),
    "recruitment:screening": Rule(MANAGERS, _program),
    "recruitment:readiness": Rule(
        MANAGERS, lambda w: {"pk": w.program.pk, "participant_pk": w.dee.pk}
    ),
    "recruitment:consent": Rule(ALL, lambda w: {"token": "not-a-token"}, token=True),
    "recruitment:consent-withdraw": Rule(ALL, lambda w: {"token": "not-a-token"}, token=True),
    # -- matching ---------------------------------------------------------------------
    "matching:program": Rule(MANAGERS, _program),
    "matching:round": Rule(MANAGERS, lambda w: {"pk": w.match_round.pk}),
    "matching:round-status": Rule(MANAGERS, lambda w: {"pk": w.match_round.pk}),
    "matching:round-publish": Rule(MANAGERS, lambda w: {"pk": w.match_round.pk}, post=True),
    "matching:round-rerun": Rule(MANAGERS, lambda w: {"pk": w.match_round.pk}, post=True),
    "matching:proposal": Rule(MANAGERS, lambda w: {"pk": w.proposal_pk}, post=True),
    "matching:requests": Rule(SIGNED_IN),
    "matching:match": Rule(PAIR | MANAGERS, _match),
    "matching:close": Rule(MANAGERS, _match),
    "matching:exit-survey": Rule(PAIR, _match),
    # -- meetings ---------------------------------------------------------------------
    "meetings:mine": Rule(SIGNED_IN),
    "meetings:hours": Rule(SIGNED_IN),
    "meetings:session": Rule(PAIR | MANAGERS, _session),
    "meetings:session-ics": Rule(PAIR | MANAGERS, _session),
    "meetings:session-cancel": Rule(PAIR | MANAGERS, _session, post=True),
    "meetings:session-reschedule": Rule(PAIR | MANAGERS, _session, post=True),
    "meetings:session-attendance": Rule(PAIR | MANAGERS, _session, post=True),
    "meetings:session-log": Rule(PAIR | MANAGERS, _session, post=True),
    "meetings:session-notes": Rule(PAIR | MANAGERS, _session, post=True),
    "meetings:match": Rule(PAIR | MANAGERS, _match),
    "meetings:goals": Rule(PAIR | MANAGERS, _match),
    "meetings:goal": Rule(PAIR | MANAGERS, lambda w: {"pk": w.goal.pk}, post=True),
    "meetings:calendar": Rule(SIGNED_IN),
    "meetings:feed": Rule(ALL, lambda w: {"token": "not-a-feed-token"}, token=True),
    "meetings:program-sessions": Rule(MANAGERS, _program),
    "meetings:program-goals": Rule(MANAGERS, _program),
    "meetings:program-hours": Rule(MANAGERS, _program),
    # -- groups (Oak Study Groups: Ada leads, Dee is a member) ----------------------------
    "meetings:group": Rule(PAIR | MANAGERS, lambda w: {"pk": w.extra["group"].pk}),
    "meetings:group-close": Rule(MANAGERS, lambda w: {"pk": w.extra["group"].pk}, post=True),
    "meetings:program-groups": Rule(MANAGERS, lambda w: {"pk": w.extra["groups_program"].pk}),
    "meetings:group-round": Rule(MANAGERS, lambda w: {"pk": w.extra["group_round"].pk}),
    "meetings:group-round-status": Rule(MANAGERS, lambda w: {"pk": w.extra["group_round"].pk}),
    "meetings:group-round-move": Rule(
        MANAGERS, lambda w: {"pk": w.extra["group_round"].pk}, post=True
    ),
    "meetings:group-round-publish": Rule(
        MANAGERS, lambda w: {"pk": w.extra["group_round"].pk}, post=True
    ),
    "messaging:group-board": Rule(PAIR | MANAGERS, lambda w: {"pk": w.extra["group"].pk}),
    # -- rosters (a plain-CSV run at Oak waiting for its column mapping) --------------------
    "rosters:index": Rule(MANAGERS | {"other_coordinator"}),
    "rosters:upload-oneroster": Rule(frozenset({"org_admin"}), post=True),
    "rosters:upload-students": Rule(MANAGERS | {"other_coordinator"}, post=True),
    "rosters:run": Rule(MANAGERS, lambda w: {"pk": w.extra["roster_run"].pk}),
    "rosters:run-status": Rule(MANAGERS, lambda w: {"pk": w.extra["roster_run"].pk}),
    "rosters:run-mapping": Rule(MANAGERS, lambda w: {"pk": w.extra["roster_run"].pk}, post=True),
    "rosters:run-confirm": Rule(MANAGERS, lambda w: {"pk": w.extra["roster_run"].pk}, post=True),
    "rosters:run-discard": Rule(MANAGERS, lambda w: {"pk": w.extra["roster_run"].pk}, post=True),
    # -- messaging --------------------------------------------------------------------
    "messaging:inbox": Rule(SIGNED_IN),
    "messaging:thread": Rule(PAIR | MANAGERS, _match),  # leads see held messages in the queue
    "messaging:queue": Rule(frozenset({"safeguarding"})),
    "messaging:moderate": Rule(frozenset({"safeguarding"}), lambda w: {"pk": w.held.pk}, post=True),
    "messaging:terms": Rule(MANAGERS | {"safeguarding"}, _program),
    # -- support ----------------------------------------------------------------------
    "support:attention": Rule(MANAGERS, _program),
    "support:settings": Rule(MANAGERS, _program),
    "support:contact": Rule(MANAGERS, _match, post=True),
    "support:match-feedback": Rule(MANAGERS, _match),
    "support:session-feedback": Rule(PAIR | MANAGERS, _session),
    "support:checkins": Rule(SIGNED_IN),
    "support:checkin": Rule(
        frozenset({"mentee"}), lambda w: {"participant_pk": w.dee.pk, "kind": "checkin"}
    ),
    "support:concerns": Rule(SIGNED_IN),  # each sees only the concerns they raised
    "support:concern-new": Rule(SIGNED_IN - {"org_admin"}),  # raised in a school
    "support:concern": Rule(frozenset({"mentee", "safeguarding"}), lambda w: {"pk": w.concern.pk}),
    # -- insights ---------------------------------------------------------------------
    "insights:program": Rule(MANAGERS, _program),
    "insights:impact": Rule(MANAGERS, _program),
    "insights:fairness": Rule(MANAGERS, _program),
    "insights:exports": Rule(MANAGERS, _program),
    "insights:export": Rule(
        MANAGERS, lambda w: {"pk": w.program.pk, "kind": "participants"}, post=True
    ),
    "insights:report": Rule(MANAGERS, _program, post=True),
    "insights:thanks": Rule(MANAGERS, _program),
    "insights:overview": Rule(MANAGERS | {"other_coordinator"}),
    "insights:school": Rule(MANAGERS, _school),
    "insights:organization": Rule(
        frozenset({"org_admin"}), lambda w: {"pk": w.program.school.organization_id}
    ),
    "insights:outcomes": Rule(MANAGERS, _school),
    "insights:outcomes-preview": Rule(MANAGERS, lambda w: {"pk": w.outcome_import.pk}),
    "insights:recognition": Rule(SIGNED_IN),
    "insights:certificate": Rule(frozenset({"mentor"})),  # only a mentor with hours
    # -- privacy (the person is Dee; erasure is for organization admins only) ---------
    "privacy:person": Rule(MANAGERS, lambda w: {"pk": w.dee.student.user_id}),
    "privacy:export": Rule(MANAGERS, lambda w: {"pk": w.dee.student.user_id}, post=True),
    "privacy:erase": Rule(
        frozenset({"org_admin"}), lambda w: {"pk": w.dee.student.user_id}, post=True
    ),
    # -- API ----------------------------------------------------------------------------
    "api:schema": Rule(ALL, api=True),  # the schema, not an operation
    "api:docs": Rule(ALL),
    "api:tokens": Rule(STAFF),
    "api:token-revoke": Rule(frozenset({"coordinator"}), lambda w: {"pk": w.token_pk}, post=True),
    "api:not-found": Rule(NOBODY, api=True),
    "api:v1:organizations": Rule(SIGNED_IN, api=True),
    "api:v1:organization": Rule(
        STAFF, lambda w: {"pk": w.program.school.organization_id}, api=True
    ),
    "api:v1:schools": Rule(SIGNED_IN, api=True),
    "api:v1:school": Rule(STAFF - {"other_coordinator"}, _school, api=True),
    "api:v1:programs": Rule(SIGNED_IN, api=True),
    "api:v1:program": Rule(PROGRAM_VIEWERS | {"guardian"}, _program, api=True),
    "api:v1:participants": Rule(MANAGERS, lambda w: {"program_pk": w.program.pk}, api=True),
    "api:v1:participant": Rule(
        MANAGERS, lambda w: {"program_pk": w.program.pk, "pk": w.dee.pk}, api=True
    ),
    "api:v1:participant-transition": Rule(
        MANAGERS, lambda w: {"program_pk": w.program.pk, "pk": w.dee.pk}, api=True, post=True
    ),
    "api:v1:applications": Rule(MANAGERS, lambda w: {"program_pk": w.program.pk}, api=True),
    "api:v1:applications-decide": Rule(
        MANAGERS, lambda w: {"program_pk": w.program.pk}, api=True, post=True
    ),
    "api:v1:match-rounds": Rule(MANAGERS, lambda w: {"program_pk": w.program.pk}, api=True),
    "api:v1:match-round": Rule(MANAGERS, lambda w: {"pk": w.match_round.pk}, api=True),
    "api:v1:match-round-publish": Rule(
        MANAGERS, lambda w: {"pk": w.match_round.pk}, api=True, post=True
    ),
    "api:v1:matches": Rule(MANAGERS, lambda w: {"program_pk": w.program.pk}, api=True),
    "api:v1:match": Rule(PAIR | MANAGERS, _match, api=True),
    "api:v1:match-close": Rule(PAIR | MANAGERS, _match, api=True, post=True),
    "api:v1:match-sessions": Rule(PAIR | MANAGERS, lambda w: {"match_pk": w.match_pk}, api=True),
    "api:v1:match-goals": Rule(PAIR | MANAGERS, lambda w: {"match_pk": w.match_pk}, api=True),
    "api:v1:survey-responses": Rule(SIGNED_IN, api=True),
    "api:v1:survey-response": Rule(
        frozenset({"mentee"}) | MANAGERS, lambda w: {"pk": w.checkin.pk}, api=True
    ),
    "api:v1:school-outcomes": Rule(
        MANAGERS, lambda w: {"school_pk": w.program.school_id}, api=True
    ),
    "api:v1:outcome": Rule(MANAGERS, lambda w: {"pk": w.outcome_pk}, api=True),
}
