"""Pages: "Chữ ký số của tôi" (a person's credential) and "Chữ ký số của cơ quan" (the
agency's certificate and the rule that issuing needs a signature)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View

from iso_platform.forms import add_errors
from iso_platform.signing import signing_configuration
from quality.core.models import AgencySettings
from quality.core.permissions import can
from quality.core.services import agency_settings_update
from quality.core.signatures import forms, services
from quality.core.signatures.models import SigningCredential
from quality.core.steps import hide_secrets, page_allowed

FORMS = {"pkcs12": forms.Pkcs12Form, "token": forms.TokenForm, "remote": forms.RemoteForm}


def _read(upload) -> bytes | None:
    # Bounded: a PKCS#12 file or a PNG image is a few KB; the form's own size cap
    # (DATA_UPLOAD_MAX_MEMORY_SIZE) stops anything huge before this.
    return upload.read(5 * 1024 * 1024) if upload else None


@hide_secrets
class CredentialsView(LoginRequiredMixin, View):
    template = "quality/signatures.html"
    capability = "signing.own"
    for_agency = False
    url_name = "portal:my_signatures"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not page_allowed(
            request, self.capability, read_only_page=True
        ):
            raise PermissionDenied(self.capability)
        return super().dispatch(request, *args, **kwargs)

    def credentials(self):
        owner = {"owner__isnull": True} if self.for_agency else {"owner": self.request.user}
        return SigningCredential.objects.filter(**owner)

    def kinds(self) -> list[str]:
        kinds = ["pkcs12"]
        if settings.SIGNING_PKCS11_MODULES:
            kinds.append("token")
        if signing_configuration().remote_service_url:
            kinds.append("remote")
        return kinds

    def context(self, **bound) -> dict:
        built = {
            kind: bound.get(kind) or FORMS[kind](for_agency=self.for_agency, prefix=kind)
            for kind in self.kinds()
        }
        return {
            "forms": built,
            "credentials": self.credentials(),
            "for_agency": self.for_agency,
            "post_url": self.request.path,
            "settings_form": bound.get("settings") or self.settings_form(),
            "may_change": can(self.request.user, self.capability),
        }

    def settings_form(self):
        return None

    def get(self, request):
        return render(request, self.template, self.context())

    def post(self, request):
        if not can(request.user, self.capability):
            raise PermissionDenied(self.capability)
        if "deactivate" in request.POST:
            return self.deactivate(request)
        kind = request.POST.get("kind", "")
        if kind not in self.kinds():
            return redirect(self.url_name)
        form = FORMS[kind](request.POST, request.FILES, for_agency=self.for_agency, prefix=kind)
        if form.is_valid():
            try:
                self.keep(kind, form.cleaned_data)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Đã lưu chữ ký số."))
                return redirect(self.url_name)
        return render(request, self.template, self.context(**{kind: form}), status=400)

    def keep(self, kind: str, data: dict):
        common = {
            "actor": self.request.user,
            "image": _read(data.get("image")),
            "for_agency": self.for_agency,
        }
        if kind == "pkcs12":
            return services.credential_pkcs12_upload(
                data=_read(data["file"]), password=data.get("password") or "", **common
            )
        if kind == "token":
            return services.credential_token_register(
                module_path=data["module_path"],
                token_label=data["token_label"],
                key_label=data.get("key_label") or "",
                pin=data.get("pin") or "",
                **common,
            )
        return services.credential_remote_register(
            credential_id=data["credential_id"],
            access_token=data.get("access_token") or "",
            **common,
        )

    def deactivate(self, request):
        credential = get_object_or_404(self.credentials(), pk=request.POST.get("deactivate"))
        services.credential_deactivate(actor=request.user, credential=credential)
        messages.success(request, _("Đã ngừng sử dụng chứng thư số."))
        return redirect(self.url_name)


class AgencyCredentialsView(CredentialsView):
    capability = "signing.agency"
    for_agency = True
    url_name = "portal:agency_signatures"

    def settings_form(self):
        return forms.SignatureRuleForm(instance=AgencySettings.load())

    def post(self, request):
        if "rule" not in request.POST:
            return super().post(request)
        if not can(request.user, "settings.manage"):
            raise PermissionDenied("settings.manage")
        form = forms.SignatureRuleForm(request.POST, instance=AgencySettings.load())
        if form.is_valid():
            agency_settings_update(actor=request.user, **form.cleaned_data)
            messages.success(request, _("Đã lưu cấu hình."))
            return redirect(self.url_name)
        return render(request, self.template, self.context(settings=form), status=400)
