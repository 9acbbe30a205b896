from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def build_rollups_once(using: str = "default", **kwargs) -> None:
    """A database that had units before the roll-ups existed gets them built at its first
    migrate; from then on they are kept current change by change."""
    from django.db import connections

    from campaigns import rollups
    from campaigns.rollup_models import RollupFigure
    from orgs.models import OrgUnit

    connection = connections[using]
    if RollupFigure._meta.db_table not in connection.introspection.table_names():
        return
    if not RollupFigure.objects.using(using).exists() and OrgUnit.objects.using(using).exists():
        rollups.rebuild()


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = _("Campaigns")

    def ready(self) -> None:
        from campaigns import rollups, signals  # noqa: F401  (connects the roll-up receivers)
        from registers.imports import register_run_deferral

        # An import refreshes the roll-ups once, at the end of its run (the lock order of issue 14).
        register_run_deferral(rollups.deferred, rollups.discard_deferred)

        post_migrate.connect(build_rollups_once, sender=self, dispatch_uid="rollups-build-once")
