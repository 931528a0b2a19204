"""Forms of the agency checklist page (profile and scope, the steering committee)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from quality.core.models import Unit
from quality.core.steps import people


class ProfileForm(forms.Form):
    scope = forms.CharField(
        label=_("Phạm vi áp dụng hệ thống quản lý chất lượng"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Ví dụ: Hệ thống áp dụng cho toàn bộ hoạt động giải quyết thủ tục hành chính thuộc "
            "thẩm quyền của cơ quan và các hoạt động quản lý nội bộ liên quan."
        ),
    )
    confirm = forms.BooleanField(
        label=_("Tôi đã kiểm tra: tên, loại cơ quan và cơ quan cấp trên ở trên là đúng."),
        required=True,
    )


class UnitChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.code})"


class PeopleChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.full_name} ({obj.email})"


class SteeringForm(forms.Form):
    unit = UnitChoice(
        queryset=None,
        required=False,
        label=_("Đơn vị có sẵn"),
        empty_label=_("— Tạo đơn vị mới —"),
    )
    code = forms.CharField(label=_("Mã đơn vị mới"), max_length=32, required=False)
    name = forms.CharField(label=_("Tên đơn vị mới"), max_length=255, required=False)
    members = PeopleChoice(
        queryset=None,
        required=False,
        label=_("Thêm thành viên"),
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )

    def __init__(self, *args, **kwargs):

        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.filter(is_active=True).order_by("name")
        self.fields["members"].queryset = people()
