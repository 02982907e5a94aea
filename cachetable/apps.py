from django.apps import AppConfig


class CacheTableConfig(AppConfig):
    name = "cachetable"
    verbose_name = "Cache table"
