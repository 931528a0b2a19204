from django import forms
from django.utils.translation import gettext_lazy as _


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Tệp danh mục thủ tục (.json, .xlsx)"),
        help_text=_("Danh mục thủ tục hành chính theo cấu trúc của CSDL quốc gia về TTHC."),
    )


class ConnectionForm(forms.Form):
    url = forms.CharField(label=_("Địa chỉ dịch vụ danh mục TTHC"), max_length=500, required=False)
    key = forms.CharField(
        label=_("Khoá truy cập (API key)"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Để trống để giữ khoá đã lưu. Khoá được mã hoá khi lưu."),
    )
    enabled = forms.BooleanField(label=_("Bật kết nối"), required=False)
