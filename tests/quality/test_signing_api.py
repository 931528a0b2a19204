"""Signing through the REST API: the five steps that sign what they issue take the signer's
secret in their body (`signing_secret`, `agency_secret`, as the page forms), sign with the
same services in the same transaction, and answer with the signed copy's download link.

The keys come from the throwaway PKI (eiso/testing/pki.py), as in test_signing_flows.py.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from eiso.testing.pki import PKCS12_PASSWORD
from iso_platform.accounts.services import api_token_create
from iso_platform.signing.models import SigningConfiguration
from quality.core.models import AuditEvent, OutgoingDocument, SignedDocument
from quality.core.signatures import services as signing
from quality.core.signatures.services import MSG_SECRET_MISSING, SigningSecrets
from quality.documents.models import Revision, RevisionStatus
from quality.documents.services import documents as docs
from quality.reviews.services import annual_report as annual_reports
from quality.reviews.services import meetings as review_meetings
from tests.quality.test_signing_flows import _reported_plan, under_review, upload

WRONG = "sai-zq-7731"  # a wrong password that nothing else in the database could contain
BOTH = {"signing_secret": PKCS12_PASSWORD, "agency_secret": PKCS12_PASSWORD}
BOTH_SERVICE = SigningSecrets(secret=PKCS12_PASSWORD, agency_secret=PKCS12_PASSWORD)


@pytest.fixture
def keys(world, signing_pki, eager, settings, tmp_path):
    """The leader holds a personal credential, the agency its own; the leader's API token."""
    settings.MEDIA_ROOT = tmp_path / "media"
    w = world
    with schema_context(w.agency_a.schema_name):
        w.pki = signing_pki
        w.leader_key = upload(signing_pki, w.leader_a)
        w.agency_key = upload(signing_pki, w.owner_a, "agency", for_agency=True)
        w.token = api_token_create(user=w.leader_a, name="ký số")[1]
    return w


def bearer(w, token=None):
    from django.test import Client

    return Client(HTTP_HOST=w.agency_a.host, HTTP_AUTHORIZATION=f"Bearer {token or w.token}")


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def agency_a(w):
    return schema_context(w.agency_a.schema_name)


# --------------------------------------------------------------------------- issuing


def test_issuing_through_the_api_signs_and_answers_with_the_download_link(keys):
    w = keys
    with agency_a(w):
        _document, revision = under_review(w)
    api = bearer(w)
    answer = post(api, f"/api/v1/revisions/{revision.pk}/approve/", BOTH)
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["status"] == RevisionStatus.ISSUED
    signed = body["signed_document"]
    assert signed["number"].startswith("01/QĐ-")
    assert [s["kind"] for s in signed["signers"]] == ["person", "agency"]
    assert (
        signed["download_url"]
        == f"http://{w.agency_a.host}/api/v1/signed-documents/{signed['id']}/"
    )
    with agency_a(w):
        record = SignedDocument.objects.get(subject_type="revision", subject_id=str(revision.pk))
        assert (record.pk, record.sha256) == (signed["id"], signed["sha256"])
        trail = list(
            AuditEvent.objects.filter(subject_type="revision", subject_id=str(revision.pk))
            .order_by("id")
            .values_list("action", flat=True)
        )
    assert trail[-2:] == ["approve_issue", "sign"]
    pdf = api.get(signed["download_url"])
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content == bytes(record.content) and pdf["X-Content-SHA256"] == record.sha256


def test_a_wrong_password_through_the_api_is_a_400_and_uses_no_number(keys):
    w = keys
    with agency_a(w):
        document, revision = under_review(w)
    api = bearer(w)
    url = f"/api/v1/revisions/{revision.pk}/approve/"
    wrong = post(api, url, {"signing_secret": WRONG, "agency_secret": PKCS12_PASSWORD})
    assert wrong.status_code == 400
    message = wrong.json()["signing_secret"][0]
    assert message.startswith("Mật khẩu của tệp chứng thư số")
    with agency_a(w):
        revision.refresh_from_db()
        assert revision.status == RevisionStatus.UNDER_REVIEW and revision.issue_number is None
        assert not OutgoingDocument.objects.exists() and not SignedDocument.objects.exists()
        assert AuditEvent.objects.get(action="sign_failed").changes == {"reason": "pkcs12_password"}
    missing = post(api, url, {})
    assert missing.status_code == 400
    assert missing.json() == {"signing_secret": [MSG_SECRET_MISSING]}
    # the number the refused attempts took is free: the right password gets number 01
    right = post(api, url, BOTH)
    assert right.status_code == 200
    assert right.json()["signed_document"]["number"].startswith("01/QĐ-")


# --------------------------------------------------------------------------- audit report


def test_the_audit_report_is_signed_through_the_api(keys):
    w = keys
    with agency_a(w):
        plan = _reported_plan(w)
    api = bearer(w)
    url = f"/api/v1/audit-plans/{plan.pk}/report/"
    missing = post(api, url, {"conclusion": "Phù hợp"})
    assert missing.status_code == 400 and "signing_secret" in missing.json()
    wrong = post(api, url, {"conclusion": "Phù hợp", **BOTH, "signing_secret": WRONG})
    assert wrong.status_code == 400 and "signing_secret" in wrong.json()
    with agency_a(w):
        plan.refresh_from_db()
        assert plan.reported_at is None and plan.conclusion == ""
        assert not OutgoingDocument.objects.exists()
        failures = AuditEvent.objects.filter(action="sign_failed", subject_id=str(plan.pk))
        assert failures.count() == 2
    right = post(api, url, {"conclusion": "Phù hợp", **BOTH})
    assert right.status_code == 200, right.content
    body = right.json()
    assert body["status"] == "reported" and body["conclusion"] == "Phù hợp"
    signed = body["signed_document"]
    assert signed["number"].startswith("01/BC-")
    with agency_a(w):
        record = SignedDocument.objects.get(subject_type="auditplan")
        assert record.pk == signed["id"]
        actions = set(
            AuditEvent.objects.filter(subject_id=str(plan.pk)).values_list("action", flat=True)
        )
        assert {"audit_report", "sign"} <= actions
    # anyone who may read audits downloads it; another agency's token is not even known here
    member = bearer(w, _token(w, w.member_a))
    pdf = member.get(signed["download_url"])
    assert pdf.status_code == 200 and pdf.content == bytes(record.content)
    with schema_context(w.agency_b.schema_name):
        theirs = api_token_create(user=w.user_b, name="b")[1]
    assert bearer(w, theirs).get(signed["download_url"]).status_code == 401
    from django.test import Client

    on_b = Client(HTTP_HOST=w.agency_b.host, HTTP_AUTHORIZATION=f"Bearer {theirs}")
    assert on_b.get(f"/api/v1/signed-documents/{record.pk}/").status_code == 404


def _token(w, user):
    with agency_a(w):
        return api_token_create(user=user, name="đọc")[1]


# --------------------------------------------------------------------------- all five steps


def _approve(w):
    _document, revision = under_review(w, code="QT.API.01")
    return f"/api/v1/revisions/{revision.pk}/approve/", {}, ("revision", revision.pk)


def _withdraw(w):
    document, revision = under_review(w, code="QT.API.02")
    docs.revision_approve(actor=w.leader_a, revision=revision, signing=BOTH_SERVICE)
    body = {"reason": "Không còn áp dụng"}
    return f"/api/v1/documents/{document.pk}/withdraw/", body, ("document", document.pk)


def _report(w):
    plan = _reported_plan(w)
    return (
        f"/api/v1/audit-plans/{plan.pk}/report/",
        {"conclusion": "Phù hợp"},
        ("auditplan", plan.pk),
    )


def _hold(w):
    review = review_meetings.review_create(
        actor=w.owner_a,
        title="Họp xem xét của lãnh đạo",
        chair=w.leader_a,
        period_start=dt.date(2025, 1, 1),
        period_end=dt.date(2025, 12, 31),
        participants="Lãnh đạo",
        meeting_on=dt.date(2026, 1, 6),
    )
    review_meetings.review_compile_inputs(actor=w.owner_a, review=review)
    body = {"conclusions": "Phù hợp, hiệu lực"}
    return f"/api/v1/management-reviews/{review.pk}/hold/", body, ("managementreview", review.pk)


def _submit(w):
    report = annual_reports.annual_report_generate(actor=w.owner_a, year=2025)
    return f"/api/v1/annual-reports/{report.pk}/submit/", {}, ("annualreport", report.pk)


STEPS = {"approve": _approve, "withdraw": _withdraw, "report": _report, "hold": _hold}
STEPS["submit"] = _submit


@pytest.mark.parametrize("step", list(STEPS))
def test_every_signing_step_takes_the_secret_and_never_keeps_or_echoes_it(keys, step):
    w = keys
    with agency_a(w):
        url, body, (subject_type, subject_id) = STEPS[step](w)
        before = SignedDocument.objects.count()
    api = bearer(w)
    refused = post(api, url, {**body, "signing_secret": WRONG, "agency_secret": WRONG})
    assert refused.status_code == 400 and "signing_secret" in refused.json()
    with agency_a(w):
        assert SignedDocument.objects.count() == before
    answer = post(api, url, {**body, **BOTH})
    assert answer.status_code == 200, answer.content
    signed = answer.json()["signed_document"]
    with agency_a(w):
        record = SignedDocument.objects.get(pk=signed["id"])
        trail = list(AuditEvent.objects.values_list("changes", "subject_label", "actor_label"))
    assert (record.subject_type, record.subject_id) == (subject_type, str(subject_id))
    for secret in (WRONG, PKCS12_PASSWORD):
        for response in (refused, answer):
            assert secret not in response.content.decode()
            assert secret not in json.dumps(response.json(), ensure_ascii=False)
        assert secret not in json.dumps(trail, ensure_ascii=False)


def test_without_a_credential_the_steps_still_work_unsigned(keys):
    w = keys
    with agency_a(w):
        signing.credential_deactivate(actor=w.leader_a, credential=w.leader_key)
        _document, revision = under_review(w)
    answer = post(bearer(w), f"/api/v1/revisions/{revision.pk}/approve/", {})
    assert answer.status_code == 200
    assert answer.json()["status"] == RevisionStatus.ISSUED
    assert answer.json()["signed_document"] is None


def test_the_remote_pin_goes_in_signing_secret_as_on_the_page(keys, csc_hosts):
    w, csc = keys, csc_hosts
    with agency_a(w):
        SigningConfiguration.objects.update_or_create(
            pk=1, defaults={"remote_service_url": csc.url}
        )
        signing.credential_remote_register(
            actor=w.leader_a, credential_id=csc.credential, access_token=csc.token
        )
        _document, revision = under_review(w)
    url = f"/api/v1/revisions/{revision.pk}/approve/"
    api = bearer(w)
    wrong = post(api, url, {"signing_secret": "999", "agency_secret": PKCS12_PASSWORD})
    assert wrong.status_code == 400 and "signing_secret" in wrong.json()
    right = post(api, url, {"signing_secret": csc.pin, "agency_secret": PKCS12_PASSWORD})
    assert right.status_code == 200, right.content
    assert right.json()["signed_document"]["signers"][0]["source"] == "remote"
    with agency_a(w):
        assert Revision.objects.get(pk=revision.pk).status == RevisionStatus.ISSUED


def test_a_signed_copy_of_an_unregistered_kind_is_not_served(keys):
    """Only what an area registered (quality.core.signatures.subjects) is served."""
    from quality.core.signatures.subjects import _READERS

    w = keys
    with agency_a(w):
        _document, revision = under_review(w)
        docs.revision_approve(actor=w.leader_a, revision=revision, signing=BOTH_SERVICE)
        record = SignedDocument.objects.get()
    saved = _READERS.pop("revision")
    try:
        assert bearer(w).get(f"/api/v1/signed-documents/{record.pk}/").status_code == 404
    finally:
        _READERS["revision"] = saved
    assert bearer(w).get(f"/api/v1/signed-documents/{record.pk}/").status_code == 200


def test_the_signing_secrets_are_not_in_their_repr():
    secrets = SigningSecrets(secret="mk-ca-nhan", agency_secret="mk-co-quan")
    assert "mk-ca-nhan" not in repr(secrets) and "mk-co-quan" not in repr(secrets)


@pytest.fixture(autouse=True)
def _public_afterwards():
    yield
    connection.set_schema_to_public()
