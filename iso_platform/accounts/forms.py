from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from iso_platform.accounts import sign_in_methods
from iso_platform.accounts.identifiers import IdentifierField


class SignInForm(AuthenticationForm):
    username = IdentifierField(
        label=_("Thư điện tử"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    error_messages = {
        "invalid_login": _(
            "Thư điện tử hoặc mật khẩu không đúng. Lưu ý: mỗi cơ quan đăng nhập "
            "trên địa chỉ riêng của mình."
        ),
        "inactive": _("Tài khoản này đã bị khoá."),
    }

    def clean(self):
        # Before the password is checked: a host that switched passwords off must not even
        # tell whether one was right.
        refusal = sign_in_methods.password_refusal(self.request) if self.request else None
        if refusal:
            raise ValidationError(refusal, code="passwords_off")
        return super().clean()


class TwoFactorCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Mã xác thực"),
        max_length=32,
        help_text=_("6 chữ số trong ứng dụng xác thực, hoặc một mã dự phòng."),
        widget=forms.TextInput(
            attrs={"autofocus": True, "autocomplete": "one-time-code", "spellcheck": "false"}
        ),
    )


class EnrolmentCodeForm(TwoFactorCodeForm):
    """The first code: recovery codes are issued only after it, so none can be offered."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].help_text = _("6 chữ số đang hiện trong ứng dụng xác thực.")
