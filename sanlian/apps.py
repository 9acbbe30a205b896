from django.apps import AppConfig


class SanlianConfig(AppConfig):
    name = "sanlian"
    verbose_name = "Sanlian"

    def ready(self):
        from sanlian import checks  # noqa: F401  (registers the installation's system checks)
