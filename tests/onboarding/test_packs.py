"""Template packs per agency kind, published versions, item-by-item adoption that never
overwrites an agency's edits."""

from __future__ import annotations

import copy
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django_tenants.utils import schema_context

from onboarding.models import Checklist, PackItemState
from onboarding.province.models import PackRelease
from onboarding.services import adoption, releases
from onboarding.services.packs import pack_for_kind, pack_load
from quality.documents.models import Document
from quality.documents.services import documents as svc
from tenants.models import AgencyKind
from tenants.services.provisioning import AgencySpec, agency_provision


def test_each_kind_gets_its_pack(world):
    assert pack_for_kind(AgencyKind.PROVINCIAL_DEPARTMENT) == "framework-101"
    assert pack_for_kind(AgencyKind.COMMUNE_COMMITTEE) == "ubnd-xa"
    assert pack_for_kind(AgencyKind.SERVICE_CENTRE) == "trung-tam-phvhcc"
    commune = pack_load("ubnd-xa")
    keys = [i["key"] for i in commune["documents"]]
    assert "qt.mc.01" in keys and "qt.iso.01" in keys  # its own items and the framework's
    result = agency_provision(
        spec=AgencySpec(
            code="xa-thu",
            name="UBND xã Thử",
            kind=AgencyKind.COMMUNE_COMMITTEE,
            admin_email="a@xa.test",
            admin_name="A",
        ),
        admin_password="x" * 12,
    )
    with schema_context(result.agency.schema_name):
        codes = set(Document.objects.values_list("code", flat=True))
        assert {"QT.MC.01", "BM.MC.01.01", "QT.ISO.01", "CSCL.01"} <= codes
        assert PackItemState.objects.filter(pack="ubnd-xa").count() == len(keys)
    with schema_context("ag_alpha"):
        assert not Document.objects.filter(code="QT.MC.01").exists()


def test_the_shipped_packs_are_published_releases(world):
    assert {r.key for r in PackRelease.objects.filter(published_at__isnull=False)} >= {
        "framework-101",
        "ubnd-xa",
        "trung-tam-phvhcc",
    }
    assert releases.release_sync_files() == 0  # idempotent


SHIPPED = pack_load("framework-101")["version"]  # the file pack's version, v2 uploads the next


def _v2() -> dict:
    pack = copy.deepcopy(pack_load("framework-101"))
    pack["version"] += 1
    pack["note"] = "Cập nhật theo quy định mới"
    items = {i["key"]: i for i in pack["documents"]}
    items["qt.iso.05"]["body"] += "\n7. PHỤ LỤC\nMẫu báo cáo đầu vào theo eISO."
    items["policy"]["body"] = "Chính sách chất lượng mới của {agency_name}."
    items["qt.iso.01"]["body"] += "\nBổ sung: rà soát định kỳ."
    pack["documents"] = [i for k, i in items.items() if k != "bm.qt.iso.05.02"] + [
        {
            "key": "qt.iso.06",
            "doc_type": "system_procedure",
            "code": "QT.ISO.06",
            "title": "Kiểm soát đầu ra không phù hợp",
            "body": "1. MỤC ĐÍCH\n...",
        }
    ]
    return pack


@pytest.fixture
def console(world, client_for):
    return client_for("localhost", world.province_admin)


def _upload(client, pack) -> object:
    data = json.dumps(pack, ensure_ascii=False).encode()
    return client.post("/packs/upload/", {"file": SimpleUploadedFile("v2.json", data)}, follow=True)


def test_the_province_uploads_checks_and_publishes_a_version(world, console, client_for):
    bad = _v2()
    bad["version"] = SHIPPED
    bad["documents"][0]["doc_type"] = "poem"
    bad["documents"].append(dict(bad["documents"][1]))
    body = _upload(console, bad).content.decode()
    assert f"lớn hơn phiên bản đã công bố gần nhất ({SHIPPED})" in body
    assert "loại tài liệu “poem” không hợp lệ" in body and "bị trùng" in body
    assert not PackRelease.objects.filter(key="framework-101", version=SHIPPED + 1).exists()
    page = _upload(console, _v2()).content.decode()
    release = PackRelease.objects.get(key="framework-101", version=SHIPPED + 1)
    assert release.published_at is None and "Công bố" in page
    assert "qt.iso.06" in page and "bm.qt.iso.05.02" in page  # added and removed items
    analyst = client_for("localhost", world.analyst)
    assert analyst.post(f"/packs/{release.pk}/publish/").status_code == 403
    console.post(f"/packs/{release.pk}/publish/")
    release.refresh_from_db()
    assert release.published_at is not None
    again = console.post(f"/packs/{release.pk}/publish/", follow=True)
    assert "đã công bố" in again.content.decode()


@pytest.fixture
def v2(world):
    release = releases.release_upload(actor=world.province_admin, data=json.dumps(_v2()).encode())
    return releases.release_publish(actor=world.province_admin, release=release)


def test_an_agency_adopts_item_by_item_and_keeps_its_edits(world, v2, in_a):
    w = in_a
    policy = Document.objects.get(code="CSCL.01")
    svc.revision_update(
        actor=w.owner_a, revision=policy.latest_revision, body="Chính sách riêng của Sở Alpha."
    )
    qt01 = Document.objects.get(code="QT.ISO.01")
    svc.revision_submit(actor=w.member_a, revision=qt01.latest_revision)
    svc.revision_review(actor=w.owner_a, revision=qt01.latest_revision)
    svc.revision_approve(actor=w.leader_a, revision=qt01.latest_revision)
    newest, changes = adoption.pending("framework-101")
    by_key = {c.item_key: c for c in changes}
    assert newest["version"] == SHIPPED + 1
    assert {k: c.change for k, c in by_key.items()} == {
        "qt.iso.05": "changed",
        "policy": "changed",
        "qt.iso.01": "changed",
        "qt.iso.06": "added",
        "bm.qt.iso.05.02": "removed",
    }
    assert not by_key["qt.iso.05"].edited and by_key["policy"].edited

    # untouched template draft: updated in place
    adoption.item_adopt(actor=w.owner_a, key="framework-101", item_key="qt.iso.05")
    assert "PHỤ LỤC" in Document.objects.get(code="QT.ISO.05").latest_revision.body
    # edited draft: never overwritten
    with pytest.raises(Exception, match="eISO không ghi đè"):
        adoption.item_adopt(actor=w.owner_a, key="framework-101", item_key="policy")
    assert Document.objects.get(code="CSCL.01").latest_revision.body == (
        "Chính sách riêng của Sở Alpha."
    )
    adoption.item_decline(actor=w.owner_a, key="framework-101", item_key="policy")
    # issued document: a change request and a new draft; the revision in force stays
    in_force = Document.objects.get(code="QT.ISO.01").current_revision
    adoption.item_adopt(actor=w.owner_a, key="framework-101", item_key="qt.iso.01")
    document = Document.objects.get(code="QT.ISO.01")
    assert document.current_revision == in_force and "Bổ sung: rà soát định kỳ." not in (
        in_force.body
    )
    assert document.latest_revision.number == 2 and "rà soát định kỳ" in (
        document.latest_revision.body
    )
    # a new item becomes a draft document
    adoption.item_adopt(actor=w.owner_a, key="framework-101", item_key="qt.iso.06")
    assert Document.objects.get(code="QT.ISO.06").pack_key == "framework-101:qt.iso.06"
    adoption.item_decline(actor=w.owner_a, key="framework-101", item_key="bm.qt.iso.05.02")
    assert Document.objects.filter(code="BM.QT.ISO.05.02").exists()  # nothing deleted
    assert adoption.pending("framework-101")[1] == []


def test_adoption_pages_and_who_may_adopt(world, v2, client_for):
    connection.set_schema_to_public()
    secretary = client_for(world.agency_a, world.owner_a)
    reader = client_for(world.agency_a, world.reader_a)
    listing = secretary.get("/packs/").content.decode()
    assert "thay đổi chờ xem xét" in listing and "Dành cho loại cơ quan này" in listing
    detail = secretary.get("/packs/framework-101/").content.decode()
    assert "Mục mới" in detail and 'class="diff"' in detail
    url = "/packs/framework-101/items/qt.iso.06/adopt/"
    assert reader.post(url).status_code == 403
    response = secretary.post(url, follow=True)
    assert "Đã áp dụng mẫu cho QT.ISO.06" in response.content.decode()
    assert secretary.get("/packs/khong-co/").status_code == 404
    secretary.post("/packs/framework-101/choose/")
    with schema_context("ag_alpha"):
        assert Checklist.load().pack_chosen_at is not None


def test_the_framework_pack_carries_the_2024_climate_amendment():
    pack = pack_load("framework-101")
    items = {i["key"]: i for i in pack["documents"]}
    assert pack["version"] >= 2 and "Sửa đổi 1:2024" in pack["note"]
    assert "biến đổi khí hậu" in items["qt.iso.02"]["body"]
    assert items["bm.qt.iso.02.02"]["title"] == "Sổ theo dõi bối cảnh và các bên quan tâm"
    assert "bm.qt.iso.02.02" in {i["key"] for i in pack_load("ubnd-xa")["documents"]}
