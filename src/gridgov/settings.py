"""Django settings for gridgov, read from the environment (see docs/operations.md)."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from gridgov.core.config import (
    data_dir,
    env_bool,
    env_int,
    field_key,
    old_field_keys,
    private_file,
    secret_key,
    source_origin,
    time_zone,
)

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = data_dir()

SECRET_KEY = secret_key(DATA_DIR)
GRIDGOV_FIELD_KEY = field_key(DATA_DIR)  # "" until gridgov.core.keys makes one
GRIDGOV_FIELD_KEYS_OLD = old_field_keys(DATA_DIR)  # during a rotation only

DEBUG = env_bool("GRIDGOV_DEBUG", False)
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("GRIDGOV_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("GRIDGOV_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    # First, so that its ``changepassword`` command replaces django.contrib.auth's.
    "gridgov.accounts",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "gridgov.core",
    "gridgov.kernel",
    "gridgov.kernel.attachments",
    "gridgov.kernel.counters",
    "gridgov.kernel.imports",
    "gridgov.audit",
    "gridgov.areas",
    "gridgov.workcal",
    "gridgov.notifications",
    "gridgov.cases",
    "gridgov.open311",
    "gridgov.rosters",
    "gridgov.party",
    "gridgov.mediation",
    "gridgov.command",
    "gridgov.demo",
]

MIDDLEWARE = [
    # /health for load balancers, answered before anything else (gridgov.core.health).
    "gridgov.core.health.HealthMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # NUL/controls/surrogates in path, query and forms, unreadable or too large bodies: 4xx.
    "gridgov.core.edge.EdgeMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "gridgov.core.middleware.LanguageMiddleware",
    "gridgov.core.middleware.DatabaseBusyMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "gridgov.accounts.middleware.IdleTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "gridgov.urls"
WSGI_APPLICATION = "gridgov.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "gridgov.core.context_processors.shell",
                "gridgov.notifications.context_processors.inbox",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------
# SQLite in WAL mode under the data folder is the embedded default; DATABASE_URL selects
# PostgreSQL (postgres://user:pass@host:5432/name).
_db_url = os.environ.get("DATABASE_URL", "").strip()
if _db_url:
    DATABASES = {"default": dj_database_url.parse(_db_url, conn_max_age=60)}
    DATABASES["default"].setdefault("TEST", {})
    DATABASES["default"]["TEST"]["NAME"] = os.environ.get("GRIDGOV_TEST_DB_NAME") or None
else:
    DATABASES = {
        "default": {
            # Django's SQLite backend with a prompt queue for the one writer (see the module).
            "ENGINE": os.environ.get("GRIDGOV_SQLITE_ENGINE", "gridgov.core.sqlite"),
            "NAME": str(private_file(DATA_DIR / "gridgov.sqlite3")),
            "OPTIONS": {
                "init_command": (
                    "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA foreign_keys=ON;"
                ),
                # Writers take the lock when their transaction begins (no deadlock-prone
                # upgrade from a read lock), and wait up to `timeout` seconds for it; after
                # that the request answers 503 with Retry-After (gridgov.core.busy).
                "transaction_mode": "IMMEDIATE",
                "timeout": 5,
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts and security ----------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["gridgov.accounts.backends.UsernameOrMobileBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "gridgov.accounts.validators.CharacterClassValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Account lockout: after THRESHOLD consecutive failures the account accepts sign-ins for
# MINUTES only from addresses it signed in from successfully in the last KNOWN_DAYS days (so a
# stranger cannot lock its owner out); it is never revealed to the one signing in.
GRIDGOV_LOCKOUT_THRESHOLD = env_int("GRIDGOV_LOCKOUT_THRESHOLD", 5)
GRIDGOV_LOCKOUT_MINUTES = env_int("GRIDGOV_LOCKOUT_MINUTES", 15)
GRIDGOV_LOCKOUT_KNOWN_DAYS = env_int("GRIDGOV_LOCKOUT_KNOWN_DAYS", 90)
# Sign-in throttling per client address (gridgov.accounts.throttle): ATTEMPTS failed sign-ins
# in a window of MINUTES, then 429 until the window ends. The counts live in the "login"
# cache: in this process's memory (one `gridgov serve`, all its threads), or with
# GRIDGOV_LOGIN_THROTTLE_CACHE=database in a table that several web servers share.
GRIDGOV_LOGIN_THROTTLE_ATTEMPTS = env_int("GRIDGOV_LOGIN_THROTTLE_ATTEMPTS", 10)
GRIDGOV_LOGIN_THROTTLE_MINUTES = env_int("GRIDGOV_LOGIN_THROTTLE_MINUTES", 15)
_throttle_cache = os.environ.get("GRIDGOV_LOGIN_THROTTLE_CACHE", "memory").strip().lower()
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "login": (
        {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "gridgov_login_throttle",
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
        if _throttle_cache == "database"
        else {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "gridgov-login",
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    ),
}
GRIDGOV_IDLE_TIMEOUT_MINUTES = env_int("GRIDGOV_IDLE_TIMEOUT_MINUTES", 30)
GRIDGOV_AUDIT_RETENTION_DAYS = max(180, env_int("GRIDGOV_AUDIT_RETENTION_DAYS", 180))
GRIDGOV_API_TOKEN_DAYS = env_int("GRIDGOV_API_TOKEN_DAYS", 30)
# Map tiles: none by default (government networks are often offline). Set a URL template such
# as https://tile.example.org/{z}/{x}/{y}.png to show a base map under the grid polygons.
# Cases: the area that receives reports outside every grid (a county code; default: the
# top-most county of the tree), and what an unsatisfied rating does (never | first | always).
GRIDGOV_CASE_POOL_AREA_CODE = os.environ.get("GRIDGOV_CASE_POOL_AREA_CODE") or None
GRIDGOV_REOPEN_ON_UNSATISFIED = os.environ.get("GRIDGOV_REOPEN_ON_UNSATISFIED", "first")
GRIDGOV_PHOTO_MAX_BYTES = env_int("GRIDGOV_PHOTO_MAX_BYTES", 10 * 1024 * 1024)
# Largest document (PDF, DOCX, XLSX) an attachment may be (gridgov.kernel.attachments).
GRIDGOV_DOCUMENT_MAX_BYTES = env_int("GRIDGOV_DOCUMENT_MAX_BYTES", 20 * 1024 * 1024)
# Excel imports (rosters, party members): rows per file, upload size, unpacked size.
GRIDGOV_EXCEL_MAX_ROWS = env_int("GRIDGOV_EXCEL_MAX_ROWS", 100_000)
GRIDGOV_EXCEL_MAX_BYTES = env_int("GRIDGOV_EXCEL_MAX_BYTES", 30 * 1024 * 1024)
GRIDGOV_EXCEL_MAX_UNPACKED = env_int("GRIDGOV_EXCEL_MAX_UNPACKED", 400 * 1024 * 1024)
# Open311 GeoReport v2 (/open311/v2/).
GRIDGOV_OPEN311_JURISDICTION = os.environ.get("GRIDGOV_OPEN311_JURISDICTION", "gridgov")
GRIDGOV_OPEN311_CONTACT = os.environ.get("GRIDGOV_OPEN311_CONTACT", "")
GRIDGOV_OPEN311_KEY_SERVICE = os.environ.get("GRIDGOV_OPEN311_KEY_SERVICE", "")
# Command-centre alerts (gridgov.command.alerts; docs/command-centre.md, "Alerts").
GRIDGOV_ALERT_MAX_HITS = env_int("GRIDGOV_ALERT_MAX_HITS", 500)  # per rule and run
GRIDGOV_ALERT_NOTIFY_MAX = env_int("GRIDGOV_ALERT_NOTIFY_MAX", 20)  # notices per person and run
GRIDGOV_ALERT_OVERDUE_DAYS = env_int("GRIDGOV_ALERT_OVERDUE_DAYS", 3)  # working days
GRIDGOV_ALERT_OVERDUE_STOCK = env_int("GRIDGOV_ALERT_OVERDUE_STOCK", 10)  # street/community
GRIDGOV_ALERT_REPEAT_COUNT = env_int("GRIDGOV_ALERT_REPEAT_COUNT", 3)  # one grid, 7 days
GRIDGOV_ALERT_SPIKE_FACTOR = env_int("GRIDGOV_ALERT_SPIKE_FACTOR", 2)  # × same-weekday mean
GRIDGOV_ALERT_SPIKE_MIN = env_int("GRIDGOV_ALERT_SPIKE_MIN", 10)  # cases today at least
GRIDGOV_ALERT_RETENTION_DAYS = env_int("GRIDGOV_ALERT_RETENTION_DAYS", 180)  # cleared ones

# Notifications: the inbox always; e-mail only when a mail server is configured.
GRIDGOV_BASE_URL = os.environ.get("GRIDGOV_BASE_URL", "")
GRIDGOV_DIGEST_HOUR = env_int("GRIDGOV_DIGEST_HOUR", 8)  # the daily overdue digest, local time
EMAIL_HOST = os.environ.get("GRIDGOV_EMAIL_HOST", "")
EMAIL_PORT = env_int("GRIDGOV_EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("GRIDGOV_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("GRIDGOV_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("GRIDGOV_EMAIL_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("GRIDGOV_EMAIL_FROM", "gridgov@localhost")
GRIDGOV_NOTIFICATION_CHANNELS = ["gridgov.notifications.channels.LogChannel"] + (
    ["gridgov.notifications.channels.EmailChannel"] if EMAIL_HOST else []
)

GRIDGOV_TILE_URL = os.environ.get("GRIDGOV_TILE_URL", "")
GRIDGOV_TILE_ATTRIBUTION = os.environ.get("GRIDGOV_TILE_ATTRIBUTION", "")

SESSION_COOKIE_AGE = 12 * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False
CSRF_FAILURE_VIEW = "gridgov.core.views.csrf_failure"

_secure = env_bool("GRIDGOV_SECURE", False)
SESSION_COOKIE_SECURE = _secure
CSRF_COOKIE_SECURE = _secure
SECURE_SSL_REDIRECT = _secure
# HSTS with GRIDGOV_SECURE=1: a year by default (GRIDGOV_HSTS_SECONDS; start small, e.g. 300,
# while trying TLS out), for the host's subdomains too. "preload" asks browsers to ship the
# domain in their built-in HTTPS-only list, a commitment that is slow to undo: off unless an
# office chooses it (GRIDGOV_HSTS_PRELOAD=1) and then submits the domain to the list itself.
SECURE_HSTS_SECONDS = env_int("GRIDGOV_HSTS_SECONDS", 31536000) if _secure else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = _secure
SECURE_HSTS_PRELOAD = _secure and env_bool("GRIDGOV_HSTS_PRELOAD", False)
if not SECURE_HSTS_PRELOAD:
    # check --deploy's "SECURE_HSTS_PRELOAD is not True": leaving preload off is the default.
    SILENCED_SYSTEM_CHECKS = ["security.W021"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if _secure else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp). Everything is served by the site itself (vendored
# Bootstrap, htmx, Leaflet, ECharts; no CDN, no inline <script>, no eval); images may also be
# data:/blob: (photo previews, Leaflet and ECharts) and map tiles from GRIDGOV_TILE_URL's host.
# Style attributes are allowed (style-src-attr): ECharts' tooltips, htmx-swapped progress bars
# and a few templates set them; <style> elements and outside stylesheets are not.
# GRIDGOV_CSP_REPORT_ONLY=1 sends the policy as Report-Only (to try a change first).
# GRIDGOV_TILE_URL may name several layers, separated by spaces.
_tile_origins = sorted({o for url in GRIDGOV_TILE_URL.split() if (o := source_origin(url))})
_csp = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:", *_tile_origins],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
if env_bool("GRIDGOV_CSP_REPORT_ONLY", False):
    CONTENT_SECURITY_POLICY_REPORT_ONLY = _csp
else:
    CONTENT_SECURITY_POLICY = _csp

# --- Internationalisation ------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "gridgov_language"
# Written by set_language (the language switch, a form POST) and read only by the server.
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = _secure
# The time zone of dates shown, "local days" of the indicators, the working-time calendar and
# the log's timestamps (GRIDGOV_TIME_ZONE, an IANA name; Asia/Urumqi for 新疆 offices that keep
# local time). Stored times are UTC whatever it is.
TIME_ZONE = time_zone()
GRIDGOV_WORK_TIMEZONE = TIME_ZONE
USE_I18N = True
USE_TZ = True

# --- Static and media ----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise serves collected files from here, if any
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- Background work -----------------------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": os.environ.get("GRIDGOV_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# --- Logging: never personal data; timestamps in TIME_ZONE with their offset
# (2026-03-01T09:30:00.123+08:00); a refused Host header and other suspicious requests (client
# errors answered 400) are one WARNING line without a traceback (gridgov.core.logs).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {
            "()": "gridgov.core.logs.OffsetFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        }
    },
    "filters": {"quiet_security": {"()": "gridgov.core.logs.QuietSecurityFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["quiet_security"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("GRIDGOV_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"level": "ERROR"},
        # On the logger too, so that every handler (and pytest's caplog) gets the quiet record.
        "django.security.DisallowedHost": {"filters": ["quiet_security"]},
        "django.server": {"level": "WARNING"},
    },
}

# /health (gridgov.core.health): the worker's heartbeat (written every minute) is stale after
# this many minutes, and the data folder's file system needs this much free space.
GRIDGOV_HEALTH_WORKER_MINUTES = env_int("GRIDGOV_HEALTH_WORKER_MINUTES", 10)
GRIDGOV_HEALTH_MIN_FREE_MB = env_int("GRIDGOV_HEALTH_MIN_FREE_MB", 1024)

NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 500
