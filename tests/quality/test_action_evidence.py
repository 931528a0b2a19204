"""Evidence files reported with a completed action: checked as documents' files are, shown on
the action and nonconformity pages, downloaded only by the agency's own signed-in people."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from eiso.testing.loop import make_loop
from quality.core.models import AgencySettings, AuditEvent
from quality.improvement.models import Action, ActionEvidence

from .conftest import PNG, pdf_bytes, upload


@pytest.fixture
def loop(in_a):
    return make_loop(in_a.owner_a, in_a.member_a, in_a.leader_a)


@pytest.fixture
def pages(in_a, client_for, loop):
    connection.set_schema_to_public()
    return {
        name: client_for(in_a.agency_a, getattr(in_a, name))
        for name in ("owner_a", "member_a", "reader_a")
    }


def _stored(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _complete(client, action, files, note="Đã cập nhật mẫu sổ"):
    return client.post(
        f"/improvement/actions/{action.pk}/complete/",
        {"note": note, "files": files, "next": f"/improvement/{action.nonconformity_id}/"},
        follow=True,
    )


def test_evidence_reported_with_the_action_shows_on_its_pages_and_downloads_inside(
    in_a, pages, loop, settings, client_for
):
    report = pdf_bytes("Bien ban hop")
    response = _complete(
        pages["member_a"], loop.action, [upload("biên bản họp.pdf", report), upload("ảnh.png", PNG)]
    )
    assert "Đã báo hoàn thành" in response.content.decode()
    with schema_context("ag_alpha"):
        action = Action.objects.get(pk=loop.action.pk)
        files = list(action.evidence.order_by("pk"))
        event = AuditEvent.objects.filter(action="action_done", subject_id=str(action.pk)).get()
    assert action.status == "done"
    assert [(f.name, f.content_type, f.size) for f in files] == [
        ("biên bản họp.pdf", "application/pdf", len(report)),
        ("ảnh.png", "image/png", len(PNG)),
    ]
    assert event.changes["files"] == "biên bản họp.pdf, ảnh.png"
    assert all(f.file.name.startswith(f"ag_alpha/actions/{action.pk}/") for f in files)
    links = [f'href="/improvement/actions/{action.pk}/evidence/{f.pk}/"' for f in files]
    for url in (f"/improvement/{loop.nc.pk}/", "/improvement/actions/?status=all"):
        body = pages["reader_a"].get(url).content.decode()
        assert all(link in body for link in links), url
    download = pages["reader_a"].get(f"/improvement/actions/{action.pk}/evidence/{files[0].pk}/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == report
    assert "attachment" in download["Content-Disposition"]
    # nobody outside: not signed in, or signed in at another agency (its own host)
    url = f"/improvement/actions/{action.pk}/evidence/{files[0].pk}/"
    anonymous = client_for(in_a.agency_a).get(url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert client_for(in_a.agency_b, in_a.user_b).get(url).status_code == 404
    other = pages["reader_a"].get(f"/improvement/actions/{action.pk + 1}/evidence/{files[0].pk}/")
    assert other.status_code == 404


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        # ids: the same on every xdist worker (a generated PDF carries its creation time)
        pytest.param("giả.pdf", PNG, "Nội dung tệp “giả.pdf” không phải là PDF", id="not-a-pdf"),
        pytest.param(
            "chạy.exe", b"MZ" + b"\0" * 100, "Tệp “chạy.exe” không được chấp nhận", id="program"
        ),
        pytest.param(
            "lớn.pdf",
            pdf_bytes() + b"\0" * (1024 * 1024 + 1),
            "vượt giới hạn 1 MB",
            id="too-large",
        ),
    ],
)
def test_a_refused_file_leaves_the_action_open_and_nothing_stored(
    in_a, pages, loop, settings, name, data, message
):
    with schema_context("ag_alpha"):
        AgencySettings.objects.filter(pk=AgencySettings.load().pk).update(max_upload_mb=1)
    good = upload("tốt.pdf", pdf_bytes())
    response = _complete(pages["member_a"], loop.action, [good, upload(name, data)])
    assert message in response.content.decode()
    with schema_context("ag_alpha"):
        assert Action.objects.get(pk=loop.action.pk).status == "open"
        assert not ActionEvidence.objects.exists()
    assert _stored(settings) == []


def test_at_most_ten_files_at_once(in_a, pages, loop, settings):
    files = [upload(f"t{n}.png", PNG) for n in range(11)]
    response = _complete(pages["member_a"], loop.action, files)
    assert "Đính kèm tối đa 10 tệp minh chứng mỗi lần." in response.content.decode()
    with schema_context("ag_alpha"):
        assert Action.objects.get(pk=loop.action.pk).status == "open"
    assert _stored(settings) == []


def test_a_file_that_cannot_be_stored_leaves_no_other_file_or_row_behind(in_a, loop, settings):
    """The second file fails while being written (a full disk): the first one, already
    written, is removed again and the action stays open."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from quality.improvement.services import action_complete

    class DiskFull(SimpleUploadedFile):
        def chunks(self, chunk_size=None):
            raise OSError("No space left on device")

    with pytest.raises(OSError):
        action_complete(
            actor=in_a.member_a,
            action=loop.action,
            files=[upload("a.png", PNG), DiskFull("b.png", PNG)],
        )
    assert _stored(settings) == [] and not ActionEvidence.objects.exists()
    assert Action.objects.get(pk=loop.action.pk).status == "open"


def test_evidence_through_the_api(in_a, client_for, loop, settings):
    connection.set_schema_to_public()
    api = client_for(in_a.agency_a, in_a.member_a)
    response = api.post(
        f"/api/v1/actions/{loop.action.pk}/complete/",
        {"note": "Xong", "files": [upload("kết quả.pdf", pdf_bytes())]},
    )
    assert response.status_code == 200, response.content
    evidence = response.json()["evidence"]
    assert [e["name"] for e in evidence] == ["kết quả.pdf"]
    assert evidence[0]["url"] == (
        f"/improvement/actions/{loop.action.pk}/evidence/{evidence[0]['id']}/"
    )
    assert api.get(evidence[0]["url"]).status_code == 200
    detail = api.get(f"/api/v1/nonconformities/{loop.nc.pk}/").json()
    assert detail["actions"][0]["evidence"][0]["id"] == evidence[0]["id"]
