"""Password rules with Vietnamese messages (AUTH_PASSWORD_VALIDATORS).

Django's own validators, re-worded: the vi catalogue bundled with Django covers them, but
reads like a machine translation ("Mật khẩu quá ngắn. Nó phải chứa ít nhất 10 ký tự.", "không
được là mật khẩu được dùng phổ biến"). The error codes stay Django's, so forms and tests that
name them keep working. Two additions that matter here:

- names are compared without diacritics too: "nguyenvanan2026" is refused for Nguyễn Văn An;
- a short list of passwords common in Vietnamese offices joins Django's English list.

No composition rule (upper case, digits, symbols): NIST SP 800-63B advises against them; length,
the common list and the similarity check do the work.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from django.contrib.auth import password_validation as django_rules
from django.contrib.auth.password_validation import exceeds_maximum_length_ratio
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from iso_platform.text import fold

# Folded (lower case, no diacritics) and at least 10 characters long: shorter ones are refused
# by the length rule anyway.
VIETNAMESE_COMMON = frozenset(
    {
        "matkhau123",
        "matkhau1234",
        "matkhau12345",
        "matkhau123456",
        "matkhau@123",
        "matkhaumoi123",
        "anhyeuem123",
        "anhyeuem1234",
        "emyeuanh123",
        "yeuemnhieu123",
        "vietnam123",
        "vietnam1234",
        "vietnam12345",
        "vietnam2024",
        "vietnam2025",
        "vietnam2026",
        "123456789a",
        "a123456789",
        "1234567890a",
        "abc1234567",
        "admin12345",
        "admin123456",
        "admin@1234",
        "quantri123",
        "quantri1234",
        "quantri@123",
        "eiso123456",
        "eiso@12345",
        "iso9001:2015",
        "iso90012015",
        "iso9001-2015",
        "tcvniso9001",
        "motcua12345",
        "motcua@123",
    }
)


class MinimumLengthValidator(django_rules.MinimumLengthValidator):
    def get_error_message(self):
        return ngettext(
            "Mật khẩu quá ngắn: cần ít nhất %(min_length)d ký tự.",
            "Mật khẩu quá ngắn: cần ít nhất %(min_length)d ký tự.",
            self.min_length,
        ) % {"min_length": self.min_length}

    def get_help_text(self):
        return ngettext(
            "Dài ít nhất %(min_length)d ký tự; nên dùng một cụm từ dễ nhớ.",
            "Dài ít nhất %(min_length)d ký tự; nên dùng một cụm từ dễ nhớ.",
            self.min_length,
        ) % {"min_length": self.min_length}


class UserAttributeSimilarityValidator(django_rules.UserAttributeSimilarityValidator):
    """Django's check on the e-mail and the full name, also without diacritics."""

    DEFAULT_USER_ATTRIBUTES = ("email", "full_name")

    def __init__(self, user_attributes=DEFAULT_USER_ATTRIBUTES, max_similarity=0.7):
        super().__init__(user_attributes=user_attributes, max_similarity=max_similarity)

    def validate(self, password, user=None):
        if not user:
            return
        folded = fold(password)
        for attribute in self.user_attributes:
            value = getattr(user, attribute, None)
            if not value or not isinstance(value, str):
                continue
            if self._too_similar(folded, fold(value)):
                raise ValidationError(
                    self.get_error_message(),
                    code="password_too_similar",
                    params={"verbose_name": self._label(user, attribute)},
                )

    def _too_similar(self, password: str, value: str) -> bool:
        # The whole value, its words, and the name written without spaces ("nguyenvanan").
        parts = {value, value.replace(" ", ""), *re.split(r"\W+", value)}
        for part in parts:
            if len(part) < 3:
                continue
            # Django's own test (quick_ratio), after its guard against very long passwords.
            if exceeds_maximum_length_ratio(password, self.max_similarity, part):
                continue
            if SequenceMatcher(a=password, b=part).quick_ratio() >= self.max_similarity:
                return True
            if len(part) >= 5 and part in password and len(part) * 2 >= len(password):
                return True  # the name or e-mail with a few digits added
        return False

    @staticmethod
    def _label(user, attribute) -> str:
        try:
            return str(user._meta.get_field(attribute).verbose_name)
        except Exception:  # noqa: BLE001 - an attribute that is not a field
            return attribute

    def get_error_message(self):
        return _("Mật khẩu quá giống %(verbose_name)s của bạn.")

    def get_help_text(self):
        return _("Không giống họ tên hay địa chỉ thư điện tử của bạn.")


class CommonPasswordValidator(django_rules.CommonPasswordValidator):
    def validate(self, password, user=None):
        folded = fold(password).strip()
        if folded in self.passwords or folded in VIETNAMESE_COMMON:
            raise ValidationError(self.get_error_message(), code="password_too_common")

    def get_error_message(self):
        return _("Mật khẩu này quá phổ biến, dễ bị đoán ra. Hãy chọn mật khẩu khác.")

    def get_help_text(self):
        return _("Không phải mật khẩu phổ biến (như “matkhau123”, “123456789a”).")


class NumericPasswordValidator(django_rules.NumericPasswordValidator):
    def get_error_message(self):
        return _("Mật khẩu không được chỉ gồm chữ số.")

    def get_help_text(self):
        return _("Không chỉ gồm chữ số.")
