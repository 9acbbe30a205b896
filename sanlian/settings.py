"""Settings for Sanlian, read from the environment (see docs/configuration.md)."""

import secrets
from datetime import timedelta
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from sanlian.database import database_from_url, default_sqlite_url
from sanlian.env import (
    SettingError,
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_secret,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("SANLIAN_VAR_DIR", str(BASE_DIR / "var")))

SANLIAN_ENV = env_choice("SANLIAN_ENV", "development", {"development", "production"})
PRODUCTION = SANLIAN_ENV == "production"


def _development_secret_key() -> str:
    # Development only: one random key per checkout, kept outside the repository.
    key_file = VAR_DIR / "secret_key.txt"
    if key_file.exists():
        return key_file.read_text().strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


if PRODUCTION:
    SECRET_KEY = env_secret("SANLIAN_SECRET_KEY")
    if len(SECRET_KEY) < 50:
        raise SettingError("SANLIAN_SECRET_KEY must be at least 50 characters in production.")
else:
    SECRET_KEY = env_secret("SANLIAN_SECRET_KEY", "") or _development_secret_key()


def _development_pii_key() -> str:
    # Development only: the key that encrypts ID numbers and phones, outside the database.
    key_file = VAR_DIR / "pii_key.txt"
    if key_file.exists():
        return key_file.read_text().strip()
    from cryptography.fernet import Fernet

    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key().decode()
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


if PRODUCTION:
    PII_KEY = env_secret("SANLIAN_PII_KEY")
    try:
        from cryptography.fernet import Fernet

        Fernet(PII_KEY.encode())
    except ValueError as error:
        raise SettingError(
            "SANLIAN_PII_KEY is not a valid key; make one with `sanlian keys generate`."
            " SANLIAN_PII_KEY 不是有效的密钥，请用 `sanlian keys generate` 生成。"
        ) from error
else:
    PII_KEY = env_secret("SANLIAN_PII_KEY", "") or _development_pii_key()
# --- Go live (issue 13): old keys a `sanlian keys rotate` still reads (comma-separated) ---
PII_OLD_KEYS = [k.strip() for k in env_secret("SANLIAN_PII_OLD_KEYS", "").split(",") if k.strip()]

DEBUG = env_bool("SANLIAN_DEBUG", default=not PRODUCTION)
if PRODUCTION and DEBUG:
    raise SettingError("SANLIAN_DEBUG cannot be true in production.")

ALLOWED_HOSTS = env_list(
    "SANLIAN_ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise SettingError("SANLIAN_ALLOWED_HOSTS is required in production.")
CSRF_TRUSTED_ORIGINS = env_list("SANLIAN_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "core",
    "audit",
    "orgs",
    "accounts",
    "spreadsheets",
    "registers",
    "standards",
    "assessments",
    "campaigns",
    "dashboards",
    "reports",
    # jobs before django_tasks_db: its `db_worker` (with a heartbeat, issue 14) is the one run.
    "jobs",
    "django_tasks",
    "django_tasks_db",
    "api",
    "sanlian",
]

MIDDLEWARE = [
    "core.logs.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "sanlian.middleware.ProxyHeaderWarningMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "api.middleware.ApiPathsMiddleware",  # one JSON shape for 404/405, slash or none
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.HtmxLoginRedirectMiddleware",
    "accounts.middleware.AbsoluteSessionLimitMiddleware",
    "accounts.middleware.SessionRenewalMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    # Many users at once (issue 14): a write sent twice is applied once; the busy answers and
    # their retry last, so that the retry re-runs only the view.
    "sanlian.idempotency.IdempotencyMiddleware",
    "sanlian.busy.BusyMiddleware",
]

ROOT_URLCONF = "sanlian.urls"
WSGI_APPLICATION = "sanlian.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "sanlian" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "sanlian.context_processors.navigation",
            ],
        },
    },
]

# --- Go live (issue 13): the database ---
# Production names its database: a SQLite file that silently landed in the code checkout would be
# lost at the next upgrade. Development keeps its SQLite file under SANLIAN_VAR_DIR.
if PRODUCTION and not env_secret("DATABASE_URL", ""):
    raise SettingError(
        "生产环境必须设置 DATABASE_URL（postgres://用户:密码@主机:5432/库名，或明确的 "
        "sqlite:////srv/sanlian/var/sanlian.sqlite3）。"
        " DATABASE_URL is required in production (postgres://… or an explicit sqlite:///path)."
    )
DATABASES = {
    "default": database_from_url(env_secret("DATABASE_URL", default_sqlite_url(VAR_DIR))),
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Background work (imports…): django-tasks with its database backend; `sanlian db_worker` runs it.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# One policy (docs/decisions.md): length and a common-password check, no composition rules.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Go live (issue 13): lockout that a shared office address survives ---
# 15 minutes after 5 failures of one account from one address, 10 of one account from anywhere, or
# 30 from one address across accounts (a township office behind one NAT is many people).
AXES_FAILURE_LIMIT = env_int("SANLIAN_LOCKOUT_FAILURES", 5, minimum=1)
SANLIAN_LOCKOUT_ACCOUNT_FAILURES = env_int(
    "SANLIAN_LOCKOUT_ACCOUNT_FAILURES", max(10, AXES_FAILURE_LIMIT), minimum=AXES_FAILURE_LIMIT
)
SANLIAN_LOCKOUT_ADDRESS_FAILURES = env_int(
    "SANLIAN_LOCKOUT_ADDRESS_FAILURES", max(30, AXES_FAILURE_LIMIT), minimum=AXES_FAILURE_LIMIT
)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("SANLIAN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["username", ["username", "ip_address"], "ip_address"]
AXES_HANDLER = "accounts.lockout.PerParameterThresholdHandler"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# Idle timeout: the session lives 30 minutes from its last renewal; a logged-in request renews it
# when the last renewal is SESSION_RENEW_SECONDS old (accounts.middleware.SessionRenewalMiddleware),
# not on every request, so that a page view writes nothing (issue 14). An idle session therefore
# ends at most 30 minutes after the last request, and never later.
SESSION_COOKIE_AGE = env_int("SANLIAN_SESSION_IDLE_MINUTES", 30, minimum=1) * 60
SESSION_SAVE_EVERY_REQUEST = False
SESSION_RENEW_SECONDS = min(300, SESSION_COOKIE_AGE // 6)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_ABSOLUTE_SECONDS = env_int("SANLIAN_SESSION_ABSOLUTE_HOURS", 12, minimum=1) * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
# The shared catalogue: `locale/` in a checkout; an installed wheel carries it compiled inside the
# sanlian package (setup.py's build step), since `locale/` is not a package.
_CHECKOUT_LOCALE = BASE_DIR / "locale"
LOCALE_PATHS = [
    _CHECKOUT_LOCALE if _CHECKOUT_LOCALE.is_dir() else Path(__file__).parent / "project_locale"
]
# ISO dates on English pages; Chinese keeps Django's 2026年11月28日.
FORMAT_MODULE_PATH = ["sanlian.formats"]
TIME_ZONE = env_str("SANLIAN_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
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
MEDIA_ROOT = VAR_DIR / "media"
# Evidence uploads: checked by content, capped, served only through the app as attachments.
EVIDENCE_MAX_BYTES = env_int("SANLIAN_EVIDENCE_MAX_MB", 10, minimum=1) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
WHITENOISE_USE_FINDERS = not PRODUCTION
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# --- Go live (issue 13): plain HTTP on an intranet, only when asked for ---
# HTTPS stays the default; SANLIAN_ALLOW_PLAIN_HTTP=true lets a government intranet without
# certificates log in (no Secure cookies, no redirect, no HSTS), warned at start and by `check`.
ALLOW_PLAIN_HTTP = env_bool("SANLIAN_ALLOW_PLAIN_HTTP", False)
BEHIND_PROXY = env_bool("SANLIAN_BEHIND_PROXY", False)
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SANLIAN_SSL_REDIRECT", not ALLOW_PLAIN_HTTP)
    SECURE_HSTS_SECONDS = (
        0 if ALLOW_PLAIN_HTTP else env_int("SANLIAN_HSTS_SECONDS", 31536000, minimum=0)
    )
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = not ALLOW_PLAIN_HTTP
    CSRF_COOKIE_SECURE = not ALLOW_PLAIN_HTTP
    if BEHIND_PROXY:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
        # Count lockouts against the client's address, not the proxy's (one proxy hop).
        AXES_IPWARE_PROXY_COUNT = env_int("SANLIAN_PROXY_COUNT", 1, minimum=1)
        AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]

UNITS_PAGE_SIZE = 50

# --- Go live (issue 13): health and logs ---
# /readyz fails when the oldest task ready to run has waited longer than this (the worker is down).
SANLIAN_READY_QUEUE_MAX_SECONDS = env_int("SANLIAN_READY_QUEUE_MAX_MINUTES", 10, minimum=1) * 60
# Monitoring probes the app over plain HTTP on the host itself.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
# One JSON object a line in production (journald, log shippers); readable text in development.
# Every line of a request carries its request id, user and unit; the worker logs each task.
LOG_FORMAT = env_choice("SANLIAN_LOG_FORMAT", "json" if PRODUCTION else "text", {"json", "text"})
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "core.logs.RequestContextFilter"}},
    "formatters": {
        "json": {"()": "core.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["context"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("SANLIAN_LOG_LEVEL", "WARNING")},
    "loggers": {
        # The request log and the worker's task log, whatever the root level.
        "sanlian.request": {"level": env_str("SANLIAN_REQUEST_LOG_LEVEL", "INFO")},
        "sanlian.worker": {"level": "INFO"},
    },
}

# --- Many users at once (issue 14) ------------------------------------------------------------
# A web request waits at most this long for a row lock on PostgreSQL, then answers "系统繁忙，请稍后
# 重试" (sanlian.busy); 0 turns the limit off. Task workers set none.
SANLIAN_LOCK_TIMEOUT_SECONDS = env_int("SANLIAN_LOCK_TIMEOUT_SECONDS", 8, minimum=0)
