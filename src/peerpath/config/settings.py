"""
Django settings for Peerpath, read from the environment.

Every value that differs between a laptop demo and a production server comes
from an environment variable; nothing here touches the network or the
database at import time.

``PEERPATH_ENV``
    ``development`` (the default: DEBUG on, SQLite in ``./var``) or
    ``production`` (DEBUG off, secure cookies, HSTS; requires
    ``PEERPATH_SECRET_KEY`` and ``PEERPATH_ALLOWED_HOSTS``).
``DATABASE_URL``
    Any URL understood by dj-database-url, e.g.
    ``postgres://user@127.0.0.1:5432/peerpath``.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("PEERPATH_DATA_DIR", Path.cwd() / "var")).resolve()

ENVIRONMENT = os.environ.get("PEERPATH_ENV", "development").strip().lower()
if ENVIRONMENT not in {"development", "production"}:
    raise ImproperlyConfigured(
        f"PEERPATH_ENV must be 'development' or 'production', not {ENVIRONMENT!r}."
    )
PRODUCTION = ENVIRONMENT == "production"


def _env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = _env_bool("PEERPATH_DEBUG", not PRODUCTION)

SECRET_KEY = os.environ.get("PEERPATH_SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("Set PEERPATH_SECRET_KEY in production.")
    # Development only: a fixed key so demo sessions survive restarts.
    SECRET_KEY = "peerpath-development-only-key-never-use-in-production-0123456789abcdef"

ALLOWED_HOSTS = _env_list(
    "PEERPATH_ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver"
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("Set PEERPATH_ALLOWED_HOSTS in production.")
CSRF_TRUSTED_ORIGINS = _env_list("PEERPATH_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_tasks",
    "django_tasks_db",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "peerpath.core",
    "peerpath.people",
    "peerpath.programs",
    "peerpath.rosters",
    "peerpath.training",
    "peerpath.recruitment",
    "peerpath.matching",
    "peerpath.meetings",
    "peerpath.messaging",
    "peerpath.support",
    "peerpath.insights",
    "peerpath.privacy",
    "peerpath.api",
    "peerpath.web",
    "peerpath.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "peerpath.web.middleware.PreferredLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "peerpath.web.middleware.TwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "peerpath.web.middleware.PermissionsPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it answers a locked-out login attempt.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "peerpath.config.urls"
WSGI_APPLICATION = "peerpath.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "peerpath.web.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{DATA_DIR / 'peerpath.sqlite3'}"),
        conn_max_age=int(os.environ.get("PEERPATH_DB_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers proceed while a write transaction is open (demo server
    # plus a management command), and IMMEDIATE avoids upgrade deadlocks.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "timeout": 20,
        }
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Password guessing is throttled by django-axes (peerpath.core.auth): after
# PEERPATH_LOGIN_FAILURE_LIMIT failed logins for one e-mail address from one IP
# address, that pair is locked out for PEERPATH_LOGIN_COOLOFF_MINUTES. Behind a
# proxy REMOTE_ADDR is the proxy's, so the lock then holds for the address alone.
AUTHENTICATION_BACKENDS = [
    "peerpath.core.auth.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("PEERPATH_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("PEERPATH_LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "peerpath.core.auth.login_throttle_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "peerpath.core.auth.login_lockout_response"
# Failed attempts are kept (they drive the lockout); successful logins are not
# logged with IP and browser, to keep no more personal data than needed.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False

# Two-factor authentication (TOTP, django-otp) for organization admins,
# coordinators, safeguarding leads and operators: asked after the password,
# set up at their first login (peerpath.core.twofactor). PEERPATH_REQUIRE_2FA=0
# turns the requirement off (the laptop demo); keep it on in production.
PEERPATH_REQUIRE_2FA = _env_bool("PEERPATH_REQUIRE_2FA", True)
OTP_TOTP_ISSUER = "Peerpath"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = os.environ.get("PEERPATH_TIME_ZONE", "America/New_York")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_ROOT = DATA_DIR / "media"

EMAIL_BACKEND = os.environ.get(
    "PEERPATH_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = os.environ.get("PEERPATH_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("PEERPATH_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("PEERPATH_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("PEERPATH_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _env_bool("PEERPATH_EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("PEERPATH_FROM_EMAIL", "Peerpath <no-reply@peerpath.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The public address of this Peerpath, used in links inside e-mails.
PEERPATH_SITE_URL = os.environ.get("PEERPATH_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# Database sessions that know their user, so that deactivating someone ends
# all their logins at once (peerpath.core.sessions).
SESSION_ENGINE = "peerpath.core.sessions"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# A strict Content-Security-Policy (django-csp): scripts, styles, images and
# fonts from our own origin only, so no inline script, inline style or
# event-handler attribute runs; nothing may frame Peerpath. The API reference
# page (Redoc) relaxes style-src for itself only (peerpath.api.views.docs).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# Browser features Peerpath never uses are switched off for every page.
PEERPATH_PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=()"
)

if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = _env_bool("PEERPATH_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("PEERPATH_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("PEERPATH_LOG_LEVEL", "INFO")},
    # ``peerpath worker`` says itself what it ran; django-tasks' own worker would
    # print "Starting worker … No more tasks" on every turn (every 2 s)
    "loggers": {"django_tasks_db": {"level": "WARNING"}},
}

# Background tasks (reminders, large match rounds) are stored in the database
# and run by ``peerpath worker``.
TASKS = {
    "default": {
        "BACKEND": os.environ.get("PEERPATH_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# Program-level defaults that a coordinator can override per program.
PEERPATH_PAGE_SIZE = 25

# Roster files uploaded on the import page: kept in a private folder (never
# served) until their import is over; larger than PEERPATH_ROSTER_INLINE_BYTES
# of CSV, they are checked and imported by ``peerpath worker``.
PEERPATH_ROSTER_UPLOAD_DIR = Path(
    os.environ.get("PEERPATH_ROSTER_UPLOAD_DIR", DATA_DIR / "private" / "roster-uploads")
)
PEERPATH_ROSTER_INLINE_BYTES = int(os.environ.get("PEERPATH_ROSTER_INLINE_BYTES", "2000000"))
PEERPATH_ROSTER_UPLOAD_MAX_BYTES = int(
    os.environ.get("PEERPATH_ROSTER_UPLOAD_MAX_BYTES", str(256 * 1024 * 1024))
)

# How many days each kind of personal data is kept before the worker's purge
# (``peerpath purge``) deletes it; see docs/privacy.md for what each counts from.
PEERPATH_RETENTION_DAYS = {
    kind: int(os.environ.get(f"PEERPATH_RETAIN_{kind.upper()}_DAYS", default))
    for kind, default in {
        "messages": 365,
        "session_notes": 730,
        "checkins": 1095,
        "closed_applications": 365,
        "audit": 2555,
    }.items()
}

# The REST API (``/api/v1/``): per-user tokens first, so that a request without
# credentials is answered 401 with a ``WWW-Authenticate`` header; the session
# (with CSRF) serves the browsable API to people logged in to the web app.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "peerpath.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "peerpath.api.pagination.PageNumberPagination",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "peerpath.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "peerpath.api.exceptions.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Peerpath API",
    "DESCRIPTION": (
        "Programs, participants, applications and matches of the schools you work in, "
        "with the same access rules as the Peerpath web app. See docs/api.md."
    ),
    "VERSION": "1.0.0",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ProgramStatusEnum": "peerpath.api.schema.PROGRAM_STATUSES",
        "ParticipantStatusEnum": "peerpath.api.schema.PARTICIPANT_STATUSES",
        "MatchRoundStatusEnum": "peerpath.api.schema.MATCH_ROUND_STATUSES",
        "MatchStatusEnum": "peerpath.api.schema.MATCH_STATUSES",
        "MatchCloseReasonEnum": "peerpath.api.schema.MATCH_CLOSE_REASONS",
    },
}
