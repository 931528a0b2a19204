"""Province console: the trust list of certification authorities and the signing
configuration (timestamp authority, remote signing service), which anyone of the province
sees and provincial administrators change; and each province user's own certificate
("Chữ ký số của tôi")."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.debug import sensitive_post_parameters

from eiso.console.forms import ProvinceCredentialForm, SigningConfigurationForm, TrustAnchorForm
from iso_platform.accounts.permissions import (
    ProvinceAdminRequiredMixin,
    ProvinceUserRequiredMixin,
    is_province_admin,
)
from iso_platform.signing import credentials, services
from iso_platform.signing.models import ProvinceCredential, TrustAnchor
from iso_platform.signing.selectors import signing_configuration

TEMPLATE = "console/signing.html"


def _page(request, *, anchor_form=None, config_form=None, status=200):
    config = signing_configuration()
    return render(
        request,
        TEMPLATE,
        {
            "anchors": TrustAnchor.objects.select_related("added_by"),
            "anchor_form": anchor_form or TrustAnchorForm(),
            "config_form": config_form
            or SigningConfigurationForm(
                initial={
                    "timestamp_url": config.timestamp_url,
                    "remote_service_url": config.remote_service_url,
                    "remote_service_name": config.remote_service_name,
                }
            ),
            "config": config,
            "can_manage": is_province_admin(request),
        },
        status=status,
    )


def _errors_into(form, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


class SigningView(ProvinceUserRequiredMixin, View):
    def get(self, request):
        return _page(request)


class TrustAnchorAddView(ProvinceAdminRequiredMixin, View):
    def post(self, request):
        form = TrustAnchorForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["certificate"]
            try:
                anchor = services.trust_anchor_add(
                    actor=request.user,
                    data=upload.read(services.MAX_CERTIFICATE_BYTES + 1),
                    note=form.cleaned_data["note"],
                    request=request,
                )
            except ValidationError as exc:
                _errors_into(form, exc)
            else:
                messages.success(request, _("Đã thêm “%(subject)s”.") % {"subject": anchor.subject})
                return redirect("console:signing")
        return _page(request, anchor_form=form, status=400)


class TrustAnchorActiveView(ProvinceAdminRequiredMixin, View):
    active = False

    def post(self, request, pk):
        anchor = get_object_or_404(TrustAnchor, pk=pk)
        services.trust_anchor_set_active(
            actor=request.user, anchor=anchor, active=self.active, request=request
        )
        text = (
            _("Đã dùng lại “%(subject)s”.") if self.active else _("Đã ngừng tin cậy “%(subject)s”.")
        )
        messages.success(request, text % {"subject": anchor.subject})
        return redirect("console:signing")


class SigningConfigurationView(ProvinceAdminRequiredMixin, View):
    def post(self, request):
        form = SigningConfigurationForm(request.POST)
        if form.is_valid():
            try:
                services.signing_configuration_update(
                    actor=request.user, request=request, **form.cleaned_data
                )
            except ValidationError as exc:
                _errors_into(form, exc)
            else:
                messages.success(request, _("Đã lưu cấu hình ký số."))
                return redirect("console:signing")
        return _page(request, config_form=form, status=400)


@method_decorator(sensitive_post_parameters("password"), name="dispatch")
class MySignatureView(ProvinceUserRequiredMixin, View):
    """ "Chữ ký số của tôi" on the console: the person's own certificate (PKCS#12), for the
    documents the department signs here (the evaluation report)."""

    template = "console/my_signature.html"

    def page(self, request, form=None, status=200):
        return render(
            request,
            self.template,
            {
                "form": form or ProvinceCredentialForm(),
                "credentials": ProvinceCredential.objects.filter(owner=request.user),
                "may_sign_reports": is_province_admin(request),
            },
            status=status,
        )

    def get(self, request):
        return self.page(request)

    def post(self, request):
        if "deactivate" in request.POST:
            credential = get_object_or_404(
                ProvinceCredential, owner=request.user, pk=request.POST.get("deactivate") or 0
            )
            credentials.province_credential_deactivate(
                actor=request.user, credential=credential, request=request
            )
            messages.success(request, _("Đã ngừng sử dụng chứng thư số."))
            return redirect("console:my_signature")
        form = ProvinceCredentialForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                credentials.province_credential_upload(
                    actor=request.user,
                    data=form.cleaned_data["file"].read(credentials.MAX_PKCS12_BYTES + 1),
                    password=form.cleaned_data["password"] or "",
                    request=request,
                )
            except ValidationError as exc:
                _errors_into(form, exc)
            else:
                messages.success(request, _("Đã lưu chữ ký số."))
                return redirect("console:my_signature")
        return self.page(request, form, status=400)
