"""Fixtures for agency-portal tests: agency A's schema active, Celery eager."""

from __future__ import annotations

import io

import pytest
from django_tenants.utils import schema_context

from eiso.celery import app as celery_app
from quality.documents.services import documents as svc


@pytest.fixture
def eager():
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


@pytest.fixture
def in_a(world, eager, settings, tmp_path):
    """Agency A's schema is active, files go to a temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    with schema_context(world.agency_a.schema_name):
        yield world


class Flow:
    """Drive a document through its life cycle with the right people."""

    def __init__(self, world):
        self.w = world

    def draft(
        self,
        code="QT.ISO.99",
        title="Quy trình đánh giá nội bộ",
        doc_type="system_procedure",
        **extra,
    ):
        extra.setdefault("body", "Mục đích: đánh giá sự phù hợp của hệ thống.")
        return svc.document_create(
            actor=self.w.member_a, doc_type=doc_type, code=code, title=title, **extra
        )

    def issue(self, revision):
        svc.revision_submit(actor=self.w.member_a, revision=revision)
        svc.revision_review(actor=self.w.owner_a, revision=revision)
        return svc.revision_approve(actor=self.w.leader_a, revision=revision)

    def issued(self, **kwargs):
        document = self.draft(**kwargs)
        self.issue(document.latest_revision)
        document.refresh_from_db()
        return document

    def revise(self, document, proposal="Bổ sung bước 5"):
        request = svc.change_request_create(
            actor=self.w.member_a, document=document, reason="Thay đổi quy định", proposal=proposal
        )
        return svc.change_request_accept(actor=self.w.owner_a, request=request)


@pytest.fixture
def flow(in_a):
    return Flow(in_a)


def upload(name: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


def pdf_bytes(text: str = "Quy trinh danh gia noi bo") -> bytes:
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.drawString(72, 720, text)
    page.save()
    return out.getvalue()


def docx_bytes(text: str) -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def xlsx_bytes(text: str) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    book.active["A1"] = text
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
    b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)
