"""The auditors' admin pages: the access log and the change history of patient records.

Read-only for everyone: the access log is append-only and history is history. Only users
holding the view permissions (the Auditor role, or superusers) see these pages; criteria
editors have staff status but not these permissions, so patient data stays out of their view.
"""

import csv
import io

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import SEARCH_VAR, ChangeList
from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import path
from django.utils import timezone
from django.utils.http import content_disposition_header

from amps_screen.admin_guards import GuardedChangeListMixin
from amps_screen.inputs import session_text
from amps_screen.spreadsheets import neutralise
from audit.access import record_access
from audit.models import AccessAction, AccessEvent

SEARCH_MAX_LENGTH = 100


class PostedSearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=SEARCH_MAX_LENGTH, strip=True)


class PostedSearchChangeList(ChangeList):
    """The admin's list, searching for the term kept in the session instead of `?q=`."""

    def get_queryset(self, request, exclude_parameters=None):
        self.query = session_text(request, self.model_admin.posted_search_key)
        return super().get_queryset(request, exclude_parameters)


class PostedSearchAdmin(admin.ModelAdmin):
    """Search by POST: an MRN or a name typed into the search box lives in the session, never
    in a URL (so never in a proxy's or browser's history, or a Referer). A `?q=` typed into
    the address bar is dropped, not searched for."""

    change_list_template = "admin/audit/posted_search_change_list.html"

    @property
    def posted_search_key(self) -> str:
        return f"admin_search:{self.opts.label_lower}"

    def get_changelist(self, request, **kwargs):
        return PostedSearchChangeList

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        if request.method == "POST" and "posted_search" in request.POST:
            return self._store_search(request)
        if SEARCH_VAR in request.GET:
            params = request.GET.copy()
            del params[SEARCH_VAR]
            return redirect(f"{request.path}?{params.urlencode()}" if params else request.path)
        term = session_text(request, self.posted_search_key)
        context = {
            **(extra_context or {}),
            "posted_search_term": term,
            "posted_search_max_length": SEARCH_MAX_LENGTH,
        }
        return super().changelist_view(request, context)

    def _store_search(self, request):
        form = PostedSearchForm(request.POST)
        if request.POST["posted_search"] == "clear":
            request.session[self.posted_search_key] = ""
        elif form.is_valid():
            request.session[self.posted_search_key] = form.cleaned_data["q"]
        else:
            reason = " ".join(form.errors["q"])
            messages.error(request, f"That search cannot be used: {reason} Nothing changed.")
        return redirect(request.get_full_path())


class ReadOnlyAdmin(GuardedChangeListMixin, admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AccessEvent)
class AccessEventAdmin(PostedSearchAdmin, ReadOnlyAdmin):
    list_display = (
        "created_at",
        "who",
        "action",
        "patient_name",
        "patient_mrn",
        "intake_status",
        "detail_words",
        "ip_address",
    )
    change_list_template = "admin/audit/access_event_change_list.html"
    list_filter = ("action", "user", "created_at")
    date_hierarchy = "created_at"
    search_fields = ("patient__mrn", "patient__family_name", "user__username")
    list_select_related = ("user", "patient", "intake")

    @admin.display(description="Who", ordering="user__username")
    def who(self, event):
        if event.user:
            return event.user
        # Refused sign-ins and launches: who it was is unknown; the client names the way in.
        if event.action in (AccessAction.SIGN_IN_REFUSED, AccessAction.LAUNCH_REFUSED):
            return f"unknown ({event.client})"
        if event.action == AccessAction.NOTIFIED:  # the on-call email, sent by a worker
            return f"the system ({event.client})"
        return f"API client: {event.client}"

    @admin.display(description="MRN", ordering="patient__mrn")
    def patient_mrn(self, event):
        return event.patient.mrn if event.patient_id else "—"

    @admin.display(description="Patient", ordering="patient__family_name")
    def patient_name(self, event):
        return event.patient.full_name if event.patient_id else "several patients"

    @admin.display(description="Intake status then")
    def intake_status(self, event):
        return event.intake_status_then or "—"

    @admin.display(description="Detail")
    def detail_words(self, event):
        return event.detail_in_words() or "—"

    def get_urls(self):
        export = self.admin_site.admin_view(self.export_csv)
        return [path("export.csv", export, name="audit_accessevent_export"), *super().get_urls()]

    def export_csv(self, request):
        """The access log as filtered on the list (filters, date drill-down and the posted
        search), as CSV; the export is itself an access-log entry."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        events = self.get_changelist_instance(request).get_queryset(request)
        events = events.select_related("user", "patient", "intake")
        # The rows as they are now: not the entry this download is about to write.
        newest = AccessEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        events = events.filter(pk__lte=newest)
        record_access(
            request,
            action=AccessAction.EXPORTED,
            detail={"what": "access_log", "format": "csv", "rows": events.count()},
        )
        # Streamed a few thousand rows at a time: a year's log never sits in memory whole.
        response = StreamingHttpResponse(
            self._csv_lines(events), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = content_disposition_header(True, "access-log.csv")
        return response

    def _csv_lines(self, events):
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(
            ["When", "Who", "Action", "Patient", "MRN", "Intake status then", "Detail", "Address"]
        )
        for number, event in enumerate(events.iterator(chunk_size=2000), start=1):
            row = [
                timezone.localtime(event.created_at).strftime("%d %b %Y %H:%M"),
                (
                    f"{event.user.get_full_name()} ({event.user.get_username()})".lstrip()
                    if event.user and event.user.get_full_name()
                    else str(self.who(event))
                ),
                event.get_action_display(),
                self.patient_name(event),
                self.patient_mrn(event),
                self.intake_status(event),
                self.detail_words(event),
                event.ip_address or "",
            ]
            # A name or username that starts like a formula is shown, never run.
            writer.writerow([neutralise(cell) for cell in row])
            if number % 2000 == 0:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()


class HistoryAdmin(PostedSearchAdmin, ReadOnlyAdmin):
    """Who changed a record, when, and how (+ created, ~ changed, - deleted). The apps register
    their models' history with it (intake.admin.record_history)."""

    list_display = ("history_date", "history_user", "history_type", "record", "changed_fields")
    list_filter = ("history_type", "history_user", "history_date")
    date_hierarchy = "history_date"
    list_select_related = ("history_user",)

    @admin.display(description="Record")
    def record(self, entry):
        return str(entry)

    def accessed(self, entry) -> dict:
        """Whose record one history entry is, for the access log: `patient=` and/or
        `intake=` (the app that registers its history says; nothing by default)."""
        return {}

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """One version of a record, every field: a view of patient data, logged."""
        response = super().change_view(request, object_id, form_url, extra_context)
        entry = self.get_object(request, object_id)
        if entry is not None and response.status_code == 200:
            record_access(
                request,
                action=AccessAction.VIEW,
                detail={"page": "change_history", "model": entry._meta.label},
                **self.accessed(entry),
            )
        return response

    @admin.display(description="Changed")
    def changed_fields(self, entry):
        previous = entry.prev_record
        if previous is None:
            return "(created)"
        changes = entry.diff_against(previous).changes
        return ", ".join(change.field for change in changes) or "(no field changed)"
