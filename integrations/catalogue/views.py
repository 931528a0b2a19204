"""Pages of the national procedure catalogue: the import log (with the upload of a catalogue
file and the fetch from the province's platform), one import with its changes and its
apply button; and the console's platform connection."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import connection as db_connection
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View

from integrations.catalogue import connection, forms, services
from integrations.catalogue.models import CatalogueImport, Change
from integrations.catalogue.province.models import CatalogueConnection
from iso_platform.accounts.permissions import ProvinceAdminRequiredMixin
from iso_platform.forms import add_errors, error_text
from quality.core.steps import Gate

BASE = {"nav": "quality/_nav.html", "active": "settings"}


class _Agency(Gate, View):
    capability = "procedures.manage"

    def page(self, request, template, status=200, **context):
        return render(
            request, f"integrations/catalogue/{template}", {**BASE, **context}, status=status
        )


class LogView(_Agency):
    read_only_page = True

    def get(self, request, form=None, status=200):
        rows = CatalogueImport.objects.select_related("created_by", "applied_by").defer("records")
        return self.page(
            request,
            "log.html",
            status=status,
            page=Paginator(rows, 50).get_page(request.GET.get("page")),
            form=form or forms.UploadForm(),
            platform=connection.connection_in_force() is not None,
        )

    def post(self, request):
        form = forms.UploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                row = services.import_file(actor=request.user, name=upload.name, data=upload.read())
            except ValidationError as exc:
                add_errors(form, ValidationError({"file": exc.messages}))
            else:
                return redirect("catalogue:detail", pk=row.pk)
        return self.get(request, form=form, status=400)


class FetchView(_Agency):
    def post(self, request):
        try:
            row = services.import_platform(actor=request.user, identifier=_identifier())
        except ValidationError as exc:
            messages.error(request, error_text(exc))
            return redirect("catalogue:log")
        return redirect("catalogue:detail", pk=row.pk)


def _identifier() -> str:
    return getattr(db_connection.tenant, "identifier", "") or ""


class DetailView(_Agency):
    read_only_page = True

    def get(self, request, pk):
        row = get_object_or_404(
            CatalogueImport.objects.select_related("created_by", "applied_by"), pk=pk
        )
        labels = services.field_labels()
        shown = [
            {**entry, "changes": [(labels[n], old, new) for n, old, new in entry["changes"]]}
            for entry in row.diff
        ]
        groups = [
            (change, label, [entry for entry in shown if entry["change"] == change])
            for change, label in Change.choices
        ]
        return self.page(request, "detail.html", row=row, groups=groups)


class ApplyView(_Agency):
    def post(self, request, pk):
        row = get_object_or_404(CatalogueImport, pk=pk)
        try:
            services.import_apply(actor=request.user, catalogue_import=row)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("Đã cập nhật danh mục thủ tục hành chính."))
        return redirect("catalogue:detail", pk=row.pk)


class ConsoleConnectionView(ProvinceAdminRequiredMixin, View):
    template = "integrations/catalogue/console.html"

    def get(self, request, form=None, status=200):
        row = CatalogueConnection.load()
        form = form or forms.ConnectionForm(initial={"url": row.url, "enabled": row.enabled})
        context = {"form": form, "row": row, "active": "catalogue", "nav": "console/_nav.html"}
        return render(request, self.template, context, status=status)

    def post(self, request):
        form = forms.ConnectionForm(request.POST)
        if form.is_valid():
            try:
                connection.connection_update(
                    actor=request.user, request=request, **form.cleaned_data
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Đã lưu kết nối danh mục thủ tục hành chính."))
                return redirect("console_catalogue:connection")
        return self.get(request, form=form, status=400)
