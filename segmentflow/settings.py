"""SegmentFlow settings, driven by environment variables (twelve-factor).

Every variable is documented in README.md → Configuration. With none set, the project runs
on SQLite under var/ with DEBUG on, which is what `make run` wants on a laptop.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from segmentflow.email_url import EmailUrlError, mailer_from_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("SEGMENTFLOW_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    try:
        return int(value) if value else default
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from exc


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "insecure-development-key-set-SECRET_KEY-in-production"  # noqa: S105

# Old keys still accepted for signatures (sessions, unsubscribe links) after a rotation.
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS", "")

SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", SITE_URL)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",
    "django_tasks_db",
    "axes",
    "segmentflow",
    "apps.accounts",
    "apps.profiles",
    "apps.assets",
    "apps.brand_kits",
    "apps.email_templates",
    "apps.sending",
    "apps.events",
    "apps.demo",
    "anymail",
]

MIDDLEWARE = [
    "segmentflow.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Inside the two above, so that the error responses it writes get their headers.
    "segmentflow.middleware.ApiEnvelopeMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "apps.accounts.middleware.CurrentOrganizationMiddleware",
    "apps.accounts.middleware.HtmxMessagesMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "segmentflow.urls"
WSGI_APPLICATION = "segmentflow.wsgi.application"
ASGI_APPLICATION = "segmentflow.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "apps.accounts.context_processors.dashboard",
            ],
        },
    },
]

DATABASE_URL = os.environ.get("DATABASE_URL", "") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions and WAL let gunicorn threads and the worker share the file
    # without "database is locked" errors on lock upgrades.
    # Reusing connections saves an open/close (and a WAL checkpoint) per request.
    DATABASES["default"]["CONN_MAX_AGE"] = 600
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["TEST"] = {"NAME": os.environ.get("TEST_DATABASE_NAME") or None}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dashboard:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Login throttling (django-axes): 5 wrong passwords for one account from one address lock that
# pair out for SEGMENTFLOW_LOGIN_COOLOFF_MINUTES (each further try restarts the wait). The lock is
# per account *and* address, so an attacker elsewhere can never lock the owner out, and it
# ends by itself; `manage.py axes_reset` lifts every lock at once.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("SEGMENTFLOW_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("SEGMENTFLOW_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The login form posts the email as "username" (Django's AuthenticationForm).
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "apps.accounts.views.login_locked_out"
# The client address is REMOTE_ADDR; behind a proxy, set AXES_IPWARE_PROXY_COUNT accordingly.
AXES_IPWARE_META_PRECEDENCE_ORDER: tuple[str, ...] = ("REMOTE_ADDR",)
AXES_IPWARE_PROXY_COUNT = env_int("SEGMENTFLOW_TRUSTED_PROXY_COUNT", 0) or None
if AXES_IPWARE_PROXY_COUNT:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
# Successful logins are not logged row by row; failures are kept by axes to count them.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
# Uploaded files (Assets): local files under MEDIA_ROOT, served by this app, unless an S3 bucket
# is configured. apps/assets/storage.py is the only code that knows which (upload sessions).
SEGMENTFLOW_S3_BUCKET = os.environ.get("SEGMENTFLOW_S3_BUCKET", "")
SEGMENTFLOW_S3_ENDPOINT_URL = os.environ.get("SEGMENTFLOW_S3_ENDPOINT_URL", "")
# Public base of object URLs (a CDN or the bucket's website), e.g. https://cdn.example.com/media.
SEGMENTFLOW_S3_PUBLIC_BASE_URL = os.environ.get("SEGMENTFLOW_S3_PUBLIC_BASE_URL", "").rstrip("/")
DEFAULT_STORAGE: dict[str, object] = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
if SEGMENTFLOW_S3_BUCKET:
    DEFAULT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": SEGMENTFLOW_S3_BUCKET,
            "region_name": os.environ.get("SEGMENTFLOW_S3_REGION") or None,
            "endpoint_url": SEGMENTFLOW_S3_ENDPOINT_URL or None,
            "access_key": os.environ.get("SEGMENTFLOW_S3_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("SEGMENTFLOW_S3_SECRET_ACCESS_KEY") or None,
            "signature_version": "s3v4",
            # S3-compatible stores (MinIO, R2, moto…) rarely resolve bucket sub-domains.
            "addressing_style": "path" if SEGMENTFLOW_S3_ENDPOINT_URL else None,
            # Keys are content-addressed and images go into emails: plain, unsigned URLs.
            "querystring_auth": False,
            "file_overwrite": True,
            "default_acl": None,
        },
    }
STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
# whitenoise warns at start-up when STATIC_ROOT is missing, even when serving from the finders.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)


def _upload_origins() -> list[str]:
    """Where the dashboard's uploader PUTs files: this site, or the S3 endpoint's origin."""
    if not SEGMENTFLOW_S3_BUCKET:
        return []
    if SEGMENTFLOW_S3_ENDPOINT_URL:
        parts = urlsplit(SEGMENTFLOW_S3_ENDPOINT_URL)
        return [f"{parts.scheme}://{parts.netloc}"]
    return ["https://*.amazonaws.com"]


# Content-Security-Policy (Django's own middleware) on every page. Scripts only from our static
# files (a nonce for any inline one); no plugins, no <base>, no framing, forms post here. Styles
# allow inline: brand colors are style attributes, and the email previews (srcdoc iframes, which
# inherit this policy) are inline-styled HTML. Images may come from anywhere an email's do.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:", "blob:", "https:", "http:"],
    "font-src": [CSP.SELF, "data:", "https:"],
    "connect-src": [CSP.SELF, *_upload_origins()],
    "frame-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = SITE_URL.startswith("https://")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# The API refuses bodies over 1 MiB with 413 payload_too_large (api-contract.md → Transport).
API_MAX_BODY_BYTES = 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = API_MAX_BODY_BYTES

# Sending domains: DNS checks go to these servers (comma-separated host or host:port; empty: the
# system resolver), and SPF must carry this mechanism (e.g. include:amazonses.com; empty: any
# single SPF record that does not end in +all or ?all passes).
SEGMENTFLOW_DNS_NAMESERVERS = os.environ.get("SEGMENTFLOW_DNS_NAMESERVERS", "")
SEGMENTFLOW_SPF_INCLUDE = os.environ.get("SEGMENTFLOW_SPF_INCLUDE", "").strip()
# Tasks that reschedule themselves, queued by `manage.py schedule_housekeeping` (make run).
SEGMENTFLOW_PERIODIC_TASKS = [
    "apps.sending.tasks.check_sending_domains",
    "apps.sending.tasks.sweep_email_sends",
    "apps.events.tasks.sweep_journey_runs",
]
# Seconds one DNS lookup of a domain check may take in all.
SEGMENTFLOW_DNS_TIMEOUT = float(os.environ.get("SEGMENTFLOW_DNS_TIMEOUT", "") or 2.5)

# Email delivery (README → Email delivery). EMAIL_URL picks the mailer the delivery engine
# sends with: unset, the outbox (messages stored, nothing delivered, sends flagged sandbox).
try:
    MAILERS = {
        "default": mailer_from_url(
            os.environ.get("EMAIL_URL", ""),
            timeout=float(os.environ.get("SEGMENTFLOW_SMTP_TIMEOUT", "") or 30),
        )
    }
except EmailUrlError as exc:
    raise ImproperlyConfigured(str(exc)) from exc
# Provider webhooks (django-anymail) authenticate with HTTP basic auth: "user:password".
# Without it the webhook endpoints refuse every call.
ANYMAIL = {"WEBHOOK_SECRET": os.environ.get("ANYMAIL_WEBHOOK_SECRET", "") or None}
# Retries of a failed attempt (connection refused, timeout, 4xx): the first after RETRY_BASE
# seconds, doubling with jitter, `failed` after MAX_ATTEMPTS attempts.
SEGMENTFLOW_DELIVERY_RETRY_BASE = float(os.environ.get("SEGMENTFLOW_DELIVERY_RETRY_BASE", "") or 30)
SEGMENTFLOW_DELIVERY_MAX_ATTEMPTS = env_int("SEGMENTFLOW_DELIVERY_MAX_ATTEMPTS", 8)
# A claimed send not finished within the lease goes back to the queue (a worker was killed).
SEGMENTFLOW_DELIVERY_LEASE_SECONDS = env_int("SEGMENTFLOW_DELIVERY_LEASE_SECONDS", 300)
SEGMENTFLOW_DELIVERY_BATCH_SIZE = env_int("SEGMENTFLOW_DELIVERY_BATCH_SIZE", 50)

# The Journey engine (README → Journeys): runs claimed per round, how long a claim is leased
# (a killed worker's runs go again after it), and claims in a row that may die before a run
# is failed.
SEGMENTFLOW_JOURNEY_BATCH_SIZE = env_int("SEGMENTFLOW_JOURNEY_BATCH_SIZE", 100)
SEGMENTFLOW_JOURNEY_LEASE_SECONDS = env_int("SEGMENTFLOW_JOURNEY_LEASE_SECONDS", 120)
SEGMENTFLOW_JOURNEY_MAX_ATTEMPTS = env_int("SEGMENTFLOW_JOURNEY_MAX_ATTEMPTS", 5)
# The stored content of a send (its data, the message) is dropped after this many days.
SEGMENTFLOW_EMAIL_RETENTION_DAYS = env_int("SEGMENTFLOW_EMAIL_RETENTION_DAYS", 30)

# How /api/v1 turns an x-api-key into an active key (the accounts app owns keys).
SEGMENTFLOW_API_KEY_LOOKUP = "apps.accounts.actions.find_api_key"

# Per-key token bucket (api-contract.md → Rate limits): requests per second and burst size.
SEGMENTFLOW_RATE_LIMIT = env_int("SEGMENTFLOW_RATE_LIMIT", 1000)
SEGMENTFLOW_RATE_BURST = env_int("SEGMENTFLOW_RATE_BURST", 2000)
# How long an Idempotency-Key is remembered, and how long an unfinished request holds it.
SEGMENTFLOW_IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60
SEGMENTFLOW_IDEMPOTENCY_LEASE_SECONDS = 300
# Hosts (exact names) and networks (CIDRs) the server may fetch user-given URLs from despite the
# SSRF guard in segmentflow/fetching.py, e.g. an intranet site; empty: public addresses only.
SEGMENTFLOW_FETCH_ALLOW = env_list("SEGMENTFLOW_FETCH_ALLOW", "")
# Seconds one fetch of a user-given URL (a page, a stylesheet, a logo) may take in all; a brand
# import as a whole stops after SEGMENTFLOW_EXTRACTION_BUDGET seconds.
SEGMENTFLOW_FETCH_TIMEOUT = env_int("SEGMENTFLOW_FETCH_TIMEOUT", 10)
SEGMENTFLOW_EXTRACTION_BUDGET = env_int("SEGMENTFLOW_EXTRACTION_BUDGET", 60)

LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "INFO"}, "axes": {"level": "WARNING"}},
}
