"""Onboarding's part of the public schema: what the province's console follows across agencies
(rollout files and their rows, each agency's checklist mirror, published template packs).

A separate app because `onboarding` itself lives in every agency's schema (TENANT_APPS) while
these tables live once, in the public schema (SHARED_APPS). The tables kept the names they had
when they were defined in `tenants` (`tenants_rolloutbatch`, ...), so moving them here changed
no table.
"""
