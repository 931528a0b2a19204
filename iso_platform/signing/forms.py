"""The form of "Ký và phát hành" on the province console (iso_platform.signing.province)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from iso_platform.official import number_format
from iso_platform.signing.province import MAX_SEQUENCE


class ProvinceSignForm(forms.Form):
    """The number from the department's register and the password of the signer's
    certificate file (never kept). `kind` is the kind printed in the number ("BC")."""

    sequence = forms.IntegerField(
        label=_("Số văn bản (theo sổ văn bản đi của Sở)"), min_value=1, max_value=MAX_SEQUENCE
    )
    password = forms.CharField(
        label=_("Mật khẩu tệp chứng thư số"),
        required=False,  # the service says what is missing, in its words
        strip=False,
        help_text=_("Văn bản được ký số bằng chứng thư số của bạn; mật khẩu không được lưu."),
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}, render_value=False),
    )

    def __init__(self, *args, kind: str = "BC", **kwargs):
        super().__init__(*args, **kwargs)
        example = number_format(
            sequence=12, kind=kind, abbreviation=settings.PROVINCE_ISSUER_ABBREVIATION
        )
        self.fields["sequence"].help_text = _("Số do văn thư cấp, ví dụ 12 cho “%(example)s”.") % {
            "example": example
        }
