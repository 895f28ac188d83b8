from django.urls import path

from peerpath.messaging import views

app_name = "messaging"

urlpatterns = [
    path("messages/", views.inbox, name="inbox"),
    path("matches/<int:pk>/messages/", views.thread, name="thread"),
    path("groups/<int:pk>/messages/", views.group_board, name="group-board"),
    path("moderation/", views.queue, name="queue"),
    path("moderation/<int:pk>/", views.moderate, name="moderate"),
    path("programs/<int:pk>/message-words/", views.terms, name="terms"),
]
