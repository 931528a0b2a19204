"""The public satisfaction survey page: no sign-in, stuffing refused, phone-sized."""

from __future__ import annotations

import contextlib
import time

import pytest
from django.core.cache import cache
from django.test import Client
from django_tenants.utils import schema_context

from eiso.testing.browser import chromium, live_server
from quality.feedback import services
from quality.feedback.models import SurveyResponse
from quality.improvement.models import Nonconformity

ANSWERS = {"overall": "5", "timeliness": "4", "staff": "5"}


@pytest.fixture
def survey(world, monkeypatch):
    cache.clear()  # rate-limit counters of earlier tests
    return Client(HTTP_HOST=world.agency_a.host, REMOTE_ADDR="203.0.113.7")


def aged_token(schema: str, seconds: int = 10) -> str:
    """A form token issued `seconds` ago (the form refuses answers faster than 3 s)."""
    real = time.time
    with schema_context(schema), _clock(real() - seconds):
        return services.form_token()


@contextlib.contextmanager
def _clock(at: float):
    import django.core.signing as signing

    original = signing.time.time
    signing.time.time = lambda: at
    try:
        yield
    finally:
        signing.time.time = original


def post(client, token, **extra):
    return client.post("/s/", {"token": token, **ANSWERS, **extra})


def stored() -> int:
    with schema_context("ag_alpha"):
        return SurveyResponse.objects.count()


def test_the_page_opens_without_signing_in_and_keeps_the_application_code(survey):
    response = survey.get("/s/?hs=000.00.01.H01-251120-0001")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'value="000.00.01.H01-251120-0001"' in body and 'name="token"' in body
    assert "Rất hài lòng" in body and 'name="website"' in body  # the honeypot is there


def test_an_answer_is_thanked_and_a_low_score_opens_a_nonconformity(world, survey):
    token = aged_token("ag_alpha")
    response = post(survey, token, overall="1", comment="Chờ lâu quá")
    assert response.status_code == 200 and "Cảm ơn" in response.content.decode()
    with schema_context("ag_alpha"):
        answer = SurveyResponse.objects.get()
        assert answer.address_hash and "203.0.113.7" not in answer.address_hash
        nc = Nonconformity.objects.get(source="complaint", source_id=str(answer.pk))
        assert "Chờ lâu quá" in nc.description


def test_too_fast_forged_foreign_and_honeypot_answers_are_refused(world, survey):
    with schema_context("ag_alpha"):
        fresh = services.form_token()
    cases = [
        (fresh, {}, "Gửi quá nhanh"),
        ("form:abc:def", {}, "hết hạn hoặc không hợp lệ"),
        (aged_token(world.agency_b.schema_name), {}, "hết hạn hoặc không hợp lệ"),
        (aged_token("ag_alpha"), {"website": "http://spam"}, "Không ghi nhận"),
        (aged_token("ag_alpha"), {"overall": "9"}, "từ 1 đến 5"),
    ]
    for token, extra, message in cases:
        response = post(survey, token, **extra)
        assert response.status_code == 400, message
        assert message in response.content.decode()
    assert stored() == 0


def test_one_answer_per_application(survey):
    code = "000.00.01.H01-251120-0002"
    assert post(survey, aged_token("ag_alpha"), application_code=code).status_code == 200
    again = post(survey, aged_token("ag_alpha"), application_code=code)
    assert again.status_code == 400 and "đã được đánh giá" in again.content.decode()
    assert stored() == 1


def test_a_form_sent_twice_is_stored_once_and_the_second_is_told_why(survey):
    token = aged_token("ag_alpha")
    assert post(survey, token, comment="một").status_code == 200
    again = post(survey, token, comment="hai")
    assert again.status_code == 400
    page = again.content.decode()
    assert "Phiếu khảo sát này đã được gửi; mỗi phiếu chỉ gửi được một lần." in page
    assert token not in page  # the page comes back with a fresh token
    assert stored() == 1


def test_two_submissions_racing_with_one_token_store_one_answer(committed, monkeypatch):
    """Both pass the token check before either has stored anything; the unique token row
    decides, and the loser gets the message, not a 500."""
    import threading

    from django.db import connection

    schema = committed.agency_a.schema_name
    token = aged_token(schema)
    barrier, results = threading.Barrier(2), []
    real_check = services._check_token

    def check_then_wait(value):
        real_check(value)
        barrier.wait(10)  # both are past the check before either inserts

    def submit(comment):
        try:
            with schema_context(schema):
                services.response_submit(token=token, scores=ANSWERS, comment=comment)
            results.append("stored")
        except Exception as exc:  # noqa: BLE001 - checked below
            results.append(exc)
        finally:
            connection.close()

    monkeypatch.setattr(services, "_check_token", check_then_wait)
    threads = [threading.Thread(target=submit, args=(c,)) for c in ("một", "hai")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    try:
        assert results.count("stored") == 1, results
        [refused] = [r for r in results if r != "stored"]
        assert getattr(refused, "code", None) == "token_used", repr(refused)
        assert "chỉ gửi được một lần" in " ".join(refused.messages)
        with schema_context(schema):
            assert SurveyResponse.objects.count() == 1
    finally:
        with schema_context(schema):
            SurveyResponse.objects.all().delete()


def test_a_flood_from_one_address_is_cut_off(world, survey, settings):
    settings.SURVEY_RATE = "3/h"
    for _ in range(3):
        assert post(survey, aged_token("ag_alpha")).status_code == 200
    flood = post(survey, aged_token("ag_alpha"))
    assert flood.status_code == 429
    assert "quá nhiều phiếu từ cùng một địa chỉ" in flood.content.decode()
    assert stored() == 3
    # Another address (or the same address on another agency's page) is not affected.
    other = Client(HTTP_HOST=world.agency_a.host, REMOTE_ADDR="198.51.100.9")
    assert post(other, aged_token("ag_alpha")).status_code == 200


def test_the_address_behind_the_proxy_is_the_one_limited(world, survey, settings):
    settings.SURVEY_RATE = "1/h"
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = Client(HTTP_HOST=world.agency_a.host, REMOTE_ADDR="10.0.0.2")
    first = proxy.post(
        "/s/",
        {"token": aged_token("ag_alpha"), **ANSWERS},
        HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.1",
    )
    second = proxy.post(
        "/s/",
        {"token": aged_token("ag_alpha"), **ANSWERS},
        HTTP_X_FORWARDED_FOR="5.6.7.8, 198.51.100.2",
    )
    spoofed = proxy.post(
        "/s/",
        {"token": aged_token("ag_alpha"), **ANSWERS},
        HTTP_X_FORWARDED_FOR="9.9.9.9, 198.51.100.1",
    )
    assert (first.status_code, second.status_code, spoofed.status_code) == (200, 200, 429)


@pytest.mark.slow
def test_the_survey_works_in_a_phone_sized_browser(committed):
    with live_server() as port, chromium() as browser:
        url = f"http://{committed.agency_a.host.split(':')[0]}:{port}/s/"
        page = browser.new_page(
            viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True
        )
        page.goto(url)
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        choice = page.locator("label[for=overall-5]")
        assert choice.bounding_box()["width"] > 300  # stacked, thumb-sized choices
        for name in ("overall-4", "timeliness-3", "staff-5"):
            page.locator(f"label[for={name}]").tap()
        page.fill("#id_comment", "Cán bộ hướng dẫn tận tình")
        page.wait_for_timeout(3100)  # the form refuses answers sent within 3 seconds
        page.get_by_role("button", name="Gửi ý kiến").tap()
        page.wait_for_selector("text=Cảm ơn ông/bà đã góp ý!")
    with schema_context(committed.agency_a.schema_name):
        answer = SurveyResponse.objects.get(comment="Cán bộ hướng dẫn tận tình")
        assert (answer.overall, answer.timeliness, answer.staff) == (4, 3, 5)
        answer.delete()
