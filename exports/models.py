"""The export permissions. Exports store nothing of their own: each one is an entry in the
access log (`audit.access.record_access`, action "exported")."""

from django.db import models


class Export(models.Model):
    """No table: Django attaches permissions to a model, and these belong to no other one."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("export_data", "Can export intake data in every profile (identified included)"),
            ("export_deidentified", "Can export de-identified intake data"),
        ]

    def __str__(self) -> str:
        return "Export"
