from django.urls import path

from peerpath.meetings import group_views, views

app_name = "meetings"

urlpatterns = [
    path("sessions/", views.my_sessions, name="mine"),
    path("sessions/hours/", views.my_hours, name="hours"),
    path("sessions/<int:pk>/", views.session_detail, name="session"),
    path("sessions/<int:pk>/calendar.ics", views.session_ics, name="session-ics"),
    path("sessions/<int:pk>/cancel/", views.session_cancel_view, name="session-cancel"),
    path("sessions/<int:pk>/move/", views.session_reschedule_view, name="session-reschedule"),
    path("sessions/<int:pk>/attendance/", views.session_attendance, name="session-attendance"),
    path("sessions/<int:pk>/log/", views.session_log, name="session-log"),
    path("sessions/<int:pk>/notes/", views.session_notes, name="session-notes"),
    path("matches/<int:pk>/sessions/", views.match_sessions, name="match"),
    path("matches/<int:pk>/goals/", views.match_goals, name="goals"),
    path("goals/<int:pk>/", views.goal_update, name="goal"),
    path("groups/<int:pk>/", views.group_page, name="group"),
    path("groups/<int:pk>/close/", group_views.group_close_view, name="group-close"),
    path("programs/<int:pk>/groups/", group_views.program_groups, name="program-groups"),
    path("group-rounds/<int:pk>/", group_views.group_round_review, name="group-round"),
    path(
        "group-rounds/<int:pk>/status/", group_views.group_round_status, name="group-round-status"
    ),
    path("group-rounds/<int:pk>/move/", group_views.group_round_move_view, name="group-round-move"),
    path(
        "group-rounds/<int:pk>/publish/",
        group_views.group_round_publish_view,
        name="group-round-publish",
    ),
    path("calendar/", views.calendar_settings, name="calendar"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="feed"),
    path("programs/<int:pk>/sessions/", views.program_sessions, name="program-sessions"),
    path("programs/<int:pk>/goals/", views.program_goals, name="program-goals"),
    path("programs/<int:pk>/hours/", views.program_hours, name="program-hours"),
]
