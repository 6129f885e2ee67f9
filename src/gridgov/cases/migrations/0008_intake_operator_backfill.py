"""Cases entered by staff for somebody else (12345 imports, calls, visits …) before 0007 had
the staff member as their reporter: move them to ``intake_by`` so they stop receiving the
reporter's notices and leave "my reports"."""

from typing import Any

from django.db import migrations
from django.db.models import F

ON_BEHALF_SOURCES = ("hotline", "phone", "visit", "hall", "higher", "video")


def forwards(apps: Any, schema_editor: Any) -> None:
    Case = apps.get_model("cases", "Case")
    Case.objects.filter(source__in=ON_BEHALF_SOURCES, reporter__isnull=False).update(
        intake_by=F("reporter"), reporter=None
    )


class Migration(migrations.Migration):
    dependencies = [("cases", "0007_case_loop_for_its_people")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
