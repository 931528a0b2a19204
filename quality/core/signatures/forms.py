"""Forms: the secrets an approval asks for when it signs, and keeping credentials."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from quality.core.models import AgencySettings
from quality.core.signatures.services import SigningSecrets, seal_needed, signing_needed


def _secret(label, help_text=""):
    return forms.CharField(
        label=label,
        help_text=help_text,
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}, render_value=False),
    )


class SigningFields(forms.Form):
    """Mixed into the form of an action that issues a document: with `signer`, it asks for
    the password or PIN when that person's approval signs, and for the agency's secret when
    the agency's certificate signs too. The service decides; these only collect."""

    def __init__(self, *args, signer=None, **kwargs):
        super().__init__(*args, **kwargs)
        if signer is not None and signing_needed(signer):
            self.fields["signing_secret"] = _secret(
                _("Mật khẩu chứng thư số / mã PIN của bạn"),
                _("Văn bản được ký số bằng chứng thư số của bạn; mật khẩu không được lưu."),
            )
        if signer is not None and seal_needed(signer):
            self.fields["agency_secret"] = _secret(
                _("Mật khẩu / mã PIN chứng thư số của cơ quan"),
                _("Ký số của cơ quan sau chữ ký của bạn."),
            )

    def signing_secrets(self) -> SigningSecrets:
        data = self.cleaned_data
        return SigningSecrets(
            secret=data.get("signing_secret") or "", agency_secret=data.get("agency_secret") or ""
        )


class ImageField(forms.FileField):
    def __init__(self, label):
        super().__init__(
            label=label,
            required=False,
            help_text=_("Tệp PNG, nền trong suốt."),
            widget=forms.ClearableFileInput(attrs={"accept": "image/png"}),
        )


class Pkcs12Form(forms.Form):
    file = forms.FileField(
        label=_("Tệp chứng thư số (.p12, .pfx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".p12,.pfx"}),
    )
    password = _secret(_("Mật khẩu của tệp"), _("Dùng để kiểm tra tệp; không được lưu."))
    image = ImageField(_("Ảnh chữ ký"))

    def __init__(self, *args, for_agency=False, **kwargs):
        super().__init__(*args, **kwargs)
        if for_agency:
            self.fields["image"].label = _("Ảnh con dấu")


class TokenForm(forms.Form):
    module_path = forms.ChoiceField(label=_("Trình điều khiển thiết bị (PKCS#11)"))
    token_label = forms.CharField(label=_("Nhãn thiết bị (token label)"), max_length=100)
    key_label = forms.CharField(
        label=_("Nhãn khoá"),
        max_length=100,
        required=False,
        help_text=_("Để trống khi thiết bị chỉ có một khoá."),
    )
    pin = _secret(_("Mã PIN"), _("Dùng để đọc chứng thư trên thiết bị; không được lưu."))
    image = ImageField(_("Ảnh chữ ký"))

    def __init__(self, *args, for_agency=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["module_path"].choices = [(p, p) for p in settings.SIGNING_PKCS11_MODULES]
        if for_agency:
            self.fields["image"].label = _("Ảnh con dấu")


class RemoteForm(forms.Form):
    credential_id = forms.CharField(label=_("Mã chứng thư số trên dịch vụ ký số"), max_length=200)
    access_token = _secret(
        _("Mã truy cập (access token) do dịch vụ cấp"),
        _("Được lưu mã hoá; mỗi lần ký vẫn phải nhập mã PIN."),
    )
    image = ImageField(_("Ảnh chữ ký"))

    def __init__(self, *args, for_agency=False, **kwargs):
        super().__init__(*args, **kwargs)
        if for_agency:
            self.fields["image"].label = _("Ảnh con dấu")


class SignatureRuleForm(forms.ModelForm):
    class Meta:
        model = AgencySettings
        fields = ["signature_required"]
