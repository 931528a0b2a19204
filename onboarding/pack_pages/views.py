"""Template packs: the agency chooses its pack and adopts newer versions item by item
(agency portal), the province publishes versions (console)."""

from __future__ import annotations

import json

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from iso_platform.accounts.permissions import ProvinceAdminRequiredMixin, ProvinceUserRequiredMixin
from iso_platform.forms import error_text
from onboarding.models import Checklist, PackInstall
from onboarding.province.models import PackRelease
from onboarding.services import adoption, releases
from onboarding.services.packs import pack_for_kind
from quality.core.permissions import can
from quality.core.steps import Gate


def _published():
    """The newest published release of every pack (public schema, readable from an agency)."""
    newest = {}
    for release in PackRelease.objects.filter(published_at__isnull=False).order_by(
        "key", "-version"
    ):
        newest.setdefault(release.key, release)
    return list(newest.values())


# --------------------------------------------------------------------------- agency portal


class AgencyPacksView(Gate, TemplateView):
    capability = "documents.view"
    template_name = "onboarding/packs.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        kind = getattr(connection.tenant, "kind", None)
        installed = {p.pack: p for p in PackInstall.objects.order_by("pack", "-version")}
        packs = []
        for release in _published():
            holding = installed.get(release.key)
            count = len(adoption.pending(release.key)[1]) if holding else 0
            packs.append(
                {
                    "release": release,
                    "installed": holding,
                    "pending": count,
                    "suggested": release.key == pack_for_kind(kind),
                }
            )
        context.update(
            packs=sorted(
                packs, key=lambda p: (not p["installed"], not p["suggested"], p["release"].key)
            ),
            checklist=Checklist.load(),
            can_manage=can(self.request.user, "documents.manage"),
        )
        return context


class AgencyPackDetailView(Gate, TemplateView):
    capability = "documents.view"
    template_name = "onboarding/pack_detail.html"

    def get_context_data(self, key, **kwargs):
        context = super().get_context_data(**kwargs)
        if not PackInstall.objects.filter(pack=key).exists():
            raise Http404
        newest, changes = adoption.pending(key)
        context.update(
            key=key,
            newest=newest,
            installed=PackInstall.objects.filter(pack=key).order_by("-version").first(),
            changes=changes,
            can_manage=can(self.request.user, "documents.manage"),
        )
        return context


class _PackStep(Gate, View):
    capability = "documents.manage"

    def post(self, request, key, item=None):
        if not PackRelease.objects.filter(key=key, published_at__isnull=False).exists():
            raise Http404
        try:
            message = self.act(request.user, key, item)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, message)
        return redirect(self.next_url(key))

    def next_url(self, key):
        return f"/packs/{key}/"


class PackChooseView(_PackStep):
    def act(self, actor, key, item):
        created = adoption.pack_choose(actor=actor, key=key)
        return _("Đã chọn bộ tài liệu mẫu; thêm %(n)s tài liệu dự thảo.") % {"n": created}

    def next_url(self, key):
        return "/packs/"


class ItemAdoptView(_PackStep):
    def act(self, actor, key, item):
        document = adoption.item_adopt(actor=actor, key=key, item_key=item)
        return _("Đã áp dụng mẫu cho %(code)s (bản dự thảo, chờ xem xét và phê duyệt).") % {
            "code": document.code
        }


class ItemDeclineView(_PackStep):
    def act(self, actor, key, item):
        adoption.item_decline(actor=actor, key=key, item_key=item)
        return _("Đã đánh dấu là đã xử lý; tài liệu của cơ quan không thay đổi.")


# --------------------------------------------------------------------------- province console


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Tệp JSON của phiên bản mới"))


class ReleaseListView(ProvinceUserRequiredMixin, TemplateView):
    template_name = "onboarding/console_packs.html"

    def get_context_data(self, **kwargs):
        releases.release_sync_files()
        context = super().get_context_data(**kwargs)
        context.update(
            releases=PackRelease.objects.select_related("published_by").order_by("key", "-version"),
            form=UploadForm(),
        )
        return context


class ReleaseUploadView(ProvinceAdminRequiredMixin, View):
    def post(self, request):
        form = UploadForm(request.POST, request.FILES)
        if not form.is_valid():
            messages.error(request, _("Hãy chọn tệp JSON."))
            return redirect("packs:list")
        try:
            release = releases.release_upload(
                actor=request.user, data=form.cleaned_data["file"].read()
            )
        except ValidationError as exc:
            messages.error(request, error_text(exc))
            return redirect("packs:list")
        messages.info(request, _("Đã kiểm tra; xem các thay đổi rồi công bố."))
        return redirect("packs:detail", pk=release.pk)


class ReleaseDetailView(ProvinceUserRequiredMixin, TemplateView):
    template_name = "onboarding/console_release.html"

    def get_context_data(self, pk, **kwargs):
        context = super().get_context_data(**kwargs)
        release = get_object_or_404(PackRelease, pk=pk)
        previous = (
            PackRelease.objects.filter(
                key=release.key, published_at__isnull=False, version__lt=release.version
            )
            .order_by("-version")
            .first()
        )
        diffs = releases.release_diff(previous.content if previous else None, release.content)
        context.update(
            release=release,
            previous=previous,
            diffs=[d for d in diffs if d.change != "same"],
            same=sum(1 for d in diffs if d.change == "same"),
            can_manage=self.request.user.role == "province_admin",
        )
        return context


class ReleasePublishView(ProvinceAdminRequiredMixin, View):
    def post(self, request, pk):
        release = get_object_or_404(PackRelease, pk=pk)
        try:
            releases.release_publish(actor=request.user, release=release)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(
                request,
                _(
                    "Đã công bố %(key)s phiên bản %(v)s: các cơ quan thấy "
                    "thay đổi và áp dụng từng mục."
                )
                % {"key": release.key, "v": release.version},
            )
        return redirect("packs:detail", pk=pk)


class ReleaseDownloadView(ProvinceUserRequiredMixin, View):
    def get(self, request, pk):
        release = get_object_or_404(PackRelease, pk=pk)
        response = HttpResponse(
            json.dumps(release.content, ensure_ascii=False, indent=1),
            content_type="application/json; charset=utf-8",
        )
        response["Content-Disposition"] = (
            f'attachment; filename="{release.key}-v{release.version}.json"'
        )
        return response
