"""ISO 9001 editions as data: the mapping's integrity, the loader's refusals, the agency's
edition and what follows it (audit checklists), the switch refused under an open audit."""

from __future__ import annotations

import datetime as dt
import json
import shutil

import pytest

from eiso.testing.asserts import refusal_checker
from iso_platform.accounts.models import Role, User
from quality.audits import services as audits
from quality.audits.models import AuditPlan, ChecklistItem, PlanStatus
from quality.core.editions import (
    DATA_DIR,
    DEFAULT_EDITION,
    EditionDataError,
    catalogue,
    catalogue_load,
)
from quality.core.models import AgencySettings, AuditEvent, Unit
from quality.core.services import agency_settings_update

refused = refusal_checker(AgencySettings, AuditPlan, ChecklistItem, AuditEvent)
YEAR = dt.date.today().year


# --------------------------------------------------------------------------- the data


def test_every_clause_of_an_edition_maps_to_the_next_and_nothing_dangles():
    editions = catalogue()
    assert list(editions.editions) == ["2015", "2015+A1:2024", "2026"]
    for edition in editions.editions.values():
        if not edition.predecessor:
            continue
        before = editions[edition.predecessor]
        named = {c for change in edition.changes for c in change.sources}
        for code in before.codes():
            assert code in named or code in edition.codes(), (edition.code, code)
        for change in edition.changes:
            assert all(before.clause(c) for c in change.sources), change
            assert all(edition.clause(c) for c in change.targets), change
            assert change.question, change  # each change becomes a gap question
    assert editions["2026"].is_provisional and not editions["2015+A1:2024"].is_provisional
    assert editions["2026"].transition_ends == dt.date(2029, 9, 30)
    split = next(c for c in editions["2026"].changes if c.kind == "split")
    assert split.sources == ("6.1",) and split.targets == ("6.1.1", "6.1.2", "6.1.3")
    assert [c.sources for c in editions["2015+A1:2024"].changes] == [("4.1",), ("4.2",)]


def test_the_titles_are_our_own_words_not_the_standards():
    standard_titles = {  # a few titles as the standard words them (they must not be ours)
        "Hiểu tổ chức và bối cảnh của tổ chức",
        "Thông tin dạng văn bản",
        "Sự không phù hợp và hành động khắc phục",
    }
    titles = {c.title for e in catalogue().editions.values() for c in e.clauses}
    assert not titles & standard_titles


def _copy(tmp_path):
    target = tmp_path / "editions"
    shutil.copytree(DATA_DIR, target)
    return target


def _edit(directory, name, change):
    path = directory / name
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def test_the_loader_refuses_a_change_pointing_at_a_clause_that_does_not_exist(tmp_path):
    directory = _copy(tmp_path)
    _edit(directory, "2026.json", lambda d: d["changes"][0]["to"].append("4.9"))
    with pytest.raises(EditionDataError) as info:
        catalogue_load(directory)
    assert "Tệp phiên bản 2026" in str(info.value) and "điều 4.9, không có ở 2026" in str(
        info.value
    )


def test_the_loader_refuses_a_clause_that_maps_nowhere(tmp_path):
    directory = _copy(tmp_path)

    def drop_87(data):
        data["clauses"] = [c for c in data["clauses"] if c["code"] != "8.7"]

    _edit(directory, "2026.json", drop_87)
    with pytest.raises(EditionDataError, match="điều 8.7 của 2015\\+A1:2024 không được ánh xạ"):
        catalogue_load(directory)


def test_the_loader_refuses_an_undeclared_new_clause_and_a_missing_predecessor(tmp_path):
    directory = _copy(tmp_path)
    _edit(directory, "2026.json", lambda d: d["clauses"].append({"code": "11.1", "title": "X"}))
    with pytest.raises(EditionDataError, match="điều mới 11.1 không có thay đổi nào khai báo"):
        catalogue_load(directory)
    directory = _copy(tmp_path / "again")
    _edit(directory, "2026.json", lambda d: d.update(predecessor="2019"))
    with pytest.raises(EditionDataError, match="phiên bản trước “2019” không tồn tại"):
        catalogue_load(directory)


# --------------------------------------------------------------------------- the agency


def test_an_agency_follows_the_amendment_by_default(in_a):
    assert DEFAULT_EDITION == "2015+A1:2024"
    assert AgencySettings.load().iso_edition == "2015+A1:2024"


def test_an_unknown_edition_is_refused_and_nothing_changes(in_a):
    with refused("Không có phiên bản tiêu chuẩn “2030” trong danh mục."):
        agency_settings_update(actor=in_a.owner_a, iso_edition="2030")


def _plan(w, title="Đánh giá nội bộ đợt 1"):
    auditor = User.objects.create_user(
        f"auditor{AuditPlan.objects.count()}@alpha.test", "x" * 12, role=Role.INTERNAL_AUDITOR
    )
    programme = audits.programme_create(actor=w.owner_a, year=YEAR + AuditPlan.objects.count())
    return audits.plan_create(
        actor=w.owner_a,
        programme=programme,
        title=title,
        scope="Các quy trình TTHC",
        start_on=dt.date(programme.year, 5, 4),
        end_on=dt.date(programme.year, 5, 6),
        lead=auditor,
    ), auditor


def _assign(w, plan):
    auditor = User.objects.create_user(
        f"a{plan.pk}@alpha.test", "x" * 12, role=Role.INTERNAL_AUDITOR
    )
    unit = Unit.objects.create(code=f"U{plan.pk}", name=f"Phòng {plan.pk}")
    audits.assignment_add(actor=w.owner_a, plan=plan, auditor=auditor, unit=unit)


def test_an_audit_checklist_follows_the_agencys_edition(in_a):
    w = in_a
    old, _lead = _plan(w)
    assert old.edition == "2015+A1:2024" and "Sửa đổi 1:2024" in old.criteria
    _assign(w, old)
    with refused("Điều khoản 6.1.2 không có trong TCVN ISO 9001:2015 và Sửa đổi 1:2024"):
        audits.checklist_build(actor=w.owner_a, plan=old, clause_codes=["6.1.2"])
    AuditPlan.objects.filter(pk=old.pk).update(status=PlanStatus.REPORTED)

    agency_settings_update(actor=w.owner_a, iso_edition="2026")
    new, _lead = _plan(w, "Đánh giá thử theo phiên bản mới")
    assert new.edition == "2026"
    _assign(w, new)
    assert (
        audits.checklist_build(
            actor=w.owner_a, plan=new, clause_codes=["6.1.2"], include_procedures=False
        )
        == 1
    )
    assert ChecklistItem.objects.get(plan=new).question == (
        "Điều 6.1.2 — Xử lý rủi ro: đơn vị đáp ứng như thế nào?"
    )
    with refused("Điều khoản 6.1 không có trong TCVN ISO 9001:2026"):  # a heading in 2026
        audits.checklist_build(actor=w.owner_a, plan=new, clause_codes=["6.1"])


def test_the_edition_cannot_change_while_an_audit_is_open(in_a, client_for):
    w = in_a
    _plan(w, "Đánh giá nội bộ chưa báo cáo")
    with refused("còn 1 cuộc đánh giá nội bộ chưa báo cáo (Đánh giá nội bộ chưa báo cáo)"):
        agency_settings_update(actor=w.owner_a, iso_edition="2026")
    agency_settings_update(actor=w.owner_a, iso_edition="2015+A1:2024")  # unchanged: allowed

    page = client_for(w.agency_a, w.owner_a).post("/settings/iso-edition/", {"iso_edition": "2026"})
    assert page.status_code == 400
    assert "Chưa đổi được phiên bản tiêu chuẩn" in page.content.decode()
    assert AgencySettings.load().iso_edition == "2015+A1:2024"


def test_the_edition_page_is_for_the_agencys_administrators_only(in_a, client_for):
    w = in_a
    owner = client_for(w.agency_a, w.owner_a)
    page = owner.get("/settings/iso-edition/").content.decode()
    assert "TCVN ISO 9001:2026 (dự kiến)" in page and "Dự kiến, chưa công bố" in page
    assert client_for(w.agency_a, w.member_a).get("/settings/iso-edition/").status_code == 403
    assert (
        client_for(w.agency_a, w.member_a)
        .post("/settings/iso-edition/", {"iso_edition": "2015"})
        .status_code
        == 403
    )
    assert owner.post("/settings/iso-edition/", {"iso_edition": "2015"}).status_code == 302
    assert AgencySettings.load().iso_edition == "2015"
    event = AuditEvent.objects.filter(action="settings").latest("id")
    assert event.changes["iso_edition"] == ["2015+A1:2024", "2015"]


def test_the_clause_api_gives_the_agencys_edition_and_refuses_an_unknown_one(in_a, client_for):
    w = in_a
    client = client_for(w.agency_a, w.owner_a)
    codes = [c["code"] for c in client.get("/api/v1/clauses/").json()]
    assert "4.1" in codes and "6.1.2" not in codes
    newer = client.get("/api/v1/clauses/?edition=2026").json()
    assert {"code": "6.1.2", "title": "Xử lý rủi ro"}.items() <= next(
        c for c in newer if c["code"] == "6.1.2"
    ).items()
    bad = client.get("/api/v1/clauses/?edition=1987")
    assert bad.status_code == 400
    assert "Không có phiên bản tiêu chuẩn “1987”" in json.dumps(bad.json(), ensure_ascii=False)
