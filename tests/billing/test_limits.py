"""Plan limits: hard limits refuse people and files with a clear message; soft limits warn."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from django_tenants.utils import schema_context

from billing.models import GIB, UsageDaily
from billing.services import limits
from billing.services import plans as plan_svc
from billing.services import subscriptions as subs
from billing.services.money import local_today
from iso_platform.accounts.models import Role, User
from quality.core.team import services as team
from quality.documents.models import RevisionFile
from quality.documents.services.files import revision_file_add
from tests.quality.conftest import Flow, pdf_bytes, upload

D = dt.date


def active_users(agency) -> int:
    with schema_context(agency.schema_name):
        return User.objects.filter(is_active=True).count()


def small_plan(*, users: int, storage: int = GIB, hard: bool = True, code="nho"):
    return plan_svc.plan_create(
        code=code,
        name="Gói nhỏ",
        effective_from=D(2026, 1, 1),
        monthly_price=500_000,
        included_users=users,
        included_storage_bytes=storage,
        included_applications=100,
        hard_limits=hard,
    )


def test_invitation_beyond_the_hard_user_limit_is_refused_with_the_limit_named(world):
    small_plan(users=active_users(world.agency_a))
    subs.subscription_start(agency=world.agency_a, plan_code="nho")
    before = active_users(world.agency_a)
    with schema_context(world.agency_a.schema_name), pytest.raises(ValidationError) as caught:
        team.person_invite(
            actor=world.owner_a, email="moi@alpha.test", full_name="Người Mới", role=Role.STAFF
        )
    message = caught.value.messages[0]
    assert f"tối đa {before} người dùng" in message
    assert "Gói nhỏ" in message and "gói dịch vụ lớn hơn" in message
    assert active_users(world.agency_a) == before


def test_the_invite_page_shows_the_refusal(world, client_for):
    small_plan(users=active_users(world.agency_a))
    subs.subscription_start(agency=world.agency_a, plan_code="nho")
    client = client_for(world.agency_a, world.owner_a)
    response = client.post(
        "/team/invite/",
        {"email": "moi@alpha.test", "full_name": "Người Mới", "role": Role.STAFF},
        follow=True,
    )
    assert "tối đa" in response.content.decode()
    with schema_context(world.agency_a.schema_name):
        assert not User.objects.filter(email="moi@alpha.test").exists()


def test_reactivation_and_csv_import_count_too(world):
    with schema_context(world.agency_a.schema_name):
        team.person_deactivate(actor=world.owner_a, user=world.member_a)
    small_plan(users=active_users(world.agency_a))
    subs.subscription_start(agency=world.agency_a, plan_code="nho")
    with schema_context(world.agency_a.schema_name):
        with pytest.raises(ValidationError, match="người dùng"):
            team.person_activate(actor=world.owner_a, user=world.member_a)
        report = team.staff_import(
            actor=world.owner_a,
            data="Họ tên,Email,Vai trò\nMột Người,mot@alpha.test,Chuyên viên\n".encode(),
        )
        assert report.file_errors and "tối đa" in report.file_errors[0]
        assert not User.objects.filter(email="mot@alpha.test").exists()


def test_soft_plan_does_not_refuse(world):
    small_plan(users=1, hard=False)
    subs.subscription_start(agency=world.agency_a, plan_code="nho")
    limits.check(world.agency_a, "users", adding=5)  # overage is billed, not refused
    limits.check(world.agency_b, "users", adding=500)  # no subscription: no limit


def test_upload_beyond_the_storage_limit_is_refused(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    small_plan(users=100, storage=10 * 1024 * 1024)
    subs.subscription_start(agency=world.agency_a, plan_code="nho")
    UsageDaily.objects.create(
        agency=world.agency_a, day=local_today(), storage_bytes=10 * 1024 * 1024 - 10
    )
    with schema_context(world.agency_a.schema_name):
        revision = Flow(world).draft().latest_revision
        with pytest.raises(ValidationError) as caught:
            revision_file_add(
                actor=world.member_a, revision=revision, upload=upload("a.pdf", pdf_bytes())
            )
        assert not RevisionFile.objects.exists()
    message = caught.value.messages[0]
    assert "dung lượng lưu trữ" in message and "10,0 MB" in message
    assert "gói dịch vụ lớn hơn" in message


def test_soft_limit_warning_is_cached_and_shown_on_the_dashboard(world, client_for):
    users = active_users(world.agency_a)
    owner = client_for(world.agency_a, world.owner_a)
    limits.warnings_clear(world.agency_a)
    assert f"Người dùng: {users} / {users}" not in owner.get("/").content.decode()  # cached: none
    small_plan(users=users, hard=False)  # 100 % of the included users
    subs.subscription_start(agency=world.agency_a, plan_code="nho")
    # cleared from the console's side (public schema): the agency's pages see it at once
    with schema_context("public"):
        limits.warnings_clear(world.agency_a)
    found = limits.warnings(world.agency_a)
    assert any(f"Người dùng: {users} / {users}" in line for line in found)
    assert limits.warnings(world.agency_b) == []
    page = owner.get("/")
    assert f"Người dùng: {users} / {users}" in page.content.decode()
    limits.warnings_clear(world.agency_a)


def test_the_banner_is_cached_per_language(world):
    users = active_users(world.agency_a)
    small_plan(users=users, hard=False)
    subs.subscription_start(agency=world.agency_a, plan_code="nho")
    limits.warnings_clear(world.agency_a)
    with translation.override("vi"):
        vietnamese = limits.warnings(world.agency_a)
    with translation.override("en"):
        english = limits.warnings(world.agency_a)  # not the Vietnamese entry from the cache
    assert any(f"Người dùng: {users} / {users}" in line for line in vietnamese)
    assert english and not any("Người dùng" in line for line in english)
    limits.warnings_clear(world.agency_a)  # clears both languages
    with translation.override("en"):
        assert limits._cache_get(world.agency_a) is None
    with translation.override("vi"):
        assert limits._cache_get(world.agency_a) is None
