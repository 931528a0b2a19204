"""Digital signatures on PDFs (PAdES), for documents that are legal only when signed with a
certificate of a recognised CA (docs/signatures.md).

Kernel layer: no agency or QMS knowledge. Higher layers decide who signs what; this package
signs (`sign_pdf` with `SignStep`s and a key source: `pkcs12_signer`, `pkcs11_signer`,
`remote_signer`), verifies (`verify_pdf`), keeps PKCS#12 files encrypted at rest
(`pkcs12_encrypt` / `pkcs12_decrypt`), and holds the province trust list and signing
configuration (`trust_roots()`, `signing_configuration()`).
"""

from iso_platform.signing.errors import SigningError
from iso_platform.signing.keys import (
    certificate_check,
    pkcs11_signer,
    pkcs12_decrypt,
    pkcs12_encrypt,
    pkcs12_reencrypt,
    pkcs12_signer,
)
from iso_platform.signing.remote import remote_credentials, remote_service_info, remote_signer
from iso_platform.signing.sign import (
    AGENCY,
    PERSON,
    SignedPdf,
    SignStep,
    ValidationSetup,
    sign_pdf,
)
from iso_platform.signing.verify import (
    SignatureResult,
    VerificationReport,
    signature_sentence,
    verify_pdf,
)


def trust_roots():
    """The province's active trust anchors (asn1crypto certificates)."""
    from iso_platform.signing.selectors import trust_roots as read  # models: after the app registry

    return read()


def signing_configuration():
    """The province's signing configuration (timestamp authority, remote service)."""
    from iso_platform.signing.selectors import signing_configuration as read  # idem

    return read()


__all__ = [
    "AGENCY",
    "PERSON",
    "SignStep",
    "SignatureResult",
    "SignedPdf",
    "SigningError",
    "ValidationSetup",
    "VerificationReport",
    "certificate_check",
    "pkcs11_signer",
    "pkcs12_decrypt",
    "pkcs12_encrypt",
    "pkcs12_reencrypt",
    "pkcs12_signer",
    "remote_credentials",
    "remote_service_info",
    "remote_signer",
    "sign_pdf",
    "signature_sentence",
    "signing_configuration",
    "trust_roots",
    "verify_pdf",
]
