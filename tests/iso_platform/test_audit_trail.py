"""The audit trails: sign-ins, roles, keys and tokens, exports, and who may read them.

Each event is made by the real page or service; the rows are read back from the agency's
trail (`quality.core.AuditEvent`) or the platform audit log (`tenants.PlatformAuditEvent`).
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, schema_context

from integrations.models import ApiKey
from iso_platform.accounts.models import ApiToken, Role, User
from iso_platform.accounts.services import (
    api_token_create,
    api_token_revoke,
    province_user_role_set,
)
from quality.core.models import AuditEvent
from tenants.models import Agency, PlatformAuditEvent

BROWSER = "Mozilla/5.0 (Linux; Android 14) eISO-test"
WRONG = "sai-mat-khau-hoan-toan-9"


def trail(agency, **lookups) -> list[AuditEvent]:
    with schema_context(agency.schema_name):
        after = _before.get(agency.schema_name, 0)
        return list(AuditEvent.objects.filter(id__gt=after, **lookups).order_by("id"))


_before = {"id": 0}


@pytest.fixture(autouse=True)
def _this_tests_events_only(db):
    """The platform log and the agencies' trails are append-only, and committed tests
    elsewhere (the browser journeys sign the world's people in) leave rows there: look at
    this test's rows."""
    last = PlatformAuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
    _before.clear()
    _before["id"] = last or 0
    for schema in Agency.objects.exclude(schema_name=get_public_schema_name()).values_list(
        "schema_name", flat=True
    ):
        with schema_context(schema):
            last = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
        _before[schema] = last or 0


def platform(**lookups) -> list[PlatformAuditEvent]:
    rows = PlatformAuditEvent.objects.filter(id__gt=_before["id"], **lookups)
    return list(rows.order_by("id"))


def sign_in(host: str, email: str, password: str) -> tuple[Client, int]:
    client = Client(HTTP_HOST=host, HTTP_USER_AGENT=BROWSER)
    response = client.post("/accounts/login/", {"username": email, "password": password})
    return client, response.status_code


def dump(rows) -> str:
    return json.dumps(
        [[r.actor_label, r.subject_label, r.changes] for r in rows], ensure_ascii=False
    )


# --------------------------------------------------------------------------- sign-ins


def test_a_wrong_then_right_password_and_sign_out_are_in_the_agency_trail(world, password):
    owner = world.owner_a
    _client, status = sign_in(world.agency_a.host, owner.email, WRONG)
    assert status == 200
    client, status = sign_in(world.agency_a.host, owner.email, password)
    assert status == 302
    assert client.post("/accounts/logout/").status_code == 302

    events = trail(world.agency_a, subject_type="user", subject_id=str(owner.pk))
    assert [e.action for e in events] == ["sign_in_failed", "sign_in", "sign_out"]
    failed, ok, out = events
    assert failed.actor_id is None and failed.actor_label == owner.email
    assert ok.actor_id == owner.pk and out.actor_id == owner.pk
    for event in events:
        assert event.changes["ip"] == "127.0.0.1"
        assert event.changes["user_agent"] == BROWSER
    everything = dump(trail(world.agency_a))
    assert WRONG not in everything and password not in everything
    assert not platform(actor_label__icontains=owner.email)  # agency business stays there


def test_an_unknown_address_is_recorded_as_typed_with_no_subject(world):
    sign_in(world.agency_a.host, "ke-la@example.test", WRONG)
    (event,) = trail(world.agency_a, action="sign_in_failed")
    assert (event.actor_label, event.subject_id, event.subject_label) == (
        "ke-la@example.test",
        "",
        "ke-la@example.test",
    )


def test_repeated_failures_lock_the_account_out_and_the_lockout_is_recorded(
    world, password, settings
):
    settings.AXES_FAILURE_LIMIT = 3
    email = world.member_a.email
    for _ in range(3):
        sign_in(world.agency_a.host, email, WRONG)
    _client, status = sign_in(world.agency_a.host, email, password)  # refused: locked out
    assert status != 302
    member = {"subject_type": "user", "subject_id": str(world.member_a.pk)}
    actions = [e.action for e in trail(world.agency_a, **member)]
    assert "sign_in" not in actions
    assert actions.count("sign_in_failed") >= 2
    assert actions.count("sign_in_locked") >= 2  # the locking attempt and the refused one
    locked = trail(world.agency_a, action="sign_in_locked", **member)[-1]
    assert locked.actor_id is None and locked.changes["ip"] == "127.0.0.1"


def test_console_sign_ins_go_to_the_platform_log(world, password):
    admin = world.province_admin
    sign_in("localhost", admin.email, WRONG)
    client, status = sign_in("localhost", admin.email, password)
    assert status == 302
    client.post("/accounts/logout/")
    events = platform(subject_type="user", subject_id=str(admin.pk))
    assert [e.action for e in events] == ["sign_in_failed", "sign_in", "sign_out"]
    assert {e.ip_address for e in events} == {"127.0.0.1"}
    assert {e.user_agent for e in events} == {BROWSER}
    assert events[1].actor_id == admin.pk and events[0].actor_id is None
    assert WRONG not in dump(events) and password not in dump(events)
    assert not trail(world.agency_a, action__startswith="sign_in")


def test_the_address_is_the_one_axes_uses_behind_a_proxy(world, password, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    client = Client(HTTP_HOST="localhost", HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.7")
    client.post("/accounts/login/", {"username": world.analyst.email, "password": password})
    (event,) = platform(action="sign_in", subject_id=str(world.analyst.pk))
    assert event.ip_address == "198.51.100.7"


# --------------------------------------------------------------------------- roles, keys, tokens


def test_a_role_change_on_the_team_page_is_recorded(world, client_for):
    admin = client_for(world.agency_a, world.owner_a)
    member = world.member_a
    response = admin.post(f"/team/{member.pk}/", {"role": Role.UNIT_HEAD, "is_agency_admin": "on"})
    assert response.status_code == 302
    (event,) = trail(world.agency_a, action="person_update", subject_id=str(member.pk))
    assert event.actor_id == world.owner_a.pk
    assert event.changes == {"role": ["staff", "unit_head"], "admin": [False, True]}


def test_a_refused_role_change_records_nothing(world, client_for):
    leader = client_for(world.agency_a, world.leader_a)
    response = leader.post(f"/team/{world.member_a.pk}/", {"role": Role.UNIT_HEAD})
    assert response.status_code in (400, 403)
    assert not trail(world.agency_a, action="person_update")


def test_province_role_changes_are_in_the_platform_log(world):
    analyst = world.analyst
    province_user_role_set(actor=world.province_admin, user=analyst, role=Role.PROVINCE_ADMIN)
    (event,) = platform(action="role_change", subject_id=str(analyst.pk))
    assert event.actor_id == world.province_admin.pk
    assert event.changes == {"role": ["department_analyst", "province_admin"]}
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        province_user_role_set(actor=world.analyst, user=world.province_admin, role="x")
    User.objects.filter(pk=analyst.pk).update(role=Role.DEPARTMENT_ANALYST)
    with pytest.raises(PermissionDenied):  # an analyst again: refused, nothing recorded
        province_user_role_set(
            actor=User.objects.get(pk=analyst.pk),
            user=world.province_admin,
            role=Role.DEPARTMENT_ANALYST,
        )
    assert len(platform(action="role_change")) == 1


def test_integration_keys_made_and_revoked_on_the_page_are_recorded_without_the_secret(
    world, client_for
):
    admin = client_for(world.agency_a, world.owner_a)
    created = admin.post("/integrations/", {"name": "Một cửa điện tử"})
    assert created.status_code == 200
    with schema_context(world.agency_a.schema_name):
        key = ApiKey.objects.get(name="Một cửa điện tử")
    secret = created.context["secret"]
    assert admin.post(f"/integrations/keys/{key.pk}/revoke/").status_code == 302
    events = trail(world.agency_a, subject_type="apikey", subject_id=str(key.pk))
    assert [e.action for e in events] == ["key_create", "key_revoke"]
    assert {e.actor_id for e in events} == {world.owner_a.pk}
    assert secret not in dump(events)


def test_api_tokens_are_recorded_where_they_live_and_never_in_full(world):
    token, raw = api_token_create(user=world.province_admin, name="kịch bản triển khai")
    api_token_revoke(token=token, actor=world.province_admin)
    events = platform(subject_type="apitoken", subject_id=str(token.pk))
    assert [e.action for e in events] == ["token_create", "token_revoke"]
    assert events[0].actor_label == "hệ thống" and events[1].actor_id == world.province_admin.pk
    assert raw not in dump(events) and token.digest not in dump(events)
    with schema_context(world.agency_a.schema_name):
        agency_token, agency_raw = api_token_create(
            user=world.owner_a, name="báo cáo", actor=world.owner_a
        )
        assert ApiToken.objects.filter(pk=agency_token.pk).exists()
    (event,) = trail(world.agency_a, action="token_create")
    assert event.actor_id == world.owner_a.pk and agency_raw not in dump([event])


# --------------------------------------------------------------------------- exports


def test_an_agency_export_download_is_recorded_in_its_trail(world, client_for):
    leader = client_for(world.agency_a, world.leader_a)
    response = leader.get(
        "/procedures/applications/tracking-book.xlsx", {"start": "2026-01-01", "end": "2026-01-31"}
    )
    assert response.status_code == 200
    (event,) = trail(world.agency_a, action="export")
    assert event.subject_type == "tracking_book"
    assert event.actor_id == world.leader_a.pk
    assert event.subject_label == "so-theo-doi-ho-so-20260101-20260131.xlsx"


# --------------------------------------------------------------------------- the agency's viewer


@pytest.fixture
def admin_a(world, client_for):
    return client_for(world.agency_a, world.owner_a)


def add(agency, *, at, action="edit", actor="Ai Đó <ai@alpha.test>", **fields):
    with schema_context(agency.schema_name):
        return AuditEvent.objects.create(
            at=at,
            actor_id=fields.pop("actor_id", None),
            actor_label=actor,
            action=action,
            subject_type=fields.pop("subject_type", "document"),
            subject_id=fields.pop("subject_id", "1"),
            subject_label=fields.pop("subject_label", "Sổ tay chất lượng"),
            changes=fields.pop("changes", {}),
        )


def shown(response) -> list[int]:
    assert response.status_code == 200
    return [e.pk for e in response.context["events"]]


def test_the_agency_admin_reads_the_trail_newest_first_with_vietnamese_labels(world, admin_a):
    now = timezone.now()
    old = add(world.agency_a, at=now - dt.timedelta(days=3), action="approve_issue")
    new = add(world.agency_a, at=now - dt.timedelta(minutes=1), action="sign_in_failed")
    ids = shown(admin_a.get("/audit-trail/"))
    assert ids.index(new.pk) < ids.index(old.pk)
    page = admin_a.get("/audit-trail/").content.decode()
    assert "Đăng nhập không thành công" in page and "Phê duyệt và ban hành" in page
    assert "Nhật ký hệ thống" in page


def test_the_filters_narrow_the_list(world, admin_a):
    now = timezone.now()
    tz = timezone.get_current_timezone()
    day = dt.datetime(2026, 3, 10, 23, 30, tzinfo=tz)  # late evening, Hanoi time
    a = add(world.agency_a, at=day, action="edit", actor="Nguyễn Thị Hoà <hoa@alpha.test>")
    b = add(
        world.agency_a,
        at=day + dt.timedelta(days=2),
        action="person_update",
        subject_type="user",
        subject_label="Trần Văn Đức",
        changes={"role": ["staff", "unit_head"]},
    )
    c = add(world.agency_a, at=now, action="edit", subject_label="Quy trình kiểm soát hồ sơ")

    assert shown(admin_a.get("/audit-trail/", {"action": "person_update"})) == [b.pk]
    by_type = admin_a.get("/audit-trail/", {"subject_type": "user"}).context["events"]
    assert b.pk in [e.pk for e in by_type] and {e.subject_type for e in by_type} == {"user"}
    assert shown(admin_a.get("/audit-trail/", {"actor": "nguyen thi hoa"})) == [a.pk]
    assert shown(admin_a.get("/audit-trail/", {"start": "2026-03-10", "end": "2026-03-10"})) == [
        a.pk
    ]
    assert shown(admin_a.get("/audit-trail/", {"start": "2026-03-11", "end": "2026-03-31"})) == [
        b.pk
    ]
    assert shown(admin_a.get("/audit-trail/", {"q": "tran van duc"})) == [b.pk]
    assert shown(admin_a.get("/audit-trail/", {"q": "unit_head"})) == [b.pk]
    assert c.pk in shown(admin_a.get("/audit-trail/", {"q": "KIEM SOAT HO SO"}))
    assert c.pk not in shown(admin_a.get("/audit-trail/", {"q": "tran van duc"}))
    assert shown(admin_a.get("/audit-trail/", {"start": "không-phải-ngày"})) == []


def test_the_list_is_paginated_with_a_bounded_number_of_queries(
    world, admin_a, django_assert_max_num_queries
):
    now = timezone.now()
    with schema_context(world.agency_a.schema_name):
        AuditEvent.objects.bulk_create(
            AuditEvent(
                at=now - dt.timedelta(seconds=i),
                actor_label="x",
                action="edit",
                subject_type="risk",
                subject_id=str(i),
            )
            for i in range(120)
        )
    with django_assert_max_num_queries(12):
        first = admin_a.get("/audit-trail/", {"subject_type": "risk"})
    assert len(first.context["events"]) == 50
    assert first.context["page"].paginator.count == 120
    third = admin_a.get("/audit-trail/", {"subject_type": "risk", "page": 3})
    assert [e.subject_id for e in third.context["events"]] == [str(i) for i in range(100, 120)]
    assert "?subject_type=risk&page=2" in first.content.decode()


def test_the_filtered_list_downloads_as_csv_and_the_download_is_recorded(world, admin_a):
    add(world.agency_a, at=timezone.now(), action="nc_close", subject_label="=HYPERLINK(1)")
    add(world.agency_a, at=timezone.now(), action="edit", subject_label="Không lọt vào")
    response = admin_a.get("/audit-trail/", {"action": "nc_close", "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeffThời gian,Người thực hiện,Thao tác")
    assert "Đóng sự không phù hợp" in text and "'=HYPERLINK(1)" in text
    assert "Không lọt vào" not in text
    (event,) = trail(world.agency_a, action="export", subject_type="audit_trail")
    assert event.actor_id == world.owner_a.pk and event.changes["filter"] == "action=nc_close"


def test_only_the_agency_administrator_may_read_the_trail(world, client_for):
    for person in (world.member_a, world.leader_a, world.reader_a):
        client = client_for(world.agency_a, person)
        assert client.get("/audit-trail/").status_code == 403
        assert client.get("/audit-trail/", {"format": "csv"}).status_code == 403
    assert (
        "/audit-trail/" not in client_for(world.agency_a, world.leader_a).get("/").content.decode()
    )
    assert "/audit-trail/" in client_for(world.agency_a, world.owner_a).get("/").content.decode()
    anonymous = Client(HTTP_HOST=world.agency_a.host).get("/audit-trail/")
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


def test_agency_b_administrator_never_sees_agency_a_trail(world, client_for):
    marker = add(world.agency_a, at=timezone.now(), subject_label="Bí mật của Alpha")
    admin_b = client_for(world.agency_b, world.user_b)
    own = admin_b.get("/audit-trail/")
    assert own.status_code == 200  # B's administrator reads B's trail...
    assert "Bí mật của Alpha" not in own.content.decode()
    assert marker.pk not in [e.pk for e in own.context["events"] if e.subject_label]
    csv_b = admin_b.get("/audit-trail/", {"format": "csv"}).content.decode()
    assert "Bí mật của Alpha" not in csv_b
    # ...and B's session is worthless on A's host
    stolen = Client(HTTP_HOST=world.agency_a.host)
    stolen.cookies[settings.SESSION_COOKIE_NAME] = admin_b.cookies[
        settings.SESSION_COOKIE_NAME
    ].value
    refused = stolen.get("/audit-trail/")
    assert refused.status_code == 302 and "/accounts/login/" in refused["Location"]


# --------------------------------------------------------------------------- the console's viewer


def test_the_provincial_administrator_reads_and_filters_the_platform_log(world, client_for):
    from iso_platform.audit import platform_record

    platform_record(
        action="suspended",
        subject_type="agency",
        subject_id="alpha",
        subject_label="Sở Alpha",
        actor=world.province_admin,
        agency=world.agency_a,
    )
    platform_record(
        action="suspended",
        subject_type="agency",
        subject_id="beta",
        subject_label="Sở Beta",
        agency=world.agency_b,
    )
    admin = client_for("localhost", world.province_admin)
    page = admin.get("/audit-log/")
    body = page.content.decode()
    assert page.status_code == 200
    assert "Tạm ngừng cơ quan" in body and "Nhật ký nền tảng" in body
    by_agency = admin.get("/audit-log/", {"agency": "so alpha"}).context["events"]
    assert {e.agency_code for e in by_agency} == {"alpha"}
    assert [e.action for e in by_agency][0] == "suspended"
    by_actor = admin.get("/audit-log/", {"actor": "QUAN TRI TINH", "action": "suspended"})
    assert [e.agency_code for e in by_actor.context["events"]] == ["alpha"]
    csv_text = admin.get("/audit-log/", {"action": "suspended", "format": "csv"}).content.decode()
    assert "Sở Beta" in csv_text and "Sở Alpha" in csv_text
    (export,) = platform(action="export", subject_type="audit_trail")
    assert export.actor_id == world.province_admin.pk and export.ip_address == "127.0.0.1"


def test_only_the_provincial_administrator_reads_the_platform_log(world, client_for):
    analyst = client_for("localhost", world.analyst)
    assert analyst.get("/audit-log/").status_code == 403
    assert analyst.get("/audit-log/", {"format": "csv"}).status_code == 403
    assert "/audit-log/" not in analyst.get("/agencies/").content.decode()
    assert (
        "/audit-log/"
        in client_for("localhost", world.province_admin).get("/agencies/").content.decode()
    )
    agency_admin_session = (
        client_for(world.agency_a, world.owner_a).cookies[settings.SESSION_COOKIE_NAME].value
    )
    stranger = Client(HTTP_HOST="localhost")
    stranger.cookies[settings.SESSION_COOKIE_NAME] = agency_admin_session
    refused = stranger.get("/audit-log/")
    assert refused.status_code == 302 and "/accounts/login/" in refused["Location"]


# --------------------------------------------------------------------------- append-only


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE tenants_platformauditevent SET action = 'x' WHERE id = %s",
        "DELETE FROM tenants_platformauditevent WHERE id = %s",
    ],
)
def test_the_platform_log_refuses_update_and_delete(world, sql):
    from iso_platform.audit import platform_record

    event = platform_record(action="provisioned", subject_type="agency", subject_id="alpha")
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cur,
    ):
        cur.execute(sql, [event.pk])
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        PlatformAuditEvent.objects.filter(pk=event.pk).update(action="x")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        event.delete()
    assert PlatformAuditEvent.objects.get(pk=event.pk).action == "provisioned"
