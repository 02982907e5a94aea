"""The upload form: the REDCap data dictionary and the data, CSV, each within the size limit."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError


class RedcapUploadForm(forms.Form):
    dictionary = forms.FileField(
        label="Data dictionary (CSV)",
        help_text="From the REDCap project: Project setup, Data dictionary, download (CSV).",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    data = forms.FileField(
        label="Data (CSV, raw codes)",
        help_text="From REDCap: Data exports, all data, CSV / Microsoft Excel (raw data).",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def _csv_file(self, name: str):
        upload = self.cleaned_data[name]
        limit = settings.AMPS_IMPORT_MAX_BYTES
        if not upload.name.lower().endswith(".csv"):
            raise ValidationError("Only CSV files are imported (a .csv file).", code="not_csv")
        if upload.size > limit:
            raise ValidationError(
                f"The file is {upload.size:,} bytes, over the limit of {limit:,} bytes. Split "
                "the export by date and import each part.",
                code="too_large",
            )
        return upload

    def clean_dictionary(self):
        return self._csv_file("dictionary")

    def clean_data(self):
        return self._csv_file("data")
