"""Verifying signed PDFs: each signature judged and explained in one Vietnamese sentence;
hostile files refused cleanly; pyHanko's own command-line validator agrees with eISO."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from pyhanko.pdf_utils.generic import NameObject, TextStringObject
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from eiso.testing.pki import PKCS12_PASSWORD
from iso_platform.official import render_pdf_layout
from iso_platform.signing import SignStep, ValidationSetup, pkcs12_signer, sign_pdf, verify_pdf
from iso_platform.untrusted import Refused
from tests.iso_platform.test_official import document


@pytest.fixture(scope="module")
def layout():
    return render_pdf_layout(document())


def signed_by(pki, layout, label="signer", *, checked=True) -> bytes:
    """Signed by `label`; `checked=False` skips eISO's own refusal of expired or revoked
    certificates (pyHanko's bare signer), to produce what another tool might have made."""
    signer = pkcs12_signer(pki.pkcs12(label), PKCS12_PASSWORD) if checked else None
    signer = signer or pki.simple_signer(label)
    return sign_pdf(layout.content, [SignStep(signer, "NguoiKy", layout.signature)]).content


def only(report):
    (result,) = report.signatures
    return result


def test_an_unsigned_pdf_says_so(layout):
    report = verify_pdf(layout.content, trust_roots=[])
    assert report.status == "unsigned" and report.message == "Tài liệu không có chữ ký số"


def test_a_byte_changed_in_the_signed_range_is_a_modified_document(signing_pki, pki_hosts, layout):
    pdf = bytearray(signed_by(signing_pki, layout))
    pdf[pdf.index(b"ReportLab")] ^= 0x01  # a comment: the file still parses, its hash differs
    result = only(verify_pdf(bytes(pdf), trust_roots=[signing_pki.root]))
    assert result.status == "modified"
    assert result.message == "Tài liệu đã bị thay đổi sau khi ký"


def test_content_changed_in_a_later_incremental_update_is_detected(signing_pki, pki_hosts, layout):
    signed = signed_by(signing_pki, layout)
    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    # A new content stream: the body of the document is no longer what was signed.
    from pyhanko.pdf_utils.generic import StreamObject

    stream = writer.add_object(StreamObject(stream_data=b"BT /F1 24 Tf 100 700 Td (X) Tj ET"))
    page[NameObject("/Contents")] = stream
    writer.update_container(page)
    writer.root[NameObject("/Lang")] = TextStringObject("vi")
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    result = only(verify_pdf(out.getvalue(), trust_roots=[signing_pki.root]))
    assert result.status == "modified"


def test_a_revoked_certificate(signing_pki, pki_hosts, layout):
    result = only(
        verify_pdf(
            signed_by(signing_pki, layout, "revoked", checked=False), trust_roots=[signing_pki.root]
        )
    )
    assert result.status == "revoked" and result.message == "Chứng thư số đã bị thu hồi"


def test_a_certificate_expired_when_signing(signing_pki, pki_hosts, layout):
    result = only(
        verify_pdf(
            signed_by(signing_pki, layout, "expired", checked=False), trust_roots=[signing_pki.root]
        )
    )
    assert result.status == "expired" and result.message == "Chứng thư số đã hết hạn khi ký"


def test_a_certificate_of_an_untrusted_root(signing_pki, pki_hosts, layout):
    pdf = signed_by(signing_pki, layout, "stranger")
    result = only(verify_pdf(pdf, trust_roots=[signing_pki.root]))
    assert result.status == "untrusted"
    assert result.message == "Chứng thư số không do tổ chức được tin cậy cấp"
    # The same file against an empty trust list: the province trusts nobody yet.
    assert only(verify_pdf(signed_by(signing_pki, layout), trust_roots=[])).status == "untrusted"


@pytest.mark.parametrize(
    "data", [b"", b"%PDF-1.7\n", b"not a pdf at all", b"%PDF-1.4\n1 0 obj << /Type /Catalog"]
)
def test_a_malformed_file_is_a_clear_refusal(data):
    with pytest.raises(Refused) as exc:
        verify_pdf(data, trust_roots=[])
    assert exc.value.code == "damaged"


def test_a_file_over_the_size_cap_is_refused_before_parsing(settings):
    settings.SIGNING_VERIFY_MAX_MB = 1
    with pytest.raises(Refused) as exc:
        verify_pdf(b"%PDF-1.7\n" + b" " * (1024 * 1024 + 1), trust_roots=[])
    assert exc.value.code == "too_big"


def test_certificate_addresses_in_a_hostile_pdf_go_through_the_outbound_rules(
    settings, signing_pki, layout
):
    """The CRL/OCSP addresses come from the certificates inside the uploaded file; without
    the operator allowing that host, eISO does not contact it, and says so."""
    settings.OUTBOUND_ALLOWED_HOSTS = ()
    result = only(verify_pdf(signed_by(signing_pki, layout), trust_roots=[signing_pki.root]))
    assert result.revocation == "unreachable"
    assert any("127.0.0.1" in problem for problem in result.problems)


def test_pyhankos_command_line_validator_accepts_a_signed_pdf(
    signing_pki, pki_hosts, layout, tmp_path
):
    signed = sign_pdf(
        layout.content,
        [
            SignStep(
                pkcs12_signer(signing_pki.pkcs12("signer"), PKCS12_PASSWORD),
                "NguoiKy",
                layout.signature,
            )
        ],
        timestamp_url=signing_pki.tsa_url,
        validation=ValidationSetup(trust_roots=[signing_pki.root]),
    )
    (tmp_path / "signed.pdf").write_bytes(signed.content)
    (tmp_path / "root.pem").write_bytes(signing_pki.pem("root"))
    cli = Path(sys.executable).parent / "pyhanko"
    result = subprocess.run(
        [
            str(cli),
            "sign",
            "validate",
            "--pretty-print",
            "--trust",
            "root.pem",
            "--trust-replace",
            "signed.pdf",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "The signature is judged VALID." in result.stdout
    assert "The signer's certificate is trusted." in result.stdout
