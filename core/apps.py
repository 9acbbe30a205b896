from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Installed for its template tags (`{% load panels %}`); core has no models."""

    name = "core"
