from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class SignInForm(AuthenticationForm):
    username = forms.EmailField(
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
