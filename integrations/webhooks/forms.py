from django import forms
from django.db import connection
from django.utils.translation import gettext_lazy as _

from integrations.webhooks import catalogue


class SubscriptionForm(forms.Form):
    name = forms.CharField(label=_("Tên (hệ thống nhận)"), max_length=100)
    # Not a URLField: the outbound policy (in the service) is the one judge, with its own
    # Vietnamese message for an internal or malformed address.
    url = forms.CharField(
        label=_("Địa chỉ nhận (https://…)"),
        max_length=500,
        help_text=_("eISO gửi POST có chữ ký theo chuẩn Standard Webhooks tới địa chỉ này."),
    )
    event_types = forms.MultipleChoiceField(
        label=_("Loại sự kiện"), widget=forms.CheckboxSelectMultiple, required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        types = catalogue.types_for(connection.schema_name)
        self.fields["event_types"].choices = [(k, f"{label} ({k})") for k, label in types.items()]


class SubscriptionEditForm(SubscriptionForm):
    active = forms.BooleanField(label=_("Đang bật"), required=False)
