"""Pages of outgoing events: one set of views for an agency's administrator (agency portal)
and, through `ConsoleMixin`, for the provincial administrator (console, province events)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View

from integrations.webhooks import forms, services
from integrations.webhooks.models import Attempt, Delivery, Subscription
from iso_platform.accounts.permissions import ProvinceAdminRequiredMixin
from iso_platform.forms import add_errors, error_text
from quality.core.steps import Gate


class AgencyMixin(Gate):
    capability = "integrations.manage"
    base = {"nav": "quality/_nav.html", "active": "settings", "ns": "webhooks"}


class ConsoleMixin(ProvinceAdminRequiredMixin):
    base = {"nav": "console/_nav.html", "active": "webhooks", "ns": "console_webhooks"}


class _Page(View):
    def page(self, request, template: str, status: int = 200, **context):
        return render(request, template, {**self.base, **context}, status=status)

    def back(self, pk=None):
        ns = self.base["ns"]
        return redirect(f"{ns}:detail", pk=pk) if pk else redirect(f"{ns}:list")


class ListView(_Page):
    def get(self, request, form=None, secret=None, created=None, status=200):
        return self.page(
            request,
            "webhooks/list.html",
            status=status,
            subscriptions=Subscription.objects.all(),
            form=form or forms.SubscriptionForm(),
            secret=secret,
            created=created,
        )

    def post(self, request):
        form = forms.SubscriptionForm(request.POST)
        if form.is_valid():
            try:
                subscription, secret = services.subscription_create(
                    actor=request.user, **form.cleaned_data
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                # The secret is on this response only; it is stored encrypted, never shown again.
                return self.get(request, secret=secret, created=subscription)
        return self.get(request, form=form, status=400)


class DetailView(_Page):
    def get(self, request, pk, form=None, secret=None, status=200):
        subscription = get_object_or_404(Subscription, pk=pk)
        deliveries = (
            subscription.deliveries.select_related("event")
            .prefetch_related(Prefetch("attempt_log", queryset=Attempt.objects.order_by("-at")))
            .order_by("-id")
        )
        page = Paginator(deliveries, 25).get_page(request.GET.get("page"))
        initial = {
            "name": subscription.name,
            "url": subscription.url,
            "event_types": subscription.event_types,
            "active": subscription.active,
        }
        return self.page(
            request,
            "webhooks/detail.html",
            status=status,
            subscription=subscription,
            form=form or forms.SubscriptionEditForm(initial=initial),
            page=page,
            secret=secret,
        )

    def post(self, request, pk):
        subscription = get_object_or_404(Subscription, pk=pk)
        form = forms.SubscriptionEditForm(request.POST)
        if form.is_valid():
            try:
                services.subscription_update(
                    actor=request.user, subscription=subscription, **form.cleaned_data
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Đã lưu đăng ký nhận sự kiện."))
                return self.back(pk)
        return self.get(request, pk, form=form, status=400)


class ActionView(_Page):
    """POST: rotate the secret, send a test event, or deliver one event again."""

    def post(self, request, pk, action, delivery=None):
        subscription = get_object_or_404(Subscription, pk=pk)
        try:
            if action == "rotate":
                secret = services.subscription_rotate(actor=request.user, subscription=subscription)
                return DetailView(base=self.base).get(request, pk, secret=secret)
            if action == "test":
                services.subscription_test(actor=request.user, subscription=subscription)
                messages.success(request, _("Đã xếp hàng gửi sự kiện thử."))
            elif action == "redeliver" and delivery:
                target = get_object_or_404(Delivery, pk=delivery, subscription=subscription)
                services.delivery_redeliver(actor=request.user, delivery=target)
                messages.success(request, _("Đã xếp hàng gửi lại sự kiện."))
            else:
                raise PermissionDenied(action)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        return self.back(pk)


class AgencyList(AgencyMixin, ListView):
    pass


class AgencyDetail(AgencyMixin, DetailView):
    pass


class AgencyAction(AgencyMixin, ActionView):
    pass


class ConsoleList(ConsoleMixin, ListView):
    pass


class ConsoleDetail(ConsoleMixin, DetailView):
    pass


class ConsoleAction(ConsoleMixin, ActionView):
    pass
