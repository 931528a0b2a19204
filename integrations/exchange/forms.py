from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from integrations.exchange.models import Recipient
from integrations.exchange.services.outbound import DOCUMENT, ISSUE, WITHDRAWAL
from quality.documents.models import DocType, Document, DocumentStatus
from tenants.models import identifier_normalise, validate_agency_identifier


class UploadForm(forms.Form):
    package = forms.FileField(
        label=_("Gói tin edXML (.xml, .edxml)"),
        help_text=_("Gói tin văn bản nhận từ hệ thống quản lý văn bản và điều hành."),
    )


class RecipientForm(forms.Form):
    identifier = forms.CharField(label=_("Mã định danh"), max_length=20)
    name = forms.CharField(label=_("Tên cơ quan"), max_length=255)

    def clean_identifier(self):
        value = identifier_normalise(self.cleaned_data["identifier"])
        validate_agency_identifier(value)
        if Recipient.objects.filter(identifier=value).exists():
            raise forms.ValidationError(_("Mã định danh này đã có trong danh sách."))
        return value


class SendForm(forms.Form):
    WHAT = [
        (ISSUE, _("Quyết định ban hành tài liệu (bản đang hiệu lực)")),
        (WITHDRAWAL, _("Quyết định bãi bỏ tài liệu")),
        (DOCUMENT, _("Tệp PDF của tài liệu đang hiệu lực")),
    ]
    document = forms.ModelChoiceField(label=_("Tài liệu"), queryset=Document.objects.none())
    what = forms.ChoiceField(label=_("Gửi"), choices=WHAT, initial=ISSUE)
    recipients = forms.MultipleChoiceField(
        label=_("Nơi nhận"), widget=forms.CheckboxSelectMultiple, required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["document"].queryset = Document.objects.exclude(
            doc_type=DocType.EXTERNAL
        ).filter(Q(status=DocumentStatus.IN_FORCE) | Q(status=DocumentStatus.WITHDRAWN))
        self.fields["recipients"].choices = [
            (r.identifier, f"{r.name} ({r.identifier})")
            for r in Recipient.objects.filter(active=True)
        ]


class ConnectionForm(forms.Form):
    url = forms.CharField(
        label=_("Địa chỉ nền tảng tích hợp (LGSP)"), max_length=500, required=False
    )
    token_url = forms.CharField(
        label=_("Địa chỉ cấp mã truy cập (token URL)"),
        max_length=500,
        required=False,
        help_text=_("Điểm cấp token OAuth2 của nền tảng (cách cấp client credentials)."),
    )
    client_id = forms.CharField(label=_("Mã ứng dụng (client id)"), max_length=200, required=False)
    client_secret = forms.CharField(
        label=_("Khoá bí mật của ứng dụng (client secret)"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Để trống để giữ khoá đã lưu. Khoá được mã hoá khi lưu."),
    )
    scope = forms.CharField(
        label=_("Phạm vi (scope)"),
        max_length=500,
        required=False,
        help_text=_("Không bắt buộc; chỉ nhập nếu nền tảng yêu cầu."),
    )
    enabled = forms.BooleanField(label=_("Bật kết nối"), required=False)
