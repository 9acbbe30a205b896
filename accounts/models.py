import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from orgs.models import Level


class RoleKind(models.TextChoices):
    VILLAGE_OPERATOR = "village_operator", _("Village operator")
    TOWNSHIP_OFFICER = "township_officer", _("Township officer")
    COUNTY_OFFICER = "county_officer", _("County officer")
    CITY_REVIEWER = "city_reviewer", _("City reviewer")
    LEADER = "leader", _("Leader (read-only)")
    ADMINISTRATOR = "administrator", _("Administrator")


# The level of node each role is held on; None means any level.
ROLE_LEVELS = {
    RoleKind.VILLAGE_OPERATOR: Level.VILLAGE,
    RoleKind.TOWNSHIP_OFFICER: Level.TOWNSHIP,
    RoleKind.COUNTY_OFFICER: Level.COUNTY,
    RoleKind.CITY_REVIEWER: Level.CITY,
    RoleKind.LEADER: None,
    RoleKind.ADMINISTRATOR: None,
}


class Role(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="roles",
    )
    unit = models.ForeignKey(
        "orgs.OrgUnit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="roles"
    )
    kind = models.CharField(_("role"), max_length=32, choices=RoleKind.choices)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [
            models.UniqueConstraint(fields=["user", "unit", "kind"], name="role_unique_per_unit"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} @ {self.unit}"

    def clean(self):
        from django.core.exceptions import ValidationError

        level = ROLE_LEVELS.get(self.kind)
        if level is not None and self.unit_id and self.unit.level != level:
            raise ValidationError(
                {
                    "unit": _("A %(role)s holds the role on a %(level)s.")
                    % {"role": self.get_kind_display(), "level": Level(level).label}
                }
            )


TOKEN_PREFIX = "sl_"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for the API. Only its hash is stored; the raw value is shown once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    key_prefix = models.CharField(max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        return f"{self.name} ({self.key_prefix}…)"

    @staticmethod
    def new_raw_key() -> str:
        return TOKEN_PREFIX + secrets.token_urlsafe(32)
