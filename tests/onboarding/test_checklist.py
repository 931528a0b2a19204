"""The agency checklist: steps computed from the data, the public mirror follows, the portal
page, the dashboard bar, the console progress page (public schema only)."""

from __future__ import annotations

import re
from unittest import mock

from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context

from eiso.testing.procedures import make_procedure
from integrations.services.keys import api_key_create, api_key_revoke
from iso_platform.accounts.models import User
from onboarding.models import Checklist
from onboarding.province.models import AgencyOnboarding
from onboarding.services import checklist
from quality.core.models import Unit
from quality.core.team import services as team
from quality.documents.models import Document
from quality.documents.services import documents as document_services
from tenants.services import pool
from tenants.services.provisioning import AgencySpec, agency_provision

LINK = re.compile(r"http://(?P<host>[a-z0-9.-]+)(?P<path>/accounts/set-password/[^/\s]+/)")


def mirror(agency) -> AgencyOnboarding:
    return AgencyOnboarding.objects.get(agency=agency)


def state(progress) -> dict[str, bool]:
    return progress.as_mirror()


def test_steps_flip_as_the_data_changes_and_the_mirror_follows(
    world, eager, django_capture_on_commit_callbacks
):
    a = world.agency_a
    owner = world.owner_a
    with schema_context(a.schema_name):
        first = checklist.checklist_refresh()
        assert state(first) == {
            "profile": False,
            "policy": False,
            "steering": False,
            "procedures": False,
            "pack": False,
            "staff": True,  # four people in agency A already
            "integration": False,
        }
    assert (mirror(a).done, mirror(a).total) == (1, 7)
    assert mirror(a).steps["staff"] is True and mirror(a).steps["profile"] is False

    def after(write):
        """Run a service in A; its on-commit refresh updates the public mirror."""
        with schema_context(a.schema_name), django_capture_on_commit_callbacks(execute=True):
            write()
        return mirror(a)

    row = after(lambda: checklist.checklist_profile_confirm(actor=owner, scope="Toàn bộ TTHC"))
    assert row.steps["profile"] and row.done == 2

    with schema_context(a.schema_name):
        policy = Document.objects.get(doc_type="policy")
        document_services.revision_update(
            actor=owner, revision=policy.latest_revision, body="Chính sách của Sở Alpha."
        )
        assert checklist.checklist_compute().step("policy").done
        checklist.checklist_refresh()
    assert mirror(a).steps["policy"] and mirror(a).done == 3

    row = after(
        lambda: checklist.checklist_steering_set(
            actor=owner, code="bcd-iso", name="Ban chỉ đạo ISO", members=[world.leader_a]
        )
    )
    assert row.steps["steering"]  # the owner is the ISO secretary
    with schema_context(a.schema_name):
        assert Checklist.load().steering_unit.code == "BCD-ISO"

    with schema_context(a.schema_name):
        make_procedure(owner)
        key, _secret = api_key_create(actor=owner, name="Một cửa tỉnh")
    assert not mirror(a).steps["procedures"]  # another app's write: the next refresh sees it
    with schema_context(a.schema_name):
        checklist.checklist_refresh()
    assert mirror(a).steps["procedures"] and mirror(a).steps["integration"]

    row = after(lambda: checklist.checklist_pack_confirm(actor=owner))
    assert row.steps["pack"] and (row.done, row.total, row.percent) == (7, 7, 100)
    with schema_context(a.schema_name):
        assert Checklist.load().completed_at is not None

    # and back: a step whose data goes away is shown as not done again
    with schema_context(a.schema_name):
        Checklist.objects.filter(pk=1).update(scope="")
        checklist.checklist_refresh()
    assert not mirror(a).steps["profile"] and mirror(a).done == 6
    # a revoked key is no integration key
    with schema_context(a.schema_name):
        api_key_revoke(actor=owner, key=key)
        assert not checklist.checklist_compute().step("integration").done


def test_staff_step_counts_people_or_a_pending_invitation(
    world, eager, django_capture_on_commit_callbacks
):
    b = world.agency_b
    with schema_context(b.schema_name):
        assert not checklist.checklist_refresh().step("staff").done  # only the administrator
        admin = User.objects.get(pk=world.user_b.pk)
        # the province's link to the first administrator is not "inviting staff"
        admin.set_unusable_password()
        admin.save()
        team._resend(admin, by="quantri@tinh.test", actor=None)
        assert not checklist.checklist_compute().step("staff").done
        with django_capture_on_commit_callbacks(execute=True):
            issued = team.person_invite(
                actor=admin, email="moi@beta.test", full_name="Mới", role="staff"
            )
    assert mirror(b).steps["staff"]
    with schema_context(b.schema_name), django_capture_on_commit_callbacks(execute=True):
        team.invitation_revoke(actor=admin, user=issued.invitation.user)
    assert mirror(b).steps["staff"]  # the revoked person still counts as a person
    with schema_context(b.schema_name), django_capture_on_commit_callbacks(execute=True):
        team.person_deactivate(actor=admin, user=issued.invitation.user)
    assert not mirror(b).steps["staff"]


def test_the_checklist_page_and_its_forms(world, client_for):
    owner = client_for(world.agency_a, world.owner_a)
    page = owner.get("/onboarding/")
    assert page.status_code == 200
    body = page.content.decode()
    for title in checklist.STEP_TITLES.values():
        assert str(title) in body
    assert "1/7 bước đã xong" in body and "Sở Alpha" in body
    assert mirror(world.agency_a).done == 1  # viewing the page refreshed the mirror

    refused = owner.post("/onboarding/profile/", {"scope": "Toàn bộ TTHC"})
    assert refused.status_code == 400  # the confirmation box was not ticked
    done = owner.post("/onboarding/profile/", {"scope": "Toàn bộ TTHC", "confirm": "on"})
    assert done.status_code == 302
    empty = owner.post("/onboarding/steering/", {"code": "BCD", "name": "Ban chỉ đạo"})
    assert empty.status_code == 400 and "ít nhất một thành viên" in empty.content.decode()
    with schema_context(world.agency_a.schema_name):
        assert not Unit.objects.filter(code="BCD").exists()  # nothing half-made
        unit = Unit.objects.create(code="VP", name="Văn phòng")
        unit.members.add(world.member_a)
    chosen = owner.post("/onboarding/steering/", {"unit": unit.pk})
    assert chosen.status_code == 302
    assert "3/7 bước đã xong" in owner.get("/onboarding/").content.decode()
    assert mirror(world.agency_a).steps["steering"]


def test_who_may_open_the_checklist(world, client_for):
    assert client_for(world.agency_a, world.leader_a).get("/onboarding/").status_code == 200
    assert client_for(world.agency_a, world.member_a).get("/onboarding/").status_code == 403
    reader = client_for(world.agency_a, world.reader_a)
    assert reader.post("/onboarding/profile/", {"scope": "x", "confirm": "on"}).status_code == 403
    anonymous = Client(HTTP_HOST=world.agency_a.host).get("/onboarding/")
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    intruder = client_for(world.agency_b, world.user_b)
    stolen = Client(HTTP_HOST=world.agency_a.host)
    stolen.cookies = intruder.cookies
    assert stolen.get("/onboarding/").status_code == 302
    assert stolen.get("/team/").status_code == 302


def test_the_dashboard_shows_the_bar_to_agency_administrators_until_complete(world, client_for):
    owner = client_for(world.agency_a, world.owner_a)
    assert "Các bước khởi đầu của cơ quan" in owner.get("/").content.decode()
    leader = client_for(world.agency_a, world.leader_a)
    assert "Các bước khởi đầu của cơ quan" not in leader.get("/").content.decode()
    with schema_context(world.agency_a.schema_name):
        Checklist.objects.filter(pk=1).update(completed_at="2026-01-01T00:00:00Z")
    assert "Các bước khởi đầu của cơ quan" not in owner.get("/").content.decode()


# --------------------------------------------------------------------------- console


def test_console_progress_page_access(world, client_for):
    anonymous = Client(HTTP_HOST="localhost").get("/onboarding/")
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    agency_cookie = client_for(world.agency_a, world.owner_a).cookies
    on_console = Client(HTTP_HOST="localhost")
    on_console.cookies = agency_cookie
    assert on_console.get("/onboarding/").status_code == 302
    analyst = client_for("localhost", world.analyst)
    page = analyst.get("/onboarding/")
    assert page.status_code == 200
    assert "Sở Alpha" in page.content.decode() and "Sở Beta" in page.content.decode()
    assert analyst.post("/onboarding/alpha/invitation/resend/").status_code == 403
    assert client_for("localhost", world.province_admin).get("/onboarding/").status_code == 200


def test_console_progress_reads_only_the_public_schema(world, client_for):
    with schema_context(world.agency_a.schema_name):
        checklist.checklist_refresh()
        checklist.checklist_profile_confirm(actor=world.owner_a, scope="Toàn bộ TTHC")
        checklist.checklist_refresh()
    admin = client_for("localhost", world.province_admin)
    entered = []
    set_schema, set_tenant = connection.set_schema, connection.set_tenant

    def spy_schema(schema_name, *args, **kwargs):
        entered.append(schema_name)
        return set_schema(schema_name, *args, **kwargs)

    def spy_tenant(tenant, *args, **kwargs):
        entered.append(tenant.schema_name)
        return set_tenant(tenant, *args, **kwargs)

    with (
        mock.patch.object(connection, "set_schema", side_effect=spy_schema),
        mock.patch.object(connection, "set_tenant", side_effect=spy_tenant),
    ):
        page = admin.get("/onboarding/?sort=-progress")
    assert page.status_code == 200
    assert entered and set(entered) == {"public"}
    body = page.content.decode()
    assert "2/7 bước" in body  # alpha: staff and profile
    assert body.index("Sở Alpha") < body.index("Sở Beta")  # most advanced first
    assert "chưa có số liệu" in body  # beta was never computed
    assert "Tạo khoá tích hợp một cửa" in body  # a missing step, by name

    incomplete = admin.get("/onboarding/?incomplete=1").content.decode()
    assert "Sở Alpha" in incomplete
    AgencyOnboarding.objects.filter(agency=world.agency_a).update(done=7, total=7)
    incomplete = admin.get("/onboarding/?incomplete=1").content.decode()
    assert "Sở Alpha" not in incomplete and "Sở Beta" in incomplete
    assert "Sở Alpha" in admin.get("/onboarding/?q=alpha").content.decode()


def test_the_hourly_refresh_fans_out_per_agency(world):
    from onboarding.tasks import checklist_refresh_all, checklist_refresh_for_agency

    with mock.patch.object(checklist_refresh_for_agency, "apply_async") as queued:
        assert checklist_refresh_all() >= 2
    schemas = {call.kwargs["headers"]["_schema_name"] for call in queued.call_args_list}
    assert {"ag_alpha", "ag_beta"} <= schemas
    with schema_context("ag_beta"):
        assert checklist_refresh_for_agency() == 0
    assert mirror(world.agency_b).total == 7


# --------------------------------------------------------------------------- done when


def test_an_invited_administrator_sets_a_password_and_completes_the_checklist(
    world, client_for, eager, mailoutbox, django_capture_on_commit_callbacks
):
    pool.spare_build()
    with django_capture_on_commit_callbacks(execute=True):
        result = agency_provision(
            spec=AgencySpec(
                code="sotp",
                name="Sở Tư pháp",
                kind="provincial_department",
                admin_email="thuky@sotp.test",
                admin_name="Nguyễn Thư Ký",
            ),
            method="pool",
        )
    agency = result.agency
    found = LINK.search(mailoutbox[0].body)
    host, path = found.group("host"), found.group("path")
    browser = Client(HTTP_HOST=host)
    assert browser.get(path).status_code == 200
    password = "mat-khau-thu-ky-2026"
    done = browser.post(path, {"new_password1": password, "new_password2": password})
    assert done.status_code == 302
    assert "Bắt đầu các bước khởi đầu" in browser.get(done["Location"]).content.decode()
    admin = Client(HTTP_HOST=host)
    assert (
        admin.post(
            "/accounts/login/", {"username": "thuky@sotp.test", "password": password}
        ).status_code
        == 302
    )
    assert "0/7 bước đã xong" in admin.get("/onboarding/").content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        admin.post("/onboarding/profile/", {"scope": "Toàn bộ TTHC của Sở", "confirm": "on"})
        admin.post(
            "/onboarding/steering/",
            {"code": "BCD-ISO", "name": "Ban chỉ đạo ISO", "members": [result.admin.pk]},
        )
        admin.post(
            "/team/invite/",
            {"full_name": "Chuyên Viên", "email": "cv@sotp.test", "role": "staff"},
        )
        admin.post("/integrations/", {"name": "Một cửa điện tử tỉnh"})
    with schema_context(agency.schema_name):
        policy = Document.objects.get(doc_type="policy")
        revision_id = policy.latest_revision_id
        admin_user = User.objects.get(email="thuky@sotp.test")
        make_procedure(admin_user)
    edited = admin.post(
        f"/documents/{policy.pk}/revisions/{revision_id}/edit/",
        {"title": policy.title, "body": "Chính sách chất lượng của Sở Tư pháp."},
    )
    assert edited.status_code == 302
    pack_page = admin.get("/packs/")
    if pack_page.status_code == 200:
        admin.post("/packs/framework-101/choose/")
    else:
        admin.post("/onboarding/pack/")
    page = admin.get("/onboarding/").content.decode()
    assert "7/7 bước đã xong" in page and "đã hoàn tất các bước khởi đầu" in page
    row = mirror(agency)
    assert (row.done, row.total) == (7, 7)
    console = client_for("localhost", world.province_admin).get("/onboarding/").content.decode()
    assert "7/7 bước" in console and "Đã đặt mật khẩu" in console
