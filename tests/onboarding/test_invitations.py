"""Invitations: one-time, expiring, resend and revoke, admins only, CSV all-or-nothing,
one agency's link dead on another's host, the first administrator on the console."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from iso_platform.accounts import invitations
from iso_platform.accounts.models import Invitation, User
from quality.core.models import Unit
from quality.core.team import services as team
from tenants.models import AgencyEvent
from tenants.services import pool
from tenants.services.provisioning import AgencySpec, agency_provision

NEW_PASSWORD = "mot-mat-khau-moi-2026"
LINK = re.compile(r"http://(?P<host>[a-z0-9.-]+)(?P<path>/accounts/set-password/[^/\s]+/)")


def links(mailoutbox) -> list[tuple[str, str]]:
    return [(m.group("host"), m.group("path")) for m in (LINK.search(x.body) for x in mailoutbox)]


@pytest.fixture
def mail(eager, mailoutbox, django_capture_on_commit_callbacks):
    """Run the on-commit e-mail tasks eagerly: `with mail.sending(): ...` then read `mail.box`."""

    class Mail:
        box = mailoutbox

        @staticmethod
        def sending():
            return django_capture_on_commit_callbacks(execute=True)

    return Mail


def invite(world, email="moi@alpha.test", **extra):
    values = {"full_name": "Người Mới", "role": "staff"} | extra
    with schema_context(world.agency_a.schema_name):
        return team.person_invite(actor=world.owner_a, email=email, **values)


def set_password(host, path, password=NEW_PASSWORD):
    client = Client(HTTP_HOST=host)
    return client, client.post(path, {"new_password1": password, "new_password2": password})


# --------------------------------------------------------------------------- the link


def test_the_full_http_flow_from_the_email_to_signing_in(world, client_for, mail):
    admin = client_for(world.agency_a, world.owner_a)
    with mail.sending():
        response = admin.post(
            "/team/invite/",
            {"full_name": "Trần Thị Mới", "email": "Moi@Alpha.test", "role": "unit_head"},
        )
    assert response.status_code == 302
    [message] = mail.box
    assert message.to == ["moi@alpha.test"]
    assert "Sở Alpha" in message.subject
    [(host, path)] = links(mail.box)
    assert host == "alpha.localhost"
    token = path.rstrip("/").rsplit("/", 1)[1]
    with schema_context(world.agency_a.schema_name):
        person = User.objects.get(email="moi@alpha.test")
        assert not person.has_usable_password() and person.role == "unit_head"
        stored = Invitation.objects.get(user=person)
        assert stored.digest == invitations.digest_of(token) and token not in stored.digest
        assert stored.sent_at is not None and stored.invited_by == world.owner_a.email

    browser = Client(HTTP_HOST=host)
    page = browser.get(path)
    assert page.status_code == 200
    assert page["Referrer-Policy"] == "strict-origin"  # the origin only: no token, no Origin: null
    assert "moi@alpha.test" in page.content.decode()
    done = browser.post(path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302 and done["Location"] == "/accounts/set-password/done/"
    assert "Bạn đã đăng nhập" in browser.get(done["Location"]).content.decode()
    assert "Trần Thị Mới" in browser.get("/").content.decode()  # signed in

    fresh = Client(HTTP_HOST=host)
    signed_in = fresh.post(
        "/accounts/login/", {"username": "moi@alpha.test", "password": NEW_PASSWORD}
    )
    assert signed_in.status_code == 302
    with schema_context(world.agency_a.schema_name):
        assert Invitation.objects.get(user=person).accepted_at is not None


def test_a_link_works_once(world, mail):
    with mail.sending():
        invite(world)
    [(host, path)] = links(mail.box)
    _client, first = set_password(host, path)
    assert first.status_code == 302
    _client, second = set_password(host, path, "mot-mat-khau-khac-2026")
    assert second.status_code == 410
    body = second.content.decode()
    assert "không còn hiệu lực" in body and "đã được dùng" in body
    refused = Client(HTTP_HOST=host).post(
        "/accounts/login/", {"username": "moi@alpha.test", "password": "mot-mat-khau-khac-2026"}
    )
    assert refused.status_code == 200  # the second password was never set


def test_an_expired_link_is_refused_and_says_what_to_do(world, mail, settings):
    with mail.sending():
        issued = invite(world)
    [(host, path)] = links(mail.box)
    with schema_context(world.agency_a.schema_name):
        assert issued.invitation.expires_at - issued.invitation.created_at == timedelta(
            seconds=settings.INVITATION_TTL_SECONDS
        )
        Invitation.objects.filter(pk=issued.invitation.pk).update(
            expires_at=timezone.now() - timedelta(seconds=1)
        )
    page = Client(HTTP_HOST=host).get(path)
    assert page.status_code == 410
    assert "hết hạn" in page.content.decode() and "gửi lại thư mời" in page.content.decode()
    _client, post = set_password(host, path)
    assert post.status_code == 410
    with schema_context(world.agency_a.schema_name):
        assert not User.objects.get(email="moi@alpha.test").has_usable_password()


def test_resend_revokes_the_earlier_link(world, client_for, mail):
    with mail.sending():
        invite(world)
    with schema_context(world.agency_a.schema_name):
        person = User.objects.get(email="moi@alpha.test")
    admin = client_for(world.agency_a, world.owner_a)
    with mail.sending():
        assert admin.post(f"/team/{person.pk}/resend/").status_code == 302
    (host, old), (_host, new) = links(mail.box)
    assert old != new
    stale = Client(HTTP_HOST=host).get(old)
    assert stale.status_code == 410 and "thu hồi" in stale.content.decode()
    _client, ok = set_password(host, new)
    assert ok.status_code == 302
    with schema_context(world.agency_a.schema_name):
        states = list(Invitation.objects.filter(user=person).order_by("created_at"))
        assert states[0].revoked_at is not None and states[1].accepted_at is not None


def test_revoke_kills_the_link_at_once(world, client_for, mail):
    with mail.sending():
        invite(world)
    [(host, path)] = links(mail.box)
    with schema_context(world.agency_a.schema_name):
        person = User.objects.get(email="moi@alpha.test")
    admin = client_for(world.agency_a, world.owner_a)
    assert f'href="/team/{person.pk}/revoke/"' in admin.get("/team/").content.decode()
    confirm = admin.get(f"/team/{person.pk}/revoke/").content.decode()
    assert "Xác nhận thu hồi lời mời" in confirm and "moi@alpha.test" in confirm
    assert Client(HTTP_HOST=host).get(path).status_code == 200  # asking revokes nothing
    assert admin.post(f"/team/{person.pk}/revoke/").status_code == 302
    page = Client(HTTP_HOST=host).get(path)
    assert page.status_code == 410 and "thu hồi" in page.content.decode()
    listing = admin.get("/team/").content.decode()
    assert "Lời mời đã thu hồi" in listing
    with schema_context(world.agency_a.schema_name):
        assert invitations.person_state(person)[0] == invitations.PersonState.REVOKED
        with pytest.raises(ValidationError):  # nothing open any more
            team.invitation_revoke(actor=world.owner_a, user=person)


def test_a_link_of_agency_a_is_unknown_on_agency_b(world, mail):
    with mail.sending():
        invite(world)
    [(host, path)] = links(mail.box)
    assert host == "alpha.localhost"
    elsewhere = Client(HTTP_HOST=world.agency_b.host).get(path)
    assert elsewhere.status_code == 404 and "không thuộc cơ quan này" in elsewhere.content.decode()
    _client, post = set_password(world.agency_b.host, path)
    assert post.status_code == 404
    console = Client(HTTP_HOST="localhost").get(path)
    assert console.status_code == 404
    with schema_context(world.agency_a.schema_name):
        assert not User.objects.get(email="moi@alpha.test").has_usable_password()
    _client, home = set_password(host, path)
    assert home.status_code == 302


def test_an_old_style_or_made_up_link_is_not_found(world):
    page = Client(HTTP_HOST="alpha.localhost").get("/accounts/set-password/abc-123/")
    assert page.status_code == 404 and "không còn hiệu lực" in page.content.decode()
    old = Client(HTTP_HOST="alpha.localhost").get("/accounts/set-password/MQ/abc-123/")
    assert old.status_code == 404


def test_a_weak_password_is_refused_and_the_link_stays_usable(world, mail):
    with mail.sending():
        invite(world)
    [(host, path)] = links(mail.box)
    _client, weak = set_password(host, path, "123")
    assert weak.status_code == 400
    _client, ok = set_password(host, path)
    assert ok.status_code == 302


# --------------------------------------------------------------------------- who may


def test_only_agency_administrators_invite_resend_and_revoke(world, client_for, mail):
    with mail.sending():
        invite(world)
    with schema_context(world.agency_a.schema_name):
        person = User.objects.get(email="moi@alpha.test")
    leader = client_for(world.agency_a, world.leader_a)  # may open the page, not act
    assert leader.get("/team/").status_code == 200
    assert "Chỉ quản trị viên" in leader.get("/team/").content.decode()
    form = {"full_name": "X", "email": "x@alpha.test", "role": "staff"}
    assert leader.post("/team/invite/", form).status_code == 403
    assert leader.post(f"/team/{person.pk}/resend/").status_code == 403
    assert leader.get(f"/team/{person.pk}/revoke/").status_code == 403
    assert leader.post(f"/team/{person.pk}/revoke/").status_code == 403
    assert leader.post(f"/team/{person.pk}/deactivate/").status_code == 403
    member = client_for(world.agency_a, world.member_a)
    assert member.get("/team/").status_code == 403
    assert member.post("/team/invite/", form).status_code == 403
    with schema_context(world.agency_a.schema_name):
        assert not User.objects.filter(email="x@alpha.test").exists()
        with pytest.raises(PermissionDenied):
            team.person_invite(
                actor=world.leader_a, email="y@alpha.test", full_name="Y", role="staff"
            )
        assert Invitation.objects.filter(user=person, revoked_at__isnull=True).count() == 1
    with schema_context("public"), pytest.raises(PermissionDenied):  # never on the console
        team.person_invite(
            actor=world.province_admin, email="z@x.test", full_name="Z", role="staff"
        )


@pytest.mark.parametrize("role", ["province_admin", "department_analyst"])
def test_nobody_can_invite_a_province_role_into_an_agency(world, client_for, role):
    with schema_context(world.agency_a.schema_name):
        with pytest.raises(ValidationError) as refused:
            team.person_invite(actor=world.owner_a, email="p@alpha.test", full_name="P", role=role)
        assert "cấp tỉnh" in " ".join(refused.value.messages)
        with pytest.raises(ValidationError):
            team.person_update(
                actor=world.owner_a, user=world.member_a, role=role, is_agency_admin=False
            )
        assert not User.objects.filter(email="p@alpha.test").exists()
    admin = client_for(world.agency_a, world.owner_a)
    page = admin.post("/team/invite/", {"full_name": "P", "email": "p@alpha.test", "role": role})
    assert page.status_code == 400


def test_invite_with_a_unit_and_change_role_and_lock(world, client_for, mail):
    with schema_context(world.agency_a.schema_name):
        unit = Unit.objects.create(code="VP", name="Văn phòng")
    admin = client_for(world.agency_a, world.owner_a)
    with mail.sending():
        admin.post(
            "/team/invite/",
            {"full_name": "Có Đơn Vị", "email": "dv@alpha.test", "role": "staff", "unit": unit.pk},
        )
    with schema_context(world.agency_a.schema_name):
        person = User.objects.get(email="dv@alpha.test")
        assert list(person.units.all()) == [unit]
    changed = admin.post(f"/team/{person.pk}/", {"role": "iso_secretary", "units": []})
    assert changed.status_code == 302
    assert admin.post(f"/team/{person.pk}/deactivate/").status_code == 302
    [(host, path)] = links(mail.box)
    assert Client(HTTP_HOST=host).get(path).status_code == 410  # locked: the link died too
    with schema_context(world.agency_a.schema_name):
        person.refresh_from_db()
        assert person.role == "iso_secretary" and not person.is_active
        assert not person.units.exists()
        # nobody locks themselves out, and the agency keeps an administrator
        with pytest.raises(ValidationError):
            team.person_deactivate(actor=world.owner_a, user=world.owner_a)
        with pytest.raises(ValidationError):
            team.person_update(
                actor=world.owner_a, user=world.owner_a, role="iso_secretary", is_agency_admin=False
            )


# --------------------------------------------------------------------------- CSV


def upload(client, text: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = SimpleUploadedFile("nguoi-dung.csv", text.encode("utf-8-sig"), "text/csv")
    return client.post("/team/import/", {"file": data})


def test_csv_import_is_all_or_nothing_with_row_errors(world, client_for, mail):
    with schema_context(world.agency_a.schema_name):
        Unit.objects.create(code="VP", name="Văn phòng")
        Unit.objects.create(code="KT", name="Phòng Kế toán")
    admin = client_for(world.agency_a, world.owner_a)
    wrong = (
        "họ tên,email,đơn vị,vai trò\n"
        "Nguyễn An,an@alpha.test,VP,Chuyên viên\n"
        "Trần Bình,khong-phai-email,VP,staff\n"
        "Lê Cường,member@alpha.test,Phòng Không Có,Thư ký ISO\n"
        ",an@alpha.test,,Quản trị viên cấp tỉnh\n"
        "Phạm Dũng,dung@alpha.test,,Giám đốc\n"
    )
    with mail.sending():
        report = upload(admin, wrong)
    assert report.status_code == 400
    page = report.content.decode()
    assert "chưa tạo tài khoản nào" in page
    assert "khong-phai-email" in page and "không hợp lệ" in page  # row 3
    assert "đã có tài khoản" in page and "Phòng Không Có" in page  # row 4
    assert "Thiếu họ tên" in page and "đã có ở dòng 2" in page and "cấp tỉnh" in page  # row 5
    assert "Giám đốc" in page  # row 6: unknown role
    assert mail.box == []
    with schema_context(world.agency_a.schema_name):
        assert not User.objects.filter(email__in=["an@alpha.test", "dung@alpha.test"]).exists()
        report_rows = team.staff_import(actor=world.owner_a, data=wrong.encode())
        assert [e.row for e in report_rows.errors] == [3, 4, 5, 6]

    right = (
        "Họ và tên;Thư điện tử;Đơn vị;Vai trò\n"
        "Nguyễn An;an@alpha.test;vp;Chuyên viên\n"
        "Trần Bình;binh@alpha.test;Phong ke toan;unit_head\n"
        "Lê Cường;cuong@alpha.test;;danh gia vien noi bo\n"
    )
    with mail.sending():
        report = upload(admin, right)
    assert report.status_code == 200 and "Đã tạo 3 tài khoản" in report.content.decode()
    assert sorted(m.to[0] for m in mail.box) == [
        "an@alpha.test",
        "binh@alpha.test",
        "cuong@alpha.test",
    ]
    with schema_context(world.agency_a.schema_name):
        people = {
            u.email: u
            for u in User.objects.filter(
                email__in=["an@alpha.test", "binh@alpha.test", "cuong@alpha.test"]
            )
        }
        assert people["an@alpha.test"].role == "staff"
        assert people["binh@alpha.test"].role == "unit_head"
        assert people["cuong@alpha.test"].role == "internal_auditor"
        assert [u.code for u in people["binh@alpha.test"].units.all()] == ["KT"]
        assert all(not u.has_usable_password() for u in people.values())


def test_csv_import_file_errors(world, client_for):
    admin = client_for(world.agency_a, world.owner_a)
    missing = upload(admin, "họ tên,email\nAn,an@alpha.test\n")
    assert missing.status_code == 400 and "Thiếu cột: vai trò" in missing.content.decode()
    from django.core.files.uploadedfile import SimpleUploadedFile

    latin = SimpleUploadedFile("x.csv", "họ tên,email,vai trò\n".encode("utf-16"), "text/csv")
    bad = admin.post("/team/import/", {"file": latin})
    assert bad.status_code == 400 and "UTF-8" in bad.content.decode()
    sample = admin.get("/team/import/mau.csv")
    assert sample.status_code == 200 and "họ tên,email,đơn vị,vai trò" in sample.content.decode()
    with schema_context(world.agency_a.schema_name):
        report = team.staff_import(actor=world.owner_a, data=sample.content)
        assert report.errors and report.errors[0].row == 2  # unit "VP" does not exist here


def test_a_staff_file_over_the_import_limit_is_refused_whole(world):
    over = invitations.IMPORT_MAX_ROWS + 1
    body = "".join(f"Người {i},nguoi{i}@alpha.test,Chuyên viên\n" for i in range(over))
    with schema_context(world.agency_a.schema_name):
        report = team.staff_import(
            actor=world.owner_a, data=f"họ tên,email,vai trò\n{body}".encode()
        )
        assert report.file_errors == [f"Tệp có {over} dòng; mỗi lần nhập tối đa 500 dòng."]
        assert report.rows == over and report.errors == [] and report.created == 0
        assert not User.objects.filter(email="nguoi0@alpha.test").exists()


def test_a_staff_row_with_a_too_long_name_or_a_unit_name_two_units_share_is_reported(world):
    with schema_context(world.agency_a.schema_name):
        Unit.objects.create(code="P1", name="Phòng Một")
        Unit.objects.create(code="P2", name="Phòng Một")
        data = (
            "họ tên,email,đơn vị,vai trò\n"
            f"{'A' * 151},a@alpha.test,P1,Chuyên viên\n"
            "Trần Bình,binh@alpha.test,phong mot,Chuyên viên\n"
            "Lê Cường,cuong@alpha.test,p2,Chuyên viên\n"
        )
        report = team.staff_import(actor=world.owner_a, data=data.encode())
        assert [(e.row, e.messages) for e in report.errors] == [
            (2, ["Họ tên dài quá 150 ký tự."]),
            (3, ["Có nhiều đơn vị tên “phong mot”; hãy nhập mã đơn vị để phân biệt."]),
        ]
        emails = ["a@alpha.test", "binh@alpha.test", "cuong@alpha.test"]
        assert not User.objects.filter(email__in=emails).exists()


def test_an_import_that_loses_a_race_for_an_email_keeps_nobody(world, monkeypatch, mail):
    """Another administrator's invitation lands between the check of the rows and their
    creation: the row is reported and the rows created before it are rolled back."""
    checked = team._check_users_limit

    def meanwhile(adding):
        monkeypatch.setattr(team, "_check_users_limit", checked)  # once: person_invite checks too
        checked(adding)
        team.person_invite(
            actor=world.owner_a, email="binh@alpha.test", full_name="B", role="staff"
        )

    monkeypatch.setattr(team, "_check_users_limit", meanwhile)
    data = "họ tên,email,vai trò\nNguyễn An,an@alpha.test,staff\nTrần Bình,binh@alpha.test,staff\n"
    with schema_context(world.agency_a.schema_name), mail.sending():
        report = team.staff_import(actor=world.owner_a, data=data.encode())
    assert [(e.row, e.messages) for e in report.errors] == [
        (3, ["Địa chỉ thư điện tử này đã có tài khoản."])
    ]
    assert report.people == [] and report.created == 0
    with schema_context(world.agency_a.schema_name):
        assert not User.objects.filter(email="an@alpha.test").exists()
        assert User.objects.filter(email="binh@alpha.test").count() == 1
    assert [m.to for m in mail.box] == [["binh@alpha.test"]]  # the other invitation's only


# --------------------------------------------------------------------------- provisioning, console


def test_provisioning_emails_the_first_administrator_and_the_printed_link_works(world, mail):
    pool.spare_build()
    with mail.sending():
        result = agency_provision(
            spec=AgencySpec(
                code="sotp",
                name="Sở Tư pháp",
                kind="provincial_department",
                admin_email="thuky@sotp.test",
                admin_name="Thư Ký",
            ),
            method="pool",
        )
    [(host, path)] = links(mail.box)
    assert host == "sotp.localhost" and path == result.invitation.path()  # one link, not two
    event = AgencyEvent.objects.get(agency=result.agency, action=invitations.ADMIN_EVENT)
    assert event.detail["state"] == "sent" and event.detail["email"] == "thuky@sotp.test"
    _client, done = set_password(host, path)
    assert done.status_code == 302
    latest = AgencyEvent.objects.filter(
        agency=result.agency, action=invitations.ADMIN_EVENT
    ).first()
    assert latest.detail["state"] == "accepted"


def test_the_console_resends_and_revokes_the_first_administrators_invitation(
    world, client_for, mail
):
    pool.spare_build()
    with mail.sending():
        result = agency_provision(
            spec=AgencySpec(
                code="sotp",
                name="Sở Tư pháp",
                kind="provincial_department",
                admin_email="thuky@sotp.test",
                admin_name="Thư Ký",
            ),
            method="pool",
        )
    admin = client_for("localhost", world.province_admin)
    analyst = client_for("localhost", world.analyst)
    page = admin.get("/onboarding/").content.decode()
    assert "thuky@sotp.test" in page and "Đang chờ" in page
    assert "/onboarding/sotp/invitation/resend/" in page
    assert "/onboarding/sotp/invitation/resend/" not in analyst.get("/onboarding/").content.decode()
    assert analyst.post("/onboarding/sotp/invitation/resend/").status_code == 403
    assert analyst.get("/onboarding/sotp/invitation/revoke/").status_code == 403
    assert analyst.post("/onboarding/sotp/invitation/revoke/").status_code == 403

    with mail.sending():
        assert admin.post("/onboarding/sotp/invitation/resend/").status_code == 302
    (_h, first), (host, second) = links(mail.box)
    assert Client(HTTP_HOST=host).get(first).status_code == 410
    assert Client(HTTP_HOST=host).get(second).status_code == 200

    assert (
        'href="/onboarding/sotp/invitation/revoke/"' in admin.get("/onboarding/").content.decode()
    )
    confirm = admin.get("/onboarding/sotp/invitation/revoke/")
    assert "Xác nhận thu hồi lời mời" in confirm.content.decode()
    assert Client(HTTP_HOST=host).get(second).status_code == 200  # asking revokes nothing
    assert admin.post("/onboarding/sotp/invitation/revoke/").status_code == 302
    assert Client(HTTP_HOST=host).get(second).status_code == 410
    assert "Đã thu hồi" in admin.get("/onboarding/").content.decode()
    states = [
        e.detail["state"]
        for e in AgencyEvent.objects.filter(
            agency=result.agency, action=invitations.ADMIN_EVENT
        ).order_by("at", "id")
    ]
    assert states == ["sent", "sent", "revoked"]

    with mail.sending():
        admin.post("/onboarding/sotp/invitation/resend/")
    _client, done = set_password(host, links(mail.box)[-1][1])
    assert done.status_code == 302
    assert "Đã đặt mật khẩu" in admin.get("/onboarding/").content.decode()
    again = admin.post("/onboarding/sotp/invitation/resend/", follow=True)
    assert "đã đặt mật khẩu" in again.content.decode()  # nothing to resend


def test_the_send_task_skips_a_link_resent_meanwhile(world, mail):
    from iso_platform.accounts.tasks import send_invitation

    issued = invite(world)  # no e-mail: not committed
    with schema_context(world.agency_a.schema_name):
        invitations.invitation_issue(issued.invitation.user)
        send_invitation.apply(args=(issued.invitation.user_id, issued.token))
    assert mail.box == []


def test_a_staff_file_too_long_or_too_big_is_refused_before_it_is_read_whole(world):
    from tests import bombs

    with schema_context(world.agency_a.schema_name):
        long = team.staff_import(
            actor=world.owner_a, data=bombs.csv_rows(10_001, header="họ tên,email,vai trò")
        )
        big = team.staff_import(actor=world.owner_a, data=b"a,b\n" * (3 * bombs.MB))
    assert long.file_errors == ["Tệp có hơn 10000 dòng dữ liệu, vượt giới hạn."]
    assert big.file_errors == ["Tệp nặng 12.0 MB, vượt giới hạn 10.0 MB."]
