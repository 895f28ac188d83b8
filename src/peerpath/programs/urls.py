from django.urls import path

from peerpath.programs import views

app_name = "programs"

urlpatterns = [
    path("", views.program_list, name="list"),
    path("new/", views.program_create_view, name="create"),
    path("<int:pk>/", views.program_detail, name="detail"),
    path("<int:pk>/edit/", views.program_edit, name="edit"),
    path("<int:pk>/participants/", views.participant_list_view, name="participants"),
    path(
        "<int:pk>/participants/<int:participant_pk>/status/",
        views.participant_status_view,
        name="participant-status",
    ),
]
