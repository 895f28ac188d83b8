from django.urls import path

from peerpath.recruitment import views

app_name = "recruitment"

urlpatterns = [
    path("join/<int:pk>/", views.program_page, name="program-page"),
    path("join/<int:pk>/apply/<str:role>/", views.apply, name="apply"),
    path("programs/<int:pk>/applications/", views.review_queue, name="applications"),
    path("programs/<int:pk>/refer/", views.refer, name="refer"),
    path("programs/<int:pk>/screening/", views.screening, name="screening"),
    path(
        "programs/<int:pk>/participants/<int:participant_pk>/readiness/",
        views.participant_readiness,
        name="readiness",
    ),
    path("consent/<str:token>/", views.consent_answer, name="consent"),
    path("consent/withdraw/<str:token>/", views.consent_withdraw_view, name="consent-withdraw"),
]
