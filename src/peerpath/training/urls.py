from django.urls import path

from peerpath.training import views

app_name = "training"

urlpatterns = [
    path("", views.my_training, name="mine"),
    path("modules/<int:pk>/", views.module_detail, name="module"),
    path("modules/<int:pk>/quiz/", views.module_quiz, name="quiz"),
    path("modules/<int:pk>/complete/", views.module_complete_view, name="complete"),
    path("programs/<int:pk>/", views.program_training, name="program"),
    path(
        "programs/<int:pk>/requirements/",
        views.program_requirements_view,
        name="requirements",
    ),
    path("programs/<int:pk>/reminders/", views.program_reminders_view, name="reminders"),
]
