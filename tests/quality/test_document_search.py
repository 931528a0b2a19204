"""Register and search: diacritics and case do not matter; out-of-force is never the default."""

import pytest

from quality.documents.selectors import document_register
from quality.documents.services import documents as svc


@pytest.fixture
def catalogue(flow):
    # Agency A also holds the template pack; these titles use words the pack does not.
    flow.draft(code="QT.TD.03", title="Quy trình thẩm định dự án đầu tư")
    flow.draft(code="QT.TD.04", title="Tiếp nhận phản ánh, kiến nghị về hạ tầng giao thông")
    flow.draft(code="HD.VT.01", title="Hướng dẫn số hoá văn thư lưu trữ", doc_type="instruction")
    return flow


@pytest.mark.parametrize(
    "query",
    [
        "quy trinh tham dinh",
        "Quy trình thẩm định",
        "THAM DINH DU",
        "dinh du an",
        "qt.td.03",
        "QT TD 03",
        "đầu tư",
    ],
)
def test_search_ignores_diacritics_case_and_punctuation(catalogue, query):
    codes = [d.code for d in document_register(q=query)]
    assert codes[0] == "QT.TD.03"
    assert "HD.VT.01" not in codes


def test_search_finds_words_anywhere_in_the_title(catalogue):
    assert [d.code for d in document_register(q="ha tang giao")] == ["QT.TD.04"]
    assert list(document_register(q="xyzzy khongcotu")) == []


def test_filters_by_type_and_status(catalogue):
    assert [d.code for d in document_register(doc_type="instruction")] == ["HD.VT.01"]
    assert document_register(status="in_force").count() == 0  # the pack arrives as drafts


def test_withdrawn_documents_are_not_in_the_default_register(catalogue):
    flow = catalogue
    document = flow.issued(code="QT.ISO.10", title="Quy trình cũ")
    svc.document_withdraw(actor=flow.w.leader_a, document=document, reason="Bãi bỏ")
    assert "QT.ISO.10" not in [d.code for d in document_register()]
    assert "QT.ISO.10" not in [d.code for d in document_register(q="quy trinh cu")]
    assert [d.code for d in document_register(status="out_of_force")] == ["QT.ISO.10"]


def test_filter_by_owning_unit(catalogue):
    from quality.core.models import Unit

    unit = Unit.objects.create(code="VP", name="Văn phòng")
    flow = catalogue
    flow.draft(code="QT.VP.01", title="Quy trình văn thư", unit=unit)
    assert [d.code for d in document_register(unit_id=unit.pk)] == ["QT.VP.01"]
