"""Digital signatures in the agency's flows (docs/signatures.md, "Signing in eISO"): the
signing credentials of people and of the agency, kept in the agency's schema, and the signed
copies of the documents the agency issues.

Below every QMS area: an area calls `official_sign` inside the transaction that numbers its
document, and `document_response` (quality.core.reports) serves the signed copy.
"""
