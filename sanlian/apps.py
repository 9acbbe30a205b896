from django.apps import AppConfig


class SanlianConfig(AppConfig):
    name = "sanlian"
    verbose_name = "Sanlian"
