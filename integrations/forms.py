from django import forms
from django.utils.translation import gettext_lazy as _

from integrations.models import InboxStatus


class KeyForm(forms.Form):
    name = forms.CharField(label=_("Tên khoá (hệ thống, nhà cung cấp)"), max_length=100)


class RotateForm(forms.Form):
    overlap_days = forms.IntegerField(
        label=_("Khoá cũ còn dùng được (ngày)"), min_value=0, max_value=30, initial=7
    )


class InboxFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Tình trạng"), required=False, choices=[("", _("Tất cả"))] + InboxStatus.choices
    )
    q = forms.CharField(label=_("Mã sự kiện hoặc mã hồ sơ"), required=False)


class ConnectorForm(forms.Form):
    name = forms.CharField(label=_("Tên"), max_length=100)
    url = forms.URLField(label=_("Địa chỉ nguồn dữ liệu"), max_length=500, assume_scheme="https")
    authorization = forms.CharField(
        label=_("Tiêu đề Authorization (nếu cần)"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
    )
