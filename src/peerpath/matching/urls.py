from django.urls import path

from peerpath.matching import views

app_name = "matching"

urlpatterns = [
    path("programs/<int:pk>/matching/", views.program_matching, name="program"),
    path("matching/rounds/<int:pk>/", views.round_review, name="round"),
    path("matching/rounds/<int:pk>/status/", views.round_status, name="round-status"),
    path("matching/rounds/<int:pk>/publish/", views.round_publish, name="round-publish"),
    path("matching/rounds/<int:pk>/rerun/", views.round_rerun, name="round-rerun"),
    path("matching/proposals/<int:pk>/", views.proposal_edit, name="proposal"),
    path("matching/requests/", views.requests_page, name="requests"),
    path("matches/<int:pk>/", views.match_page, name="match"),
    path("matches/<int:pk>/close/", views.match_close_view, name="close"),
    path("matches/<int:pk>/exit-survey/", views.exit_survey, name="exit-survey"),
]
