from django import forms
from django.utils.translation import gettext_lazy as _

from iso_platform.accounts.models import User
from quality.core.editions import catalogue
from quality.core.models import Unit


class UnitForm(forms.ModelForm):
    class Meta:
        model = Unit
        fields = ["code", "name", "head", "members"]
        widgets = {"members": forms.SelectMultiple(attrs={"size": 8})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        people = User.objects.filter(is_active=True).order_by("full_name")
        self.fields["head"].queryset = people
        self.fields["members"].queryset = people
        self.fields["members"].required = False

    def clean_code(self):
        return self.cleaned_data["code"].strip().upper()


class LoopSettingsForm(forms.ModelForm):
    """The agency's choices for the improvement loop (risk matrix, survey threshold)."""

    class Meta:
        from quality.core.models import AgencySettings

        model = AgencySettings
        fields = ["risk_matrix_size", "survey_low_score"]


class OfficialSettingsForm(forms.ModelForm):
    """The names on the agency's official documents and who signs them."""

    class Meta:
        from quality.core.models import AgencySettings

        model = AgencySettings
        fields = [
            "official_governing_body",
            "official_name",
            "official_abbreviation",
            "official_place",
            "signer_authority",
            "signer_position",
            "signer_name",
        ]

    def clean_official_abbreviation(self):
        return self.cleaned_data["official_abbreviation"].strip().upper()


class EditionSettingsForm(forms.Form):
    """The edition of ISO 9001 the agency follows (choices from the editions' data)."""

    iso_edition = forms.ChoiceField(label=_("Phiên bản tiêu chuẩn áp dụng"))

    def __init__(self, *args, instance=None, **kwargs):
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {"iso_edition": instance.iso_edition}
        super().__init__(*args, **kwargs)
        self.fields["iso_edition"].choices = [
            (e.code, f"{e.name} — {_('dự thảo, chưa công bố')}" if e.is_provisional else e.name)
            for e in catalogue().editions.values()
        ]
