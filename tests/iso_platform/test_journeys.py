"""Browser journeys: the platform driven as its people use it, in Chromium, end to end.

1. The provincial administrator signs in on the console and creates an agency, following the
   progress bar until the agency is ready.
2. That agency's first administrator sets a password from the invitation e-mail, invites a
   staff member and a leader from the team page, and the three of them draft (with its file),
   review, approve and issue a document, then change it: a change request accepted opens
   revision 2 from revision 1's file, which is edited, reviewed, approved and issued, and the
   file of revision 2, now in force, downloads byte for byte; a key made on the integrations
   page lets the one-stop-shop simulator
   send applications through the real ingest API, and the administrator sees them arrive and
   opens a nonconformity about one of them.
3. The department analyst watches the agency's figures on the statistics pages move after
   another application arrives (ingest, then the debounced statistics refresh, on the worker).

The web server is Django's LiveServerThread in this process, serving the committed test
database; every Celery task (provisioning, invitation e-mails, inbox apply, statistics
refresh) runs in a real worker subprocess on the same database and Redis, nothing eager.
Both viewports (desktop, and a phone with touch, where the menu collapses behind the
toggler) share the server and the worker, each with its own agency.

Every page must load without console errors (CSP violations included), without 5xx answers
and without scrolling sideways. Screenshots of each step: .artifacts/journeys/<viewport>/.
"""

from __future__ import annotations

import base64
import contextlib
import email
import email.policy
import hashlib
import io
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, connections
from django.test import override_settings
from django_tenants.utils import schema_context

from eiso.testing.browser import OVERFLOWING_JS, PHONE, chromium, require_chromium
from eiso.testing.workers import purge_queued_tasks, stop_process_group
from eiso.testing.world import PASSWORD
from tenants.models import Agency, ProvisioningJob, SpareSchema
from tenants.services import schemas

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / ".artifacts" / "journeys"
PROVINCE_ADMIN, ANALYST = "quantri@tinh.test", "phantich@tinh.test"  # the world's
NEW_PASSWORD = "Vung-Tau-bien-xanh-2026"  # the people of the new agency choose this one

# The two viewports share the live server and the worker: keep them on one xdist worker.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("journeys")]

VIEWPORTS = {
    "desktop": {"viewport": {"width": 1366, "height": 900}},
    "phone": PHONE,
}


# --------------------------------------------------------------------------- the live platform


@dataclass
class Live:
    port: int
    mail_dir: Path
    worker: subprocess.Popen
    worker_log: Path
    totp_key: str = ""  # the provincial administrator's authenticator, once enrolled
    totp_step: int = 0  # the last time step whose code was used

    def url(self, host: str, path: str = "/") -> str:
        return f"http://{host}:{self.port}{path}"

    def worker_tail(self) -> str:
        state = "running" if self.worker.poll() is None else f"exited {self.worker.returncode}"
        lines = self.worker_log.read_text(errors="replace").splitlines()[-25:]
        return f"worker {state}; log {self.worker_log}:\n" + "\n".join(lines)


def _test_database_url() -> str:
    db = connection.settings_dict
    if db["HOST"].startswith("/"):
        return f"postgresql://{db['USER']}:{db['PASSWORD'] or ''}@/{db['NAME']}?host={db['HOST']}"
    return f"postgresql://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def _start_worker(*, port: int, mail_dir: Path, log_path: Path) -> subprocess.Popen:
    purge_queued_tasks()  # what the session's other tests queued is not the journeys' business
    environment = dict(
        os.environ,
        DEBUG="true",
        DATABASE_URL=_test_database_url(),
        REDIS_URL=settings.REDIS_URL,
        EMAIL_URL=f"filemail://{mail_dir}",
        SITE_PORT=str(port),  # links in the e-mails point at the live server
        AGENCY_POOL_SIZE="0",
        INSIGHTS_DEBOUNCE_SECONDS="1",
    )
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "eiso",
            "worker",
            "-l",
            "INFO",
            "--pool",
            "solo",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=environment,
        stdout=log_path.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: stopped as a whole
    )


@pytest.fixture(scope="module")
def live(django_db_setup, django_db_blocker, tmp_path_factory):
    """One live server and one worker for the module; what the journeys create is removed."""
    require_chromium()  # before starting anything
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.test.testcases import LiveServerThread

    for viewport in (ARTIFACTS / "desktop", ARTIFACTS / "phone"):  # this run's shots only
        for old in viewport.glob("*.png"):
            old.unlink()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with django_db_blocker.unblock():
        before_agencies = set(Agency.objects.values_list("pk", flat=True))
        before_spares = set(SpareSchema.objects.values_list("pk", flat=True))
        server = LiveServerThread("localhost", StaticFilesHandler, port=0)
        server.daemon = True
        server.start()
        server.is_ready.wait()
        if server.error:
            raise server.error
        # The web side queues the statistics refresh 1 s after a write instead of 20 s.
        overrides = override_settings(SITE_PORT=server.port, INSIGHTS_DEBOUNCE_SECONDS=1)
        overrides.enable()
        mail_dir = tmp_path_factory.mktemp("journey-mail")
        log_path = ARTIFACTS / "worker.log"
        worker = _start_worker(port=server.port, mail_dir=mail_dir, log_path=log_path)
        try:
            yield Live(server.port, mail_dir, worker, log_path)
        finally:
            stop_process_group(worker, timeout=30)
            server.terminate()
            overrides.disable()
            _remove_created(before_agencies, before_spares)
            _second_factor_removed(PROVINCE_ADMIN)
    print(f"\njourney screenshots: {ARTIFACTS}/")


def _remove_created(before_agencies, before_spares) -> None:
    connection.set_schema_to_public()
    for agency in Agency.objects.exclude(pk__in=before_agencies):
        ProvisioningJob.objects.filter(code=agency.code).delete()
        with contextlib.suppress(Exception):
            agency.delete(force_drop=True)
    for spare in SpareSchema.objects.exclude(pk__in=before_spares):
        schemas.drop(spare.schema_name)
        spare.delete()


def _second_factor_removed(email_address: str) -> None:
    """The world's provincial administrator enrolled in journey 1: later tests expect none."""
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    for model in (TOTPDevice, StaticDevice):
        model.objects.filter(user__email=email_address).delete()


@pytest.fixture(scope="module")
def browser(live):
    with chromium() as launched:
        yield launched


# --------------------------------------------------------------------------- one journey


@dataclass
class Journey:
    """The state one viewport's three journeys pass on, and its screenshots."""

    name: str
    live: Live
    browser: object
    code: str
    shots: int = 0
    screens: list = field(default_factory=list)
    done: set = field(default_factory=set)
    key_id: str = ""
    secret: str = ""

    @property
    def phone(self) -> bool:
        return self.name == "phone"

    @property
    def host(self) -> str:
        return f"{self.code}.{settings.BASE_DOMAIN}"

    @property
    def agency(self) -> Agency:
        return Agency.objects.get(code=self.code)

    def person(self, who: str) -> str:
        return f"{who}@{self.code}.test"

    def screen(self) -> Screen:
        context = self.browser.new_context(locale="vi-VN", **VIEWPORTS[self.name])
        context.set_default_timeout(15_000)
        screen = Screen(self, context.new_page())
        self.screens.append(screen)
        return screen

    def close(self) -> None:
        """Close the tabs; what went wrong on a page after its last check still fails."""
        for screen in self.screens:
            screen.page.context.close()
        leftovers = [problem for screen in self.screens for problem in screen.problems]
        assert not leftovers, "\n".join(leftovers)


class Screen:
    """One person's browser tab: every page it shows is checked, and may be photographed."""

    def __init__(self, journey: Journey, page):
        self.journey, self.page, self.problems = journey, page, []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"{page.url}: {error}"))
        page.on("response", self._response)

    def _console(self, message) -> None:
        if message.type == "error":  # JS errors, CSP refusals, failed resources
            self.problems.append(f"{self.page.url}: console: {message.text}")

    def _response(self, response) -> None:
        if response.status >= 500:
            self.problems.append(f"{response.status} {response.request.method} {response.url}")

    def goto(self, url: str) -> None:
        self.page.goto(url)
        self.check()

    def check(self) -> None:
        self.page.wait_for_load_state()
        assert not self.problems, "\n".join(self.problems)
        width = self.page.evaluate("document.documentElement.scrollWidth")
        viewport = self.page.viewport_size["width"]
        assert width <= viewport, (
            f"{self.page.url} scrolls sideways: {width}px > {viewport}px, past the edge: "
            + ", ".join(self.page.evaluate(OVERFLOWING_JS))
        )

    def shot(self, step: str) -> Path:
        self.check()
        self.journey.shots += 1
        path = ARTIFACTS / self.journey.name / f"{self.journey.shots:02d}-{step}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(path), full_page=True)
        print(f"screenshot: {path.relative_to(ROOT)}")
        return path

    def press(self, locator) -> None:
        """A tap on the phone, a click on the desktop."""
        if self.journey.phone:
            locator.tap()
        else:
            locator.click()

    def follow(self, locator) -> None:
        """Press a link or a submit button and wait for the page it leads to."""
        with self.page.expect_navigation():
            self.press(locator)
        self.check()

    def submit(self, button_name: str, scope=None) -> None:
        scope = scope or self.page.locator("main")
        self.follow(scope.locator("button[type=submit]", has_text=button_name))

    def menu(self, top: str, item: str | None = None) -> None:
        """Open a menu of the navigation bar as a person would; on a phone the bar is
        collapsed behind the toggler first."""
        page = self.page
        toggler = page.locator(".navbar-toggler")
        if toggler.is_visible():
            assert self.journey.phone, "the menu collapses at desktop width"
            if toggler.get_attribute("aria-expanded") != "true":
                self.press(toggler)
            page.locator("#mainnav.show").wait_for()
        else:
            assert not self.journey.phone, "the phone shows the full menu bar"
        # By text: the icons' font glyphs are part of the links' accessible names.
        nav = page.locator("#mainnav")
        if item is None:
            self.follow(nav.locator("a.nav-link", has_text=top))
        else:
            self.press(nav.locator("a.dropdown-toggle", has_text=top))
            self.follow(nav.locator(".dropdown-menu.show a.dropdown-item", has_text=item))

    def sign_in(self, url: str, email_address: str, password: str) -> None:
        """Password, then the second factor where the platform asks for one: a provincial
        administrator without a device enrols (the code is computed from the key the page
        shows, as an authenticator app would), one with a device types the current code."""
        self.goto(url)
        self.page.fill("#id_username", email_address)
        self.page.fill("#id_password", password)
        self.submit("Đăng nhập")
        if "/accounts/security/two-factor/" in self.page.url:
            self.enrol()
        elif "/accounts/login/code/" in self.page.url:
            self.shot("two-factor-code")
            self.type_code("Xác nhận")
        assert "/accounts/" not in self.page.url, self.page.inner_text("main")

    def enrol(self) -> None:
        self.journey.live.totp_key = self.page.locator("main code.user-select-all").inner_text()
        self.shot("two-factor-enrol")
        self.type_code("Xác nhận và bật")
        self.page.get_by_text("Đã bật xác thực hai bước.").wait_for()
        assert len(self.page.locator("main ul.font-monospace li").all()) == 10
        self.shot("two-factor-recovery-codes")
        self.follow(self.page.get_by_role("link", name="Tôi đã lưu các mã, tiếp tục"))

    def type_code(self, button: str) -> None:
        """The current code of the authenticator; django-otp refuses a second code from a
        time step already used, so a second sign-in within 30 s waits for the next one."""
        from base64 import b32decode

        from django_otp.oath import totp

        if int(time.time()) // 30 == self.journey.live.totp_step:
            time.sleep(30.5 - time.time() % 30)
        self.journey.live.totp_step = int(time.time()) // 30
        code = totp(b32decode(self.journey.live.totp_key.replace(" ", "")))
        self.page.fill("#id_code", f"{code:06d}")
        self.submit(button)

    def set_password(self, link: str) -> None:
        self.goto(link)
        self.page.fill("#id_new_password1", NEW_PASSWORD)
        self.page.fill("#id_new_password2", NEW_PASSWORD)
        self.submit("Lưu mật khẩu")
        self.page.get_by_text("Mật khẩu đã được lưu. Bạn đã đăng nhập.").wait_for()

    def reload_until(self, predicate, *, seconds: float, what: str) -> None:
        """Reload the page as an impatient person would, until `predicate()` holds."""
        deadline = time.monotonic() + seconds
        while not predicate():
            assert time.monotonic() < deadline, f"{what} (after {seconds} s of reloading)\n" + (
                self.journey.live.worker_tail()
            )
            time.sleep(0.5)
            self.page.reload()
            self.check()


@pytest.fixture(scope="module", params=list(VIEWPORTS))
def journey(request, live, browser):
    state = Journey(request.param, live, browser, code=f"hanhtrinh-{request.param}")
    yield state
    # The ORM calls made while Playwright's loop runs use their own connection: close it.
    connections.close_all()
    state.close()


def test_the_journeys_in_order(journey, live):
    """Each journey needs what the one before it made, so they are one test, run in order
    whatever order the suite runs its tests in."""
    journey_1_the_provincial_administrator_creates_an_agency(journey, live)
    journey_2_the_agency_administrator_runs_the_quality_system(journey, live)
    journey_3_the_department_analyst_sees_the_figures_move(journey, live)


def _needs(journey: Journey, step: str) -> None:
    if step not in journey.done:
        pytest.fail(f"the {journey.name} journey stopped before “{step}” (see the failure above)")


# --------------------------------------------------------------------------- e-mail


def invitation_link(live: Live, to: str, *, seconds: float = 30) -> str:
    """The set-password link of the newest complete e-mail the worker wrote to `to`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        links = [_link(message) for message in _messages(live.mail_dir) if to in message["To"]]
        links = [link for link in links if link]
        if links:
            return links[-1]
        time.sleep(0.2)
    raise AssertionError(f"no invitation e-mail to {to}\n{live.worker_tail()}")


def _messages(folder: Path):
    for path in sorted(folder.iterdir(), key=lambda p: p.stat().st_mtime):
        chunks = path.read_bytes().split(b"\n" + b"-" * 79 + b"\n")
        for chunk in chunks[:-1]:  # the last one is still being written (or empty)
            yield email.message_from_bytes(chunk.lstrip(b"\n"), policy=email.policy.default)


def _link(message) -> str | None:
    text = message.get_body(preferencelist=("plain",)).get_content()
    found = re.search(r"https?://\S+/accounts/set-password/[^/\s]+/", text)
    return found.group(0) if found else None


# --------------------------------------------------------------------------- the simulator


def _procedure_in(agency: Agency, actor_email: str):
    """The agency's procedure catalogue is set-up, not a step of these journeys."""
    from eiso.testing.procedures import make_procedure
    from iso_platform.accounts.models import User
    from quality.procedures.models import Procedure

    with schema_context(agency.schema_name):
        if not Procedure.objects.exists():
            make_procedure(User.objects.get(email=actor_email), code="2.001.001")


def send_simulated(journey: Journey, *, applications: int, seed: int) -> list[str]:
    """The one-stop-shop simulator sends `applications` streams over HTTP to the live
    server's ingest API with the key the administrator made; returns the application codes."""
    from integrations.simulator import Sender, Simulator, shapes_of_agency
    from iso_platform.workdays.calendar import get_calendar

    with schema_context(journey.agency.schema_name):
        shapes = shapes_of_agency()
    events = Simulator(
        procedures=shapes, calendar=get_calendar(), seed=seed, prefix=f"HT{seed}"
    ).streams(applications, days=5)
    sender = Sender(
        host=journey.host,
        key_id=journey.key_id,
        secret=journey.secret,
        base_url=f"http://127.0.0.1:{journey.live.port}",
    )
    counts = sender.send(events)
    assert counts["accepted"] > 0 and counts["rejected"] == 0, counts
    return sorted(
        {e["data"]["application_id"] for e in events if e["type"] == "application.received"}
    )


def applications_in(journey: Journey) -> int:
    from quality.procedures.models import Application

    with schema_context(journey.agency.schema_name):
        return Application.objects.count()


# --------------------------------------------------------------------------- 1. the console


def journey_1_the_provincial_administrator_creates_an_agency(journey, live):
    console = journey.screen()
    page = console.page
    console.sign_in(live.url("localhost", "/accounts/login/"), PROVINCE_ADMIN, PASSWORD)
    console.shot("console-agencies")

    console.menu("Cơ quan", "Thêm cơ quan")
    page.fill("#id_code", journey.code)
    page.fill("#id_name", f"Sở Hành trình ({journey.name})")
    page.select_option("#id_kind", "provincial_department")
    page.fill("#id_admin_name", "Trần Thư Ký")
    page.fill("#id_admin_email", journey.person("thuky"))
    console.shot("console-new-agency-form")
    console.submit("Khởi tạo cơ quan")

    assert "/agencies/jobs/" in page.url
    page.locator("#job-progress progress").wait_for()
    console.shot("console-progress")
    page.get_by_text("Cơ quan đã sẵn sàng.").wait_for(timeout=60_000)
    assert page.locator("#job-progress progress").get_attribute("value") == "100"
    assert journey.person("thuky") in page.inner_text("#job-progress")
    console.check()
    console.shot("console-agency-ready")

    console.follow(page.get_by_role("link", name="Xem cơ quan"))
    assert journey.code in page.inner_text("main")
    console.shot("console-agency-detail")
    journey.done.add("agency")


# --------------------------------------------------------------------------- 2. the agency


def journey_2_the_agency_administrator_runs_the_quality_system(journey, live):
    _needs(journey, "agency")
    admin = journey.screen()
    page = admin.page

    # Signed in by the invitation link of the e-mail the worker sent at provisioning.
    link = invitation_link(live, journey.person("thuky"))
    assert link.startswith(live.url(journey.host, "/accounts/set-password/")), link
    admin.set_password(link)
    admin.shot("agency-password-set")
    admin.follow(page.get_by_role("link", name="Vào hệ thống"))
    admin.shot("agency-dashboard")

    # The team page: a staff member drafts, the leader approves.
    admin.menu("Cấu hình", "Người dùng và lời mời")
    for who, name, role in (
        ("chuyenvien", "Lê Chuyên Viên", "staff"),
        ("lanhdao", "Phạm Lãnh Đạo", "agency_leader"),
    ):
        page.fill("#id_full_name", name)
        page.fill("#id_email", journey.person(who))
        page.select_option("#id_role", role)
        admin.submit("Tạo tài khoản và gửi thư mời")
        assert journey.person(who) in page.inner_text("main")
    admin.shot("agency-team-invited")
    staff, leader = journey.screen(), journey.screen()
    staff.set_password(invitation_link(live, journey.person("chuyenvien")))
    leader.set_password(invitation_link(live, journey.person("lanhdao")))

    # Draft (staff) → review (the ISO secretary) → approve and issue (the leader).
    staff.goto(live.url(journey.host))
    staff.menu("Tài liệu", "Danh mục tài liệu")
    staff.follow(staff.page.get_by_role("link", name="Tài liệu mới"))
    staff.page.select_option("#id_doc_type", "system_procedure")
    staff.page.fill("#id_code", "QT.HT.01")
    staff.page.fill("#id_title", "Quy trình tiếp nhận và trả kết quả")
    staff.page.fill("#id_body", "Bước 1: tiếp nhận hồ sơ tại Bộ phận một cửa.")
    staff.submit("Tạo tài liệu")
    staff.page.set_input_files(
        "#id_file", files=[{"name": DOCUMENT_FILE, "mimeType": "application/pdf", "buffer": PDF}]
    )
    staff.submit("Tải lên")
    staff.page.get_by_text("Đã tải tệp lên.").wait_for()
    staff.page.select_option("#id_reviewer", label="Trần Thư Ký")
    staff.shot("document-draft")
    staff.submit("Gửi xem xét")
    staff.page.get_by_text("Đã gửi xem xét.").wait_for()

    admin.menu("Việc của tôi")
    admin.follow(page.get_by_role("link", name=re.compile("Kiểm tra: QT.HT.01")))
    page.fill("main textarea[name=text] >> nth=0", "Đúng mẫu của cơ quan.")
    admin.shot("document-review")
    admin.submit("Đã kiểm tra, trình phê duyệt")
    page.get_by_text("Đã ghi nhận kiểm tra; bản dự thảo chờ phê duyệt.").wait_for()

    leader.goto(live.url(journey.host))
    leader.menu("Việc của tôi")
    leader.follow(leader.page.get_by_role("link", name=re.compile("Phê duyệt: QT.HT.01")))
    leader.shot("document-to-approve")
    leader.submit("Phê duyệt và ban hành")
    leader.page.get_by_text("Đã phê duyệt và ban hành.").wait_for()
    assert "lần ban hành 1" in leader.page.inner_text("main")
    first_file = in_force_file(leader)
    leader.shot("document-issued")
    document_revised(journey, admin=admin, staff=staff, leader=leader, first_file=first_file)

    # An integration key for the one-stop-shop system; its secret is shown once.
    _procedure_in(journey.agency, journey.person("thuky"))
    admin.menu("Cấu hình", "Tích hợp: khoá, hộp thư sự kiện")
    new_key = page.locator(".card", has_text="Tạo khoá mới")
    new_key.locator("input[name=name]").fill("Hệ thống một cửa (mô phỏng)")
    admin.submit("Tạo khoá", scope=new_key)
    shown = page.locator(".alert-warning", has_text="chỉ hiển thị một lần").inner_text()
    journey.key_id = re.search(r"X-Eiso-Key: (\S+)", shown).group(1)
    journey.secret = re.search(r"Bí mật ký: (\S+)", shown).group(1)
    admin.shot("integration-key")

    codes = send_simulated(journey, applications=3, seed=1)
    admin.menu("Hồ sơ TTHC", "Hồ sơ đang giải quyết và đã trả")
    admin.reload_until(
        lambda: all(page.get_by_text(code, exact=True).count() for code in codes),
        seconds=30,
        what=f"the simulated applications {codes} are not in the list",
    )
    admin.shot("applications-arrived")
    admin.follow(page.get_by_role("link", name=codes[0]))
    assert codes[0] in page.locator("h1").inner_text()
    admin.shot("application-page")

    # A nonconformity about that application, from the form.
    admin.menu("Cải tiến", "Sự không phù hợp")
    admin.follow(page.locator("main a.btn", has_text="Ghi nhận"))
    page.select_option("#id_source", "inspection")
    page.fill("#id_title", "Phiếu kiểm soát thiếu chữ ký bên nhận")
    page.fill("#id_description", "Đoàn kiểm tra phát hiện khi xem hồ sơ.")
    page.select_option("#id_severity", "minor")
    page.fill("#id_source_ref", codes[0])
    admin.shot("nonconformity-form")
    admin.submit("Ghi nhận")
    page.get_by_text(re.compile(r"Đã ghi nhận \S+\.")).wait_for()
    assert "Phiếu kiểm soát thiếu chữ ký bên nhận" in page.locator("h1").inner_text()
    admin.shot("nonconformity-opened")
    journey.done.add("agency-work")


# --------------------------------------------------------------------------- 2b. a revision

DOCUMENT_FILE = "QT.HT.01-quy-trinh.pdf"


def _pdf(text: str) -> bytes:
    from reportlab.pdfgen.canvas import Canvas

    out = io.BytesIO()
    canvas = Canvas(out)
    canvas.drawString(72, 760, text)
    canvas.save()
    return out.getvalue()


PDF = _pdf("QT.HT.01 Quy trinh tiep nhan va tra ket qua, lan ban hanh 1")


def in_force_file(screen: Screen) -> str:
    """The link of the one file of the revision in force, checked to download as uploaded."""
    card = screen.page.locator(".card", has_text="Bản đang hiệu lực")
    links = card.locator(".list-group a", has_text=DOCUMENT_FILE)
    assert links.count() == 1, card.inner_text()
    href = links.get_attribute("href")
    got = screen.page.evaluate(FETCH_JS, href)  # with the person's session, as the link would
    assert got["status"] == 200, f"{href}: {got['status']}"
    assert base64.b64decode(got["body"]) == PDF, f"{href}: not the uploaded bytes"
    assert got["sha256"] == hashlib.sha256(PDF).hexdigest()
    return href


FETCH_JS = """
async href => {
  const response = await fetch(href);
  const bytes = new Uint8Array(await response.arrayBuffer());
  let text = '';
  for (const byte of bytes) { text += String.fromCharCode(byte); }
  return {status: response.status, sha256: response.headers.get('x-content-sha256'),
          body: btoa(text)};
}
"""


def document_revised(journey: Journey, *, admin, staff, leader, first_file: str) -> None:
    """A change request (staff) → accepted (the ISO secretary), which opens revision 2 with a
    copy of revision 1's file → edited, sent (staff) → checked → approved and issued."""
    page = staff.page
    staff.goto(leader.page.url)  # the document's page
    page.fill("#id_reason", "Bổ sung tiếp nhận hồ sơ trực tuyến")
    page.fill("#id_proposal", "Thêm bước 2: tiếp nhận qua Cổng dịch vụ công.")
    staff.submit("Lập phiếu yêu cầu sửa đổi")
    page.get_by_text("Đã gửi phiếu yêu cầu sửa đổi.").wait_for()

    admin.menu("Tài liệu", "Danh mục tài liệu")
    admin.follow(admin.page.locator("main a", has_text="QT.HT.01").first)
    admin.shot("document-change-request")
    admin.submit("Chấp nhận, mở bản dự thảo")
    admin.page.get_by_text("Đã chấp nhận; bản dự thảo 2 được mở.").wait_for()

    staff.goto(page.url)
    draft = page.locator(".card", has_text="Bản dự thảo 2")
    assert draft.locator(".list-group a", has_text=DOCUMENT_FILE).count() == 1  # the copy
    staff.follow(draft.get_by_role("link", name=re.compile("Sửa")))
    page.fill("#id_body", "Bước 1: tiếp nhận tại Bộ phận một cửa.\nBước 2: qua Cổng dịch vụ công.")
    page.fill("#id_change_location", "Mục 5.1")
    staff.submit("Lưu bản dự thảo")
    page.get_by_text("Đã lưu bản dự thảo.").wait_for()
    page.select_option("#id_reviewer", label="Trần Thư Ký")
    staff.shot("document-revision-2-draft")
    staff.submit("Gửi xem xét")
    page.get_by_text("Đã gửi xem xét.").wait_for()

    admin.menu("Việc của tôi")
    admin.follow(admin.page.get_by_role("link", name=re.compile("Kiểm tra: QT.HT.01")))
    admin.page.fill("main textarea[name=text] >> nth=0", "Bước 2 đúng quy định.")
    admin.submit("Đã kiểm tra, trình phê duyệt")
    admin.page.get_by_text("Đã ghi nhận kiểm tra; bản dự thảo chờ phê duyệt.").wait_for()

    leader.menu("Việc của tôi")
    leader.follow(leader.page.get_by_role("link", name=re.compile("Phê duyệt: QT.HT.01")))
    leader.submit("Phê duyệt và ban hành")
    leader.page.get_by_text("Đã phê duyệt và ban hành.").wait_for()
    main = leader.page.inner_text("main")
    assert "lần ban hành 2" in main and "Bước 2: qua Cổng dịch vụ công." in main, main
    assert in_force_file(leader) != first_file  # revision 2's own copy of the file
    leader.shot("document-revision-2-issued")


# --------------------------------------------------------------------------- 3. statistics


def _first_figure(page, cards: str) -> int:
    """The first number of a row of figure cards ("Hồ sơ tiếp nhận")."""
    return int(re.sub(r"\D", "", page.locator(f"{cards} .stat-number").first.inner_text()))


def journey_3_the_department_analyst_sees_the_figures_move(journey, live):
    _needs(journey, "agency-work")
    analyst = journey.screen()
    page = analyst.page
    analyst.sign_in(live.url("localhost", "/accounts/login/"), ANALYST, PASSWORD)
    analyst.menu("Giám sát", "Thống kê")
    tile = page.locator("#status-grid a", has_text=f"Sở Hành trình ({journey.name})")
    analyst.follow(tile)

    # The agency's page, once its figures count every application it has received.
    expected = applications_in(journey)
    analyst.reload_until(
        lambda: _first_figure(page, "#agency-cards") == expected,
        seconds=30,
        what=f"the agency's page never showed its {expected} applications",
    )
    analyst.shot("statistics-agency")
    analyst.follow(page.locator(".breadcrumb a", has_text="Thống kê toàn tỉnh"))
    before = _first_figure(page, "#totals-cards")
    analyst.shot("statistics-dashboard-before")

    # Another application arrives at the agency; the worker applies it and, a second later,
    # refreshes the agency's figures. The analyst reloads the dashboard until they move.
    send_simulated(journey, applications=1, seed=2)
    analyst.reload_until(
        lambda: _first_figure(page, "#totals-cards") != before,
        seconds=30,
        what=f"the province's received figure stayed at {before}",
    )
    assert _first_figure(page, "#totals-cards") == before + 1
    analyst.shot("statistics-dashboard-after")
    analyst.follow(tile)
    assert _first_figure(page, "#agency-cards") == expected + 1 == applications_in(journey)
    analyst.shot("statistics-agency-after")
    journey.done.add("statistics")
