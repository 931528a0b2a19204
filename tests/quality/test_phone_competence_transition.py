"""The competence (7.2, 7.3) and transition pages on a phone, in Chromium: each list, detail
and create page fits the screen (no sideways scrolling), logs no console error, and its main
button can be tapped. The rows are committed for the live server and removed afterwards;
they are made without the services, whose audit-trail rows could not be removed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.utils import timezone
from django_tenants.utils import schema_context

from eiso.testing.browser import OVERFLOWING_JS, PHONE, chromium, live_server
from quality.competence.models import (
    Attendance,
    Campaign,
    Choice,
    Competence,
    Qualification,
    Question,
    TrainingSession,
)
from quality.core.editions import agency_edition, latest_edition
from quality.transition.models import Assessment, GapQuestion

# One browser and live server per test; the two stay on one worker with the journeys' kind.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("phone-pages")]

# Long Vietnamese words without spaces to break on are what pushes a phone page sideways.
LONG = (
    "Tập huấn nghiệp vụ tiếp nhận và trả kết quả giải quyết thủ tục hành chính theo cơ chế "
    "một cửa liên thông tại Trung tâm Phục vụ hành chính công tỉnh"
)


class Phone:
    """One signed-in tab at a phone's size; every page it opens is checked."""

    def __init__(self, browser, origin: str, cookie: dict):
        context = browser.new_context(**PHONE)
        context.add_cookies([cookie])
        self.page, self.origin, self.problems = context.new_page(), origin, []
        self.page.on(
            "console",
            lambda m: self.problems.append(f"console: {m.text}") if m.type == "error" else None,
        )
        self.page.on("pageerror", lambda error: self.problems.append(str(error)))

    def open(self, path: str, *, action: str, status: int = 200) -> None:
        response = self.page.goto(self.origin + path)
        assert response.status == status, (path, response.status)
        self.check(action)

    def check(self, action: str) -> None:
        """The page fits, logged no error, and `action` (a button's or link's name) is on
        screen, within its width, and can be tapped."""
        page = self.page
        page.wait_for_load_state()
        assert not self.problems, (page.url, self.problems)
        width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert width <= inner, (
            f"{page.url} scrolls sideways: {width}px > {inner}px, past the edge: "
            + ", ".join(page.evaluate(OVERFLOWING_JS))
        )
        button = (
            page.locator("main")
            .get_by_role("button", name=action)
            .or_(page.locator("main").get_by_role("link", name=action))
        )
        button = button.first
        button.scroll_into_view_if_needed()
        assert button.is_visible() and button.is_enabled(), (page.url, action)
        box = button.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= inner, (page.url, action, box)
        assert box["height"] >= 24, (page.url, action, box)  # big enough for a finger

    def tap(self, action: str, *, status: int = 200) -> None:
        main = self.page.locator("main")
        button = main.get_by_role("button", name=action).or_(main.get_by_role("link", name=action))
        with self.page.expect_navigation() as navigation:
            button.first.tap()
        assert navigation.value.status == status, (self.page.url, navigation.value.status)
        if status != 200:  # Chromium logs the refused form's answer as an error: expected
            expected = f"status of {status}"
            self.problems = [p for p in self.problems if expected not in p]


def _cookie(client_for, agency, user) -> tuple[dict, str]:
    client = client_for(agency, user)
    key = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    cookie = {
        "name": django_settings.SESSION_COOKIE_NAME,
        "value": key,
        "domain": agency.host,
        "path": "/",
    }
    return cookie, key


@pytest.mark.slow
def test_the_competence_pages_fit_a_phone(committed, client_for):
    w = committed
    today = timezone.localdate()
    schema = w.agency_a.schema_name
    with schema_context(schema):
        need = Competence.objects.create(title=LONG, evidence="Chứng chỉ bồi dưỡng nghiệp vụ")
        session = TrainingSession.objects.create(
            title=LONG,
            held_on=today - dt.timedelta(days=2),
            trainer="Sở Nội vụ và Học viện Hành chính quốc gia phân viện khu vực",
            hours=Decimal("3.5"),
            competence=need,
            created_by=w.owner_a,
        )
        Attendance.objects.create(session=session, user=w.member_a, note=LONG[:300])
        certificate = Qualification.objects.create(
            user=w.member_a,
            title=LONG[:300],
            competence=need,
            number="CC-2026-000000000001",
            issued_on=today - dt.timedelta(days=700),
            expires_on=today + dt.timedelta(days=10),
        )
        quiz = Campaign.objects.create(
            title=LONG, topic="policy", method="quiz", created_by=w.owner_a
        )
        question = Question.objects.create(campaign=quiz, position=1, text=LONG)
        Choice.objects.create(question=question, text=LONG[:300], is_correct=True)
        Choice.objects.create(question=question, text="Khi có thanh tra", is_correct=False)
    cookie, key = _cookie(client_for, w.agency_a, w.owner_a)
    try:
        with live_server() as port, chromium() as browser:
            phone = Phone(browser, f"http://{w.agency_a.host}:{port}", cookie)
            phone.open("/competence/", action="Đào tạo")
            phone.open("/competence/sessions/", action="Thêm")
            phone.tap("Thêm")  # the list's main action opens the create page
            phone.check("Lưu")
            phone.tap("Lưu", status=400)  # nothing filled in: the errors, on the same page
            phone.check("Lưu")
            assert "/competence/sessions/new/" in phone.page.url
            phone.open(f"/competence/sessions/{session.pk}/", action="Lưu đánh giá")
            phone.open("/competence/qualifications/", action="Thêm")
            phone.open("/competence/requirements/", action="Thêm")
            phone.open("/competence/people/", action=w.member_a.full_name)
            phone.open(f"/competence/people/{w.member_a.pk}/", action="In hồ sơ (PDF)")
            phone.open("/competence/awareness/", action="Tạo đợt")
            phone.tap("Tạo đợt")
            phone.check("Lưu")
            phone.open(f"/competence/awareness/{quiz.pk}/", action="Gửi câu trả lời")
    finally:
        with schema_context(schema):
            Session.objects.filter(session_key=key).delete()
            Choice.objects.filter(question__campaign=quiz).delete()
            Question.objects.filter(campaign=quiz).delete()
            quiz.attempts.all().delete()
            quiz.delete()
            certificate.delete()
            session.delete()  # its attendance with it
            need.delete()


@pytest.mark.slow
def test_the_transition_pages_fit_a_phone(committed, client_for):
    w = committed
    schema = w.agency_a.schema_name
    cookie, key = _cookie(client_for, w.agency_a, w.owner_a)
    assessment = None
    try:
        with live_server() as port, chromium() as browser:
            phone = Phone(browser, f"http://{w.agency_a.host}:{port}", cookie)
            # no assessment yet: the page is the form that starts one
            phone.open("/transition/", action="Lập bảng đánh giá khoảng cách")
            with schema_context(schema):
                target = latest_edition().code
                assessment = Assessment.objects.create(
                    from_edition=agency_edition().code,
                    target_edition=target,
                    deadline=timezone.localdate() + dt.timedelta(days=400),
                    created_by=w.owner_a,
                )
                question = GapQuestion.objects.create(
                    assessment=assessment,
                    edition=target,
                    change_key="4.1-climate",
                    kind="changed",
                    clauses="4.1, 4.2, 6.1.2, 6.2.1, 7.1.5.2, 8.5.1",
                    summary=LONG,
                    question=LONG,
                )
            phone.open("/transition/", action=LONG)
            phone.tap(LONG)  # the list leads to the question's page
            phone.check("Lưu")
            phone.open(f"/transition/questions/{question.pk}/", action="Lưu")
    finally:
        with schema_context(schema):
            Session.objects.filter(session_key=key).delete()
            if assessment is not None:
                assessment.delete()  # its questions with it
