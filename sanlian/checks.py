"""System checks for a real installation (issue 13): what `sanlian check --deploy` must say."""

from django.conf import settings
from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
from django.core import checks
from django.db import connection
from django.utils.translation import gettext as _


def static_manifest_missing() -> str | None:
    """The manifest's path when production's hashed static files were never collected."""
    if not isinstance(staticfiles_storage, ManifestFilesMixin):
        return None
    name = staticfiles_storage.manifest_name
    return None if staticfiles_storage.exists(name) else staticfiles_storage.path(name)


@checks.register("sanlian")
def check_static_manifest(app_configs, **kwargs):
    # Without the manifest every page answers 500 ("Missing staticfiles manifest entry").
    missing = static_manifest_missing()
    if missing is None:
        return []
    return [
        checks.Error(
            _("The static files were not collected: %(path)s is missing, so every page would fail.")
            % {"path": missing},
            hint=_("Run `sanlian upgrade` (or `sanlian collectstatic --noinput`)."),
            id="sanlian.E001",
        )
    ]


def database_description() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return _("SQLite file %(name)s (one server, light use)") % {"name": db["NAME"]}
    return _("PostgreSQL database %(name)s on %(host)s") % {
        "name": db["NAME"],
        "host": db.get("HOST") or "localhost",
    }


@checks.register("sanlian", deploy=True)
def check_which_database(app_configs, **kwargs):
    # Says which database a deployment uses, so a SQLite file is never a surprise.
    return [
        checks.Info(
            _("Database: %(description)s.") % {"description": database_description()},
            id="sanlian.I001",
        )
    ]


PLAIN_HTTP_WARNING = (
    "SANLIAN_ALLOW_PLAIN_HTTP=true：密码和会话以明文在网络上传输，只可用于封闭的内部网络。"
    " Plain HTTP is allowed: passwords and sessions cross the network unencrypted."
)


@checks.register("sanlian")
def check_plain_http(app_configs, **kwargs):
    if not (settings.PRODUCTION and settings.ALLOW_PLAIN_HTTP):
        return []
    return [
        checks.Warning(
            PLAIN_HTTP_WARNING,
            hint=_("Serve HTTPS with a certificate from the internal CA (docs/deploy.zh.md)."),
            id="sanlian.W001",
        )
    ]


@checks.register("sanlian")
def check_pii_key(app_configs, **kwargs):
    # The worker runs the checks at start; the web application calls verify_pii_key in wsgi.py.
    from sanlian.keys import KeyMismatch, verify_pii_key

    try:
        verify_pii_key()
    except KeyMismatch as error:
        return [checks.Error(str(error), id="sanlian.E002")]
    return []
