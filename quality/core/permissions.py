"""What each role may do in the agency portal: one table, used by pages and the API alike.

Roles come from `accounts.Role`. The agency leader approves documents; anyone else may be
given that right by delegation (the Django permission `quality_documents.approve_revision`).
"""

from __future__ import annotations

from iso_platform.accounts.models import Role
from tenants.read_only import serving_read_only

ALL_AGENCY = frozenset(
    {
        Role.AGENCY_LEADER,
        Role.ISO_SECRETARY,
        Role.UNIT_HEAD,
        Role.STAFF,
        Role.INTERNAL_AUDITOR,
        Role.READ_ONLY,
    }
)
WRITERS = ALL_AGENCY - {Role.READ_ONLY}

CAPABILITIES: dict[str, frozenset] = {
    "documents.view": ALL_AGENCY,
    "documents.draft": WRITERS,
    "documents.review": frozenset({Role.AGENCY_LEADER, Role.ISO_SECRETARY, Role.UNIT_HEAD}),
    "documents.approve": frozenset({Role.AGENCY_LEADER}),
    "documents.manage": frozenset({Role.AGENCY_LEADER, Role.ISO_SECRETARY}),
    # Deleting a never-issued document is document control, the ISO secretary's job (its
    # author may delete it too: quality.documents.services.documents.document_may_discard).
    "documents.delete": frozenset({Role.ISO_SECRETARY}),
    # Asking for a stored file's signatures to be checked again replaces the verdict everyone
    # sees under the file (and queues a task that calls the CAs): a write, not for the
    # read-only role. Checking a PDF one brings (nothing kept but the audit row) is a read:
    # "documents.view" (quality/documents/services/signatures.py, pdf_verify).
    "documents.verify": WRITERS,
    "records.view": ALL_AGENCY,
    "records.manage": frozenset(
        {Role.AGENCY_LEADER, Role.ISO_SECRETARY, Role.UNIT_HEAD, Role.STAFF}
    ),
    "settings.manage": frozenset({Role.AGENCY_LEADER, Role.ISO_SECRETARY}),
    # The agency's own signing certificate (its electronic seal): kept and used by its
    # leaders (and its administrator, below); everybody else signs only as a person.
    "signing.agency": frozenset({Role.AGENCY_LEADER}),
    # Keeping one's own signing credential: everyone who may approve or report something.
    "signing.own": WRITERS,
    "procedures.view": ALL_AGENCY,
    "procedures.manage": frozenset({Role.AGENCY_LEADER, Role.ISO_SECRETARY}),
    "applications.view": ALL_AGENCY,
    "integrations.manage": frozenset({Role.AGENCY_LEADER, Role.ISO_SECRETARY}),
    "improvement.view": ALL_AGENCY,
    "improvement.record": WRITERS,
    "improvement.manage": frozenset({Role.AGENCY_LEADER, Role.ISO_SECRETARY, Role.UNIT_HEAD}),
    "risks.view": ALL_AGENCY,
    "risks.manage": frozenset({Role.AGENCY_LEADER, Role.ISO_SECRETARY, Role.UNIT_HEAD}),
    "objectives.view": ALL_AGENCY,
    "objectives.manage": frozenset({Role.AGENCY_LEADER, Role.ISO_SECRETARY}),
    "audits.view": ALL_AGENCY,
    "audits.manage": frozenset({Role.AGENCY_LEADER, Role.ISO_SECRETARY}),
    "audits.perform": frozenset(
        {Role.INTERNAL_AUDITOR, Role.ISO_SECRETARY, Role.AGENCY_LEADER, Role.UNIT_HEAD}
    ),
    "feedback.view": ALL_AGENCY,
    "feedback.manage": frozenset({Role.AGENCY_LEADER, Role.ISO_SECRETARY}),
    "reviews.view": ALL_AGENCY,
    "reviews.manage": frozenset({Role.AGENCY_LEADER, Role.ISO_SECRETARY}),
    "competence.view": ALL_AGENCY,
    "competence.manage": frozenset({Role.AGENCY_LEADER, Role.ISO_SECRETARY}),
    # Awareness is everybody's, but answering a quiz is a write: not for the read-only role.
    "competence.answer": WRITERS,
    "transition.view": ALL_AGENCY,
    "transition.manage": frozenset({Role.AGENCY_LEADER, Role.ISO_SECRETARY}),
}
ADMIN_CAPABILITIES = ("settings.manage", "integrations.manage", "signing.agency")
DELEGABLE = {"documents.approve": "quality_documents.approve_revision"}


def can(user, capability: str) -> bool:
    """May `user` do it now: never a change while the agency is served read-only (archived,
    tenants/read_only.py), so that no page offers one."""
    allowed = holds(user, capability)
    if allowed and not capability.endswith(".view") and serving_read_only():
        return False
    return allowed


def holds(user, capability: str) -> bool:
    """Does the person's role grant `capability`, whether or not the agency can change now:
    for opening, read-only, a page only its managers see (units, people, integration keys)."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    if capability not in CAPABILITIES:
        raise KeyError(capability)
    if user.role in CAPABILITIES[capability]:
        return True
    if capability in ADMIN_CAPABILITIES and user.is_agency_admin:
        return True
    permission = DELEGABLE.get(capability)
    return bool(permission and user.role in WRITERS and user.has_perm(permission))
