"""Pages for the agency's integrations: keys, inbox, refused requests, pull connectors."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from integrations import forms
from integrations.models import ApiKey, InboxEvent, PullConnector, RejectedRequest
from integrations.services import keys, pull
from iso_platform.confirm import Confirmation, ConfirmStepMixin
from iso_platform.forms import add_errors, error_text
from quality.core.steps import Gate


class KeysView(Gate, View):
    capability = "integrations.manage"
    template = "integrations/keys.html"
    read_only_page = True  # archived: the keys stay readable, the forms hidden

    def get(self, request, secret=None, new_key=None, form=None, connector_form=None, status=200):
        return render(
            request,
            self.template,
            {
                "keys": ApiKey.objects.select_related("created_by", "replaced_by"),
                "form": form or forms.KeyForm(),
                "rotate_form": forms.RotateForm(),
                "secret": secret,
                "new_key": new_key,
                "connectors": PullConnector.objects.all(),
                "connector_form": connector_form or forms.ConnectorForm(),
                "base_url": request.build_absolute_uri("/api/v1/integrations/events"),
            },
            status=status,
        )

    def post(self, request):
        form = forms.KeyForm(request.POST)
        if form.is_valid():
            try:
                key, secret = keys.api_key_create(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                # The secret is shown on this response only; it is never stored in clear.
                return self.get(request, secret=secret, new_key=key)
        return self.get(request, form=form, status=400)


class KeyActionView(ConfirmStepMixin, Gate, View):
    capability = "integrations.manage"

    def confirmation(self, request, pk, action):
        # Rotating keeps the old key for the overlap days; revoking cuts the caller off now.
        if action != "revoke":
            raise Http404
        key = get_object_or_404(ApiKey, pk=pk, revoked_at__isnull=True)
        return Confirmation(
            title=_("Thu hồi khoá %(id)s?") % {"id": key.key_id},
            text=_(
                "Hệ thống dùng khoá này sẽ bị từ chối ngay từ yêu cầu tiếp theo. "
                "Không thể hoàn tác; cần tạo khoá mới để kết nối lại."
            ),
            button=_("Xác nhận thu hồi khoá"),
            cancel_url="/integrations/",
            items=[f"{key.key_id} — {key.name}"],
            active="settings",
        )

    def post(self, request, pk, action):
        key = get_object_or_404(ApiKey, pk=pk)
        try:
            if action == "revoke":
                keys.api_key_revoke(actor=request.user, key=key)
                messages.success(request, _("Đã thu hồi khoá %(id)s.") % {"id": key.key_id})
                return redirect("integrations:keys")
            form = forms.RotateForm(request.POST)
            if not form.is_valid():
                messages.error(request, " ".join(e for v in form.errors.values() for e in v))
                return redirect("integrations:keys")
            new, secret = keys.api_key_rotate(actor=request.user, key=key, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
            return redirect("integrations:keys")
        return KeysView().get(request, secret=secret, new_key=new)


class InboxView(Gate, TemplateView):
    capability = "integrations.manage"
    read_only_page = True
    template_name = "integrations/inbox.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = forms.InboxFilterForm(self.request.GET or None)
        data = form.cleaned_data if form.is_valid() else {}
        events = InboxEvent.objects.select_related("key").defer("payload", "raw")
        if data.get("status"):
            events = events.filter(status=data["status"])
        if data.get("q"):
            events = events.filter(Q(event_id=data["q"]) | Q(application_code=data["q"]))
        page = Paginator(events.order_by("-received_at", "-id"), 50).get_page(
            self.request.GET.get("page")
        )
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            form=form,
            page=page,
            events=page.object_list,
            query=query.urlencode(),
            refused=RejectedRequest.objects.all()[:20],
        )
        return context


class InboxEventView(Gate, TemplateView):
    capability = "integrations.manage"
    read_only_page = True
    template_name = "integrations/inbox_event.html"

    def get_context_data(self, pk, **kwargs):
        context = super().get_context_data(**kwargs)
        event = get_object_or_404(InboxEvent.objects.select_related("key"), pk=pk)
        pretty = (
            json.dumps(event.payload, ensure_ascii=False, indent=2)
            if event.payload is not None
            else event.raw
        )
        context.update(event=event, pretty=pretty)
        return context


class ConnectorView(Gate, View):
    capability = "integrations.manage"

    def post(self, request, pk=None):
        connector = get_object_or_404(PullConnector, pk=pk) if pk else None
        if connector is not None and request.POST.get("action") == "run":
            # A run reads up to MAX_PAGES pages: a Celery task, followed on its own page.
            try:
                pull.connector_run_request(actor=request.user, connector=connector)
            except ValidationError as exc:
                messages.error(request, error_text(exc))
            return redirect("integrations:connector_run", pk=connector.pk)
        form = forms.ConnectorForm(request.POST)
        if form.is_valid():
            try:
                pull.connector_save(actor=request.user, connector=connector, **form.cleaned_data)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Đã lưu nguồn kéo dữ liệu."))
                return redirect("integrations:keys")
        return KeysView().get(request, connector_form=form, status=400)


class ConnectorRunView(Gate, TemplateView):
    """A run's progress; htmx asks for the fragment again until the run ends."""

    capability = "integrations.manage"

    def get_template_names(self):
        if self.request.headers.get("HX-Request"):
            return ["integrations/_connector_run.html"]
        return ["integrations/connector_run.html"]

    def get_context_data(self, pk, **kwargs):
        context = super().get_context_data(**kwargs)
        context["connector"] = get_object_or_404(PullConnector, pk=pk)
        return context
