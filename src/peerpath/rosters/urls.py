from django.urls import path

from peerpath.rosters import views

app_name = "rosters"

urlpatterns = [
    path("", views.index, name="index"),
    path("oneroster/", views.oneroster_upload, name="upload-oneroster"),
    path("students/", views.students_upload_view, name="upload-students"),
    path("imports/<int:pk>/", views.run_detail, name="run"),
    path("imports/<int:pk>/status/", views.run_status, name="run-status"),
    path("imports/<int:pk>/mapping/", views.run_mapping, name="run-mapping"),
    path("imports/<int:pk>/confirm/", views.run_confirm, name="run-confirm"),
    path("imports/<int:pk>/discard/", views.run_discard, name="run-discard"),
]
