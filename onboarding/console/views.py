"""Province console: every agency's onboarding progress, and the first administrator's
invitation (resend, revoke). Reads only the public schema."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import F, FloatField, Q, Value
from django.db.models.functions import Cast, Coalesce, NullIf
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from iso_platform.accounts.permissions import (
    ProvinceAdminRequiredMixin,
    ProvinceUserRequiredMixin,
    is_province_admin,
)
from iso_platform.confirm import Confirmation, ConfirmStepMixin
from iso_platform.forms import error_text
from onboarding.province.models import AgencyOnboarding
from onboarding.services import console as service
from onboarding.services.checklist import STEP_KEYS, STEP_TITLES
from tenants.models import Agency, AgencyStatus

SORTS = {
    "name": ("name", gettext_lazy("Tên cơ quan")),
    "code": ("code", gettext_lazy("Mã")),
    "progress": ("pct", gettext_lazy("Tiến độ tăng dần")),
    "-progress": ("-pct", gettext_lazy("Tiến độ giảm dần")),
    "updated": (
        F("onboarding__updated_at").desc(nulls_last=True),
        gettext_lazy("Cập nhật gần nhất"),
    ),
}


def _agencies():
    return (
        Agency.objects.agencies()
        .exclude(status=AgencyStatus.ARCHIVED)
        .select_related("onboarding")
        .annotate(
            pct=Coalesce(
                Cast(F("onboarding__done"), FloatField())
                / NullIf(Cast(F("onboarding__total"), FloatField()), Value(0.0)),
                Value(0.0),
            )
        )
    )


class ProgressView(ProvinceUserRequiredMixin, TemplateView):
    template_name = "onboarding/console_progress.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        params = self.request.GET
        agencies = _agencies()
        incomplete = params.get("incomplete") == "1"
        if incomplete:
            agencies = agencies.filter(
                Q(onboarding__isnull=True) | Q(onboarding__done__lt=F("onboarding__total"))
            )
        q = (params.get("q") or "").strip()
        if q:
            agencies = agencies.filter(Q(name__icontains=q) | Q(code__icontains=q))
        sort = params.get("sort") if params.get("sort") in SORTS else "name"
        agencies = agencies.order_by(SORTS[sort][0], "name")
        page = Paginator(agencies, 100).get_page(params.get("page"))
        invitations = service.admin_invitations(a.pk for a in page.object_list)
        rows = [self._row(agency, invitations.get(agency.pk)) for agency in page.object_list]
        total = _agencies()
        finished = AgencyOnboarding.objects.filter(
            agency__in=total, done__gte=F("total"), total__gt=0
        ).count()
        query = params.copy()
        query.pop("page", None)
        context.update(
            rows=rows,
            page=page,
            sort=sort,
            sorts=[(key, label) for key, (_field, label) in SORTS.items()],
            incomplete=incomplete,
            q=q,
            query=query.urlencode(),
            agency_count=total.count(),
            finished=finished,
            step_count=len(STEP_KEYS),
            can_manage=is_province_admin(self.request),
        )
        return context

    @staticmethod
    def _row(agency, invitation):
        try:
            mirror = agency.onboarding
        except AgencyOnboarding.DoesNotExist:
            mirror = None
        steps = mirror.steps if mirror else {}
        missing = [STEP_TITLES[k] for k in STEP_KEYS if not steps.get(k)]
        return {
            "agency": agency,
            "mirror": mirror,
            "done": mirror.done if mirror else 0,
            "total": mirror.total if mirror and mirror.total else len(STEP_KEYS),
            "percent": mirror.percent if mirror else 0,
            "missing": missing,
            "invitation": invitation,
        }


class _InvitationStep(ProvinceAdminRequiredMixin, View):
    def post(self, request, code):
        agency = get_object_or_404(Agency.objects.agencies(), code=code)
        try:
            message = self.act(agency, request.user)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, message)
        return redirect("onboarding_console:progress")


class AdminResendView(_InvitationStep):
    def act(self, agency, actor):
        email = service.agency_admin_invitation_resend(agency=agency, actor=actor)
        return _(
            "Đã gửi lại thư mời tới %(email)s (%(agency)s); liên kết cũ không còn dùng được."
        ) % {
            "email": email,
            "agency": agency.name,
        }


class AdminRevokeView(ConfirmStepMixin, _InvitationStep):
    def confirm_page_context(self, request):
        return {"can_manage": is_province_admin(request), "active": "onboarding"}

    def confirmation(self, request, code):
        agency = get_object_or_404(Agency.objects.agencies(), code=code)
        return Confirmation(
            title=_("Thu hồi lời mời quản trị viên?"),
            text=_(
                "Liên kết đặt mật khẩu đã gửi cho quản trị viên đầu tiên của cơ quan sẽ không "
                "còn dùng được; cần gửi lại thư mời để cơ quan bắt đầu dùng hệ thống."
            ),
            button=_("Xác nhận thu hồi lời mời"),
            cancel_url="/onboarding/",
            items=[agency.name],
            nav="console/_nav.html",
            active="onboarding",
        )

    def act(self, agency, actor):
        email = service.agency_admin_invitation_revoke(agency=agency, actor=actor)
        return _("Đã thu hồi lời mời của %(email)s (%(agency)s).") % {
            "email": email,
            "agency": agency.name,
        }
