"""Rows typed before the register kept risks and opportunities apart on its pages were
often entered as "risk" with the word in the title ("Cơ hội: ...", "CƠ HỘI - ..."): those
become opportunities. Only that explicit marker counts (a title that merely starts with the
words, such as "Cơ hội bị bỏ lỡ ...", stays a risk); nothing else changes, and going back
leaves the rows as they are."""

import re

from django.db import migrations

MARKER = re.compile(r"^\s*(cơ hội|co hoi)\s*[:\-–—]", re.IGNORECASE)


def classify(apps, schema_editor):
    Risk = apps.get_model("quality_risks", "Risk")
    marked = [
        pk
        for pk, title in Risk.objects.filter(kind="risk").values_list("pk", "title")
        if MARKER.match(title)
    ]
    Risk.objects.filter(pk__in=marked).update(kind="opportunity")


class Migration(migrations.Migration):
    dependencies = [("quality_risks", "0001_initial")]

    operations = [migrations.RunPython(classify, migrations.RunPython.noop)]
