"""Credential material in an agency schema: the one list the data engine, exports and their
tests read.

A credential belongs to one agency's host and to the person (or system) who chose it there.
It never leaves the schema: not in an export or backup archive, not into another agency by a
merge or a split. People who arrive somewhere else (an import, a restore, a split, a merge)
arrive without a usable password and without two-factor devices, and set a password through
an invitation.

- `CREDENTIAL_TABLES`: every row is a credential (or a sign-in record tied to one). Never
  exported, never carried: people re-enrol, tokens and links are issued again.
- `SECRET_COLUMNS`: one column of an otherwise ordinary table holds a secret. The archive
  holds NULL there; a row that arrives (import, restore, merge, split) gets `blank` instead.
- `ON_ARRIVAL`: what else changes on a row that arrived without its secret (a key without its
  secret is revoked; a feed without its header is switched off).
- `ACROSS_AGENCIES`: what changes on a person carried into ANOTHER agency (merge, split):
  no privilege of the old agency comes along, and only the people the provincial
  administrator chose arrive active.
- `STAY_BEHIND_TABLES`: exported with the agency, but never carried into another one.
- `NOT_SECRET`: columns whose name looks like a secret but that hold none, each with why.

tests/tenants/test_credentials.py fails when a tenant model gains a column whose name
looks secret (`SECRET_LOOKING`) and that is in none of these lists.
"""

from __future__ import annotations

import re

SECRET_LOOKING = re.compile(
    r"pass|key|secret|token|digest|code|hash|salt|otp|auth_|authoriz|session|credential|cipher|"
    r"encrypt|fingerprint|signature|seed",
    re.IGNORECASE,
)

CREDENTIAL_TABLES: dict[str, str] = {
    "django_session": "signed-in sessions (the session key is a bearer credential)",
    "axes_accessattempt": "lock-out state: user names and passwords tried (post_data)",
    "axes_accessattemptexpiration": "lock-out state of the attempts above",
    "axes_accessfailurelog": "failed sign-ins of this host (user names, addresses)",
    "axes_accesslog": "sign-ins of this host, with a hash of each session key",
    "otp_totp_totpdevice": "TOTP secrets (`key`): whoever has one makes valid codes",
    "otp_static_staticdevice": "the recovery-code device of each person",
    "otp_static_statictoken": "static recovery codes, in clear",
    "accounts_apitoken": "digests of personal API tokens",
    "accounts_invitation": "digests of set-password links",
}

# (table, column) -> SQL of the value a row gets when it arrives without the secret.
# `'!' || ...` is Django's unusable password (UNUSABLE_PASSWORD_PREFIX): no password matches.
UNUSABLE_PASSWORD = "'!' || md5(random()::text) || left(md5(random()::text), 8)"  # noqa: S105
SECRET_COLUMNS: dict[tuple[str, str], str] = {
    ("accounts_user", "password"): UNUSABLE_PASSWORD,  # argon2 hash
    ("integrations_apikey", "secret_encrypted"): "''::bytea",  # HMAC secret (Fernet)
    ("integrations_pullconnector", "auth_header"): "''::bytea",  # Authorization (Fernet)
    # Standard Webhooks secrets (Fernet): a subscription arrives switched off, without them.
    ("integrations_webhooks_subscription", "secret_encrypted"): "''::bytea",
    ("integrations_webhooks_subscription", "previous_secret_encrypted"): "''::bytea",
    # Signing keys (SIGNING_KEYS_SECRET, one Fernet key for the whole platform, so the bytes
    # would open in any agency): the PKCS#12 file and the remote signing service's access
    # token. A person's key signs in that person's name for this agency only; the agency's
    # is its seal. A row arrives switched off, without them; its owner registers again.
    ("quality_core_signingcredential", "pkcs12_encrypted"): "''::bytea",
    ("quality_core_signingcredential", "remote_token_encrypted"): "''::bytea",
    # The OpenID Connect client secret (SSO_SECRET_KEY, platform-wide). Only the public
    # schema's row is used; the table exists in agency schemas because the app is in both.
    ("integrations_sso_providersettings", "client_secret_encrypted"): "''",
}

# (table, column) -> SQL over the arriving row `{row}`.
ON_ARRIVAL: dict[tuple[str, str], str] = {
    ("integrations_apikey", "revoked_at"): "COALESCE({row}.revoked_at, now())",
    ("integrations_pullconnector", "enabled"): "false",
    ("integrations_webhooks_subscription", "active"): "false",
    # Without its key a credential cannot sign; switched off, it also leaves the place of the
    # one active credential per person (and of the agency's) to the one registered again.
    ("quality_core_signingcredential", "is_active"): "false",
    ("quality_core_signingcredential", "deactivated_at"): "COALESCE({row}.deactivated_at, now())",
    ("integrations_sso_providersettings", "enabled"): "false",
}

# A person carried into another agency: `{row}` the source row, `{people}` a bigint[] of the
# source ids the provincial administrator chose (they arrive active and are invited).
ACROSS_AGENCIES: dict[tuple[str, str], str] = {
    ("accounts_user", "is_active"): "({row}.is_active AND {row}.id = ANY({people}))",
    ("accounts_user", "is_agency_admin"): "false",
    ("accounts_user", "is_superuser"): "false",
    ("accounts_user", "is_staff"): "false",
    ("accounts_user", "last_login"): "NULL",
}

STAY_BEHIND_TABLES: frozenset[str] = frozenset(
    set(CREDENTIAL_TABLES)
    | {
        # Rights given by the old agency (the delegation to approve documents): the new
        # agency's administrator grants its own.
        "accounts_user_user_permissions",
        # The one-stop-shop system signs with the agency's key: the receiving agency issues
        # its own key (the events already received keep their rows, without the key).
        "integrations_apikey",
        # Outgoing events: the subscriber registered with this agency, for its events only.
        "integrations_webhooks_subscription",
        "integrations_webhooks_event",
        "integrations_webhooks_delivery",
        "integrations_webhooks_attempt",
        # Signing certificates name the old agency (its seal, its people's titles there): the
        # receiving agency's people sign with certificates that name it.
        "quality_core_signingcredential",
    }
)

NOT_SECRET: dict[tuple[str, str], str] = {
    ("auth_permission", "codename"): "the name of a permission",
    ("quality_feedback_surveyresponse", "token_digest"): (
        "the SHA-256 of a survey form's single-use token, already used: it admits nothing"
    ),
    ("quality_core_unit", "code"): "a unit's code",
    ("quality_documents_document", "code"): "a document's code",
    ("quality_documents_document", "pack_key"): "the template-pack item a document came from",
    ("quality_documents_coderule", "doc_type"): "a document type",
    ("quality_procedures_procedure", "code"): "a procedure's code",
    ("quality_procedures_application", "code"): "an application's code (public receipt)",
    ("quality_procedures_application", "code_trigrams"): (
        "the three-letter pieces of an application's code, for searching inside it"
    ),
    ("integrations_inboxevent", "key_id"): "which integration key signed (an identifier)",
    ("integrations_inboxevent", "application_code"): "an application's code",
    ("integrations_inboxevent", "digest"): "SHA-256 of the event body (duplicate check)",
    ("integrations_rejectedrequest", "key_id"): "the key identifier a refused request named",
    ("integrations_apikey", "key_id"): "the public identifier sent with each request",
    ("integrations_apikey", "fingerprint"): "SHA-256 of the secret, shown to recognise it; "
    "a 256-bit random secret cannot be recovered from it",
    ("onboarding_packitemstate", "item_key"): "a template-pack item",
    ("quality_audits_clause", "code"): "an ISO 9001 clause number",
    ("integrations_exchange_exchangemessage", "type_code"): (
        "an edXML package's document-type code, as the sender wrote it"
    ),
    ("quality_audits_clause", "sort_key"): "the clause's sort order",
    ("quality_core_notification", "key"): "de-duplication key of a notification",
    ("quality_core_provenance", "source_code"): "the code of the agency a row came from",
    ("quality_feedback_surveyresponse", "application_code"): "an application's code",
    ("quality_feedback_surveyresponse", "address_hash"): "an HMAC (keyed with SECRET_KEY) of the "
    "respondent's address, only to limit repeated answers; it opens nothing",
    ("integrations_sso_agencypolicy", "passwords_off"): "whether local passwords are switched off",
    ("quality_core_agencysettings", "signature_required"): (
        "whether documents need a digital signature before they are issued"
    ),
    ("quality_core_signingcredential", "token_label"): (
        "the name of a USB token or HSM slot; the PIN is typed at each signature, never kept"
    ),
    ("quality_core_signingcredential", "key_label"): "the name of a key on that token",
    ("quality_core_signingcredential", "remote_credential_id"): (
        "the remote signing service's identifier of a certificate; signing with it needs the "
        "access token (a secret column) and the person's PIN"
    ),
    ("quality_documents_fileverification", "signatures"): (
        "the verdict on each signature of a PDF (signer, certificate, status): public facts"
    ),
    ("quality_documents_fileverification", "trust_fingerprints"): (
        "SHA-256 of the public CA certificates the signatures were checked against"
    ),
    ("quality_procedures_procedure", "national_code"): "a procedure's national catalogue code",
    ("quality_competence_attendance", "session_id"): "the training session attended",
    ("quality_competence_campaign", "pass_mark"): "the score that passes a test (percent)",
    ("quality_competence_attempt", "passed"): "whether a test attempt passed",
    ("quality_transition_gapquestion", "change_key"): (
        "which change of the new ISO 9001 edition a gap question is about"
    ),
    ("integrations_exchange_exchangemessage", "sender_code"): (
        "the sending organisation's code on the document exchange (public)"
    ),
    ("integrations_exchange_exchangemessage", "recipient_codes"): (
        "the receiving organisations' codes on the document exchange (public)"
    ),
    ("integrations_exchange_exchangemessage", "digest"): "SHA-256 of a package (duplicate check)",
    ("integrations_exchange_exchangemessage", "status_code"): "an edXML status message's code",
    ("integrations_exchange_delivery", "recipient_code"): "a receiving organisation's code",
}


def secret_columns(table: str) -> list[str]:
    return [column for (name, column) in SECRET_COLUMNS if name == table]
