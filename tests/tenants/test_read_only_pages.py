"""An archived agency's pages say it is read-only and offer no change: a banner on every page,
no create or edit button or form (people would type, submit and lose it), while the
middleware still refuses every write."""

from __future__ import annotations

import re

import pytest

from eiso.testing.lifecycle import fill
from tenants.services.lifecycle import agency_archive

# Forms every page keeps: the language switch and signing out (both allowed when archived).
ALLOWED_ACTIONS = {"/i18n/setlang/", "/accounts/logout/"}
FORM = re.compile(r"<form\b[^>]*>", re.IGNORECASE)
NEW_LINK = re.compile(r'href="[^"]*/(?:new|edit|import|assign)/"')


@pytest.fixture
def archived(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    content = fill(world.agency_a, world.owner_a, "A")
    agency_archive(agency=world.agency_a, by=world.province_admin, reason="Sáp nhập xã")
    return world, content


def _pages(content) -> list[str]:
    loop = content.loop
    return [
        "/",
        "/my-work/",
        "/notifications/",
        "/units/",
        f"/units/{content.unit.pk}/",
        "/documents/",
        f"/documents/{content.document_id}/",
        "/documents/records/",
        "/documents/inbox/",
        "/procedures/",
        f"/procedures/{content.procedure_id}/",
        "/procedures/applications/",
        f"/procedures/applications/{content.application_ids[0]}/",
        "/procedures/statistics/",
        "/improvement/",
        f"/improvement/{loop.nc.pk}/",
        "/improvement/actions/",
        "/risks/",
        f"/risks/{loop.risk.pk}/",
        "/risks/context/",
        "/objectives/",
        f"/objectives/{loop.objective.pk}/",
        "/audits/",
        f"/audits/plans/{loop.plan.pk}/",
        "/reviews/",
        f"/reviews/{loop.review.pk}/",
        "/reviews/annual/",
        f"/reviews/annual/{loop.report.pk}/",
        "/feedback/",
        "/team/",
        "/integrations/",
        "/integrations/inbox/",
        "/onboarding/",
        "/packs/",
        "/billing/",
    ]


def _write_forms(html: str) -> list[str]:
    found = []
    for tag in FORM.findall(html):
        method = re.search(r'method="([^"]+)"', tag)
        action = re.search(r'action="([^"]*)"', tag)
        if not method or method.group(1).lower() != "post":
            continue  # a search or filter form reads only
        if action and action.group(1) in ALLOWED_ACTIONS:
            continue
        found.append(tag)
    return found


@pytest.mark.parametrize("who", ["owner_a", "leader_a"])
def test_an_archived_agencys_pages_show_a_banner_and_no_create_buttons_or_forms(
    archived, client_for, who
):
    world, content = archived
    staff = client_for(world.agency_a, getattr(world, who))
    for url in _pages(content):
        response = staff.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert 'id="read-only-banner"' in html, url
        assert "Cơ quan đã được lưu trữ: chỉ xem." in html, url
        assert not _write_forms(html), (url, _write_forms(html))
        assert "Tài liệu mới</a>" not in html and 'href="/documents/new/"' not in html, url
        assert not NEW_LINK.findall(html), (url, NEW_LINK.findall(html))
    # the pages that are forms themselves are refused, not offered
    for url in ("/documents/new/", "/improvement/new/", "/risks/new/", "/procedures/new/"):
        assert staff.get(url).status_code == 403, url
    # and the server still refuses a write sent anyway
    refused = staff.post("/units/", {"code": "KT", "name": "Kế toán"})
    assert refused.status_code == 403 and "chỉ xem" in refused.content.decode()
