"""
The routes of ``/api/v1/``.

Each domain app has a module here (``core``, ``programs``, ``recruitment``,
``matching``, ``meetings``, ``support``, ``insights``); a new domain adds its
module and a block below, using the same selectors and services as its web
views.
"""

from __future__ import annotations

from django.urls import path

from peerpath.api.base import endpoint
from peerpath.api.v1 import core, insights, matching, meetings, programs, recruitment, support

urlpatterns = [
    # core
    path("organizations/", endpoint(core.OrganizationListApi), name="organizations"),
    path("organizations/<int:pk>/", endpoint(core.OrganizationRetrieveApi), name="organization"),
    path("schools/", endpoint(core.SchoolListApi), name="schools"),
    path("schools/<int:pk>/", endpoint(core.SchoolRetrieveApi), name="school"),
    # programs
    path(
        "programs/",
        endpoint(programs.ProgramListApi, programs.ProgramCreateApi),
        name="programs",
    ),
    path(
        "programs/<int:pk>/",
        endpoint(programs.ProgramRetrieveApi, programs.ProgramUpdateApi),
        name="program",
    ),
    path(
        "programs/<int:program_pk>/participants/",
        endpoint(programs.ParticipantListApi),
        name="participants",
    ),
    path(
        "programs/<int:program_pk>/participants/<int:pk>/",
        endpoint(programs.ParticipantRetrieveApi),
        name="participant",
    ),
    path(
        "programs/<int:program_pk>/participants/<int:pk>/transition/",
        endpoint(programs.ParticipantTransitionApi),
        name="participant-transition",
    ),
    # recruitment
    path(
        "programs/<int:program_pk>/applications/",
        endpoint(recruitment.ApplicationListApi),
        name="applications",
    ),
    path(
        "programs/<int:program_pk>/applications/decide/",
        endpoint(recruitment.ApplicationDecideApi),
        name="applications-decide",
    ),
    # matching
    path(
        "programs/<int:program_pk>/match-rounds/",
        endpoint(matching.MatchRoundListApi, matching.MatchRoundStartApi),
        name="match-rounds",
    ),
    path("match-rounds/<int:pk>/", endpoint(matching.MatchRoundRetrieveApi), name="match-round"),
    path(
        "match-rounds/<int:pk>/publish/",
        endpoint(matching.MatchRoundPublishApi),
        name="match-round-publish",
    ),
    path("programs/<int:program_pk>/matches/", endpoint(matching.MatchListApi), name="matches"),
    path("matches/<int:pk>/", endpoint(matching.MatchRetrieveApi), name="match"),
    path("matches/<int:pk>/close/", endpoint(matching.MatchCloseApi), name="match-close"),
    # meetings
    path(
        "matches/<int:match_pk>/sessions/",
        endpoint(meetings.MatchSessionListApi),
        name="match-sessions",
    ),
    path("matches/<int:match_pk>/goals/", endpoint(meetings.MatchGoalListApi), name="match-goals"),
    # support
    path("survey-responses/", endpoint(support.SurveyResponseListApi), name="survey-responses"),
    path(
        "survey-responses/<int:pk>/",
        endpoint(support.SurveyResponseRetrieveApi),
        name="survey-response",
    ),
    # insights
    path(
        "schools/<int:school_pk>/outcomes/",
        endpoint(insights.SchoolOutcomeListApi),
        name="school-outcomes",
    ),
    path("outcomes/<int:pk>/", endpoint(insights.OutcomeRetrieveApi), name="outcome"),
]
