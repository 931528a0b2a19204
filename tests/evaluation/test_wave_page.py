"""The wave page at province scale: the same statements whatever the number of agencies,
every agency's readiness reachable (pages, export), the lagging agencies ranked as the
indicator rounds them, and the administrator's forms filled with what is stored."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from evaluation import selectors
from evaluation.models import GateCriterion, Stage, Wave, WaveAgency, WeeklySnapshot
from evaluation.readiness import CRITERIA, readiness_context
from insights.models import AgencyStatus
from onboarding.province.models import AgencyOnboarding
from tenants.models import Agency, AgencyKind

D = dt.date
SHARES = ("12.5", "33.3", "33.3")


@pytest.fixture
def admin(world, client_for):
    return client_for("localhost", world.province_admin)


def agencies(prefix: str, count: int) -> list[Agency]:
    """Public agency rows (no schema: the console reads public tables only), each with a
    checklist mirror and a status row; every third has its checklist done."""
    rows = Agency.objects.bulk_create(
        Agency(
            schema_name=f"ag_{prefix}{i:03}",
            code=f"{prefix}{i:03}",
            name=f"Xã {prefix} {i:03}",
            kind=AgencyKind.OTHER,
        )
        for i in range(count)
    )
    AgencyOnboarding.objects.bulk_create(
        AgencyOnboarding(agency=a, done=8 if i % 3 == 0 else 5, total=8) for i, a in enumerate(rows)
    )
    AgencyStatus.objects.bulk_create(
        AgencyStatus(
            agency=a,
            year=2026,
            users=10,
            users_signed_in=9,
            staff_trained=9 if i % 2 else 3,
            refreshed_at=timezone.now(),
        )
        for i, a in enumerate(rows)
    )
    return rows


def wave(order: int, members: list[Agency], **fields) -> Wave:
    made = Wave.objects.create(
        name=f"Đợt {order}",
        order=order,
        planned_start=D(2026, 3, 2),
        planned_go_live=D(2026, 5, 25),
        **fields,
    )
    WaveAgency.objects.bulk_create(WaveAgency(wave=made, agency=a) for a in members)
    return made


def weeks(agency: Agency, staff: int, active: int) -> None:
    """The last four complete weeks at `active` of `staff` each week."""
    start, _end = selectors.window()
    WeeklySnapshot.objects.bulk_create(
        WeeklySnapshot(
            agency=agency,
            week=start + dt.timedelta(weeks=i),
            staff=staff,
            active_users=active,
            completed=10,
            in_time=9,
        )
        for i in range(4)
    )


def statements(client, url: str) -> list[str]:
    """The page's SQL with every number replaced, so that a list of ids shows as growing."""
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return [re.sub(r"\d+", "N", q["sql"]) for q in captured.captured_queries]


def test_the_page_costs_the_same_whatever_the_number_of_agencies(world, admin):
    pilot = wave(1, agencies("p", 2), stage=Stage.EVALUATED)
    sizes = {3: wave(2, agencies("s", 3)), 12: wave(3, agencies("m", 12))}
    sizes[40] = wave(4, agencies("l", 40))
    for w in sizes.values():
        GateCriterion.objects.create(wave=w, indicator="on_time_rate", threshold=90)
    for member in WaveAgency.objects.all():
        weeks(member.agency, staff=10, active=member.agency_id % 10)
    assert pilot.members.count() == 2
    run = {n: statements(admin, f"/evaluation/waves/{w.pk}/") for n, w in sizes.items()}
    assert len(run[3]) == len(run[12]) == len(run[40])
    # Not only as many queries: the same ones, so none carries a list of the wave's agency
    # ids (the ten lagging agencies are read by id: from 10 agencies on, the same list).
    assert run[12] == run[40]


def test_every_agency_s_readiness_is_reachable_furthest_from_ready_first(world, admin, monkeypatch):
    monkeypatch.setattr("evaluation.views.GRID_ROWS", 10)
    members = agencies("r", 24)
    # r005 meets no criterion; the others meet one (r002, r004...) to three
    AgencyStatus.objects.filter(agency=members[5]).update(users_signed_in=0, staff_trained=0)
    target = wave(1, members)
    url = f"/evaluation/waves/{target.pk}/"
    seen = []
    for page in (1, 2, 3):
        context = admin.get(url, {"page": page}).context
        seen += [row["agency"].code for row in context["grid_page"]]
        assert context["grid"]["total"] == 24
    assert sorted(seen) == sorted(a.code for a in members)  # each once, none left out
    first = admin.get(url).context
    assert first["grid_page"][0]["agency"].code == "r005"  # the fewest criteria met
    html = admin.get(url).content.decode()
    assert "1 / 3 (24)" in html and "?&page=2" in html
    # the checklist is done by every third agency; trained by every odd one but r005
    assert first["grid"]["counts"][0] == 8 and first["grid"]["counts"][-1] == 11
    assert admin.get(url, {"page": "x"}).status_code == 200  # a bad page is the first
    export = admin.get(url, {"table": "readiness", "format": "csv"})
    assert export.status_code == 200
    lines = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert len(lines) == 25 and lines[1][0] == "r005"
    assert lines[0][-1] == "Sẵn sàng"


def test_the_lagging_agencies_rank_as_the_indicator_rounds(world):
    members = agencies("g", 6)
    weeks(members[0], staff=10, active=9)  # 90.0
    weeks(members[1], staff=3, active=1)  # 33.3
    weeks(members[2], staff=1000, active=333)  # 33.3, same rounded share: by name
    weeks(members[3], staff=0, active=0)  # no staff: nothing to measure, first
    weeks(members[4], staff=8, active=1)  # 12.5
    # members[5]: no weeks at all, nothing to measure either
    target = wave(1, members)
    rows = selectors.lagging(target, limit=5)
    assert [r["agency"].code for r in rows] == ["g003", "g005", "g004", "g001", "g002"]
    assert [r["active_share"] for r in rows] == [None, None] + [Decimal(v) for v in SHARES]
    assert rows[2]["on_time_rate"] == 90 and rows[2]["documents_issued"] == 0
    assert rows[0]["agency"].name == "Xã g 003"


def test_criteria_read_only_the_status_columns_they_declare_and_agree_with_the_full_row(
    world,
):
    members = agencies("c", 4)
    AgencyStatus.objects.filter(agency=members[1]).update(
        integration_used_at=timezone.now(), users=1
    )
    AgencyStatus.objects.filter(agency=members[2]).update(refreshed_at=None)
    ids = [a.pk for a in members]
    trimmed = readiness_context(ids)
    full = {
        row["agency"]: row
        for row in AgencyStatus.objects.filter(agency_id__in=ids).values(
            "agency", *[f.name for f in AgencyStatus._meta.concrete_fields if f.name != "agency"]
        )
    }
    for pk in ids:
        complete = {**trimmed[pk], "status": full[pk]}
        for criterion in CRITERIA.values():
            assert criterion.check(trimmed[pk]) == criterion.check(complete), criterion.key


def test_the_agencies_form_of_a_planned_wave_holds_its_codes(world, admin):
    target = wave(1, agencies("f", 3))
    form = admin.get(f"/evaluation/waves/{target.pk}/").context["agencies_form"]
    assert form.initial["codes"].split() == ["f000", "f001", "f002"]
    running = wave(2, agencies("q", 1), stage=Stage.RUNNING)
    assert admin.get(f"/evaluation/waves/{running.pk}/").context["agencies_form"] is None


@pytest.mark.slow
def test_the_wave_page_fits_a_phone_and_pages_through_the_grid(committed):
    from django.conf import settings
    from django.test import Client

    from eiso.testing.browser import chromium, live_server
    from eiso.testing.two_factor import session_mark_verified
    from iso_platform.accounts.two_factor import two_factor_required

    members = agencies("ph", 60)
    target = wave(90, members)
    signed_in = Client(HTTP_HOST="localhost")
    signed_in.force_login(
        committed.province_admin, backend="django.contrib.auth.backends.ModelBackend"
    )
    if two_factor_required(committed.province_admin):
        session_mark_verified(signed_in, schema="public")
    cookie = signed_in.cookies[settings.SESSION_COOKIE_NAME].value
    try:
        with live_server() as port, chromium() as browser:
            context = browser.new_context(
                viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
            )
            context.add_cookies(
                [
                    {
                        "name": settings.SESSION_COOKIE_NAME,
                        "value": cookie,
                        "url": f"http://localhost:{port}",
                    }
                ]
            )
            page = context.new_page()
            page.goto(f"http://localhost:{port}/evaluation/waves/{target.pk}/")
            first = page.locator("#readiness tbody tr").count()
            width = page.evaluate("document.documentElement.scrollWidth")
            page.locator(".pagination a.page-link").last.click()
            page.wait_for_url("**page=2")
            second = page.locator("#readiness tbody tr").count()
            names = page.locator("#readiness tbody tr td:first-child").all_inner_texts()
    finally:
        Wave.objects.filter(pk=target.pk).delete()
        Agency.objects.filter(pk__in=[a.pk for a in members]).delete()
    assert width <= 390  # the grid scrolls inside its own box, the page never sideways
    assert (first, second) == (50, 10)
    assert all(name.startswith("Xã ph") for name in names)
