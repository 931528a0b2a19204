"""Signing PDFs: key sources (PKCS#12, PKCS#11 token, CSC remote service), the visible
appearance, timestamps and B-LT, all against a throwaway PKI with real CRL, OCSP and TSA
servers on loopback (eiso/testing/pki.py)."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from pypdf import PdfReader

from eiso.testing.pki import PKCS12_PASSWORD
from iso_platform.official import render_pdf_layout
from iso_platform.signing import (
    AGENCY,
    SigningError,
    SignStep,
    ValidationSetup,
    pkcs11_signer,
    pkcs12_decrypt,
    pkcs12_encrypt,
    pkcs12_reencrypt,
    pkcs12_signer,
    remote_signer,
    sign_pdf,
    verify_pdf,
)
from tests.iso_platform.test_official import document


@pytest.fixture(scope="module")
def layout():
    return render_pdf_layout(document())


def png(color=(0, 0, 200, 255), size=(300, 120)) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", size, color).save(out, format="PNG")
    return out.getvalue()


def person(pki, layout, label="signer", **changes):
    signer = pkcs12_signer(pki.pkcs12(label), PKCS12_PASSWORD)
    return SignStep(signer, "NguoiKy", layout.signature, **changes)


def agency(pki, layout, **changes):
    signer = pkcs12_signer(pki.pkcs12("agency"), PKCS12_PASSWORD)
    return SignStep(signer, "CoQuan", layout.signature, kind=AGENCY, **changes)


# ---------------------------------------------------------------------------- PKCS#12


def test_a_person_then_the_agency_sign_and_both_signatures_verify(signing_pki, pki_hosts, layout):
    signed = sign_pdf(
        layout.content,
        [person(signing_pki, layout, image=png()), agency(signing_pki, layout, image=png())],
    )
    report = verify_pdf(signed.content, trust_roots=[signing_pki.root])
    assert [s.field_name for s in report.signatures] == ["NguoiKy", "CoQuan"]
    assert [s.status for s in report.signatures] == ["valid", "valid"]
    first = report.signatures[0]
    assert first.message.startswith("Chữ ký hợp lệ — Phạm Minh Đức, Giám đốc, ký lúc ")
    assert first.signer_organisation == "Sở Khoa học và Công nghệ tỉnh An Giang"
    assert str(first.signing_time.tzinfo) == "Asia/Ho_Chi_Minh"
    assert first.revocation == "checked" and not first.timestamped
    assert report.message == "Tất cả 2 chữ ký số trên tài liệu đều hợp lệ."


def test_the_appearance_shows_the_signer_in_vietnamese_at_the_reserved_box(signing_pki, layout):
    step = person(signing_pki, layout, reason="Ban hành tài liệu", location="An Giang")
    signed = sign_pdf(layout.content, [step, agency(signing_pki, layout)])
    reader = PdfReader(io.BytesIO(signed.content))
    page = reader.pages[layout.signature.page - 1]
    widgets = {
        a.get_object()["/T"]: a.get_object() for a in page["/Annots"] if "/T" in a.get_object()
    }
    box = layout.signature
    x1, y1, x2, y2 = (float(v) for v in widgets["NguoiKy"]["/Rect"])
    assert (round(x1), round(y1), round(x2 - x1), round(y2 - y1)) == (
        round(box.x),
        round(box.y),
        round(box.width),
        round(box.height),
    )
    seal = [float(v) for v in widgets["CoQuan"]["/Rect"]]
    assert abs((seal[2] - seal[0]) - box.width / 3) <= 1 and seal[0] == x1  # the left third
    value = widgets["NguoiKy"]["/V"].get_object()
    assert value["/Reason"] == "Ban hành tài liệu" and value["/Location"] == "An Giang"
    stream = widgets["NguoiKy"]["/AP"]["/N"].get_object()
    fonts = stream["/Resources"]["/Font"]
    font = next(
        f.get_object()
        for f in fonts.values()
        if "LiberationSerif" in str(f.get_object()["/BaseFont"])
    )
    widths = font["/DescendantFonts"][0].get_object()["/W"]
    # PDF reads widths in thousandths of an em: Liberation's own 2048 units per em would
    # space every letter twice too wide (an "a" of Times is 444/1000).
    numbers = [float(w) for chunk in widths if isinstance(chunk, list) for w in chunk]
    assert numbers and max(numbers) <= 1000


def test_the_appearance_text_names_position_organisation_email_and_time(signing_pki, layout):
    from iso_platform.signing.appearance import person_lines

    cert = signing_pki.cert("signer")
    import datetime as dt

    moment = dt.datetime(2026, 12, 6, 7, 5, tzinfo=dt.UTC)
    assert person_lines(cert, "", "", moment) == [
        "Người ký: Phạm Minh Đức",
        "Chức vụ: Giám đốc",
        "Cơ quan: Sở Khoa học và Công nghệ tỉnh An Giang",
        "Thư điện tử: duc.pm@sokhcn.angiang.gov.vn",
        "ký lúc 14:05 ngày 06/12/2026",
    ]


def test_a_wrong_password_is_refused_in_vietnamese(signing_pki):
    with pytest.raises(SigningError, match="Mật khẩu của tệp chứng thư số") as exc:
        pkcs12_signer(signing_pki.pkcs12("signer"), "sai-mật-khẩu")
    assert exc.value.code == "pkcs12_password"


def test_a_file_that_is_not_pkcs12_is_refused(signing_pki):
    for data in (b"not a certificate", signing_pki.pem("signer"), b""):
        with pytest.raises(SigningError) as exc:
            pkcs12_signer(data, PKCS12_PASSWORD)
        assert exc.value.code == "pkcs12_format"


def test_a_pkcs12_without_private_key_is_refused(signing_pki):
    from cryptography import x509 as cx509
    from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12

    cert = cx509.load_der_x509_certificate(signing_pki.cert("signer").dump())
    data = pkcs12.serialize_key_and_certificates(
        b"x", None, cert, None, BestAvailableEncryption(PKCS12_PASSWORD.encode())
    )
    with pytest.raises(SigningError) as exc:
        pkcs12_signer(data, PKCS12_PASSWORD)
    assert exc.value.code == "pkcs12_no_key"


@pytest.mark.parametrize(
    "label,code",
    [("expired", "cert_expired"), ("future", "cert_not_yet_valid"), ("no-usage", "cert_usage")],
)
def test_a_certificate_that_cannot_sign_today_is_refused(signing_pki, label, code):
    with pytest.raises(SigningError) as exc:
        pkcs12_signer(signing_pki.pkcs12(label), PKCS12_PASSWORD)
    assert exc.value.code == code
    assert "Chứng thư số" in str(exc.value)


def test_a_damaged_pdf_or_a_missing_page_is_a_signing_error(signing_pki, layout):
    step = person(signing_pki, layout)
    with pytest.raises(SigningError) as exc:
        sign_pdf(b"%PDF-1.7 garbage", [step])
    assert exc.value.code == "pdf_damaged"
    far = SignStep(step.signer, "X", type(layout.signature)(9, 10, 10, 100, 80))
    with pytest.raises(SigningError) as exc:
        sign_pdf(layout.content, [far])
    assert exc.value.code == "box_page"


def test_a_signature_image_must_be_a_png(signing_pki, layout):
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, format="JPEG")
    with pytest.raises(SigningError) as exc:
        sign_pdf(layout.content, [person(signing_pki, layout, image=out.getvalue())])
    assert exc.value.code == "image"


# ---------------------------------------------------------------------------- at rest


def test_a_pkcs12_file_is_encrypted_at_rest_and_keys_rotate(settings, signing_pki):
    from cryptography.fernet import Fernet

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    data = signing_pki.pkcs12("signer")
    settings.SIGNING_KEYS_SECRET = (old,)
    stored = pkcs12_encrypt(data)
    assert data not in stored and pkcs12_decrypt(stored) == data
    settings.SIGNING_KEYS_SECRET = (new, old)  # rotation: the new key first, the old still read
    assert pkcs12_decrypt(stored) == data
    rotated = pkcs12_reencrypt(stored)
    settings.SIGNING_KEYS_SECRET = (new,)
    assert pkcs12_decrypt(rotated) == data
    with pytest.raises(SigningError) as exc:
        pkcs12_decrypt(stored)
    assert exc.value.code == "keys_stale"


def test_without_a_configured_key_nothing_is_encrypted(settings):
    settings.SIGNING_KEYS_SECRET, settings.SIGNING_DEV_KEY_FILE = (), ""
    with pytest.raises(SigningError) as exc:
        pkcs12_encrypt(b"data")
    assert exc.value.code == "keys_secret"


def test_development_generates_one_key_file_once(settings, tmp_path):
    settings.SIGNING_KEYS_SECRET, settings.SIGNING_DEV_KEY_FILE = (), str(tmp_path / "k")
    stored = pkcs12_encrypt(b"data")
    key = (tmp_path / "k").read_bytes()
    assert pkcs12_decrypt(stored) == b"data" and (tmp_path / "k").read_bytes() == key
    assert oct((tmp_path / "k").stat().st_mode & 0o777) == "0o600"


# ---------------------------------------------------------------------------- timestamps, B-LT


def test_with_a_timestamp_authority_the_signature_is_long_term(signing_pki, pki_hosts, layout):
    import datetime as dt

    signed = sign_pdf(
        layout.content,
        [person(signing_pki, layout), agency(signing_pki, layout)],
        timestamp_url=signing_pki.tsa_url,
        validation=ValidationSetup(trust_roots=[signing_pki.root]),
    )
    assert signed.timestamped and signed.long_term and signed.unavailable == ()
    # Years later: the signer's certificate has expired and nothing may be fetched; the
    # timestamp and the embedded CRL/OCSP answers still prove the signature.
    later = signing_pki.cert("signer").not_valid_after + dt.timedelta(days=30)
    report = verify_pdf(
        signed.content, trust_roots=[signing_pki.root], allow_fetching=False, moment=later
    )
    assert [s.status for s in report.signatures] == ["valid", "valid"]
    assert all(s.timestamped and s.revocation == "checked" for s in report.signatures)
    # Without the validation data, the same check cannot be made.
    bare = sign_pdf(layout.content, [person(signing_pki, layout)])
    stale = verify_pdf(
        bare.content, trust_roots=[signing_pki.root], allow_fetching=False, moment=later
    )
    assert stale.signatures[0].status == "expired"


def test_unreachable_revocation_sources_are_reported_not_hidden(settings, signing_pki, layout):
    # The PKI's host is not allowed: every CRL and OCSP request is refused by the outbound rules.
    settings.OUTBOUND_ALLOWED_HOSTS = ()
    signed = sign_pdf(
        layout.content,
        [person(signing_pki, layout)],
        validation=ValidationSetup(trust_roots=[signing_pki.root]),
    )
    assert not signed.long_term and signed.unavailable
    result = verify_pdf(signed.content, trust_roots=[signing_pki.root]).signatures[0]
    assert result.status == "valid" and result.revocation == "unreachable"
    assert "chưa kiểm tra được tình trạng thu hồi" in result.message


def test_an_unreachable_timestamp_authority_is_a_signing_error(settings, signing_pki, layout):
    settings.OUTBOUND_ALLOWED_HOSTS = ()
    with pytest.raises(SigningError) as exc:
        sign_pdf(
            layout.content,
            [person(signing_pki, layout)],
            timestamp_url=signing_pki.tsa_url,
            validation=ValidationSetup(trust_roots=[signing_pki.root]),
        )
    assert exc.value.code == "timestamp_failed"


# ---------------------------------------------------------------------------- PKCS#11


def test_a_token_signs_and_the_signature_verifies(pkcs11_token, signing_pki, pki_hosts, layout):
    t = pkcs11_token
    with pkcs11_signer(t.module, t.label, t.pin, key_label=t.key_label) as signer:
        signed = sign_pdf(layout.content, [SignStep(signer, "NguoiKy", layout.signature)])
    result = verify_pdf(signed.content, trust_roots=[signing_pki.root]).signatures[0]
    assert result.status == "valid" and result.signer_name == "Phạm Minh Đức"
    with pkcs11_signer(t.module, t.label, t.pin) as signer:  # the token's only key
        assert signer.signing_cert.subject == signing_pki.cert("signer").subject


def test_a_wrong_pin_a_missing_token_or_key_are_refused_in_vietnamese(pkcs11_token):
    t = pkcs11_token
    cases = [
        ((t.module, t.label, "0000"), "token_pin", "Mã PIN"),
        ((t.module, "khong-co", t.pin), "token_missing", "Không tìm thấy thiết bị ký số"),
        ((t.module, t.label, t.pin, "khong-co"), "token_key", "Không tìm thấy khoá bí mật"),
        (("/nonexistent/lib.so", t.label, t.pin), "token_module", "trình điều khiển"),
    ]
    for args, code, words in cases:
        with pytest.raises(SigningError) as exc:
            pkcs11_signer(*args)
        assert exc.value.code == code and words in str(exc.value)


# ---------------------------------------------------------------------------- CSC remote


def test_a_remote_csc_service_signs_end_to_end(csc_hosts, signing_pki, layout):
    from iso_platform.signing.remote import remote_credentials, remote_service_info

    service = csc_hosts
    assert remote_service_info(service.url)["name"] == "eISO test CSC service"
    assert remote_credentials(service.url, service.token) == [service.credential]
    signer = remote_signer(service.url, service.credential, service.token, pin=service.pin)
    signed = sign_pdf(
        layout.content,
        [SignStep(signer, "NguoiKy", layout.signature)],
        timestamp_url=signing_pki.tsa_url,
        validation=ValidationSetup(trust_roots=[signing_pki.root]),
    )
    result = verify_pdf(signed.content, trust_roots=[signing_pki.root]).signatures[0]
    assert result.status == "valid" and result.timestamped
    assert result.message.startswith("Chữ ký hợp lệ — Lê Thị Hoa, Phó Giám đốc, ký lúc ")


def test_the_remote_service_refuses_a_wrong_pin_or_token(csc_hosts, layout):
    service = csc_hosts
    signer = remote_signer(service.url, service.credential, service.token, pin="000000")
    with pytest.raises(SigningError) as exc:
        sign_pdf(layout.content, [SignStep(signer, "NguoiKy", layout.signature)])
    assert exc.value.code == "remote_refused"
    with pytest.raises(SigningError) as exc:
        remote_signer(service.url, service.credential, "wrong-token", pin=service.pin)
    assert exc.value.code == "remote_refused"
    with pytest.raises(SigningError) as exc:
        remote_signer(service.url, "no-such-credential", service.token)
    assert exc.value.code == "remote_refused"


def test_the_remote_service_url_goes_through_the_outbound_rules(csc_server, settings):
    settings.OUTBOUND_ALLOWED_HOSTS = ()  # loopback is not a public address
    settings.OUTBOUND_ALLOWED_PORTS = (int(csc_server.url.rsplit(":", 1)[1]),)
    with pytest.raises(SigningError) as exc:
        remote_signer(csc_server.url, csc_server.credential, csc_server.token)
    assert exc.value.code == "remote_failed" and "resolves to" in exc.value.detail
