from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from peerpath.web import twofactor as web_twofactor
from peerpath.web import views as web_views

urlpatterns = [
    path("", web_views.home, name="home"),
    path("i18n/setlang/", web_views.set_language, name="set_language"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/two-factor/", web_twofactor.two_factor_verify, name="two_factor_verify"),
    path("accounts/two-factor/setup/", web_twofactor.two_factor_setup, name="two_factor_setup"),
    path(
        "accounts/password-reset/",
        auth_views.PasswordResetView.as_view(
            html_email_template_name=None,
            email_template_name="registration/password_reset_email.html",
        ),
        name="password_reset",
    ),
    path(
        "accounts/password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("programs/", include("peerpath.programs.urls")),
    path("training/", include("peerpath.training.urls")),
    path("rosters/", include("peerpath.rosters.urls")),
    path("", include("peerpath.recruitment.urls")),
    path("", include("peerpath.matching.urls")),
    path("", include("peerpath.meetings.urls")),
    path("", include("peerpath.messaging.urls")),
    path("", include("peerpath.support.urls")),
    path("", include("peerpath.insights.urls")),
    path("privacy/", include("peerpath.privacy.urls")),
    path("api/", include("peerpath.api.urls")),
    path("admin/", admin.site.urls),
]
