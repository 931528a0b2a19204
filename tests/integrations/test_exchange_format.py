"""The edXML package format (QCVN 102:2016/BTTTT): what is written reads back the same, and
malformed or hostile XML is refused with a reason before anything is expanded."""

from __future__ import annotations

import datetime as dt

import pytest

from integrations.exchange import doctypes, edxml
from iso_platform.official.document import DOCUMENT_KINDS


def package(**changes) -> edxml.Package:
    values = dict(
        sender=edxml.Party("000.00.00.H01", "Ủy ban nhân dân tỉnh"),
        recipients=[
            edxml.Party("000.00.31.H01", "Sở Khoa học và Công nghệ"),
            edxml.Party("000.00.32.H01", "Sở Tư pháp"),
        ],
        number="15",
        notation="2026/QĐ-UBND",
        promulgated_on=dt.date(2026, 3, 2),
        place="An Giang",
        subject="Về việc ban hành Quy định quản lý khoa học và công nghệ",
        content="Nội dung tóm tắt",
        type_code="2",
        type_name="Quyết định",
        signer_name="Nguyễn Văn Tỉnh",
        signer_position="Chủ tịch",
        signer_competence="TM. Ủy ban nhân dân",
        due_date=dt.date(2026, 3, 20),
        priority="1",
        steering_type="1",
        business_type=edxml.REPLACE,
        replaces=["000.00.00.H01,2020/01/05,3/2020/QĐ-UBND"],
        attachments=[
            edxml.Attachment("qd-15.pdf", "application/pdf", b"%PDF-1.7 \x00\xff binary"),
            edxml.Attachment("phu-luc.docx", "application/vnd.openxmlformats", b"PK\x03\x04"),
        ],
    )
    values.update(changes)
    return edxml.Package(**values)


def test_a_written_package_reads_back_field_for_field():
    original = package()
    read = edxml.read(edxml.write_package(original))
    assert isinstance(read, edxml.Package)
    for name in (
        "sender",
        "recipients",
        "number",
        "notation",
        "promulgated_on",
        "place",
        "subject",
        "content",
        "type_code",
        "type_name",
        "signer_name",
        "signer_position",
        "signer_competence",
        "due_date",
        "priority",
        "steering_type",
        "business_type",
        "replaces",
        "attachments",
        "document_id",
    ):
        assert getattr(read, name) == getattr(original, name), name
    assert read.symbol == "15/2026/QĐ-UBND"
    assert read.document_id == "000.00.00.H01,2026/03/02,15/2026/QĐ-UBND"


def test_a_written_status_message_reads_back():
    status = edxml.StatusMessage(
        document_id="000.00.31.H01,2026/03/02,12/QĐ-SKHCN#ab",
        original_sender="000.00.31.H01",
        sender=edxml.Party("000.00.32.H01", "Sở Tư pháp"),
        status_code="04",
        description="Lãnh đạo đã phân công",
        code="12/QĐ-SKHCN",
        timestamp=dt.datetime(2026, 3, 3, 9, 30, tzinfo=edxml.TZ),
        staff_department="Văn phòng",
        staff_name="Trần Văn Thư",
    )
    read = edxml.read(edxml.write_status(status))
    assert read == status and read.status == "assigned"


def test_the_package_is_in_the_standards_namespace_with_its_envelope():
    data = edxml.write_package(package())
    assert b'xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016"' in data
    for element in (b"edXMLEnvelope", b"edXMLHeader", b"MessageHeader", b"edXMLManifest"):
        assert element in data
    assert b"<AttachmentEncoded>" in data and b"ContentTransferEncoded" in data


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">&lol3;</edXML>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">&secret;</edXML>"""


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (BILLION_LAUGHS, "dtd"),
        (EXTERNAL_ENTITY, "dtd"),
        (b"<edXML><unclosed>", "syntax"),
        (b"", "empty"),
        (b"<a>" * 60 + b"</a>" * 60, "depth"),
        (b'<?xml version="1.0" encoding="UTF-16"?><edXML/>', "encoding"),
        (b"<html><body/></html>", "root"),
        (b'<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016"/>', "missing"),
    ],
)
def test_hostile_or_malformed_xml_is_refused_with_its_reason(data, code):
    with pytest.raises(edxml.PackageError) as refused:
        edxml.read(data)
    assert refused.value.code == code


def test_an_oversized_package_is_refused_before_parsing():
    data = edxml.write_package(package())
    with pytest.raises(edxml.PackageError) as refused:
        edxml.read(data, edxml.Limits(max_bytes=len(data) - 1))
    assert refused.value.code == "too_big"


def test_too_many_elements_are_refused():
    data = b"<edXML>" + b"<x/>" * 50 + b"</edXML>"
    with pytest.raises(edxml.PackageError) as refused:
        edxml.read(data, edxml.Limits(max_elements=20))
    assert refused.value.code == "elements"


def test_an_attachment_that_is_not_base64_is_refused():
    data = edxml.write_package(
        package(attachments=[edxml.Attachment("a.pdf", "application/pdf", b"%PDF")])
    )
    broken = data.replace(b"JVBERg==", b"not*base64!")
    with pytest.raises(edxml.PackageError) as refused:
        edxml.read(broken)
    assert refused.value.code == "base64"


def test_a_missing_required_header_element_is_named():
    data = (
        edxml.write_package(package())
        .replace(b"<edXML:Subject>", b"<edXML:Other>")
        .replace(b"</edXML:Subject>", b"</edXML:Other>")
    )
    with pytest.raises(edxml.PackageError) as refused:
        edxml.read(data)
    assert refused.value.code == "missing" and "Subject" in refused.value.params["element"]


def test_a_replacement_without_the_replaced_text_is_refused():
    data = edxml.write_package(package(replaces=[]))
    with pytest.raises(edxml.PackageError) as refused:
        edxml.read(data)
    assert refused.value.params == {"element": "Bussiness/ReplacementInfoList"}


# --------------------------------------------------------------------------- document types


@pytest.mark.parametrize("abbreviation", ["QĐ", "CV", "TB", "BC", "KH", "TTr"])
def test_every_kind_of_appendix_iii_goes_out_and_comes_back_as_itself(abbreviation):
    out = doctypes.outgoing(abbreviation)
    assert out.type_name == DOCUMENT_KINDS[abbreviation]
    assert out.type_code == ""  # no numeric code is written while the code list is unconfirmed
    written = edxml.write_package(package(type_code=out.type_code, type_name=out.type_name))
    read = edxml.read(written, edxml.Limits())
    assert b"<edXML:Type>" not in written
    back = doctypes.incoming(read.type_code, read.type_name)
    assert back.known and back.abbreviation == abbreviation


def test_a_kind_is_recognised_by_its_name_however_it_is_spelled():
    assert doctypes.incoming("", "  QUYẾT  ĐỊNH ").abbreviation == "QĐ"
    assert doctypes.incoming("18", "Cong van").abbreviation == "CV"
    assert doctypes.incoming("1", "Công văn hành chính").abbreviation == "CV"


def test_an_unknown_kind_is_kept_as_received_and_never_refused():
    read = edxml.read(
        edxml.write_package(package(type_code="97", type_name="Công điện")), edxml.Limits()
    )
    kind = doctypes.incoming(read.type_code, read.type_name)
    assert not kind.known and (kind.type_code, kind.type_name) == ("97", "Công điện")
    only_code = edxml.read(
        edxml.write_package(package(type_code="42", type_name="")), edxml.Limits()
    )
    assert (only_code.type_code, only_code.type_name) == ("42", "")
    assert not doctypes.incoming(only_code.type_code, only_code.type_name).known


def test_a_confirmed_code_would_be_written_and_read(monkeypatch):
    # The table is the one place a code goes: both directions follow it.
    monkeypatch.setattr(doctypes, "CODES", {"QĐ": "2"})
    assert doctypes.outgoing("QĐ").type_code == "2"
    assert doctypes.incoming("2", "").abbreviation == "QĐ"
