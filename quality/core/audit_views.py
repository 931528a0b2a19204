"""The agency's audit trail (`/audit-trail/`): the agency administrator reads and exports it.

`TrailListMixin` is shared with the platform audit log on the console
(`eiso.console.audit_views`): filters, newest first, pages of 50, and `?format=csv` for the
filtered list (that download is itself recorded).
"""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.generic import TemplateView

from iso_platform import spreadsheets
from iso_platform.audit import export_record
from quality.core import audit_changes
from quality.core.audit_filters import AuditEventFilter
from quality.core.audit_labels import action_label, subject_label

PAGE_SIZE = 50
CSV_MAX_ROWS = 50_000  # a bigger extract: narrow the filter (dates)
CSV_CHUNK = 2000
CSV_COLUMNS = [
    gettext_noop("Thời gian"),
    gettext_noop("Người thực hiện"),
    gettext_noop("Thao tác"),
    gettext_noop("Mã thao tác"),
    gettext_noop("Đối tượng"),
    gettext_noop("Mã đối tượng"),
    gettext_noop("Tên đối tượng"),
    gettext_noop("Chi tiết"),
]


class TrailListMixin:
    """A filtered, paginated, newest-first list of trail rows; `filter_class` and
    `csv_stem` in each view, `csv_columns`/`csv_row` to add columns."""

    filter_class = None
    csv_stem = "nhat-ky"

    def get(self, request, *args, **kwargs):
        self.filterset = self.filter_class(request.GET or None, queryset=self.base_queryset())
        if request.GET.get("format") == "csv":
            return self.csv_response()
        return super().get(request, *args, **kwargs)

    def base_queryset(self):
        return self.filter_class._meta.model.objects.order_by("-at", "-id")

    def rows(self):
        # an invalid filter (a malformed date) shows nothing rather than everything
        if self.filterset.is_bound and not self.filterset.is_valid():
            return self.filterset.queryset.none()
        return self.filterset.qs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = Paginator(self.rows(), PAGE_SIZE).get_page(self.request.GET.get("page"))
        events = audit_changes.annotate(page.object_list)
        for event in events:
            event.action_text = action_label(event.action)
            event.subject_text = subject_label(event.subject_type)
        query = self.request.GET.copy()
        query.pop("page", None)
        query.pop("format", None)
        context.update(
            filter=self.filterset,
            page=page,
            events=events,
            query=query.urlencode(),
            filtered=any(v for k, v in query.items()),
        )
        return context

    # ------------------------------------------------------------------ CSV of the filter

    def csv_columns(self) -> list[str]:
        """The header, one name per value of `csv_row`."""
        return [_(name) for name in CSV_COLUMNS]

    def csv_row(self, event) -> list:
        return [
            timezone.localtime(event.at).strftime("%Y-%m-%d %H:%M:%S"),
            event.actor_label,
            action_label(event.action),
            event.action,
            subject_label(event.subject_type),
            event.subject_id,
            event.subject_label,
            audit_changes.changes_text(event.change_lines),
        ]

    def csv_response(self):

        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        filename = f"{self.csv_stem}-{stamp}.csv"
        query = self.request.GET.copy()
        query.pop("format", None)
        export_record(
            request=self.request, kind="audit_trail", filename=filename, filter=query.urlencode()
        )
        rows = _annotated(self.rows()[:CSV_MAX_ROWS].iterator(chunk_size=CSV_CHUNK))
        body = spreadsheets.csv_bytes(
            (self.csv_row(event) for event in rows), header=self.csv_columns()
        )
        return spreadsheets.download(body, fmt="csv", filename=filename.removesuffix(".csv"))


def _annotated(rows):
    """The rows with their readable changes, the people named resolved once a chunk."""
    chunk = []
    for event in rows:
        chunk.append(event)
        if len(chunk) == CSV_CHUNK:
            yield from audit_changes.annotate(chunk)
            chunk = []
    yield from audit_changes.annotate(chunk)


class AuditTrailView(LoginRequiredMixin, TrailListMixin, TemplateView):
    template_name = "quality/audit_trail.html"
    filter_class = AuditEventFilter
    csv_stem = "nhat-ky-he-thong"

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and not (user.is_active and user.is_agency_admin):
            raise PermissionDenied("agency administrators only")
        return super().dispatch(request, *args, **kwargs)
