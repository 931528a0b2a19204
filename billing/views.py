"""Province console billing pages (public schema, /billing/): province users read,
the provincial administrator changes (plans, subscriptions, payments, voids, invoicing)."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View

from billing.forms import (
    InvoiceFilterForm,
    PayForm,
    PlanVersionForm,
    RunForm,
    SubscriptionChangeForm,
    VoidForm,
)
from billing.models import Invoice, Payer, Plan, Subscription, UsageDaily
from billing.pdf import invoice_pdf
from billing.services import limits
from billing.services import plans as plan_svc
from billing.services import subscriptions as subs
from billing.services.invoicing import invoice_pay, invoice_void, invoices_issue
from billing.services.money import local_today
from billing.services.preview import change_preview
from iso_platform.accounts.permissions import (
    ProvinceAdminRequiredMixin,
    ProvinceUserRequiredMixin,
    is_province_admin,
)
from iso_platform.confirm import Confirmation, ConfirmStepMixin
from iso_platform.forms import error_text
from tenants.models import Agency


def parse_month(text: str) -> date | None:
    try:
        year, month = (int(part) for part in (text or "").split("-"))
        return date(year, month, 1)
    except ValueError:
        return None


class Page(ProvinceUserRequiredMixin, View):
    active = "billing"

    def page(self, request, template, status=200, **context):
        context.update(active=self.active, can_manage=is_province_admin(request))
        return render(request, f"billing/console/{template}", context, status=status)


class PlanListView(Page):
    def get(self, request):
        plans = Plan.objects.prefetch_related("versions").order_by("is_pilot", "code")
        return self.page(request, "plans.html", plans=plans)


class PlanVersionCreateView(ProvinceAdminRequiredMixin, Page):
    def get(self, request):
        initial = {"effective_from": local_today() + timedelta(days=1)}
        if request.GET.get("plan"):
            plan = Plan.objects.filter(code=request.GET["plan"]).first()
            latest = plan.versions.order_by("-effective_from").first() if plan else None
            if latest:
                initial |= {
                    "plan": plan,
                    "monthly_price": latest.monthly_price,
                    "included_users": latest.included_users,
                    "included_storage_gb": latest.included_storage_bytes // (1024**3),
                    "included_applications": latest.included_applications,
                    "price_extra_user": latest.price_extra_user,
                    "price_extra_gb": latest.price_extra_gb,
                    "price_extra_100_applications": latest.price_extra_100_applications,
                    "vat_permille": latest.vat_permille,
                    "hard_limits": latest.hard_limits,
                }
        return self.page(request, "plan_version_form.html", form=PlanVersionForm(initial=initial))

    def post(self, request):
        form = PlanVersionForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if data["plan"]:
                    version = plan_svc.plan_version_create(
                        plan=data["plan"], by=request.user, **form.terms()
                    )
                else:
                    version = plan_svc.plan_create(
                        code=data["code"], name=data["name"], by=request.user, **form.terms()
                    )
            except ValidationError as exc:
                form.add_error(None, error_text(exc))
            else:
                messages.success(request, _("Đã tạo %(v)s.") % {"v": version})
                return redirect("billing:plans")
        return self.page(request, "plan_version_form.html", status=400, form=form)


class SubscriptionListView(Page):
    def get(self, request):
        rows = Subscription.objects.select_related(
            "agency", "plan_version__plan", "after_pilot_plan"
        ).order_by("agency__name")
        without = Agency.objects.agencies().filter(subscription__isnull=True)
        return self.page(request, "subscriptions.html", subscriptions=rows, without=without)


class SubscriptionChangeView(ProvinceAdminRequiredMixin, Page):
    def subscription(self, code):
        return get_object_or_404(
            Subscription.objects.select_related("agency", "plan_version__plan"), agency__code=code
        )

    def get(self, request, code):
        subscription = self.subscription(code)
        form = SubscriptionChangeForm(
            initial={
                "on": local_today(),
                "payer": subscription.payer,
                "after_pilot_plan": subscription.after_pilot_plan,
            }
        )
        return self.page(request, "subscription_change.html", subscription=subscription, form=form)

    def post(self, request, code):
        subscription = self.subscription(code)
        form = SubscriptionChangeForm(request.POST)
        preview = None
        if form.is_valid():
            data = form.cleaned_data
            plan, on = data["plan"], data["on"]
            try:
                if "after_pilot" in request.POST:
                    subscription.after_pilot_plan = data["after_pilot_plan"]
                    subscription.save(update_fields=["after_pilot_plan", "updated_at"])
                    messages.success(request, _("Đã lưu gói sau dùng thử."))
                    return redirect("billing:subscriptions")
                if plan is not None:
                    preview = change_preview(subscription=subscription, plan_code=plan.code, on=on)
                if "confirm" in request.POST:
                    subs.subscription_change(
                        agency=subscription.agency,
                        plan_code=plan.code if plan else None,
                        payer=data["payer"] or None,
                        on=on,
                        by=request.user,
                    )
                    limits.warnings_clear(subscription.agency)
                    messages.success(
                        request,
                        _("Đã đổi thuê bao của %(name)s.") % {"name": subscription.agency.name},
                    )
                    return redirect("billing:subscriptions")
            except ValidationError as exc:
                form.add_error(None, error_text(exc))
        return self.page(
            request,
            "subscription_change.html",
            status=200 if form.is_valid() else 400,
            subscription=subscription,
            form=form,
            preview=preview,
        )


class UsageView(Page):
    def get(self, request, code):
        agency = get_object_or_404(Agency.objects.agencies(), code=code)
        since = local_today() - timedelta(days=60)
        days = list(UsageDaily.objects.filter(agency=agency, day__gte=since).order_by("day"))
        labels = [f"{d.day:%d/%m}" for d in days]
        chart = {
            "type": "line",
            "integer": True,
            "labels": labels,
            "datasets": [
                {"label": _("Người dùng hoạt động"), "data": [d.active_users for d in days]},
                {"label": _("Hồ sơ tiếp nhận"), "data": [d.applications_received for d in days]},
            ],
        }
        storage = {
            "type": "line",
            "labels": labels,
            "yTitle": "MB",
            "datasets": [
                {
                    "label": _("Dung lượng (MB)"),
                    "data": [round(d.storage_bytes / 1024**2, 1) for d in days],
                }
            ],
        }
        subscription = limits.subscription_of(agency)
        return self.page(
            request,
            "usage.html",
            agency=agency,
            subscription=subscription,
            measures=limits.measures(agency, subscription),
            chart=chart,
            storage_chart=storage,
            has_days=bool(days),
        )


def _invoices(form: InvoiceFilterForm):
    rows = Invoice.objects.select_related("agency").order_by("-period", "payer_key", "-number")
    if form.is_valid():
        data = form.cleaned_data
        month = parse_month(data["month"])
        if month:
            rows = rows.filter(period=month)
        if data["payer"] == "province":
            rows = rows.filter(payer=Payer.PROVINCE)
        elif data["payer"]:
            rows = rows.filter(agency__code=data["payer"])
        if data["status"]:
            rows = rows.filter(status=data["status"])
    return rows


class InvoiceListView(Page):
    def get(self, request):
        form = InvoiceFilterForm(request.GET or None)
        return self.page(request, "invoices.html", form=form, invoices=_invoices(form)[:500])


class InvoiceDetailView(Page):
    def get(self, request, pk):
        invoice = get_object_or_404(Invoice.objects.select_related("agency", "credit_for"), pk=pk)
        return self.page(
            request,
            "invoice_detail.html",
            invoice=invoice,
            lines=invoice.lines.select_related("agency"),
            pay_form=PayForm(),
            void_form=VoidForm(),
        )


class InvoicePdfView(Page):
    def get(self, request, pk):
        invoice = get_object_or_404(Invoice, pk=pk)
        return pdf_response(invoice)


def pdf_response(invoice: Invoice) -> HttpResponse:
    response = HttpResponse(invoice_pdf(invoice), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{invoice.number_display}.pdf"'
    return response


class InvoicePayView(ProvinceAdminRequiredMixin, Page):
    def post(self, request, pk):
        invoice = get_object_or_404(Invoice, pk=pk)
        form = PayForm(request.POST)
        try:
            if not form.is_valid():
                raise ValidationError(_("Cần mã giao dịch chuyển khoản (tối đa 100 ký tự)."))
            invoice_pay(invoice=invoice, reference=form.cleaned_data["reference"], by=request.user)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("Đã ghi nhận thanh toán."))
        return redirect("billing:invoice", pk=pk)


class InvoiceVoidView(ConfirmStepMixin, ProvinceAdminRequiredMixin, Page):
    def confirm_page_context(self, request):
        return {"can_manage": is_province_admin(request), "active": self.active}

    def confirmation(self, request, pk):
        invoice = get_object_or_404(Invoice, pk=pk)
        return Confirmation(
            title=_("Huỷ hoá đơn %(n)s?") % {"n": invoice.number_display},
            text=_(
                "Hoá đơn sẽ bị huỷ và một hoá đơn điều chỉnh giảm được lập cho cùng số tiền. "
                "Không thể hoàn tác."
            ),
            button=_("Xác nhận huỷ hoá đơn"),
            cancel_url=f"/billing/invoices/{invoice.pk}/",
            items=[
                f"{invoice.number_display} — {invoice.get_payer_display()} — {invoice.total:,} ₫"
            ],
            form=VoidForm(),
            nav="console/_nav.html",
            active=self.active,
        )

    def post(self, request, pk):
        invoice = get_object_or_404(Invoice, pk=pk)
        form = VoidForm(request.POST)
        try:
            if not form.is_valid():
                raise ValidationError(_("Cần lý do huỷ hoá đơn (tối đa 500 ký tự)."))
            invoice_void(invoice=invoice, reason=form.cleaned_data["reason"], by=request.user)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("Đã huỷ hoá đơn và lập hoá đơn điều chỉnh giảm."))
        return redirect("billing:invoice", pk=pk)


class InvoicingRunView(ProvinceAdminRequiredMixin, Page):
    def get(self, request):
        last = local_today().replace(day=1) - timedelta(days=1)
        return self.page(request, "run.html", form=RunForm(initial={"month": f"{last:%Y-%m}"}))

    def post(self, request):
        form = RunForm(request.POST)
        month = parse_month(request.POST.get("month", ""))
        if form.is_valid() and month is None:
            form.add_error("month", _("Tháng không hợp lệ (ví dụ 2026-10)."))
        if form.is_valid():
            try:
                issued = invoices_issue(month=month)
            except ValidationError as exc:
                form.add_error(None, error_text(exc))
            else:
                messages.success(
                    request,
                    _("Đã lập %(n)s hoá đơn mới cho tháng %(month)s.")
                    % {"n": len(issued), "month": f"{month:%m/%Y}"},
                )
                return redirect(f"{request.path}?done={month:%Y-%m}")
        return self.page(request, "run.html", status=400, form=form)
