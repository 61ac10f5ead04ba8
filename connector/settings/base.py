"""Settings shared by every environment.

Everything an operator may want to change is read from the environment through django-environ
(an optional ``.env`` file in the project root is read first). ``docs/configuration.md`` lists
every variable with its default.
"""

from __future__ import annotations

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
_dotenv = BASE_DIR / ".env"
if _dotenv.is_file():
    environ.Env.read_env(str(_dotenv))

# Where the embedded defaults keep their files (SQLite database, embedded Celery broker).
DATA_DIR = Path(env.str("CONNECTOR_DATA_DIR", default=str(BASE_DIR / "var")))

DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_celery_beat",
    "import_export",
    "connector",
    "billbee",
    "bookkeeping",
    "payments",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # After the session (a user's chosen language), before CommonMiddleware: the console speaks
    # the language the user chose, else the browser's (Accept-Language), else LANGUAGE_CODE.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "connector.urls"
WSGI_APPLICATION = "connector.wsgi.application"

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


def _database_config() -> dict:
    default_sqlite = f"sqlite:///{DATA_DIR / 'connector.sqlite3'}"
    config = env.db("DATABASE_URL", default=default_sqlite)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        if config["NAME"] and config["NAME"] != ":memory:":
            Path(config["NAME"]).parent.mkdir(parents=True, exist_ok=True)
        # WAL + IMMEDIATE transactions let the web process, a Celery worker and the CLI share
        # one SQLite file without "database is locked" errors on concurrent writes.
        config.setdefault("OPTIONS", {}).update(
            {
                "timeout": 30,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            }
        )
    else:
        config.setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
        config.setdefault("CONN_HEALTH_CHECKS", True)
        if config["ENGINE"] == "django.db.backends.postgresql":
            # Parameters travel separately from the statement instead of being composed into
            # it in Python: the import writes wide rows thousands of times per second.
            config.setdefault("OPTIONS", {}).setdefault(
                "server_side_binding", env.bool("DATABASE_SERVER_SIDE_BINDING", default=True)
            )
    return config


DATABASES = {"default": _database_config()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# German first: the console, the reports and the e-mails speak German unless the user or the
# browser asks for English. Dates and numbers take one format per language (connector/formats).
LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="de")
LANGUAGES = [("de", "Deutsch"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["connector.formats"]
# Identifiers (order, shop and account numbers) are numbers too: no grouping by default; amounts
# are grouped by connector.formatting.
USE_THOUSAND_SEPARATOR = False
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Berlin")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))

# --- Stored credentials -----------------------------------------------------------------------
# Fernet keys (url-safe base64, 32 bytes) that encrypt the Billbee API password and API key at
# rest. Several keys separated by commas allow rotation: the first encrypts, all decrypt.
CREDENTIALS_KEYS: list[str] = env.list("CREDENTIALS_KEY", default=[])

# --- Import and export of the set-up in the console (django-import-export) ---------------------
# Importing needs the change permission of the model (the console also asks for the add
# permission), exporting the view permission.
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "change"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"

# --- Redis and Celery ---------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")

# The embedded default broker keeps messages as files under DATA_DIR/broker: it needs no server
# and works across processes on one machine (web, worker, beat, CLI). Production uses Redis.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
CELERY_BROKER_FOLDER = Path(env.str("CELERY_BROKER_FOLDER", default=str(DATA_DIR / "broker")))
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_FOLDER / "queue"),
        "data_folder_out": str(CELERY_BROKER_FOLDER / "queue"),
        "processed_folder": str(CELERY_BROKER_FOLDER / "processed"),
        "control_folder": str(CELERY_BROKER_FOLDER / "control"),
        "store_processed": False,
    }
    for _folder in ("queue", "processed", "control"):
        (CELERY_BROKER_FOLDER / _folder).mkdir(parents=True, exist_ok=True)
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 6 * 3600}
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# --- Billbee client -----------------------------------------------------------------------------
BILLBEE_DEFAULT_API_URL = env.str(
    "BILLBEE_DEFAULT_API_URL", default="https://api.billbee.io/api/v1"
)
# Redis that holds the shared request budget (2 req/s per endpoint per API key + user) so that
# several workers on several machines never exceed it together. Empty: in-process budget.
BILLBEE_THROTTLE_REDIS_URL = env.str("BILLBEE_THROTTLE_REDIS_URL", default=REDIS_URL)
# Requests per second per endpoint. Billbee's documented limit is 2; 0 switches pacing off (only
# for the sandbox benchmarks).
BILLBEE_RATE_LIMIT = env.float("BILLBEE_RATE_LIMIT", default=2.0)
# Every import is followed by booking its new and changed documents into the journal.
BOOK_AFTER_IMPORT = env.bool("BOOK_AFTER_IMPORT", default=True)
BILLBEE_TIMEOUT = env.float("BILLBEE_TIMEOUT", default=30.0)

# --- E-mail: payment reminders go out through Django's e-mail backend ----------------------------
# EMAIL_URL e.g. smtp+tls://user:password@mail.example.com:587; the default prints the
# e-mails on the console (nothing leaves the machine).
EMAIL_URL = env.str("EMAIL_URL", default="consolemail://")
vars().update(environ.Env.email_url_config(EMAIL_URL))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="webmaster@localhost")

# --- Leases: one import and one booking run per connection, on any number of workers ---------
# A running import or booking renews its lease every LEASE_RENEW_SECONDS from a thread of its
# own (also during one long Billbee request). A lease not renewed for IMPORT_STALE_AFTER /
# BOOKING_LEASE_SECONDS seconds (a few missed renewals: its worker was killed) is taken over.
LEASE_RENEW_SECONDS = env.float("LEASE_RENEW_SECONDS", default=10.0)
IMPORT_STALE_AFTER = env.float("IMPORT_STALE_AFTER", default=35.0)
BOOKING_LEASE_SECONDS = env.float("BOOKING_LEASE_SECONDS", default=35.0)

# --- Monitoring (docs/operations.md) -----------------------------------------------------------
# The bearer token /metrics wants (Authorization: Bearer <token>); empty: /metrics answers 404.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
# /healthz answers over plain HTTP too, so that a container health check on the app's own port
# is not redirected to HTTPS (it reveals nothing; every other page is redirected in production).
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "billbee.client": {"level": env.str("BILLBEE_LOG_LEVEL", default="INFO")},
        "django.db.backends": {"level": "WARNING"},
    },
}
