"""MedConsult settings: one module, every value from the environment or `.env`.

`.env.example` lists each variable. A missing required value or a malformed one
stops start-up with a clear error rather than running half-configured.
"""

import os
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# Real environment variables win over the file. ENV_FILE="" reads no file at
# all (the tests do that, so a developer's .env cannot change what they prove).
ENV_FILE = os.environ.get("ENV_FILE", str(BASE_DIR / ".env"))
if ENV_FILE:
    environ.Env.read_env(ENV_FILE, overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_NAME = "MedConsult"
# Where links in emails point; the site's public address in production.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    # Floors from the bottom up (see DESIGN.md); medconsult composes them all.
    "core",
    "accounts",
    "profiles",
    "appointments",
    "consultations",
    "payments",
    "prescriptions",
    "medconsult",
    "medconsult.admin.config.MedConsultAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.forms",
    "django_htmx",
    "csp",
    "axes",
]

MIDDLEWARE = [
    # First, so every log line of the request carries its id (core.logs).
    "core.logs.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    # Camera and microphone: denied everywhere but the pages that ask (the consultation room).
    "core.permissions_policy.PermissionsPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.sessions.IdleSessionMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "medconsult.middleware.ViewerTimezoneMiddleware",
    # Axes last: it turns a locked-out login into its own response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "medconsult.urls"
WSGI_APPLICATION = "medconsult.wsgi.application"

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
                "core.context_processors.site",
                "core.context_processors.notifications",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
# SQLite is only the zero-set-up default for `make run`; production and CI use
# PostgreSQL. Connections persist: opening one costs ~10 ms here, 50x a query.
DATABASES = {"default": env.db_url("DATABASE_URL", default="sqlite:///db.sqlite3")}
if (
    DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
    and DATABASES["default"]["NAME"] != ":memory:"
):
    DATABASES["default"]["NAME"] = str(BASE_DIR / DATABASES["default"]["NAME"])
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent writers (two patients booking one slot on `make run`): every
    # transaction takes the write lock when it begins (IMMEDIATE), so none fails
    # half-way on upgrading a read lock; a writer waits up to `timeout` seconds
    # for the lock; WAL lets pages be read while someone writes. (In memory,
    # journal_mode answers "memory" and nothing changes.)
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": env.int("SQLITE_TIMEOUT", default=5),
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
        }
    )
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=600)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Search runs short queries: JIT compilation costs more than it saves, and
    # random_page_cost 1.1 (SSD) lets the planner use the trigram and FTS indexes.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = env.str(
        "POSTGRES_OPTIONS", default="-c jit=off -c random_page_cost=1.1"
    )
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}
if env.str("CACHE_URL", default="").startswith(("redis://", "rediss://")):
    # Django's own Redis backend with the `redis` package (django-environ would pick
    # django-redis when that happens to be installed). The cache is shared by every
    # process, which is what lets a change reach them all (core.cache_versions).
    # Short socket timeouts: a Redis that hangs must fail a request quickly, not hold it.
    CACHES["default"]["BACKEND"] = "django.core.cache.backends.redis.RedisCache"
    CACHES["default"].setdefault("OPTIONS", {}).update(
        {
            "socket_connect_timeout": env.float("CACHE_SOCKET_TIMEOUT", default=1.0),
            "socket_timeout": env.float("CACHE_SOCKET_TIMEOUT", default=1.0),
        }
    )
# Sessions read from the cache first so a hot page does not cost a query for them.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# --- Accounts -------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "home"
AUTH_PASSWORD_VALIDATORS = [
    {
        # Our User has no username / first_name / last_name (Django's defaults).
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email", "full_name")},
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24
# Two weeks without use ends a session (staff: 30 minutes, accounts/sessions.py).
# Never saved just because a request came: the middleware records activity
# at most every few minutes.
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14
SESSION_SAVE_EVERY_REQUEST = False

# Login throttling: five wrong passwords for one email from one address lock
# that pair out for an hour; a correct login resets the count.
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 1
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/lockout.html"
AXES_IPWARE_PROXY_COUNT = env.int("AXES_IPWARE_PROXY_COUNT", default=0)
AXES_VERBOSE = False
AXES_USERNAME_CALLABLE = "accounts.throttle.login_username"

# --- Booking limits: one patient cannot empty a doctor's calendar ----------------
# Unpaid online holds a patient may have at once (a second one links to the first).
BOOKING_MAX_UNPAID_HOLDS = env.int("BOOKING_MAX_UNPAID_HOLDS", default=1)
# Upcoming active appointments (requested, held, confirmed) per patient: with one doctor, and in all.
BOOKING_MAX_UPCOMING_PER_DOCTOR = env.int("BOOKING_MAX_UPCOMING_PER_DOCTOR", default=2)
BOOKING_MAX_UPCOMING_TOTAL = env.int("BOOKING_MAX_UPCOMING_TOTAL", default=8)
# Booking and reschedule POSTs per user per minute; more are answered 429.
BOOKING_POSTS_PER_MINUTE = env.int("BOOKING_POSTS_PER_MINUTE", default=10)
# Sign-up POSTs per client address (as axes reads it) per hour; more are answered 429.
SIGNUP_POSTS_PER_HOUR = env.int("SIGNUP_POSTS_PER_HOUR", default=20)
# At least 1 each: 0 would refuse every booking (or sign-up) with a 429.
for _name in (
    "BOOKING_MAX_UNPAID_HOLDS",
    "BOOKING_MAX_UPCOMING_PER_DOCTOR",
    "BOOKING_MAX_UPCOMING_TOTAL",
    "BOOKING_POSTS_PER_MINUTE",
    "SIGNUP_POSTS_PER_HOUR",
):
    if globals()[_name] < 1:
        raise ImproperlyConfigured(f"{_name} must be at least 1.")

# --- Prescriptions (shared/CLINICAL.md) ------------------------------------------
# A "follow-up" is a consultation with the same doctor within this many months
# of an earlier one (the guidelines' period is uncertain: a setting).
PRESCRIPTION_FOLLOW_UP_MONTHS = env.int("PRESCRIPTION_FOLLOW_UP_MONTHS", default=6)
# Verification page views per client address per minute; more are answered 429.
RX_VERIFY_PER_MINUTE = env.int("RX_VERIFY_PER_MINUTE", default=30)
for _name in ("PRESCRIPTION_FOLLOW_UP_MONTHS", "RX_VERIFY_PER_MINUTE"):
    if globals()[_name] < 1:
        raise ImproperlyConfigured(f"{_name} must be at least 1.")

# --- Refund policy (appointments.refund_policy): what a patient's cancellation returns ---
# The whole fee up to this many hours before the start ...
REFUND_FULL_BEFORE_HOURS = env.float("REFUND_FULL_BEFORE_HOURS", default=4)
# ... this percentage of it up to this many hours before, and nothing later.
REFUND_PARTIAL_BEFORE_HOURS = env.float("REFUND_PARTIAL_BEFORE_HOURS", default=2)
REFUND_PARTIAL_PERCENT = env.int("REFUND_PARTIAL_PERCENT", default=50)
if not 0 <= REFUND_PARTIAL_BEFORE_HOURS <= REFUND_FULL_BEFORE_HOURS:
    raise ImproperlyConfigured("REFUND_PARTIAL_BEFORE_HOURS must be between 0 and REFUND_FULL_BEFORE_HOURS.")
if not 0 <= REFUND_PARTIAL_PERCENT <= 100:
    raise ImproperlyConfigured("REFUND_PARTIAL_PERCENT must be between 0 and 100.")

# --- Consultation room (consultations) --------------------------------------------
# The room opens this many minutes before the start ...
CONSULTATION_OPENS_MINUTES = env.int("CONSULTATION_OPENS_MINUTES", default=10)
# ... and takes follow-up messages for this many days after the doctor completes it.
CONSULTATION_FOLLOW_UP_DAYS = env.int("CONSULTATION_FOLLOW_UP_DAYS", default=7)
# A consultation the doctor has not started this long after its start is cancelled (full refund).
CONSULTATION_DOCTOR_NO_SHOW_MINUTES = env.int("CONSULTATION_DOCTOR_NO_SHOW_MINUTES", default=30)
# The doctor is nudged about a patient's message unanswered this long.
CONSULTATION_NUDGE_HOURS = env.int("CONSULTATION_NUDGE_HOURS", default=4)
# At most one "new message" email per consultation and recipient in this many minutes.
CONSULTATION_EMAIL_EVERY_MINUTES = env.int("CONSULTATION_EMAIL_EVERY_MINUTES", default=15)
# Messages one user may post per minute; more get a clear refusal (429).
CONSULTATION_POSTS_PER_MINUTE = env.int("CONSULTATION_POSTS_PER_MINUTE", default=20)
for _name in (
    "CONSULTATION_FOLLOW_UP_DAYS",
    "CONSULTATION_DOCTOR_NO_SHOW_MINUTES",
    "CONSULTATION_NUDGE_HOURS",
    "CONSULTATION_EMAIL_EVERY_MINUTES",
    "CONSULTATION_POSTS_PER_MINUTE",
):
    if globals()[_name] < 1:
        raise ImproperlyConfigured(f"{_name} must be at least 1.")
if CONSULTATION_OPENS_MINUTES < 0:
    raise ImproperlyConfigured("CONSULTATION_OPENS_MINUTES must not be negative.")

# --- My Records (prescriptions.records) -------------------------------------------
# A doctor keeps what the patient shared for this many days after their last
# appointment together; then only their own appointments and prescriptions.
RECORDS_SHARED_ACCESS_DAYS = env.int("RECORDS_SHARED_ACCESS_DAYS", default=30)
if RECORDS_SHARED_ACCESS_DAYS < 0:
    raise ImproperlyConfigured("RECORDS_SHARED_ACCESS_DAYS cannot be negative.")
RECORDS_PER_PAGE = env.int("RECORDS_PER_PAGE", default=20)
if RECORDS_PER_PAGE < 1:
    raise ImproperlyConfigured("RECORDS_PER_PAGE must be at least 1.")
# Uploads and exports per minute per patient (core.throttle).
RECORDS_POSTS_PER_MINUTE = env.int("RECORDS_POSTS_PER_MINUTE", default=10)
# Transcript PDFs (rendered on request) per minute per patient.
RECORDS_PDFS_PER_MINUTE = env.int("RECORDS_PDFS_PER_MINUTE", default=10)
if min(RECORDS_POSTS_PER_MINUTE, RECORDS_PDFS_PER_MINUTE) < 1:
    raise ImproperlyConfigured("RECORDS_POSTS_PER_MINUTE and RECORDS_PDFS_PER_MINUTE must be at least 1.")

# --- Payments (payments.gateway) ---------------------------------------------------
# "razorpay" takes real money; "fake" is the offline gateway (its own checkout
# page, real signatures with local secrets), for `make run` and the tests only.
PAYMENT_GATEWAY = env.str("PAYMENT_GATEWAY", default="fake" if DEBUG else "razorpay")
ALLOW_FAKE_GATEWAY = env.bool("ALLOW_FAKE_GATEWAY", default=False)
RAZORPAY_KEY_ID = env.str("RAZORPAY_KEY_ID", default="")
RAZORPAY_KEY_SECRET = env.str("RAZORPAY_KEY_SECRET", default="")
RAZORPAY_WEBHOOK_SECRET = env.str("RAZORPAY_WEBHOOK_SECRET", default="")
# Seconds to wait for Razorpay's API before the page offers a retry.
RAZORPAY_TIMEOUT = env.float("RAZORPAY_TIMEOUT", default=8.0)
if PAYMENT_GATEWAY not in ("razorpay", "fake"):
    raise ImproperlyConfigured('PAYMENT_GATEWAY must be "razorpay" or "fake".')
if PAYMENT_GATEWAY == "fake":
    if not (DEBUG or ALLOW_FAKE_GATEWAY):
        # A forgotten key must never hand out free consults.
        raise ImproperlyConfigured(
            "PAYMENT_GATEWAY=fake takes no real money: it runs only with DEBUG on or "
            "ALLOW_FAKE_GATEWAY=on. In production set PAYMENT_GATEWAY=razorpay with "
            "RAZORPAY_KEY_ID, RAZORPAY_KEY_SECRET and RAZORPAY_WEBHOOK_SECRET."
        )
    # The fake gateway signs exactly as Razorpay does, with local test secrets
    # unless real ones are set (then a webhook signed with the real secret passes too).
    RAZORPAY_KEY_ID = RAZORPAY_KEY_ID or "rzp_test_fake_local"
    RAZORPAY_KEY_SECRET = RAZORPAY_KEY_SECRET or "fake-key-secret-local-only"
    RAZORPAY_WEBHOOK_SECRET = RAZORPAY_WEBHOOK_SECRET or "fake-webhook-secret-local-only"
else:
    _missing = [
        name
        for name in ("RAZORPAY_KEY_ID", "RAZORPAY_KEY_SECRET", "RAZORPAY_WEBHOOK_SECRET")
        if not globals()[name]
    ]
    if _missing:
        raise ImproperlyConfigured(
            f"PAYMENT_GATEWAY=razorpay needs {', '.join(_missing)}. Without them no consult can be "
            "paid; for local development use PAYMENT_GATEWAY=fake with DEBUG on."
        )

# --- Video calls (consultations.ice, consultations.calls): peer-to-peer WebRTC ------
# The browsers send audio and video to each other; MedConsult carries only the
# signalling (offers, answers, candidates) over the room's poll. ICE servers as a
# JSON list of RTCIceServer objects, e.g.
# [{"urls": "stun:turn.example.com:3478"}, {"urls": ["turn:turn.example.com:3478?transport=udp"]}]
# Empty (the default) is enough when both browsers reach each other directly.
WEBRTC_ICE_SERVERS = env.json("WEBRTC_ICE_SERVERS", default=[])
if not isinstance(WEBRTC_ICE_SERVERS, list) or not all(
    isinstance(entry, dict) and isinstance(entry.get("urls"), (str, list)) and entry["urls"]
    for entry in WEBRTC_ICE_SERVERS
):
    raise ImproperlyConfigured('WEBRTC_ICE_SERVERS must be a JSON list of objects with "urls".')
# The secret shared with coturn (`use-auth-secret`, `static-auth-secret`): TURN entries
# without a username get per-call credentials minted with it, valid for TURN_CREDENTIAL_TTL s.
TURN_SHARED_SECRET = env.str("TURN_SHARED_SECRET", default="")
TURN_CREDENTIAL_TTL = env.int("TURN_CREDENTIAL_TTL", default=4 * 60 * 60)
# A consultation counts as "by video" (the prescription rules, CLINICAL.md list A) only
# when a call was connected with video on both sides for at least this many seconds.
VIDEO_CONSULT_MIN_SECONDS = env.int("VIDEO_CONSULT_MIN_SECONDS", default=60)
# Signalling posts (join, offer, answer, candidates, state, hang up) per call and user per minute.
VIDEO_SIGNAL_POSTS_PER_MINUTE = env.int("VIDEO_SIGNAL_POSTS_PER_MINUTE", default=30)
# Seconds a signalling message lives before it is ignored and deleted.
VIDEO_SIGNAL_TTL = env.int("VIDEO_SIGNAL_TTL", default=120)
# Seconds a call rings before it counts as missed.
VIDEO_RING_SECONDS = env.int("VIDEO_RING_SECONDS", default=60)
# Seconds without a word from either browser after which a connected call counts as ended.
VIDEO_CALL_STALE_SECONDS = env.int("VIDEO_CALL_STALE_SECONDS", default=90)
for _name in (
    "TURN_CREDENTIAL_TTL",
    "VIDEO_CONSULT_MIN_SECONDS",
    "VIDEO_SIGNAL_POSTS_PER_MINUTE",
    "VIDEO_SIGNAL_TTL",
    "VIDEO_RING_SECONDS",
    "VIDEO_CALL_STALE_SECONDS",
):
    if globals()[_name] < 1:
        raise ImproperlyConfigured(f"{_name} must be at least 1.")

# --- Internationalisation and time ---------------------------------------------
LANGUAGE_CODE = "en-in"
TIME_ZONE = "Asia/Kolkata"
USE_I18N = True
USE_TZ = True

# --- Static and media files -----------------------------------------------------
STATIC_URL = "static/"
# Where collectstatic gathers the files whitenoise serves (relative: from the project folder).
STATIC_ROOT = BASE_DIR / env.str("STATIC_ROOT", default="staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
# Relative paths are taken from the project folder, wherever the server starts.
MEDIA_ROOT = BASE_DIR / env.str("MEDIA_ROOT", default="media")
# Private files (documents, reports, prescriptions) never live under MEDIA_ROOT.
PRIVATE_MEDIA_ROOT = BASE_DIR / env.str("PRIVATE_MEDIA_ROOT", default="private_media")
# Django serves public media itself for `make run` and the tests; production
# leaves that to the web server or object storage.
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=DEBUG)
# Uploaded files on this machine's disk ("local": one server, or a shared disk) or
# in an S3-compatible bucket ("s3": any number of app servers). With s3, private
# files live under private/ and are handed out by the download views as signed
# URLs valid PRIVATE_URL_SECONDS; public photos live under public/, which the
# bucket (or AWS_S3_CUSTOM_DOMAIN's CDN) serves to anyone.
STORAGE_BACKEND = env.str("STORAGE_BACKEND", default="local")
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
AWS_S3_ENDPOINT_URL = env.str("AWS_S3_ENDPOINT_URL", default="")
AWS_S3_REGION_NAME = env.str("AWS_S3_REGION_NAME", default="")
AWS_ACCESS_KEY_ID = env.str("AWS_ACCESS_KEY_ID", default="")
AWS_SECRET_ACCESS_KEY = env.str("AWS_SECRET_ACCESS_KEY", default="")
AWS_S3_CUSTOM_DOMAIN = env.str("AWS_S3_CUSTOM_DOMAIN", default="")
PRIVATE_URL_SECONDS = env.int("PRIVATE_URL_SECONDS", default=60)
if STORAGE_BACKEND not in ("local", "s3"):
    raise ImproperlyConfigured('STORAGE_BACKEND must be "local" or "s3".')
if STORAGE_BACKEND == "s3" and not AWS_STORAGE_BUCKET_NAME:
    raise ImproperlyConfigured("STORAGE_BACKEND=s3 needs AWS_STORAGE_BUCKET_NAME.")
# Where `manage.py backup --upload` puts the nightly backups (docs/deploy.md, "Backups").
BACKUP_BUCKET = env.str("BACKUP_BUCKET", default="")
if not 10 <= PRIVATE_URL_SECONDS <= 3600:
    raise ImproperlyConfigured("PRIVATE_URL_SECONDS must be between 10 and 3600.")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_STORAGE",
            default="whitenoise.storage.CompressedManifestStaticFilesStorage",
        ),
    },
}
# Where public photos are served from, for the Content-Security-Policy's img-src.
MEDIA_ORIGINS = []
if STORAGE_BACKEND == "s3":
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": AWS_S3_ENDPOINT_URL or None,
            "region_name": AWS_S3_REGION_NAME or None,
            "access_key": AWS_ACCESS_KEY_ID or None,
            "secret_key": AWS_SECRET_ACCESS_KEY or None,
            "location": "public",
            "file_overwrite": False,
            "querystring_auth": False,
            "custom_domain": AWS_S3_CUSTOM_DOMAIN or None,
            # Photo names are never reused (core.uploads): cache them for a year.
            "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
        },
    }
    # The bucket itself always: private images (chat thumbnails) redirect to its signed URLs.
    if AWS_S3_ENDPOINT_URL:
        MEDIA_ORIGINS = [AWS_S3_ENDPOINT_URL.rstrip("/")]
    else:
        MEDIA_ORIGINS = [f"https://{AWS_STORAGE_BUCKET_NAME}.s3.amazonaws.com"]
        if AWS_S3_REGION_NAME:
            MEDIA_ORIGINS.append(f"https://{AWS_STORAGE_BUCKET_NAME}.s3.{AWS_S3_REGION_NAME}.amazonaws.com")
    if AWS_S3_CUSTOM_DOMAIN:
        MEDIA_ORIGINS.append(f"https://{AWS_S3_CUSTOM_DOMAIN}")

# --- Email ----------------------------------------------------------------------
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
# An SMTP server that hangs must not hold a request (or an outbox claim) for long.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="MedConsult <care@medconsult.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security -------------------------------------------------------------------
# Each switch defaults to the production value whenever DEBUG is off, so a
# forgotten variable errs on the safe side; `make run`, the tests and the
# benchmark turn them off explicitly because they speak plain http.
_production = not DEBUG
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=_production)
# The load balancer's health check speaks plain http to the app server.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=_production)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=_production)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000 if _production else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=_production)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=_production)
if env.bool("SECURE_PROXY_SSL_HEADER", default=_production):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"

# No inline script or style anywhere: everything comes from static files.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", *MEDIA_ORIGINS],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}

# --- Logging: everything to stdout, for the process manager to collect ---------
# One JSON object per line (core.logs): time, level, logger, message, request_id,
# user_id and the event's context; never a request body, query string, cookie,
# card number or secret. LOG_FORMAT=plain gives readable lines for a terminal.
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOG_FORMAT = env.str("LOG_FORMAT", default="plain" if DEBUG else "json")
if LOG_FORMAT not in ("json", "plain"):
    raise ImproperlyConfigured('LOG_FORMAT must be "json" or "plain".')
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_context": {"()": "core.logs.RequestContextFilter"}},
    "formatters": {
        "json": {"()": "core.logs.JsonFormatter"},
        "plain": {
            "format": "{asctime} {levelname} {name} [{request_id} user={user_id}]: {message}",
            "style": "{",
        },
    },
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": LOG_FORMAT,
            "filters": ["request_context"],
        }
    },
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {
        # Django's own handlers (console with DEBUG, mail_admins) are replaced by
        # ours: 5xx responses reach stdout at error level through django.request.
        "django": {"handlers": ["stdout"], "level": LOG_LEVEL, "propagate": False},
        "django.db.backends": {"level": "INFO"},
        # Its debug lines carry the repr of a page's context (what patients wrote): never.
        "django.template": {"level": "INFO"},
        # At DEBUG these log request bodies (uploaded medical files) and signed headers.
        **{name: {"level": "INFO"} for name in ("botocore", "boto3", "s3transfer", "urllib3")},
    },
}

# --- Error reporting: Sentry, when SENTRY_DSN is set ------------------------------
# Errors (5xx, and every log line at error level) become Sentry events. No PII:
# no request bodies, cookies or query strings, the user as an id only, and the
# same scrubber as the logs (core.logs.sentry_before_send) on every event.
SENTRY_DSN = env.str("SENTRY_DSN", default="")
SENTRY_ENVIRONMENT = env.str("SENTRY_ENVIRONMENT", default="production")
SENTRY_TRACES_SAMPLE_RATE = env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0)
if not 0 <= SENTRY_TRACES_SAMPLE_RATE <= 1:
    raise ImproperlyConfigured("SENTRY_TRACES_SAMPLE_RATE must be between 0 and 1.")
if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration

    from core.logs import sentry_before_send

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=SENTRY_ENVIRONMENT,
        integrations=[DjangoIntegration()],
        send_default_pii=False,
        max_request_body_size="never",
        include_local_variables=False,
        traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE,
        before_send=sentry_before_send,
        before_send_transaction=sentry_before_send,
    )

FORM_RENDERER = "core.forms.FormRenderer"
