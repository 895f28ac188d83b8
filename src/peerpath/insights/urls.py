from django.urls import path

from peerpath.insights import views

app_name = "insights"

urlpatterns = [
    path("programs/<int:pk>/insights/", views.program_dashboard, name="program"),
    path("programs/<int:pk>/insights/impact/", views.program_impact, name="impact"),
    path("programs/<int:pk>/insights/fairness/", views.program_fairness, name="fairness"),
    path("programs/<int:pk>/insights/exports/", views.program_exports, name="exports"),
    path("programs/<int:pk>/insights/exports/<str:kind>/", views.program_export, name="export"),
    path("programs/<int:pk>/insights/report.pdf", views.program_report, name="report"),
    path("programs/<int:pk>/insights/thanks/", views.program_thanks, name="thanks"),
    path("insights/", views.overview, name="overview"),
    path("insights/schools/<int:pk>/", views.school_overview, name="school"),
    path("insights/organizations/<int:pk>/", views.organization_overview, name="organization"),
    path("insights/schools/<int:pk>/outcomes/", views.outcomes_upload, name="outcomes"),
    path("insights/outcome-imports/<int:pk>/", views.outcomes_preview, name="outcomes-preview"),
    path("recognition/", views.recognition, name="recognition"),
    path("recognition/certificate.pdf", views.certificate, name="certificate"),
]
