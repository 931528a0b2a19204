"""Nonconformities and actions (ISO 9001:2015 10.2): every rule of the workflow, with refusals.

recorded -> corrected -> analysed -> actions -> verifying -> closed; a refusal says why in
Vietnamese and leaves the database exactly as it was.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from eiso.testing.asserts import refusal_checker
from iso_platform.accounts.models import Role, User
from quality.core.models import AuditEvent, Notification
from quality.improvement import services as imp
from quality.improvement.models import Action, ActionKind, Nonconformity

TRACKED = (Nonconformity, Action, AuditEvent, Notification)


refused = refusal_checker(*TRACKED)


def trail(subject) -> list[str]:
    return list(
        AuditEvent.objects.filter(subject_type=subject._meta.model_name, subject_id=str(subject.pk))
        .order_by("at", "id")
        .values_list("action", flat=True)
    )


def status_changes(nc) -> list[list[str]]:
    return [
        e.changes["status"]
        for e in AuditEvent.objects.filter(
            subject_type="nonconformity", subject_id=str(nc.pk), action="status"
        ).order_by("at", "id")
    ]


def user(email, role, **extra):
    return User.objects.create_user(
        email, "x" * 12, full_name=email.split("@")[0], role=role, **extra
    )


@pytest.fixture
def today():
    return timezone.localdate()


def recorded(w, **extra):
    extra.setdefault("owner", w.member_a)
    extra.setdefault("verify_after_days", 0)  # effectiveness may be checked at once
    return imp.nc_create(actor=w.member_a, source="self", title="Trả kết quả thiếu chữ ký", **extra)


def analysed(w):
    nc = recorded(w)
    imp.nc_correct(actor=w.member_a, nc=nc, correction="Bổ sung chữ ký, trả lại công dân")
    return imp.nc_analyse(
        actor=w.owner_a,
        nc=nc,
        method="five_whys",
        detail={"whys": ["Thiếu bước kiểm tra", "Quy trình chưa quy định"]},
        root_cause="Quy trình chưa có bước kiểm tra trước khi trả",
    )


def add(w, nc, owner=None, due=None, **extra):
    return imp.action_add(
        actor=w.owner_a,
        nc=nc,
        title="Bổ sung bước kiểm tra vào quy trình",
        owner=owner or w.member_a,
        due_on=due or timezone.localdate(),
        **extra,
    )


def verified(w, action, by=None):
    imp.action_complete(actor=action.owner, action=action, note="Đã sửa quy trình")
    return imp.action_verify(actor=by or w.leader_a, action=action, effective=True, note="Ổn")


# --------------------------------------------------------------------------- the happy path


def test_the_workflow_passes_every_status_and_each_change_leaves_an_audit_event(in_a, today):
    w = in_a
    nc = recorded(w)
    assert nc.status == "open" and nc.created_by == w.member_a
    assert Notification.objects.filter(user=w.member_a, key=f"nc:{nc.pk}:owner").exists()

    nc = imp.nc_correct(actor=w.member_a, nc=nc, correction="  Bổ sung chữ ký  ")
    assert (nc.status, nc.correction) == ("corrected", "Bổ sung chữ ký")
    nc = imp.nc_analyse(
        actor=w.owner_a,
        nc=nc,
        method="five_whys",
        detail={"whys": [" Vì thiếu bước kiểm tra ", "Vì quy trình chưa quy định"]},
        root_cause="Quy trình chưa có bước kiểm tra",
    )
    assert nc.status == "analysed" and nc.analysed_at is not None
    assert nc.root_cause_detail == {
        "whys": ["Vì thiếu bước kiểm tra", "Vì quy trình chưa quy định"]
    }

    action = add(w, nc, due=today + dt.timedelta(days=10))
    nc.refresh_from_db()
    assert nc.status == "actions" and action.source_type == "nonconformity"
    assert action.source_id == str(nc.pk) and imp.action_url(action) == f"/improvement/{nc.pk}/"
    assert Notification.objects.get(user=w.member_a, key=f"action:{action.pk}:assigned").url == (
        f"/improvement/{nc.pk}/"
    )

    imp.action_complete(actor=w.member_a, action=action, note="Đã sửa quy trình")
    nc.refresh_from_db()
    assert Action.objects.get(pk=action.pk).status == "done" and nc.status == "actions"

    imp.action_verify(actor=w.owner_a, action=action, effective=True, note="Không tái diễn")
    nc.refresh_from_db()
    action.refresh_from_db()
    assert action.status == "verified" and action.verified_by == w.owner_a
    assert nc.status == "verifying"
    assert nc.verification_due_on == today + dt.timedelta(days=nc.verify_after_days)

    nc = imp.nc_close(actor=w.owner_a, nc=nc, verification_note="Ba tháng không tái diễn")
    nc.refresh_from_db()
    assert nc.status == "closed" and nc.closed_at and nc.verified_by == w.owner_a

    assert trail(nc) == ["create", "nc_correct", "nc_analyse", "status", "status", "nc_close"]
    assert status_changes(nc) == [["analysed", "actions"], ["actions", "verifying"]]
    assert trail(action) == ["action_add", "action_done", "action_verify"]
    # the action's events are filed under the nonconformity too
    assert AuditEvent.objects.filter(
        parent_type="nonconformity", parent_id=str(nc.pk), action="action_verify"
    ).exists()
    close = AuditEvent.objects.get(subject_id=str(nc.pk), action="nc_close")
    assert close.actor_id == w.owner_a.pk and close.changes["verification_note"]


def test_a_nonconformity_recorded_by_the_system_names_the_system_as_actor(in_a):
    nc = imp.nc_create(actor=None, source="application_late", title="Hồ sơ HS-1 trễ hạn")
    event = AuditEvent.objects.get(subject_type="nonconformity", subject_id=str(nc.pk))
    assert event.actor_id is None and event.actor_label == "hệ thống"


def test_fishbone_keeps_only_the_six_groups_and_non_empty_causes(in_a):
    w = in_a
    nc = recorded(w)
    nc = imp.nc_analyse(
        actor=w.owner_a,
        nc=nc,
        method="fishbone",
        detail={
            "groups": {
                "con_nguoi": [" Chưa được đào tạo ", " "],
                "phuong_phap": ["Thiếu hướng dẫn"],
                "tai_chinh": ["không thuộc 6M"],
            }
        },
        root_cause="Chưa đào tạo",
    )
    groups = nc.root_cause_detail["groups"]
    assert set(groups) == set(imp.FISHBONE_GROUPS)
    assert groups["con_nguoi"] == ["Chưa được đào tạo"]
    assert groups["phuong_phap"] == ["Thiếu hướng dẫn"] and groups["may_moc"] == []
    # analysing straight from "open" (no correction recorded) is allowed and moves on
    assert nc.status == "analysed"


@pytest.mark.parametrize(
    ("method", "detail", "root_cause", "message"),
    [
        ("five_whys", {"whys": []}, "X", "5 lần tại sao cần từ 1 đến 5 câu trả lời"),
        ("five_whys", {"whys": ["a"] * 6}, "X", "5 lần tại sao cần từ 1 đến 5 câu trả lời"),
        ("five_whys", {"whys": ["a", "  "]}, "X", "không để trống"),
        ("five_whys", {}, "X", "5 lần tại sao"),
        ("fishbone", {"groups": {"con_nguoi": [" "]}}, "X", "Biểu đồ xương cá cần ít nhất"),
        ("fishbone", {"groups": {"tai_chinh": ["x"]}}, "X", "Biểu đồ xương cá cần ít nhất"),
        ("five_whys", {"whys": ["a"]}, "   ", "Cần ghi nguyên nhân gốc rễ"),
        ("pareto", {"whys": ["a"]}, "X", "Phương pháp không hợp lệ"),
    ],
)
def test_an_empty_or_unknown_analysis_is_refused(in_a, method, detail, root_cause, message):
    w = in_a
    nc = recorded(w)
    imp.nc_correct(actor=w.member_a, nc=nc, correction="Đã sửa")
    with refused(message, nc):
        imp.nc_analyse(actor=w.owner_a, nc=nc, method=method, detail=detail, root_cause=root_cause)
    assert Nonconformity.objects.get(pk=nc.pk).status == "corrected"


def test_recording_needs_a_title_and_correcting_needs_what_was_done(in_a):
    w = in_a
    with refused("Cần mô tả sự không phù hợp"):
        imp.nc_create(actor=w.member_a, source="self", title="   ")
    nc = recorded(w)
    with refused("Cần ghi việc khắc phục tức thời", nc):
        imp.nc_correct(actor=w.member_a, nc=nc, correction=" ")


def test_who_may_record_analyse_and_close(in_a):
    w = in_a
    with refused("improvement.record", exc=PermissionDenied):
        imp.nc_create(actor=w.reader_a, source="self", title="Người chỉ xem không ghi được")
    nc = recorded(w)  # staff may record
    with refused("improvement.record", nc, exc=PermissionDenied):
        imp.nc_correct(actor=w.reader_a, nc=nc, correction="x")
    with refused("improvement.manage", nc, exc=PermissionDenied):
        imp.nc_analyse(
            actor=w.member_a, nc=nc, method="five_whys", detail={"whys": ["a"]}, root_cause="b"
        )
    head = user("head@alpha.test", Role.UNIT_HEAD)
    imp.nc_analyse(actor=head, nc=nc, method="five_whys", detail={"whys": ["a"]}, root_cause="b")
    with refused("improvement.manage", nc, exc=PermissionDenied):
        imp.nc_close(actor=w.member_a, nc=nc, verification_note="x")


# --------------------------------------------------------------------------- actions


@pytest.mark.parametrize("corrected", [False, True])
def test_a_corrective_action_before_the_root_cause_analysis_is_refused(in_a, corrected):
    w = in_a
    nc = recorded(w)
    if corrected:
        imp.nc_correct(actor=w.member_a, nc=nc, correction="Đã sửa")
    with refused("Cần phân tích nguyên nhân gốc rễ trước khi đặt hành động khắc phục", nc):
        add(w, nc)
    assert Nonconformity.objects.get(pk=nc.pk).status == ("corrected" if corrected else "open")


def test_an_action_needs_a_title_a_due_date_not_past_and_an_active_owner(in_a, today):
    w = in_a
    nc = analysed(w)
    gone = user("gone@alpha.test", Role.STAFF, is_active=False)
    with refused("Cần mô tả hành động", nc) as info:
        imp.action_add(actor=w.owner_a, nc=nc, title=" ", owner=w.member_a, due_on=today)
    assert set(info.value.message_dict) == {"title"}
    with refused("Thời hạn không được trước hôm nay", nc):
        add(w, nc, due=today - dt.timedelta(days=1))
    with refused("Người thực hiện không còn hoạt động", nc):
        add(w, nc, owner=gone)


@pytest.mark.parametrize(
    ("kind", "allowed", "refused_role", "source_type", "url"),
    [
        (ActionKind.CORRECTIVE, Role.UNIT_HEAD, Role.STAFF, "", "/improvement/actions/"),
        (ActionKind.RISK, Role.UNIT_HEAD, Role.INTERNAL_AUDITOR, "risk", "/risks/7/"),
        (ActionKind.OBJECTIVE, Role.ISO_SECRETARY, Role.UNIT_HEAD, "objective", "/objectives/7/"),
        (ActionKind.REVIEW, Role.AGENCY_LEADER, Role.UNIT_HEAD, "review", "/reviews/7/"),
        (
            ActionKind.AUDIT,
            Role.ISO_SECRETARY,
            Role.INTERNAL_AUDITOR,
            "audit_plan",
            "/audits/plans/7/",
        ),
    ],
)
def test_who_may_assign_depends_on_the_loop(
    in_a, today, kind, allowed, refused_role, source_type, url
):
    w = in_a
    boss = user("boss@alpha.test", allowed)
    other = user("other@alpha.test", refused_role)
    with refused(imp.ACTION_CAPABILITY[kind], exc=PermissionDenied):
        imp.action_add(
            actor=other, kind=kind, title="Việc", owner=w.member_a, due_on=today, source_id="1"
        )
    action = imp.action_add(
        actor=boss,
        kind=kind,
        title="Việc",
        owner=w.member_a,
        due_on=today,
        source_type=source_type,
        source_id="7",
    )
    assert action.kind == kind and action.nonconformity is None and action.status == "open"
    assert imp.action_url(action) == url
    assert Notification.objects.get(key=f"action:{action.pk}:assigned").url == url


def test_only_the_owner_or_a_manager_reports_an_action_done(in_a):
    w = in_a
    nc = analysed(w)
    action = add(w, nc)
    other_staff = user("staff2@alpha.test", Role.STAFF)
    for outsider in (w.reader_a, other_staff):
        with refused(
            "Chỉ người thực hiện (hoặc người quản lý) được báo hoàn thành",
            action,
            exc=PermissionDenied,
        ):
            imp.action_complete(actor=outsider, action=action)
    imp.action_complete(actor=w.owner_a, action=action, note="Thay mặt người thực hiện")
    assert Action.objects.get(pk=action.pk).status == "done"
    with refused("không thể báo hoàn thành", action):
        imp.action_complete(actor=w.member_a, action=action)


def test_an_owner_never_verifies_their_own_action(in_a):
    w = in_a
    nc = analysed(w)
    action = add(w, nc, owner=w.owner_a)  # the ISO secretary owns this one
    imp.action_complete(actor=w.owner_a, action=action, note="Xong")
    with refused("Người thực hiện không tự xác nhận hiệu lực hành động của mình", action, nc):
        imp.action_verify(actor=w.owner_a, action=action, effective=True)
    imp.action_verify(actor=w.leader_a, action=action, effective=True)
    assert Action.objects.get(pk=action.pk).verified_by == w.leader_a


def test_verifying_needs_a_done_action_and_the_right_to_manage(in_a):
    w = in_a
    nc = analysed(w)
    action = add(w, nc)
    with refused("Hành động đang ở trạng thái “Đang thực hiện”, không thể xác nhận", action):
        imp.action_verify(actor=w.owner_a, action=action, effective=True)
    imp.action_complete(actor=w.member_a, action=action)
    with refused("improvement.manage", action, exc=PermissionDenied):
        imp.action_verify(actor=w.reader_a, action=action, effective=True)


def test_an_ineffective_action_goes_back_to_work_and_blocks_closing(in_a):
    w = in_a
    nc = analysed(w)
    action = add(w, nc)
    imp.action_complete(actor=w.member_a, action=action)
    imp.action_verify(actor=w.owner_a, action=action, effective=False, note="Vẫn tái diễn")
    nc.refresh_from_db()
    assert Action.objects.get(pk=action.pk).status == "ineffective" and nc.status == "actions"
    with refused("Chưa thể đóng: còn 1 hành động chưa được xác nhận hiệu lực", nc, action):
        imp.nc_close(actor=w.owner_a, nc=nc, verification_note="x")
    verified(w, action)  # the owner does it again, then it works
    nc.refresh_from_db()
    assert nc.status == "verifying"
    assert imp.nc_close(actor=w.owner_a, nc=nc, verification_note="Đã hiệu lực").is_closed
    assert trail(action).count("action_verify") == 2


@pytest.mark.parametrize("state", ["open", "done", "ineffective"])
def test_a_nonconformity_cannot_close_while_an_action_is_not_verified(in_a, state):
    w = in_a
    nc = analysed(w)
    verified(w, add(w, nc, owner=w.leader_a), by=w.owner_a)
    pending = add(w, nc)
    if state in ("done", "ineffective"):
        imp.action_complete(actor=w.member_a, action=pending)
    if state == "ineffective":
        imp.action_verify(actor=w.owner_a, action=pending, effective=False)
    nc.refresh_from_db()
    with refused("Chưa thể đóng: còn 1 hành động chưa được xác nhận hiệu lực", nc, pending):
        imp.nc_close(actor=w.owner_a, nc=nc, verification_note="Đã kiểm tra")
    assert Nonconformity.objects.get(pk=nc.pk).closed_at is None


def test_closing_needs_an_analysis_a_verified_action_and_a_verification_note(in_a):
    w = in_a
    nc = recorded(w)
    with refused("chưa phân tích nguyên nhân và chưa có hành động khắc phục", nc):
        imp.nc_close(actor=w.owner_a, nc=nc, verification_note="x")
    nc = analysed(w)
    with refused("chưa có hành động khắc phục nào", nc):
        imp.nc_close(actor=w.owner_a, nc=nc, verification_note="x")
    cancelled = add(w, nc)
    imp.action_cancel(actor=w.owner_a, action=cancelled, reason="Trùng")
    with refused("chưa có hành động khắc phục nào", nc):  # a cancelled action is not a fix
        imp.nc_close(actor=w.owner_a, nc=nc, verification_note="x")
    verified(w, add(w, nc))
    with refused("Cần ghi kết quả kiểm tra hiệu lực trước khi đóng", nc):
        imp.nc_close(actor=w.owner_a, nc=nc, verification_note="  ")
    # the cancelled action does not block closing
    assert imp.nc_close(actor=w.owner_a, nc=nc, verification_note="Hiệu lực").is_closed


def test_cancelling_needs_a_reason_and_never_touches_a_verified_action(in_a):
    w = in_a
    nc = analysed(w)
    done = verified(w, add(w, nc))
    open_one = add(w, nc)
    nc.refresh_from_db()
    assert nc.status == "actions"
    with refused("Cần nêu lý do", open_one, nc):
        imp.action_cancel(actor=w.owner_a, action=open_one, reason=" ")
    with refused("không thể huỷ", done, nc):
        imp.action_cancel(actor=w.owner_a, action=done, reason="Nhầm")
    imp.action_cancel(actor=w.owner_a, action=open_one, reason="Không cần nữa")
    nc.refresh_from_db()
    # what remains is verified: the nonconformity moves on to verification
    assert Action.objects.get(pk=open_one.pk).status == "cancelled" and nc.status == "verifying"
    assert trail(open_one)[-1] == "action_cancel"


# --------------------------------------------------------------------------- closed, reopened


def closed(w):
    nc = analysed(w)
    verified(w, add(w, nc))
    return imp.nc_close(actor=w.owner_a, nc=nc, verification_note="Hiệu lực")


def test_a_closed_nonconformity_refuses_further_work_until_reopened(in_a):
    w = in_a
    nc = closed(w)
    message = "Sự không phù hợp này đã đóng; hãy mở lại nếu cần xử lý tiếp"
    with refused(message, nc):
        imp.nc_correct(actor=w.member_a, nc=nc, correction="Thêm")
    with refused(message, nc):
        imp.nc_analyse(
            actor=w.owner_a, nc=nc, method="five_whys", detail={"whys": ["a"]}, root_cause="b"
        )
    with refused(message, nc):
        add(w, nc)
    with refused(message, nc):
        imp.nc_close(actor=w.owner_a, nc=nc, verification_note="lại")


def test_reopening_keeps_the_history_and_counts(in_a):
    w = in_a
    nc = closed(w)
    history = trail(nc)
    with refused("Cần nêu lý do", nc):
        imp.nc_reopen(actor=w.owner_a, nc=nc, reason="  ")
    with refused("improvement.manage", nc, exc=PermissionDenied):
        imp.nc_reopen(actor=w.member_a, nc=nc, reason="Tái diễn")

    nc = imp.nc_reopen(actor=w.owner_a, nc=nc, reason="Tái diễn sau 2 tháng")
    nc.refresh_from_db()
    assert (nc.status, nc.reopen_count, nc.closed_at) == ("actions", 1, None)
    assert trail(nc) == [*history, "nc_reopen"]  # nothing before it was lost
    assert AuditEvent.objects.filter(subject_id=str(nc.pk), action="nc_reopen").get().changes == {
        "reason": "Tái diễn sau 2 tháng"
    }
    with refused("Chỉ mở lại được sự không phù hợp đã đóng", nc):
        imp.nc_reopen(actor=w.owner_a, nc=nc, reason="lần nữa")

    again = add(w, nc, owner=w.leader_a)  # analysis kept: new actions may follow
    verified(w, again, by=w.owner_a)
    imp.nc_close(actor=w.owner_a, nc=nc, verification_note="Lần hai hiệu lực")
    imp.nc_reopen(actor=w.owner_a, nc=nc, reason="Lại tái diễn")
    nc.refresh_from_db()
    assert nc.reopen_count == 2
    assert trail(nc).count("nc_close") == 2 and trail(nc).count("nc_reopen") == 2
    assert trail(nc)[: len(history)] == history


# --------------------------------------------------------------------------- escalation


@pytest.fixture
def overdue(in_a, today):
    """An open corrective action due today (overdue from tomorrow), and a second secretary."""
    w = in_a
    w.secretary2 = user("thuky2@alpha.test", Role.ISO_SECRETARY)
    user("thuky-cu@alpha.test", Role.ISO_SECRETARY, is_active=False)
    w.action = add(w, analysed(w))
    return w


def notified(action, level) -> set[str]:
    return set(
        Notification.objects.filter(key=f"action:{action.pk}:escalate:{level}").values_list(
            "user__email", flat=True
        )
    )


SECRETARIES = {"owner@alpha.test", "thuky2@alpha.test"}


def test_an_action_due_today_or_finished_is_not_escalated(overdue, today):
    w = overdue
    assert imp.actions_escalate(today=today) == 0
    imp.action_complete(actor=w.member_a, action=w.action)
    assert imp.actions_escalate(today=today + dt.timedelta(days=30)) == 0
    assert Action.objects.get(pk=w.action.pk).escalation_level == 0
    assert "action_escalate" not in trail(w.action)


def test_escalation_level_1_tells_the_owner_and_secretaries_once(overdue, today):
    w = overdue
    assert imp.actions_escalate(today=today + dt.timedelta(days=1)) == 3
    assert notified(w.action, 1) == {"member@alpha.test", *SECRETARIES}
    assert Action.objects.get(pk=w.action.pk).escalation_level == 1
    title = Notification.objects.get(user=w.member_a, key=f"action:{w.action.pk}:escalate:1")
    assert title.title.startswith("Hành động quá hạn 1 ngày:")
    events = AuditEvent.objects.filter(subject_type="action", action="action_escalate")
    assert [e.changes for e in events] == [{"level": 1, "late_days": 1}]

    before = Notification.objects.count()
    for late in (1, 3, 7):  # the same level again, even days later: nothing new
        assert imp.actions_escalate(today=today + dt.timedelta(days=late)) == 0
    assert Notification.objects.count() == before
    assert events.count() == 1 and not notified(w.action, 2)


def test_escalation_level_2_tells_the_leaders_after_seven_days_once(overdue, today):
    w = overdue
    imp.actions_escalate(today=today + dt.timedelta(days=1))
    assert imp.actions_escalate(today=today + dt.timedelta(days=8)) == 3
    assert notified(w.action, 2) == {"leader@alpha.test", *SECRETARIES}
    assert Action.objects.get(pk=w.action.pk).escalation_level == 2
    assert imp.actions_escalate(today=today + dt.timedelta(days=8)) == 0
    assert imp.actions_escalate(today=today + dt.timedelta(days=20)) == 0
    levels = AuditEvent.objects.filter(subject_type="action", action="action_escalate")
    assert sorted(e.changes["level"] for e in levels) == [1, 2]
    # the owner was told once (level 1), the leader once (level 2)
    assert Notification.objects.filter(user=w.member_a, key__contains="escalate").count() == 1
    assert Notification.objects.filter(user=w.leader_a, key__contains="escalate").count() == 1


def test_an_action_found_late_for_the_first_time_still_tells_its_owner(overdue, today):
    """No run on the early days (worker down, or judged ineffective long after its due date):
    the leaders hear of it, and so does the person who must do the work."""
    w = overdue
    imp.actions_escalate(today=today + dt.timedelta(days=10))
    assert "member@alpha.test" in notified(w.action, 1) | notified(w.action, 2)
    assert "leader@alpha.test" in notified(w.action, 2)
    assert Action.objects.get(pk=w.action.pk).escalation_level == 2
    assert imp.actions_escalate(today=today + dt.timedelta(days=11)) == 0


def test_actions_on_a_nonconformity_are_corrective_ones(in_a):
    w = in_a
    nc = analysed(w)
    with pytest.raises(ValidationError, match="hành động khắc phục"):
        imp.action_add(
            actor=w.owner_a,
            nc=nc,
            kind=ActionKind.REVIEW,
            title="X",
            owner=w.member_a,
            due_on=timezone.localdate(),
        )
    assert not nc.actions.exists()
