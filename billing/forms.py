"""Forms of the billing pages (the services validate again)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from billing.models import GIB, InvoiceStatus, Payer, Plan
from tenants.models import Agency


class DateInput(forms.DateInput):
    input_type = "date"


class PlanVersionForm(forms.Form):
    plan = forms.ModelChoiceField(Plan.objects.all(), label=_("Gói"), required=False)
    code = forms.SlugField(label=_("Mã gói mới"), required=False, max_length=40)
    name = forms.CharField(label=_("Tên gói mới"), required=False, max_length=200)
    effective_from = forms.DateField(label=_("Áp dụng từ"), widget=DateInput)
    monthly_price = forms.IntegerField(label=_("Giá tháng (đồng)"), min_value=0)
    included_users = forms.IntegerField(label=_("Số người dùng"), min_value=0)
    included_storage_gb = forms.IntegerField(label=_("Dung lượng (GB)"), min_value=0)
    included_applications = forms.IntegerField(label=_("Số hồ sơ mỗi tháng"), min_value=0)
    price_extra_user = forms.IntegerField(label=_("Giá mỗi người dùng thêm"), min_value=0)
    price_extra_gb = forms.IntegerField(label=_("Giá mỗi GB thêm"), min_value=0)
    price_extra_100_applications = forms.IntegerField(
        label=_("Giá mỗi 100 hồ sơ thêm"), min_value=0
    )
    vat_permille = forms.IntegerField(
        label=_("Thuế GTGT (‰)"), min_value=0, max_value=1000, initial=100
    )
    hard_limits = forms.BooleanField(label=_("Giới hạn cứng"), required=False)

    def clean(self):
        data = super().clean()
        if not data.get("plan") and not (data.get("code") and data.get("name")):
            raise forms.ValidationError(_("Chọn một gói, hoặc nhập mã và tên cho gói mới."))
        return data

    def terms(self) -> dict:
        data = dict(self.cleaned_data)
        data["included_storage_bytes"] = data.pop("included_storage_gb") * GIB
        for key in ("plan", "code", "name"):
            data.pop(key)
        return data


class SubscriptionChangeForm(forms.Form):
    plan = forms.ModelChoiceField(
        Plan.objects.all(), label=_("Gói mới"), to_field_name="code", required=False
    )
    payer = forms.ChoiceField(label=_("Bên chi trả"), choices=Payer.choices, required=False)
    on = forms.DateField(label=_("Hiệu lực từ ngày"), widget=DateInput)
    after_pilot_plan = forms.ModelChoiceField(
        Plan.objects.filter(is_pilot=False),
        label=_("Gói sau dùng thử"),
        to_field_name="code",
        required=False,
    )


class InvoiceFilterForm(forms.Form):
    month = forms.CharField(
        label=_("Tháng"), required=False, widget=forms.TextInput(attrs={"type": "month"})
    )
    payer = forms.ChoiceField(label=_("Bên chi trả"), required=False)
    status = forms.ChoiceField(
        label=_("Trạng thái"), required=False, choices=[("", "—"), *InvoiceStatus.choices]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        agencies = Agency.objects.agencies().order_by("name")
        self.fields["payer"].choices = [
            ("", "—"),
            (Payer.PROVINCE.value, Payer.PROVINCE.label),
            *agencies.values_list("code", "name"),
        ]


class PayForm(forms.Form):
    reference = forms.CharField(label=_("Mã giao dịch chuyển khoản"), max_length=100)


class VoidForm(forms.Form):
    reason = forms.CharField(label=_("Lý do huỷ"), max_length=500, widget=forms.Textarea)


class RunForm(forms.Form):
    month = forms.CharField(
        label=_("Tháng lập hoá đơn"), widget=forms.TextInput(attrs={"type": "month"})
    )
