"""The register of outgoing documents (gapless numbers) and the agency's names on its
official documents (settings, never template text)."""

from __future__ import annotations

import datetime as dt
import io
import threading

import docx
import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_context
from pypdf import PdfReader

from iso_platform.official import date_line
from quality.core.models import AgencySettings, OutgoingCounter, OutgoingDocument
from quality.core.reports import to_docx, to_pdf
from quality.core.services import agency_settings_update, outgoing_number_allocate
from quality.reviews.services import annual_report as annual_reports

DAY = dt.date(2026, 1, 6)
NAMES = {
    "official_governing_body": "UBND tỉnh An Giang",
    "official_name": "Sở Khoa học và Công nghệ",
    "official_abbreviation": "SKHCN",
    "official_place": "An Giang",
    "signer_authority": "KT. Giám đốc",
    "signer_position": "Phó Giám đốc",
    "signer_name": "Nguyễn Văn An",
}


def pdf_text(content: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)


def docx_text(content: bytes) -> str:
    word = docx.Document(io.BytesIO(content))
    cells = [c.text for t in word.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in word.paragraphs] + cells)


def test_numbers_follow_each_other_per_kind_and_restart_each_year(in_a):
    agency_settings_update(actor=in_a.owner_a, official_abbreviation="SKHCN")
    numbers = [outgoing_number_allocate(kind="BC", on=DAY) for _ in range(3)]
    assert numbers == ["01/BC-SKHCN", "02/BC-SKHCN", "03/BC-SKHCN"]
    assert outgoing_number_allocate(kind="QĐ", on=DAY) == "01/QĐ-SKHCN"
    assert outgoing_number_allocate(kind="BC", on=dt.date(2027, 1, 2)) == "01/BC-SKHCN"
    assert list(
        OutgoingDocument.objects.filter(year=2026, kind="BC").values_list("sequence", flat=True)
    ) == [1, 2, 3]


def test_an_unknown_kind_is_refused_in_vietnamese(in_a):
    with pytest.raises(ValidationError, match="Loại văn bản không có trong danh mục"):
        outgoing_number_allocate(kind="XX", on=DAY)
    assert not OutgoingCounter.objects.exists()


def test_a_rolled_back_issue_gives_its_number_back(in_a):
    with pytest.raises(RuntimeError), transaction.atomic():
        outgoing_number_allocate(kind="BB", on=DAY)
        raise RuntimeError("the issue failed after numbering")
    assert outgoing_number_allocate(kind="BB", on=DAY).startswith("01/BB-")


def test_the_abbreviation_must_be_capitals_and_digits(in_a):
    with pytest.raises(ValidationError, match="Chữ viết tắt chỉ gồm chữ in hoa"):
        agency_settings_update(actor=in_a.owner_a, official_abbreviation="S KH/CN")
    assert AgencySettings.load().official_abbreviation == ""


@pytest.fixture
def report(in_a):
    return annual_reports.annual_report_generate(actor=in_a.owner_a, year=DAY.year)


def test_names_come_from_the_agency_settings(in_a, report):
    agency_settings_update(actor=in_a.owner_a, **NAMES)
    document = annual_reports.annual_report_document(report)
    for text in (pdf_text(to_pdf(document)), docx_text(to_docx(document))):
        for expected in ("UBND TỈNH AN GIANG", "SỞ KHOA HỌC VÀ CÔNG NGHỆ", "Số: .../BC-SKHCN"):
            assert expected in text
        assert "KT. GIÁM ĐỐC" in text and "PHÓ GIÁM ĐỐC" in text and "Nguyễn Văn An" in text
        assert "An Giang, ngày ... tháng ... năm ..." in text and "Nơi nhận:" in text
    agency_settings_update(
        actor=in_a.owner_a,
        official_name="Sở Tư pháp",
        official_abbreviation="STP",
        official_place="Cần Thơ",
    )
    text = docx_text(to_docx(annual_reports.annual_report_document(report)))
    assert "SỞ TƯ PHÁP" in text and "Số: .../BC-STP" in text and "Cần Thơ, ngày" in text
    assert "SỞ KHOA HỌC VÀ CÔNG NGHỆ" not in text


def test_without_settings_the_agency_name_and_code_stand(in_a, report):
    text = docx_text(to_docx(annual_reports.annual_report_document(report)))
    assert in_a.agency_a.name.upper() in text
    assert f"Số: .../BC-{in_a.agency_a.code.upper()}" in text


def test_a_submitted_report_shows_its_number_and_date_a_draft_dots(in_a, report):
    agency_settings_update(actor=in_a.owner_a, **NAMES)
    assert "Số: .../BC-SKHCN" in pdf_text(to_pdf(annual_reports.annual_report_document(report)))
    report = annual_reports.annual_report_submit(actor=in_a.owner_a, report=report)
    entry = OutgoingDocument.objects.get(subject_type="annualreport", subject_id=str(report.pk))
    for _download in range(2):  # a download neither numbers again nor changes the number
        text = pdf_text(to_pdf(annual_reports.annual_report_document(report)))
        assert f"Số: {entry.number}" in text
        assert date_line("An Giang", timezone.localdate()) in text
    assert OutgoingDocument.objects.count() == 1 and entry.number == "01/BC-SKHCN"
    # a later change of abbreviation does not rewrite an issued number
    agency_settings_update(actor=in_a.owner_a, official_abbreviation="KHCN")
    assert "Số: 01/BC-SKHCN" in docx_text(to_docx(annual_reports.annual_report_document(report)))


def test_the_settings_page_changes_the_names(world, client_for):
    page = client_for(world.agency_a, world.owner_a)
    assert client_for(world.agency_a, world.member_a).get("/settings/official/").status_code == 403
    assert page.get("/settings/official/").status_code == 200
    refused = page.post("/settings/official/", NAMES | {"official_abbreviation": "S/KH"})
    assert (
        refused.status_code == 400 and "Chữ viết tắt chỉ gồm chữ in hoa" in refused.content.decode()
    )
    assert (
        page.post("/settings/official/", NAMES | {"official_abbreviation": "skhcn"}).status_code
        == 302
    )
    with schema_context(world.agency_a.schema_name):
        config = AgencySettings.load()
        assert (config.official_abbreviation, config.signer_name) == ("SKHCN", "Nguyễn Văn An")


# --------------------------------------------------------------------------- real transactions


@pytest.fixture
def register(committed):
    """Agency A's register with real commits; emptied afterwards."""
    schema = committed.agency_a.schema_name
    yield schema
    with schema_context(schema):
        OutgoingDocument.objects.all().delete()
        OutgoingCounter.objects.all().delete()
    connection.set_schema_to_public()


def _in_thread(schema, work, results):
    def run():
        try:
            with schema_context(schema):
                results.append(work())
        except Exception as exc:  # noqa: BLE001 - reported by the assertions
            results.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_parallel_issues_get_every_number_once_without_gaps(register):
    results, barrier = [], threading.Barrier(4)

    def issue_five():
        barrier.wait()
        numbers = []
        for _ in range(5):
            with transaction.atomic():
                numbers.append(outgoing_number_allocate(kind="BC", on=DAY))
        return numbers

    threads = [_in_thread(register, issue_five, results) for _ in range(4)]
    for thread in threads:
        thread.join(60)
    assert not any(isinstance(r, Exception) for r in results), results
    sequences = sorted(int(n.split("/")[0]) for numbers in results for n in numbers)
    assert sequences == list(range(1, 21))


def test_a_waiting_issue_takes_the_number_a_rolled_back_one_gave_back(register):
    """Two connections: the first numbers a document and holds the lock; the second waits;
    the first rolls back; the second gets 01, not 02."""
    locked, release, results = threading.Event(), threading.Event(), []

    def first():
        with pytest.raises(RuntimeError), transaction.atomic():
            number = outgoing_number_allocate(kind="TB", on=DAY)
            locked.set()
            release.wait(30)
            raise RuntimeError(number)
        return "rolled back"

    def second():
        locked.wait(30)
        with transaction.atomic():
            return outgoing_number_allocate(kind="TB", on=DAY)

    one = _in_thread(register, first, results)
    two = _in_thread(register, second, results)
    locked.wait(30)
    two.join(1)
    assert two.is_alive()  # waiting on the counter's row lock
    release.set()
    one.join(30)
    two.join(30)
    assert not any(isinstance(r, Exception) for r in results), results
    assert sorted(results, key=str) == sorted(["rolled back", results[-1]], key=str)
    assert results[-1].startswith("01/TB-")
    with schema_context(register):
        assert list(OutgoingDocument.objects.values_list("sequence", flat=True)) == [1]
