"""Password rules, in Vietnamese: length, likeness to the name or e-mail, common, all digits."""

from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import (
    password_validators_help_texts,
    validate_password,
)
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation
from django_tenants.utils import schema_context

from iso_platform.accounts.models import User
from iso_platform.accounts.signals import SecurityAction, security_event


def _refusal(password, user=None) -> list[str]:
    with translation.override("vi"), pytest.raises(ValidationError) as exc:
        validate_password(password, user)
    return exc.value.messages


def _person():
    return User(email="nguyen.van.an@alpha.test", full_name="Nguyễn Văn An")


def test_a_short_password_is_refused_in_vietnamese():
    assert "Mật khẩu quá ngắn: cần ít nhất 10 ký tự." in _refusal("ngan-1")


def test_a_password_made_of_the_name_without_diacritics_is_refused():
    assert "Mật khẩu quá giống họ và tên của bạn." in _refusal("nguyenvanan2026", _person())
    assert any("thư điện tử" in m for m in _refusal("nguyen.van.an@alpha", _person()))


@pytest.mark.parametrize("common", ["matkhau123456", "Mậtkhẩu123456", "password123", "qwertyuiop"])
def test_common_passwords_are_refused_also_vietnamese_ones(common):
    assert "Mật khẩu này quá phổ biến, dễ bị đoán ra. Hãy chọn mật khẩu khác." in _refusal(common)


def test_a_password_of_digits_only_is_refused():
    assert "Mật khẩu không được chỉ gồm chữ số." in _refusal("20262026202620")


def test_a_long_passphrase_is_accepted():
    validate_password("cay-lua-vang-tren-dong-2026", _person())


def test_the_rules_are_written_in_vietnamese():
    with translation.override("vi"):
        rules = " ".join(password_validators_help_texts())
    assert "Dài ít nhất 10 ký tự" in rules
    assert "Không giống họ tên hay địa chỉ thư điện tử" in rules
    assert "Không chỉ gồm chữ số" in rules
    assert "password" not in rules.lower()


def test_the_invitation_page_shows_the_rules_and_refuses_a_weak_password(world):
    from iso_platform.accounts.services import invitation_for, user_create

    with schema_context(world.agency_a.schema_name):
        invited = user_create(
            email="tran.thi.binh@alpha.test",
            full_name="Trần Thị Bình",
            role="staff",
            in_public=False,
        )
        link = invitation_for(invited).path()
    client = Client(HTTP_HOST="alpha.localhost")
    assert "Dài ít nhất 10 ký tự" in client.get(link).content.decode()
    weak = client.post(link, {"new_password1": "tranthibinh1", "new_password2": "tranthibinh1"})
    assert weak.status_code == 400
    assert "Mật khẩu quá giống họ và tên của bạn." in weak.content.decode()


def test_changing_the_password_shows_the_rules_and_checks_them(world, client_for, password):
    seen = []

    def receiver(sender, user, action, **kwargs):
        seen.append(action)

    security_event.connect(receiver, dispatch_uid="test-password-events")
    try:
        client = client_for(world.agency_a, world.member_a)
        page = client.get("/accounts/security/password/")
        assert page.status_code == 200 and "Dài ít nhất 10 ký tự" in page.content.decode()
        weak = client.post(
            "/accounts/security/password/",
            {
                "old_password": password,
                "new_password1": "1234567890",
                "new_password2": "1234567890",
            },
        )
        assert weak.status_code == 200  # Django's form view re-renders with the errors
        assert "Mật khẩu không được chỉ gồm chữ số." in weak.content.decode()
        new = "cay-lua-vang-tren-dong-2026"
        done = client.post(
            "/accounts/security/password/",
            {"old_password": password, "new_password1": new, "new_password2": new},
        )
        assert done.status_code == 302 and done["Location"] == "/accounts/security/"
        assert client.get("/").status_code == 200  # still signed in
    finally:
        security_event.disconnect(dispatch_uid="test-password-events")
    with schema_context(world.agency_a.schema_name):
        assert User.objects.get(pk=world.member_a.pk).check_password(new)
    assert seen == [SecurityAction.PASSWORD_CHANGED]
