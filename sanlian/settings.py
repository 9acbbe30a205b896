"""Settings for Sanlian, read from the environment (see docs/configuration.md)."""

import secrets
from datetime import timedelta
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from sanlian.database import database_from_url, default_sqlite_url
from sanlian.env import SettingError, env_bool, env_choice, env_int, env_list, env_str

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
    SECRET_KEY = env_str("SANLIAN_SECRET_KEY")
    if len(SECRET_KEY) < 50:
        raise SettingError("SANLIAN_SECRET_KEY must be at least 50 characters in production.")
else:
    SECRET_KEY = env_str("SANLIAN_SECRET_KEY", "") or _development_secret_key()


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
    PII_KEY = env_str("SANLIAN_PII_KEY")
    try:
        from cryptography.fernet import Fernet

        Fernet(PII_KEY.encode())
    except ValueError as error:
        raise SettingError(
            "SANLIAN_PII_KEY is not a valid key; make one with "
            '`python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key())"`.'
        ) from error
else:
    PII_KEY = env_str("SANLIAN_PII_KEY", "") or _development_pii_key()

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
    "django_tasks",
    "django_tasks_db",
    "jobs",
    "api",
    "sanlian",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "api.middleware.ApiPathsMiddleware",  # one JSON shape for 404/405, slash or none
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.HtmxLoginRedirectMiddleware",
    "accounts.middleware.AbsoluteSessionLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
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
                "accounts.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": database_from_url(env_str("DATABASE_URL", default_sqlite_url(BASE_DIR))),
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

# Lockout after 5 failures, per account and per address, for 15 minutes.
AXES_FAILURE_LIMIT = env_int("SANLIAN_LOCKOUT_FAILURES", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("SANLIAN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# Idle timeout: the cookie lives 30 minutes and every request renews it.
SESSION_COOKIE_AGE = env_int("SANLIAN_SESSION_IDLE_MINUTES", 30, minimum=1) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_ABSOLUTE_SECONDS = env_int("SANLIAN_SESSION_ABSOLUTE_HOURS", 12, minimum=1) * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
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
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SANLIAN_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SANLIAN_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    if env_bool("SANLIAN_BEHIND_PROXY", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
        # Count lockouts against the client's address, not the proxy's (one proxy hop).
        AXES_IPWARE_PROXY_COUNT = env_int("SANLIAN_PROXY_COUNT", 1, minimum=1)
        AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]

UNITS_PAGE_SIZE = 50

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("SANLIAN_LOG_LEVEL", "WARNING")},
}
