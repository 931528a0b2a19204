"""The province's annual report: who reported, who announced conformity, summed figures,
who did not report; the page, the DOCX and the PDF say the same; province users only."""

from __future__ import annotations

import datetime as dt
import io

import docx
import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from insights.models import AgencyFact, Grain
from insights.services import province_report
from tenants.models import Agency, ReportSubmission

YEAR = timezone.localdate().year

FIGURES_A = {
    "applications_received": 1200,
    "applications_completed": 1000,
    "on_time_rate": 95.0,
    "nonconformities": 7,
    "nonconformities_closed": 5,
    "audits_planned": 2,
    "audits_done": 2,
    "reviews_held": 1,
    "objectives_met": 4,
    "objectives_missed": 1,
    "satisfaction_responses": 100,
    "satisfaction_score": 4.5,
    "procedures_in_scope": 30,
    "documents_in_force": 80,
}
FIGURES_B = {
    "applications_received": 345,
    "applications_completed": 300,
    "on_time_rate": 80.0,
    "nonconformities": 3,
    "nonconformities_closed": 3,
    "audits_planned": 1,
    "audits_done": 0,
    "reviews_held": 0,
    "objectives_met": 2,
    "objectives_missed": 2,
    "satisfaction_responses": 300,
    "satisfaction_score": 3.5,
    "procedures_in_scope": 12,
    "documents_in_force": 20,
}


def submit(agency, figures, *, conformity, year=YEAR):
    return ReportSubmission.objects.create(
        agency=agency,
        year=year,
        submitted_by="thuky@test",
        announced_conformity=conformity,
        figures=figures,
    )


def month(agency, m, *, year=YEAR, grain=Grain.MONTH, **figures):
    return AgencyFact.objects.create(
        agency=agency, grain=grain, period=dt.date(year, m, 1), **figures
    )


@pytest.fixture
def data(world):
    submit(world.agency_a, FIGURES_A, conformity=True)
    month(world.agency_a, 1, received=100, completed=90, early=10, on_time=70, late=10)
    month(world.agency_a, 2, received=50, completed=40, on_time=40, ncs_opened=2, ncs_closed=1)
    month(world.agency_b, 1, received=20, completed=10, on_time=5, late=5, ncs_opened=1)
    # not counted: another year, a day row
    month(world.agency_a, 12, year=YEAR - 1, received=999, completed=999)
    AgencyFact.objects.create(
        agency=world.agency_b, grain=Grain.DAY, period=dt.date(YEAR, 1, 5), received=777
    )
    return world


def docx_text(content: bytes) -> str:
    document = docx.Document(io.BytesIO(content))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts += [cell.text for cell in row.cells]
    return "\n".join(parts)


def pdf_text(content: bytes) -> str:
    """The PDF's text with table cells' line breaks folded into spaces."""
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return " ".join(text.split())


def test_lists_conformity_reported_and_missing_agencies(data):
    report = province_report.build(year=YEAR)
    assert [r.agency.code for r in report.conformity] == ["alpha"]
    assert [r.agency.code for r in report.reported] == ["alpha"]
    missing = [a.code for a in report.not_reported]
    assert "beta" in missing and "alpha" not in missing
    assert "public" not in missing
    assert report.active == len(missing) + 1


def test_a_submission_without_conformity_is_reported_but_not_announced(data):
    submit(data.agency_b, FIGURES_B, conformity=False)
    report = province_report.build(year=YEAR)
    assert [r.agency.code for r in report.reported] == ["alpha", "beta"]
    assert [r.agency.code for r in report.conformity] == ["alpha"]
    assert "beta" not in [a.code for a in report.not_reported]


def test_suspended_agencies_are_not_expected_and_later_agencies_neither(data):
    Agency.objects.filter(pk=data.agency_b.pk).update(status="suspended")
    assert "beta" not in [a.code for a in province_report.build(year=YEAR).not_reported]
    # the world's agencies were created this year: nobody owed a report for last year
    earlier = province_report.build(year=YEAR - 1)
    assert not {"alpha", "beta"} & {a.code for a in earlier.not_reported}


def test_totals_are_the_hand_sums(data):
    submit(data.agency_b, FIGURES_B, conformity=False)
    report = province_report.build(year=YEAR)
    t = report.totals
    for key in province_report.SUMMED:
        assert t[key] == FIGURES_A[key] + FIGURES_B[key], key
    assert t["applications_received"] == 1545
    # weighted by completed applications: (950 + 240) / 1300
    assert t["on_time_rate"] == round(100 * (950 + 240) / 1300, 1) == 91.5
    # weighted by responses: (450 + 1050) / 400
    assert t["satisfaction_score"] == 3.75
    facts = {row.agency.code: row for row in report.facts}
    assert (facts["alpha"].received, facts["alpha"].completed, facts["alpha"].in_time) == (
        150,
        130,
        120,
    )
    assert (facts["beta"].received, facts["beta"].late, facts["beta"].ncs_opened) == (20, 5, 1)
    ft = report.fact_totals
    assert (ft.received, ft.completed, ft.in_time, ft.late) == (170, 140, 125, 15)
    assert (ft.ncs_opened, ft.ncs_closed) == (3, 1)
    assert ft.rate == round(100 * 125 / 140, 1)


def test_odd_figures_do_not_break_the_report(data):
    submit(data.agency_b, {"applications_received": "abc", "on_time_rate": None}, conformity=False)
    report = province_report.build(year=YEAR)
    assert report.totals["applications_received"] == 1200
    assert report.totals["on_time_rate"] == 95.0


def test_the_page_shows_the_report_to_both_province_roles(data, client_for):
    for user in (data.province_admin, data.analyst):
        page = client_for("localhost", user).get(f"/reports/province/?year={YEAR}")
        assert page.status_code == 200
        html = page.content.decode()
        assert f"năm {YEAR}" in html
        assert "Cơ quan đã công bố hệ thống quản lý chất lượng phù hợp" in html
        assert "Sở Alpha" in html and "Sở Beta" in html
        assert "Cơ quan chưa gửi báo cáo" in html
        assert "1.200" in html  # applications received, Vietnamese separator
        assert f"{province_report.document(province_report.build(year=YEAR)).title}" in html


def test_default_year_and_a_bad_year(data, client_for):
    admin = client_for("localhost", data.province_admin)
    page = admin.get("/reports/province/")
    assert page.status_code == 200 and f"năm {YEAR}" in page.content.decode()
    bad = admin.get("/reports/province/?year=abc").content.decode()
    assert "không có trong danh sách" in bad
    assert admin.get("/reports/province/pdf/?year=1800").status_code == 404
    assert admin.get("/reports/province/docx/").status_code == 200  # the default year


def test_docx_and_pdf_carry_the_key_figures(data, client_for):
    submit(data.agency_b, FIGURES_B, conformity=False)
    admin = client_for("localhost", data.analyst)
    response = admin.get(f"/reports/province/docx/?year={YEAR}")
    assert response.status_code == 200
    assert "wordprocessingml" in response["Content-Type"]
    assert f"bao-cao-iso-toan-tinh-{YEAR}.docx" in response["Content-Disposition"]
    text = docx_text(response.content)
    for expected in (
        "Sở Alpha",
        "Sở Beta",
        "1.545",  # applications received, both reports
        "91,5%",  # province on-time rate
        "Tổng cộng",
        "Cơ quan đã công bố hệ thống quản lý chất lượng phù hợp",
        "170",  # facts: received in the year
    ):
        assert expected in text, expected

    response = admin.get(f"/reports/province/pdf/?year={YEAR}")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    for expected in ("Sở Alpha", "1.545", "91,5%", "Tổng cộng", "chưa gửi báo cáo"):
        assert expected in text, expected


def test_the_files_say_what_the_page_says(data, client_for):
    admin = client_for("localhost", data.province_admin)
    page = admin.get(f"/reports/province/?year={YEAR}").content.decode()
    text = docx_text(admin.get(f"/reports/province/docx/?year={YEAR}").content)
    document = province_report.document(province_report.build(year=YEAR))
    for section in document.sections:
        assert section.heading in page and section.heading in text
        for row in section.table or []:
            for cell in row:
                assert cell in text


def test_agency_users_cannot_reach_the_report(data, client_for):
    owner = client_for(data.agency_a, data.owner_a)
    for url in (
        "/reports/province/",
        "/reports/province/docx/",
        "/reports/province/pdf/",
        f"/reports/province/{YEAR}/sign/",
        "/reports/province/signed/1.pdf",
    ):
        assert owner.get(url).status_code == 404
        assert owner.post(url).status_code == 404
        stolen = Client(HTTP_HOST="localhost")
        stolen.cookies[settings.SESSION_COOKIE_NAME] = owner.cookies[
            settings.SESSION_COOKIE_NAME
        ].value
        response = stolen.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        anonymous = Client(HTTP_HOST="localhost").get(url)
        assert anonymous.status_code == 302


def test_a_wide_table_gives_agency_names_the_room_numbers_do_not_need():
    from iso_platform.official.pdf import column_widths

    header = ["Cơ quan", *[f"Cột {n}" for n in range(9)]]
    rows = [header, ["Trung tâm Phục vụ hành chính công tỉnh", *["91,5%"] * 9]]
    widths = column_widths(rows, 500)
    assert round(sum(widths)) == 500
    assert widths[0] > 3 * widths[1]  # equal tenths wrapped the name to a word per line
