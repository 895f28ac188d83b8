from django.urls import path

from peerpath.privacy import views

app_name = "privacy"

urlpatterns = [
    path("people/<int:pk>/", views.person_page, name="person"),
    path("people/<int:pk>/export/", views.person_export_view, name="export"),
    path("people/<int:pk>/erase/", views.person_erase_view, name="erase"),
]
