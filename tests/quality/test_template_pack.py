"""A new agency gets the framework-model template pack at provisioning (data, not code)."""

import re

from django_tenants.utils import schema_context

from onboarding.models import PackInstall
from onboarding.services.packs import pack_install, pack_load
from quality.documents.models import Document, RecordSeries
from quality.documents.selectors import document_register
from quality.documents.services.codes import DEFAULT_RULES


def test_new_agencies_receive_the_pack_as_drafts(world):
    pack = pack_load()
    with schema_context(world.agency_b.schema_name):
        assert PackInstall.objects.get().version == pack["version"]
        assert Document.objects.filter(pack_key__startswith="framework-101:").count() == len(
            pack["documents"]
        )
        policy = Document.objects.get(code="CSCL.01")
        assert policy.status == "draft"
        assert "Sở Beta" in policy.latest_revision.body
        assert RecordSeries.objects.count() == len(pack["record_series"])
        codes = set(Document.objects.values_list("code", flat=True))
        assert {"QT.ISO.01", "QT.ISO.02", "QT.ISO.03", "QT.ISO.04", "QT.ISO.05"} <= codes


def test_pack_codes_follow_the_default_rules():
    for item in pack_load()["documents"]:
        pattern = DEFAULT_RULES[item["doc_type"]][0]
        assert re.fullmatch(pattern, item["code"].format(year=2026)), item["code"]


def test_pack_documents_are_searchable(world):
    with schema_context(world.agency_b.schema_name):
        assert [d.code for d in document_register(q="danh gia noi bo")][0] == "QT.ISO.03"


def test_installing_twice_does_nothing(world):
    with schema_context(world.agency_b.schema_name):
        before = Document.objects.count()
        assert pack_install(agency_name="Sở Beta") == 0
        assert Document.objects.count() == before
