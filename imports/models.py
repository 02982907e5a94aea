"""The import permission. An import stores nothing of its own: the patients and historic intakes
it loads are the clinical core's, and each import (or dry run) is an entry in the access log."""

from django.db import models


class Import(models.Model):
    """No table: Django attaches permissions to a model, and this one belongs to no other."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("import_data", "Can import past intakes from a REDCap export (as historic intakes)")
        ]

    def __str__(self) -> str:
        return "Import"
