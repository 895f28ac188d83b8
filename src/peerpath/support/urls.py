from django.urls import path

from peerpath.support import views

app_name = "support"

urlpatterns = [
    path("programs/<int:pk>/attention/", views.attention, name="attention"),
    path("programs/<int:pk>/support-settings/", views.settings_view, name="settings"),
    path("matches/<int:pk>/contacts/", views.contact_log, name="contact"),
    path("matches/<int:pk>/feedback/", views.match_feedback, name="match-feedback"),
    path("sessions/<int:pk>/feedback/", views.session_feedback, name="session-feedback"),
    path("checkins/", views.checkins, name="checkins"),
    path("checkins/<int:participant_pk>/<str:kind>/", views.checkin, name="checkin"),
    path("concerns/", views.concern_list, name="concerns"),
    path("concerns/new/", views.concern_new, name="concern-new"),
    path("concerns/<int:pk>/", views.concern_detail, name="concern"),
]
