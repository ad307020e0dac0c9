"""Form-Bridge settings. Every value comes from the environment (django-environ, 12-factor);
the defaults are safe for local development and documented in .env.example."""
from pathlib import Path
from urllib.parse import urlsplit

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"  # local data: DynamoDB Local files, the SQLite staff database
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()
# A local .env is optional; real environments set variables directly.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Fails closed: only an explicit DJANGO_DEBUG=true (make run, the test settings) is development.
DEBUG = env.bool("DJANGO_DEBUG", default=False)
# Secrets that exist only for development; a system check refuses them outside DEBUG and in
# `check --deploy` (portal/checks.py).
DEV_SECRET_KEY = "django-insecure-dev-only-key-change-me-in-every-real-environment"
DEV_FIELD_ENCRYPTION_KEY = "ZGV2LW9ubHktZmllbGQta2V5LWRvLW5vdC11c2UtISE="
DEVELOPMENT_SECRETS = (DEV_SECRET_KEY, DEV_FIELD_ENCRYPTION_KEY)
if DEBUG:
    SECRET_KEY = env.str("DJANGO_SECRET_KEY", default=DEV_SECRET_KEY)
else:
    # No default outside development: a forgotten secret must stop the process, not weaken it.
    SECRET_KEY = env.str("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
# PORT is the web process's port (gunicorn.conf.py, `make run`): links follow it unless SITE_URL says otherwise.
SITE_URL = env.str("SITE_URL", default=f"http://127.0.0.1:{env.int('PORT', default=8000)}").rstrip("/")
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[SITE_URL])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",  # numbers and times for people (intcomma, naturaltime)
    "portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
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
# collectstatic's target (the release step); development serves from the finders instead.
STATIC_ROOT = env.str("STATIC_ROOT", default=None if DEBUG else str(BASE_DIR / "staticfiles"))

# --- DynamoDB ---------------------------------------------------------------------------
# Empty endpoint = real AWS DynamoDB (credentials from the usual AWS chain).
DYNAMODB_ENDPOINT_URL = env.str("DYNAMODB_ENDPOINT_URL", default="http://127.0.0.1:8001") or None
AWS_REGION = env.str("AWS_REGION", default="us-east-1")
DYNAMODB_TABLE_PREFIX = env.str("DYNAMODB_TABLE_PREFIX", default="formbridge-dev-")

# --- Mail ----------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Form-Bridge <no-reply@formbridge.local>")

# Fernet keys, newest first; older keys still decrypt so keys can be rotated. Required (no
# default) outside DEBUG: see the production safety block.
if DEBUG:
    FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[DEV_FIELD_ENCRYPTION_KEY])
else:
    FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS")

# Login throttling: this many failures per e-mail or per IP within the window are refused.
LOGIN_MAX_FAILURES = env.int("LOGIN_MAX_FAILURES", default=5)
LOGIN_FAILURE_WINDOW_SECONDS = env.int("LOGIN_FAILURE_WINDOW_SECONDS", default=15 * 60)

# Two-factor sign-in (TOTP): how long the "password ok" step waits for the code, and whether
# every staff account must use it (staff without it are sent to enrol after their password).
TWO_FACTOR_STEP_SECONDS = env.int("TWO_FACTOR_STEP_SECONDS", default=5 * 60)
# Wrong codes an account may send per UTC day (whoever sends them has its password); past it
# only recovery codes work until the day ends or the password changes, and the owner is e-mailed.
TWO_FACTOR_MAX_FAILURES_PER_DAY = env.int("TWO_FACTOR_MAX_FAILURES_PER_DAY", default=20)
STAFF_REQUIRE_2FA = env.bool("STAFF_REQUIRE_2FA", default=False)

# Domain ownership (portal/services/sites/domain_verification.py): where the TXT record is looked up
# (empty = the system's resolvers) and where the file is fetched. Tests point these at a local
# DNS server and a local HTTP server.
SITE_VERIFICATION_NAMESERVERS = env.list("SITE_VERIFICATION_NAMESERVERS", default=[])
SITE_VERIFICATION_DNS_PORT = env.int("SITE_VERIFICATION_DNS_PORT", default=53)
SITE_VERIFICATION_FILE_SCHEME = env.str("SITE_VERIFICATION_FILE_SCHEME", default="https")
SITE_VERIFICATION_FILE_PORT = env.int("SITE_VERIFICATION_FILE_PORT", default=None)
SITE_VERIFICATION_TIMEOUT_SECONDS = env.float("SITE_VERIFICATION_TIMEOUT_SECONDS", default=5.0)

# --- production safety -------------------------------------------------------------------
# Strict whenever DEBUG is off; every relaxation is an explicit opt-in.
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
# includeSubDomains/preload bind every subdomain of the operator's domain for a year (and the
# preload list for far longer): opt-in only, so Django's reminders about them are silenced.
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SILENCED_SYSTEM_CHECKS = ["security.W005", "security.W021"]
X_FRAME_OPTIONS = "DENY"

# Proxies in front of the web process. 0 (default): REMOTE_ADDR is the client and
# X-Forwarded-For/-Proto are ignored (anyone could send them). N: exactly N proxies of ours
# append to X-Forwarded-For, the client is the address the outermost one saw, and
# X-Forwarded-Proto is believed (run the app where only those proxies can reach it).
TRUSTED_PROXY_HOPS = env.int("TRUSTED_PROXY_HOPS", default=0)

# Once an account reaches LOGIN_MAX_FAILURES, it gets one attempt per this many seconds
# (slowed, not locked: the per-address limit is what blocks a guesser).
LOGIN_SLOWDOWN_SECONDS = env.int("LOGIN_SLOWDOWN_SECONDS", default=60)
# Public signup (/checkout/) and password-reset requests per client address per hour.
SIGNUP_MAX_PER_ADDRESS = env.int("SIGNUP_MAX_PER_ADDRESS", default=10)
PASSWORD_RESET_MAX_PER_ADDRESS = env.int("PASSWORD_RESET_MAX_PER_ADDRESS", default=10)
if TRUSTED_PROXY_HOPS > 0:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy on every response (django-csp): only our own scripts, styles and
# images, no inline script or style, never framed, forms post only to us.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}
# Permissions-Policy (django-permissions-policy): no powerful browser feature is used.
PERMISSIONS_POLICY = {feature: [] for feature in (
    "accelerometer", "camera", "geolocation", "gyroscope", "magnetometer", "microphone",
    "payment", "usb", "fullscreen",
)}

# --- files (issue 13) ------------------------------------------------------------------------
FILES_BACKEND = env.str("FILES_BACKEND", default="local").strip().lower()  # local | s3
FILES_LOCAL_ROOT = env.str("FILES_LOCAL_ROOT", default=str(VAR_DIR / "media"))
FILES_S3_BUCKET = env.str("FILES_S3_BUCKET", default="")
FILES_S3_PREFIX = env.str("FILES_S3_PREFIX", default="files")
FILES_S3_REGION = env.str("FILES_S3_REGION", default="") or env.str("AWS_REGION", default="us-east-1")
FILES_S3_ENDPOINT_URL = env.str("FILES_S3_ENDPOINT_URL", default="") or None  # S3-compatible stores, tests
FILES_S3_KMS_KEY_ID = env.str("FILES_S3_KMS_KEY_ID", default="")  # empty: SSE-S3 (AES256); set: SSE-KMS
# Signed download links: webhook payloads carry links valid this long (re-sent deliveries get
# fresh ones); the portal's own download links and S3's presigned redirects are short.
FILES_WEBHOOK_LINK_SECONDS = env.int("FILES_WEBHOOK_LINK_SECONDS", default=7 * 86400)
FILES_PORTAL_LINK_SECONDS = env.int("FILES_PORTAL_LINK_SECONDS", default=300)
FILES_S3_REDIRECT_SECONDS = env.int("FILES_S3_REDIRECT_SECONDS", default=60)
# E-mail destinations attach files up to this total and link the rest.
FILES_EMAIL_ATTACH_MAX_BYTES = env.int("FILES_EMAIL_ATTACH_MAX_BYTES", default=10 * 1024 * 1024)
# The sweeper (`manage.py sweep_files`, and the worker every FILES_SWEEP_INTERVAL_SECONDS)
# removes bytes no live submission references once they are older than this grace period.
FILES_SWEEP_GRACE_SECONDS = env.int("FILES_SWEEP_GRACE_SECONDS", default=3600)
FILES_SWEEP_INTERVAL_SECONDS = env.int("FILES_SWEEP_INTERVAL_SECONDS", default=3600)


def _files_storage(*, s3_location: str = FILES_S3_PREFIX, local_root: str = FILES_LOCAL_ROOT) -> dict:
    if FILES_BACKEND == "s3":
        extra = ({"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": FILES_S3_KMS_KEY_ID} if FILES_S3_KMS_KEY_ID
                 else {"ServerSideEncryption": "AES256"})
        return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
            "bucket_name": FILES_S3_BUCKET, "location": s3_location, "region_name": FILES_S3_REGION,
            "endpoint_url": FILES_S3_ENDPOINT_URL, "default_acl": None, "file_overwrite": False,
            "querystring_auth": True, "querystring_expire": FILES_S3_REDIRECT_SECONDS,
            "object_parameters": extra, "signature_version": "s3v4"}}
    return {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {
        "location": local_root, "file_permissions_mode": 0o600,
        "directory_permissions_mode": 0o700}}


# Agency logos: the same bucket (or disk) as uploads, beside them, not under them: the bucket's
# lifecycle rule expires only the uploads' prefix, and the upload sweeper skips `brand`.
BRAND_S3_PREFIX = f"{FILES_S3_PREFIX.rstrip('/')}-brand" if FILES_S3_PREFIX else "brand"


# Static files: hashed, compressed names from `collectstatic` (the release step) outside
# DEBUG, so WhiteNoise can let browsers cache them for a year; development serves straight
# from the finders, with no collect step.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Uploaded files of submissions (issue 13): local disk under var/media by default, S3 in
    # production (FILES_BACKEND=s3). Only portal/services/ingest/files.py reads or writes it.
    "files": _files_storage(),
    "brand": _files_storage(s3_location=BRAND_S3_PREFIX, local_root=str(Path(FILES_LOCAL_ROOT) / "brand")),
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage" if DEBUG
                    else "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG
BRAND_LOGO_MAX_BYTES = env.int("BRAND_LOGO_MAX_BYTES", default=200 * 1024)

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

# --- delivery --- (webhooks, e-mail) -------------------------------------------------------
# Hosts that may be called over http:// and may resolve to private/loopback addresses: for
# local development and tests only (DEBUG defaults to the loopback names). Empty in production.
DELIVERY_ALLOWED_HOSTS = env.list(
    "DELIVERY_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "::1"] if DEBUG else []
)
if DEBUG:  # the demo destination posts to the built-in inspector on SITE_URL (make run, seed_demo)
    DELIVERY_ALLOWED_HOSTS = [*DELIVERY_ALLOWED_HOSTS, (urlsplit(SITE_URL).hostname or "127.0.0.1")]
# Absolute deadline of one webhook request, from the start (DNS, connect, headers and body):
# a receiver dribbling its answer is cut off here. Portal actions (send test, retry now,
# re-send) use the same deadline.
DELIVERY_TIMEOUT_SECONDS = env.float("DELIVERY_TIMEOUT_SECONDS", default=10.0)  # 10-15 s in production
# Claim lease; raised automatically to the worst-case attempt + 30 s if set lower.
DELIVERY_LEASE_SECONDS = env.int("DELIVERY_LEASE_SECONDS", default=60)
# Attempts one worker keeps in flight to one destination (its other slots serve the rest).
DELIVERY_MAX_IN_FLIGHT_PER_DESTINATION = env.int("DELIVERY_MAX_IN_FLIGHT_PER_DESTINATION", default=4)
# Long-running workers divide the due queue's shards with leases of this length.
DELIVERY_SHARD_LEASE_SECONDS = env.float("DELIVERY_SHARD_LEASE_SECONDS", default=10.0)
# Circuit breaker: after this many failures in a row a destination's rows are held (not sent,
# their place kept) and one probe goes out at a time, at most every PROBE seconds.
DELIVERY_BREAKER_THRESHOLD = env.int("DELIVERY_BREAKER_THRESHOLD", default=10)
DELIVERY_BREAKER_PROBE_SECONDS = env.float("DELIVERY_BREAKER_PROBE_SECONDS", default=30.0)
# Integrations (Slack, Teams, Discord, Google Chat, HubSpot, Mailchimp, Google Sheets, Airtable)
# call their vendors' fixed hosts. Tests point a vendor at a local fake here; it is honoured
# only in a development process (DEBUG when the settings load: pytest-django turns DEBUG off
# inside each test, so the flag is fixed here), so production always calls the real hosts.
# Not read from the environment.
INTEGRATION_BASE_URLS: dict[str, str] = {}
INTEGRATION_OVERRIDES_ALLOWED = DEBUG
# SMTP socket timeout (Django's EmailBackend reads it), so e-mail destinations cannot hang.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)

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
# The read/action API (/api/v1/... with an API token): per token at most API_RATE_LIMIT
# requests in each fixed window of API_RATE_WINDOW_SECONDS (429 with Retry-After beyond).
API_RATE_LIMIT = env.int("API_RATE_LIMIT", default=120)
API_RATE_WINDOW_SECONDS = env.int("API_RATE_WINDOW_SECONDS", default=60)
API_PAGE_LIMIT_MAX = 100
# Notices (account events): form.silent after this many hours without a submission from a form
# that usually receives every day (a tenant may choose its own), checked every
# NOTICE_SILENT_CHECK_SECONDS by the worker; the notice outbox is looked at every
# NOTICE_PASS_SECONDS.
NOTICE_SILENT_HOURS = env.int("NOTICE_SILENT_HOURS", default=48)
NOTICE_SILENT_CHECK_SECONDS = env.int("NOTICE_SILENT_CHECK_SECONDS", default=900)
NOTICE_PASS_SECONDS = env.float("NOTICE_PASS_SECONDS", default=5.0)
# An Idempotency-Key replays the original answer for this long.
INGEST_IDEMPOTENCY_SECONDS = env.int("INGEST_IDEMPOTENCY_SECONDS", default=24 * 3600)
# Ingest's day counters are summed per process and written behind the requests every this
# many seconds (0: in the request). A process killed without warning loses at most that much
# of the counts (never a submission), and the quota may run over by what other processes hold.
INGEST_COUNTERS_FLUSH_SECONDS = env.float("INGEST_COUNTERS_FLUSH_SECONDS", default=1.0)
# --- cost per tenant (issue 17) ---
# Consumed capacity is written per tenant at most this often per worker process (delivery;
# ingest writes it with its counter update).
CAPACITY_FLUSH_SECONDS = env.float("CAPACITY_FLUSH_SECONDS", default=5.0)
# On-demand prices for the staff cost page (USD; AWS us-east-1 list prices by default).
COST_USD_PER_MILLION_WRITE_UNITS = env.str("COST_USD_PER_MILLION_WRITE_UNITS", default="0.625")
COST_USD_PER_MILLION_READ_UNITS = env.str("COST_USD_PER_MILLION_READ_UNITS", default="0.125")
COST_USD_PER_GB_MONTH = env.str("COST_USD_PER_GB_MONTH", default="0.25")
# Who gets the e-mail when a tenant's month crosses its cost threshold (comma-separated);
# empty: the e-mail addresses of active Django staff users.
COST_ALERT_EMAILS = env.list("COST_ALERT_EMAILS", default=[])
# The delivery worker checks a tenant's threshold after writing its units, at most this often.
# How often `manage.py deliver` checks every tenant's cost threshold (0: never; cron cost_alerts).
COST_ALERTS_PASS_SECONDS = env.float("COST_ALERTS_PASS_SECONDS", default=3600.0)
# --- ingest edge ---
# Retry-After (seconds) of the API's 503 problem while DynamoDB does not answer.
INGEST_UNAVAILABLE_RETRY_AFTER = env.int("INGEST_UNAVAILABLE_RETRY_AFTER", default=5)
# Per site and UTC day: distinct form ids counted by name (later new ones count as "(other)"),
# and spam posts stored (later spam is answered as usual but not stored).
INGEST_FORMS_PER_SITE_PER_DAY = env.int("INGEST_FORMS_PER_SITE_PER_DAY", default=50)
INGEST_SPAM_PER_SITE_PER_DAY = env.int("INGEST_SPAM_PER_SITE_PER_DAY", default=500)
# Distinct pages (host and path of meta.page_url) counted by name per site and UTC day (client
# reports' "pages that brought them"); later new pages count as "(other)".
INGEST_PAGES_PER_SITE_PER_DAY = env.int("INGEST_PAGES_PER_SITE_PER_DAY", default=25)
# Monthly client reports: how often `manage.py deliver` looks for reports to send (0: never;
# cron `manage.py reports_send`), and the days of the month (in the report's time zone) on
# which last month's report may still go out (the 1st, or later after an outage).
REPORTS_PASS_SECONDS = env.float("REPORTS_PASS_SECONDS", default=900.0)
REPORTS_SEND_DAYS = env.int("REPORTS_SEND_DAYS", default=3)
# Browser posts (/f/...): per site and client address at most INGEST_BROWSER_IP_LIMIT per
# INGEST_BROWSER_IP_WINDOW_SECONDS (on top of the per-site limit); at most
# INGEST_BROWSER_DAILY_CAP per site and UTC day count against the quota (a site may set its own).
INGEST_BROWSER_IP_LIMIT = env.int("INGEST_BROWSER_IP_LIMIT", default=10)
INGEST_BROWSER_IP_WINDOW_SECONDS = env.int("INGEST_BROWSER_IP_WINDOW_SECONDS", default=60)
INGEST_BROWSER_DAILY_CAP = env.int("INGEST_BROWSER_DAILY_CAP", default=1000)
# How many proxies of ours append to X-Forwarded-For (1 behind one load balancer): the client
# address is the entry that many from the right. 0: REMOTE_ADDR.
# CAPTCHA verification APIs (settings so tests can use a local fake) and their timeout.
CAPTCHA_TURNSTILE_VERIFY_URL = env("CAPTCHA_TURNSTILE_VERIFY_URL",
                                   default="https://challenges.cloudflare.com/turnstile/v0/siteverify")
CAPTCHA_HCAPTCHA_VERIFY_URL = env("CAPTCHA_HCAPTCHA_VERIFY_URL", default="https://api.hcaptcha.com/siteverify")
CAPTCHA_RECAPTCHA_VERIFY_URL = env("CAPTCHA_RECAPTCHA_VERIFY_URL",
                                   default="https://www.google.com/recaptcha/api/siteverify")
CAPTCHA_TIMEOUT_SECONDS = env.float("CAPTCHA_TIMEOUT_SECONDS", default=5.0)
# In-process caches of the ingest warm path (portal/services/ingest/cache.py): key, tenant and
# destinations for INGEST_CACHE_SECONDS (capped at 5: how long a revoked key or a suspended
# tenant may still get through); the month's usage for INGEST_USAGE_CACHE_SECONDS while below
# INGEST_USAGE_CACHE_FRACTION of the quota.
INGEST_CACHE_SECONDS = env.float("INGEST_CACHE_SECONDS", default=5.0)
INGEST_USAGE_CACHE_SECONDS = env.float("INGEST_USAGE_CACHE_SECONDS", default=30.0)
INGEST_USAGE_CACHE_FRACTION = env.float("INGEST_USAGE_CACHE_FRACTION", default=0.8)
# --- end ingest edge ---
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
