"""Pages of document exchange: the exchange log (with the clerk's upload of a package), one
message, sending a package, the recipients list; and the console's platform connection."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django_ratelimit.decorators import ratelimit

from integrations.exchange import forms
from integrations.exchange.models import Direction, ExchangeMessage, LogStatus, Recipient
from integrations.exchange.province import selectors
from integrations.exchange.province.models import PlatformConnection, PlatformHealth
from integrations.exchange.services import check, connection, outbound, recipients
from integrations.exchange.services.inbound import message_receive
from iso_platform.accounts.permissions import ProvinceAdminRequiredMixin
from iso_platform.forms import add_errors, error_text
from quality.core.permissions import can
from quality.core.steps import Gate

BASE = {"nav": "quality/_nav.html", "active": "documents"}


class _Agency(Gate, View):
    capability = "documents.manage"

    def page(self, request, template, status=200, **context):
        return render(
            request, f"integrations/exchange/{template}", {**BASE, **context}, status=status
        )


class LogView(_Agency):
    read_only_page = True

    def get(self, request, form=None, status=200):
        rows = ExchangeMessage.objects.select_related("document", "file__verification")
        direction = request.GET.get("direction")
        if direction in Direction.values:
            rows = rows.filter(direction=direction)
        page = Paginator(rows, 50).get_page(request.GET.get("page"))
        return self.page(
            request,
            "log.html",
            status=status,
            page=page,
            direction=direction,
            form=form or forms.UploadForm(),
        )

    def post(self, request):
        form = forms.UploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.get(request, form=form, status=400)
        upload = form.cleaned_data["package"]
        log = message_receive(data=upload.read(), channel="upload", actor=request.user)
        if log.status == LogStatus.REFUSED:
            messages.error(request, _("Gói tin bị từ chối: %(reason)s") % {"reason": log.reason})
        else:
            messages.success(request, log.get_status_display())
        return redirect("exchange:message", pk=log.pk)


class MessageView(_Agency):
    read_only_page = True

    def get(self, request, pk):
        rows = ExchangeMessage.objects.select_related("document", "actor", "file__verification")
        log = get_object_or_404(rows, pk=pk)
        return self.page(
            request,
            "message.html",
            log=log,
            deliveries=log.deliveries.all(),
            # The document's own verdict partial, with its "Kiểm tra lại".
            f=log.file,
            document=log.document,
            can={"verify": can(request.user, "documents.verify")},
        )


class PackageFileView(_Agency):
    read_only_page = True

    def get(self, request, pk):
        log = get_object_or_404(ExchangeMessage, pk=pk)
        if not log.package_file:
            raise Http404
        return FileResponse(
            log.package_file.open("rb"),
            as_attachment=True,
            filename=f"goi-tin-{log.pk}.xml",
            content_type="application/xml",
        )


class SendView(_Agency):
    def get(self, request, form=None, status=200):
        initial = {"document": request.GET.get("document")} if request.GET.get("document") else {}
        form = form or forms.SendForm(initial=initial)
        return self.page(request, "send.html", status=status, form=form)

    def post(self, request):
        form = forms.SendForm(request.POST)
        if form.is_valid():
            try:
                log = outbound.package_send(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_errors(form, exc)
            except PermissionDenied as exc:
                raise exc
            else:
                messages.success(request, _("Đã đưa gói tin vào hàng gửi."))
                return redirect("exchange:message", pk=log.pk)
        return self.get(request, form=form, status=400)


class RecipientsView(_Agency):
    read_only_page = True

    def get(self, request, form=None, status=200):
        return self.page(
            request,
            "recipients.html",
            status=status,
            recipients=Recipient.objects.all(),
            form=form or forms.RecipientForm(),
        )

    def post(self, request):
        form = forms.RecipientForm(request.POST)
        if form.is_valid():
            recipients.recipient_add(actor=request.user, **form.cleaned_data)
            return redirect("exchange:recipients")
        return self.get(request, form=form, status=400)


class RecipientToggleView(_Agency):
    def post(self, request, pk):
        recipient = get_object_or_404(Recipient, pk=pk)
        recipients.recipient_set_active(
            actor=request.user, recipient=recipient, active=not recipient.active
        )
        return redirect("exchange:recipients")


class ConsoleConnectionView(ProvinceAdminRequiredMixin, View):
    template = "integrations/exchange/console.html"

    def get(self, request, form=None, status=200, verdict=None):
        row = PlatformConnection.load()
        form = form or forms.ConnectionForm(
            initial={
                "url": row.url,
                "token_url": row.token_url,
                "client_id": row.client_id,
                "scope": row.scope,
                "enabled": row.enabled,
            }
        )
        context = {
            "form": form,
            "row": row,
            "verdict": verdict,
            "health": PlatformHealth.load(),
            "backlogs": list(selectors.backlogs_waiting()[:100]),
            "stuck_after": selectors.STUCK_AFTER,
            "active": "exchange",
            "nav": "console/_nav.html",
        }
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
                messages.success(request, _("Đã lưu kết nối liên thông."))
                return redirect("console_exchange:connection")
        elif form.errors:
            messages.error(request, error_text(ValidationError(list(form.errors.values()))))
        return self.get(request, form=form, status=400)


def _check_rate(group, request):
    return settings.EXCHANGE_CHECK_RATE


class ConsoleConnectionCheckView(ConsoleConnectionView):
    """The console's "Kiểm tra kết nối": the values in the form, tried and never saved."""

    http_method_names = ["post"]

    @method_decorator(
        ratelimit(key="user", rate=_check_rate, method="POST", block=False, group="exchange-check")
    )
    def post(self, request):
        form = forms.ConnectionForm(request.POST)
        if getattr(request, "limited", False):
            messages.error(request, _("Đã kiểm tra quá nhiều lần; xin thử lại sau ít phút."))
            return self.get(request, form=form, status=429)
        if not form.is_valid():
            return self.get(request, form=form, status=400)
        verdict = check.connection_check(actor=request.user, request=request, **form.cleaned_data)
        return self.get(request, form=form, verdict=verdict)
