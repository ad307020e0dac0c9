"""Form-Bridge settings. Every value comes from the environment (django-environ, 12-factor);
the defaults are safe for local development and documented in .env.example."""
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"  # local data: DynamoDB Local files, the SQLite staff database
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()
# A local .env is optional; real environments set variables directly.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=True)
if DEBUG:
    SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="django-insecure-dev-only-key-change-me-in-every-real-environment")
else:
    # No default outside development: a forgotten secret must stop the process, not weaken it.
    SECRET_KEY = env.str("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[SITE_URL])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "portal.observability.middleware.IngestMetricsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "portal.middleware.DynamoUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "portal.middleware.DomainErrorMiddleware",
]

ROOT_URLCONF = "formbridge.urls"
WSGI_APPLICATION = "formbridge.wsgi.application"

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
            ],
        },
    },
]

# The SQL database holds only Django's staff accounts (django.contrib.auth).
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'staff.sqlite3'}")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Sessions for staff and tenants live in DynamoDB so any web process can serve any request.
SESSION_ENGINE = "portal.sessions"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 12)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

LOGIN_URL = "staff:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Static files are served by WhiteNoise straight from the finders, so no collectstatic step
# is needed; set STATIC_ROOT only if you collect them for a CDN.
STATIC_ROOT = env.str("STATIC_ROOT", default=None)
WHITENOISE_USE_FINDERS = True

# --- DynamoDB ---------------------------------------------------------------------------
# Empty endpoint = real AWS DynamoDB (credentials from the usual AWS chain).
DYNAMODB_ENDPOINT_URL = env.str("DYNAMODB_ENDPOINT_URL", default="http://127.0.0.1:8001") or None
AWS_REGION = env.str("AWS_REGION", default="us-east-1")
DYNAMODB_TABLE_PREFIX = env.str("DYNAMODB_TABLE_PREFIX", default="formbridge-dev-")

# --- Mail ----------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Form-Bridge <no-reply@formbridge.local>")

# Fernet keys, newest first; older keys still decrypt so keys can be rotated.
FIELD_ENCRYPTION_KEYS = env.list(
    "FIELD_ENCRYPTION_KEYS", default=["ZGV2LW9ubHktZmllbGQta2V5LWRvLW5vdC11c2UtISE="]
)

# Login throttling: this many failures per e-mail or per IP within the window are refused.
LOGIN_MAX_FAILURES = env.int("LOGIN_MAX_FAILURES", default=5)
LOGIN_FAILURE_WINDOW_SECONDS = env.int("LOGIN_FAILURE_WINDOW_SECONDS", default=15 * 60)

# --- Security (strict whenever DEBUG is off) -----------------------------------------------
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Django's default console handler is silent when DEBUG is off; log to stdout for gunicorn.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"stdout": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": "plain"}},
    "root": {"handlers": ["stdout"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
        "botocore": {"level": "WARNING"},
        "pynamodb": {"level": "WARNING"},
    },
}

# --- Delivery (webhooks, e-mail) ----------------------------------------------------------------
# Hosts that may be called over http:// and may resolve to private/loopback addresses: for
# local development and tests only (DEBUG defaults to the loopback names). Empty in production.
DELIVERY_ALLOWED_HOSTS = env.list(
    "DELIVERY_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "::1"] if DEBUG else []
)
DELIVERY_TIMEOUT_SECONDS = env.float("DELIVERY_TIMEOUT_SECONDS", default=10.0)  # 10-15 s in production
DELIVERY_LEASE_SECONDS = env.int("DELIVERY_LEASE_SECONDS", default=60)  # > timeout: a crashed worker's claim expires

# --- Ingest API (POST /api/v1/submissions, POST /f/{siteId}/{formId}) -------------------
# Bodies over this many bytes get 413 (checked on Content-Length before reading, then at
# most this + 1 bytes are read).
INGEST_MAX_BODY_BYTES = env.int("INGEST_MAX_BODY_BYTES", default=256 * 1024)
INGEST_MAX_FIELDS = env.int("INGEST_MAX_FIELDS", default=200)
INGEST_MAX_FIELD_NAME_LENGTH = env.int("INGEST_MAX_FIELD_NAME_LENGTH", default=100)
# Per API key (per site for browser form posts): at most INGEST_RATE_LIMIT requests in each
# fixed window of INGEST_RATE_WINDOW_SECONDS (default 50 per 5 s: 10/s sustained, bursts of
# 50), counted in DynamoDB so every web process shares the count. 429 + Retry-After above it.
INGEST_RATE_LIMIT = env.int("INGEST_RATE_LIMIT", default=50)
INGEST_RATE_WINDOW_SECONDS = env.int("INGEST_RATE_WINDOW_SECONDS", default=5)
# An Idempotency-Key replays the original answer for this long.
INGEST_IDEMPOTENCY_SECONDS = env.int("INGEST_IDEMPOTENCY_SECONDS", default=24 * 3600)
# Django refuses form bodies above this before our own limit could answer 413.
DATA_UPLOAD_MAX_MEMORY_SIZE = max(INGEST_MAX_BODY_BYTES + 1024, 2621440)

# --- operations ---------------------------------------------------------------------------
def _on_off(name: str, *, default: bool | None) -> bool | None:
    """on/off/true/false; unset = `default` (None: dynamo_migrate leaves the table as it is)."""
    raw = env.str(name, default="").strip().lower()
    if not raw:
        return default
    return raw in ("1", "on", "true", "yes")


# Applied by dynamo_migrate, reported by dynamo_migrate --check. Production (DEBUG off)
# defaults to point-in-time recovery and deletion protection on.
DYNAMODB_PITR = _on_off("DYNAMODB_PITR", default=None if DEBUG else True)
DYNAMODB_DELETION_PROTECTION = _on_off("DYNAMODB_DELETION_PROTECTION", default=None if DEBUG else True)
DYNAMODB_TTL = _on_off("DYNAMODB_TTL", default=True)  # off keeps expired items (TTL removes them)
# Uploaded files in S3 expire after this many days (the bucket's lifecycle rule in the
# template printed by `manage.py dynamo_cloudformation`).
FILES_RETENTION_DAYS = env.int("FILES_RETENTION_DAYS", default=365)

# --- metrics for operators (Prometheus) -----------------------------------------------------
# GET /metrics answers only with `Authorization: Bearer $METRICS_TOKEN`; unset = 404 (off).
# Several gunicorn workers share their counts through PROMETHEUS_MULTIPROC_DIR (gunicorn.conf.py).
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
