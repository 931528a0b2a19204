"""Triage of the nonconformities the system records by the dozen (late, apologised or refused
applications): the register grouped by source and procedure, bulk steps (assign, close with a
reason, one shared corrective action), links between a record and its application, and who
may do it. Each bulk step is all or nothing, and a refusal says why in Vietnamese.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from eiso.testing.procedures import event, make_procedure
from integrations.services.apply import inbox_apply_pending
from integrations.services.ingest import events_ingest
from quality.core.models import AuditEvent, Notification
from quality.improvement import services as imp
from quality.improvement.models import Action, NcStatus, Nonconformity
from quality.procedures.models import Application
from quality.procedures.services.applications import overdue_nonconformities

TRACKED = (Nonconformity, Action, AuditEvent, Notification)


def _snapshot():
    rows = list(Nonconformity.objects.order_by("pk").values())
    return rows, [m.objects.count() for m in TRACKED]


def refused(call, message: str, exc=ValidationError):
    """`call()` is refused with `message`, and nothing stored changes."""
    before = _snapshot()
    with pytest.raises(exc) as info:
        call()
    text = " ".join(getattr(info.value, "messages", None) or [str(info.value)])
    assert message in text, text
    assert _snapshot() == before


def flood(world, per_procedure=(3, 2)) -> dict[str, list[Nonconformity]]:
    """Applications of two procedures, all past due: the nightly run records one late
    nonconformity each, with no owner (as in the agencies that reported the flood)."""
    groups = {}
    for index, count in enumerate(per_procedure):
        code = f"1.00000{index + 1}"
        make_procedure(world.owner_a, code=code)
        items = [
            event(
                f"ev-{code}-{n}",
                "received",
                "2026-03-09 09:15",
                app=f"HS-{index}-{n}",
                procedure_code=code,
            )
            for n in range(count)
        ]
        events_ingest(items=items, key=None)
    inbox_apply_pending()
    overdue_nonconformities()
    for index, _count in enumerate(per_procedure):
        groups[f"1.00000{index + 1}"] = list(
            Nonconformity.objects.filter(source_id__startswith=f"HS-{index}-").order_by("pk")
        )
    assert all(nc.owner_id is None and nc.status == "open" for g in groups.values() for nc in g)
    return groups


def ids(records) -> list[int]:
    return [nc.pk for nc in records]


def history(nc) -> list[tuple[str, dict]]:
    return list(
        AuditEvent.objects.filter(subject_type="nonconformity", subject_id=str(nc.pk))
        .order_by("at", "id")
        .values_list("action", "changes")
    )


@pytest.fixture
def today():
    return timezone.localdate()


# --------------------------------------------------------------------------- services


def test_bulk_assign_gives_every_record_its_owner_a_history_line_and_one_notice(in_a):
    w = in_a
    late = flood(w)["1.000001"]
    assert imp.nc_bulk_assign(actor=w.owner_a, ids=ids(late), owner=w.member_a) == 3
    for nc in late:
        nc.refresh_from_db()
        assert nc.owner == w.member_a
        assert history(nc)[-1] == (
            "nc_assign",
            {"owner": [None, w.member_a.email], "unit": ["", ""]},
        )
    notices = Notification.objects.filter(user=w.member_a, key__startswith="nc:bulk-owner:")
    assert [n.title for n in notices] == ["Bạn chịu trách nhiệm xử lý 3 sự không phù hợp"]


def test_bulk_close_needs_a_reason_and_writes_it_into_each_record(in_a):
    w = in_a
    late = flood(w)["1.000001"]
    refused(
        lambda: imp.nc_bulk_close(actor=w.owner_a, ids=ids(late), reason="  "), "Cần nêu lý do."
    )
    reason = "Trễ do công dân bổ sung hồ sơ muộn, không phải lỗi của cơ quan"
    assert imp.nc_bulk_close(actor=w.owner_a, ids=ids(late), reason=reason) == 3
    for nc in late:
        nc.refresh_from_db()
        assert (nc.status, nc.close_reason, nc.closed_by) == ("closed", reason, w.owner_a)
        assert history(nc)[-1] == ("nc_dismiss", {"status": ["open", "closed"], "reason": reason})
    # reopened, it goes back to work and forgets the dismissal (the history keeps it)
    nc = imp.nc_reopen(actor=w.owner_a, nc=late[0], reason="Công dân phản ánh lại")
    assert (nc.status, nc.close_reason, nc.closed_by) == ("actions", "", None)


def test_bulk_steps_refuse_an_empty_unknown_or_closed_selection_and_change_nothing(in_a, today):
    w = in_a
    late = flood(w)["1.000001"]
    imp.nc_bulk_close(actor=w.owner_a, ids=ids(late[:1]), reason="Trùng")
    steps = {
        "assign": lambda chosen: imp.nc_bulk_assign(actor=w.owner_a, ids=chosen, owner=w.member_a),
        "close": lambda chosen: imp.nc_bulk_close(actor=w.owner_a, ids=chosen, reason="Trùng"),
        "action": lambda chosen: imp.nc_bulk_action(
            actor=w.owner_a,
            ids=chosen,
            title="Bổ sung người",
            owner=w.member_a,
            due_on=today,
            root_cause="Thiếu người",
        ),
    }
    ghost = max(ids(late)) + 1000
    for step in steps.values():
        refused(lambda s=step: s([]), "Chưa chọn sự không phù hợp nào.")
        refused(
            lambda s=step: s([*ids(late[1:]), ghost]),
            f"Không có sự không phù hợp SKPH-{ghost} trong cơ quan.",
        )
        refused(
            lambda s=step: s(ids(late)),
            f"Đã đóng, không xử lý cùng lúc được: {late[0].code}.",
        )


def test_bulk_steps_are_for_who_manages_nonconformities(in_a, today):
    w = in_a
    late = ids(flood(w)["1.000001"])
    for person in (w.member_a, w.reader_a):
        refused(
            lambda p=person: imp.nc_bulk_assign(actor=p, ids=late, owner=p),
            "improvement.manage",
            exc=PermissionDenied,
        )
        refused(
            lambda p=person: imp.nc_bulk_close(actor=p, ids=late, reason="x"),
            "improvement.manage",
            exc=PermissionDenied,
        )


def test_one_shared_action_answers_every_record_it_covers(in_a, today):
    w = in_a
    late = flood(w)["1.000001"]
    for nc in late:  # effectiveness may be checked at once
        Nonconformity.objects.filter(pk=nc.pk).update(verify_after_days=0)
    refused(
        lambda: imp.nc_bulk_action(
            actor=w.owner_a, ids=ids(late), title="Bổ sung người", owner=w.member_a, due_on=today
        ),
        "Cần ghi nguyên nhân gốc rễ chung cho các sự không phù hợp chưa phân tích: "
        + ", ".join(nc.code for nc in late),
    )
    action = imp.nc_bulk_action(
        actor=w.owner_a,
        ids=ids(late),
        title="Bổ sung một cán bộ thẩm định",
        owner=w.member_a,
        due_on=today,
        root_cause="Phòng chuyên môn thiếu người thẩm định",
    )
    assert Action.objects.count() == 1 and action.nonconformity == late[0]
    assert set(action.covers.all()) == set(late[1:])
    for nc in late:
        nc.refresh_from_db()
        assert nc.status == NcStatus.ACTIONS and nc.root_cause.startswith("Phòng chuyên môn")
        assert list(nc.all_actions()) == [action]
    assert [a for a, _c in history(late[1])][-3:] == ["nc_analyse", "action_cover", "status"]
    # still pending: none of them can be closed, one by one or together
    refused(
        lambda: imp.nc_close(actor=w.owner_a, nc=late[2], verification_note="OK"),
        "còn 1 hành động chưa được xác nhận hiệu lực",
    )
    refused(
        lambda: imp.nc_bulk_close(actor=w.owner_a, ids=ids(late[1:]), reason="Xong"),
        f"còn hành động chưa được xác nhận hiệu lực: {late[1].code}, {late[2].code}.",
    )
    imp.action_complete(actor=w.member_a, action=action, note="Đã bổ sung")
    imp.action_verify(actor=w.owner_a, action=action, effective=True, note="Hết trễ")
    for nc in late:
        nc.refresh_from_db()
        assert nc.status == NcStatus.VERIFYING
    closed = imp.nc_close(actor=w.owner_a, nc=late[2], verification_note="Không còn trễ")
    assert closed.status == NcStatus.CLOSED


# --------------------------------------------------------------------------- pages


@pytest.fixture
def pages(in_a, client_for):
    connection.set_schema_to_public()
    return {
        name: client_for(in_a.agency_a, getattr(in_a, name))
        for name in ("owner_a", "member_a", "reader_a")
    }


def _body(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def _messages(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


def test_the_register_is_grouped_by_source_and_procedure_and_a_group_filters_it(in_a, pages):
    with schema_context("ag_alpha"):
        groups = flood(in_a)
        imp.nc_create(actor=in_a.member_a, source="self", title="Tự phát hiện thiếu chữ ký")
    body = _body(pages["owner_a"].get("/improvement/"))
    assert "Theo nguồn" in body and "Theo thủ tục hành chính" in body
    assert 'source=application_late">Hồ sơ TTHC trễ hạn<span class="badge text-bg-secondary">5' in (
        body
    )
    assert 'source=self">Tự phát hiện<span class="badge text-bg-secondary">1' in body
    with schema_context("ag_alpha"):
        first = groups["1.000001"][0]
        procedure_id = Application.objects.get(code=first.source_id).procedure_id
    assert f'procedure={procedure_id}">1.000001 Cấp giấy chứng nhận' in body
    narrowed = _body(pages["owner_a"].get(f"/improvement/?procedure={procedure_id}"))
    assert all(nc.code in narrowed for nc in groups["1.000001"])
    assert not any(nc.code in narrowed for nc in groups["1.000002"])
    assert "Chọn tất cả 3 bản ghi chưa đóng trong nhóm này" in narrowed
    # the reader sees the groups, never the bulk steps
    reader = _body(pages["reader_a"].get(f"/improvement/?procedure={procedure_id}"))
    assert "Theo thủ tục hành chính" in reader
    assert 'name="ids"' not in reader and "improvement/bulk/" not in reader


def test_the_secretary_triages_a_group_from_the_register(in_a, pages, today):
    with schema_context("ag_alpha"):
        groups = flood(in_a)
        procedure_id = Application.objects.get(code=groups["1.000001"][0].source_id).procedure_id
    owner = pages["owner_a"]
    response = owner.post(
        "/improvement/bulk/",
        {
            "op": "assign",
            "all_matching": "on",
            "procedure": procedure_id,
            "owner": in_a.member_a.pk,
        },
        follow=True,
    )
    assert "Đã giao 3 sự không phù hợp cho Thành Viên Alpha." in _messages(response)
    assert response.redirect_chain[-1][0] == f"/improvement/?procedure={procedure_id}"
    with schema_context("ag_alpha"):
        owners = {nc.pk: nc.owner_id for nc in Nonconformity.objects.all()}
    assert {owners[pk] for pk in ids(groups["1.000001"])} == {in_a.member_a.pk}
    assert {owners[pk] for pk in ids(groups["1.000002"])} == {None}
    chosen = ids(groups["1.000002"])
    response = owner.post(
        "/improvement/bulk/",
        {
            "op": "action",
            "ids": chosen,
            "title": "Nhắc lịch trả kết quả",
            "action_owner": in_a.member_a.pk,
            "due_on": today.isoformat(),
            "root_cause": "Không có nhắc hạn",
        },
        follow=True,
    )
    assert "Đã gắn hành động “Nhắc lịch trả kết quả” cho 2 sự không phù hợp." in _messages(response)
    response = owner.post(
        "/improvement/bulk/", {"op": "close", "ids": chosen[:1], "reason": "Trùng"}, follow=True
    )
    assert "còn hành động chưa được xác nhận hiệu lực" in _messages(response)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"op": "close", "reason": "Trùng"}, "Chưa chọn sự không phù hợp nào."),
        ({"op": "close", "ids": "{first}"}, "Lý do đóng: Cần điền mục này"),
        ({"op": "assign", "ids": "{first}", "owner": 987654}, "Không có người dùng đang hoạt động"),
        ({"op": "assign", "ids": "abc", "owner": "{member}"}, "Mã bản ghi được chọn không hợp lệ."),
        ({"op": "drop", "ids": "{first}"}, "Thao tác không hợp lệ."),
        (
            {"op": "close", "ids": "987654", "reason": "Trùng"},
            "Không có sự không phù hợp SKPH-987654",
        ),
        ({"ids": "{first}"}, "Chưa chọn thao tác."),
        ({"op": "action", "ids": "{first}", "title": "X"}, "Người thực hiện: Cần điền mục này"),
    ],
)
def test_bad_bulk_input_comes_back_as_a_vietnamese_message(in_a, pages, data, message):
    with schema_context("ag_alpha"):
        first = flood(in_a, per_procedure=(1,))["1.000001"][0]
        before = _snapshot()
    values = {"first": first.pk, "member": in_a.member_a.pk}
    data = {k: str(v).format(**values) for k, v in data.items()}
    response = pages["owner_a"].post("/improvement/bulk/", data)
    assert response.status_code == 302
    follow = pages["owner_a"].get(response["Location"])
    assert message in _messages(follow)
    with schema_context("ag_alpha"):
        assert _snapshot() == before


def test_only_who_manages_nonconformities_may_post_bulk_steps(in_a, pages):
    with schema_context("ag_alpha"):
        late = ids(flood(in_a, per_procedure=(2,))["1.000001"])
        before = _snapshot()
    for name in ("member_a", "reader_a"):
        response = pages[name].post(
            "/improvement/bulk/", {"op": "close", "ids": late, "reason": "x"}
        )
        assert response.status_code == 403, name
    with schema_context("ag_alpha"):
        assert _snapshot() == before


def test_another_agencys_user_cannot_use_bulk_steps_on_this_agencys_records(
    in_a, client_for, today
):
    """Agency B's secretary, signed in on B (her only host), names A's ids: they do not exist
    there (a Vietnamese 400 in the API, a message on the page); on A's host she is nobody."""
    with schema_context("ag_alpha"):
        late = ids(flood(in_a, per_procedure=(2,))["1.000001"])
        before = _snapshot()
    connection.set_schema_to_public()
    b_page = client_for(in_a.agency_b, in_a.user_b)
    response = b_page.post(
        "/improvement/bulk/", {"op": "close", "ids": late, "reason": "Xoá hộ"}, follow=True
    )
    assert response.status_code == 200
    assert f"Không có sự không phù hợp SKPH-{late[0]}, SKPH-{late[1]} trong cơ quan." in _messages(
        response
    )
    api = b_page.post(
        "/api/v1/nonconformities/bulk/close/",
        {"ids": late, "reason": "Xoá hộ"},
        content_type="application/json",
    )
    assert api.status_code == 400
    assert "Không có sự không phù hợp" in api.json()["detail"][0]
    # B's session means nothing on A's host
    b_on_a = client_for(in_a.agency_a.host)
    b_on_a.cookies = b_page.cookies
    assert (
        b_on_a.post("/improvement/bulk/", {"op": "close", "ids": late, "reason": "x"}).status_code
        == 302
    )
    api_on_a = b_on_a.post(
        "/api/v1/nonconformities/bulk/close/",
        {"ids": late, "reason": "x"},
        content_type="application/json",
    )
    assert api_on_a.status_code in (401, 403)
    with schema_context("ag_alpha"):
        assert _snapshot() == before


def test_a_record_and_its_application_link_to_each_other(in_a, pages):
    with schema_context("ag_alpha"):
        nc = flood(in_a, per_procedure=(1,))["1.000001"][0]
        app = Application.objects.select_related("procedure").get(code=nc.source_id)
    page = _body(pages["member_a"].get(f"/improvement/{nc.pk}/"))
    assert f'href="/procedures/applications/{app.pk}/">{app.code}</a>' in page
    assert f'href="/procedures/{app.procedure_id}/">1.000001 Cấp giấy' in page
    assert f"/improvement/?procedure={app.procedure_id}" in page
    application = _body(pages["member_a"].get(f"/procedures/applications/{app.pk}/"))
    assert f'<a href="/improvement/{nc.pk}/">{nc.code}</a>' in application


# --------------------------------------------------------------------------- API


def test_bulk_steps_through_the_api(in_a, client_for, today):
    with schema_context("ag_alpha"):
        groups = flood(in_a)
    connection.set_schema_to_public()
    api = client_for(in_a.agency_a, in_a.owner_a)
    first, second = ids(groups["1.000001"]), ids(groups["1.000002"])

    def post(step, data):
        return api.post(
            f"/api/v1/nonconformities/bulk/{step}/", data, content_type="application/json"
        )

    assigned = post("assign", {"ids": first, "owner": in_a.member_a.pk})
    assert assigned.status_code == 200, assigned.json()
    assert assigned.json() == {"count": 3, "ids": first, "action": None}
    shared = post(
        "actions",
        {
            "ids": second,
            "title": "Nhắc hạn",
            "owner": in_a.member_a.pk,
            "due_on": today.isoformat(),
            "root_cause": "Không có nhắc hạn",
        },
    )
    assert shared.status_code == 200, shared.json()
    action = shared.json()["action"]
    assert action["nonconformity"] == second[0] and action["covers"] == second[1:]
    detail = api.get(f"/api/v1/nonconformities/{second[1]}/").json()
    assert [a["id"] for a in detail["actions"]] == [action["id"]]
    closed = post("close", {"ids": first, "reason": "Trễ do công dân"})
    assert closed.status_code == 200
    listed = api.get("/api/v1/nonconformities/?status=closed").json()["results"]
    assert {r["close_reason"] for r in listed} == {"Trễ do công dân"}
    for step, data, message in (
        ("close", {"ids": [], "reason": "x"}, "Chưa chọn sự không phù hợp nào."),
        ("close", {"ids": second, "reason": "x"}, "còn hành động chưa được xác nhận"),
        ("assign", {"ids": second, "owner": 987654}, "Không có người dùng đang hoạt động"),
        ("assign", {"ids": ["x"], "owner": in_a.member_a.pk}, "Mã bản ghi phải là số nguyên"),
        ("assign", {"ids": 5, "owner": in_a.member_a.pk}, "phải là danh sách mã bản ghi"),
    ):
        response = post(step, data)
        assert response.status_code == 400, (step, data)
        assert message in response.content.decode(), response.content.decode()
    reader = client_for(in_a.agency_a, in_a.reader_a)
    refused_call = reader.post(
        "/api/v1/nonconformities/bulk/close/",
        {"ids": second, "reason": "x"},
        content_type="application/json",
    )
    assert refused_call.status_code == 403
