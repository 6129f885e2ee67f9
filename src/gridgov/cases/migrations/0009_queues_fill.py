"""Data step of 0007_case_loop_for_its_people (kept in its own file): the departments that hold or held each
case, from the cases' current department and the assignments on their timelines; and the
acceptance deadline of the cases still waiting to be accepted (the category's sign-for limit
from the report, in working time)."""

from django.db import migrations

ASSIGNING = ("dispatch", "reassign", "escalate", "reopen")
BATCH = 5000


def fill(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    CaseEvent = apps.get_model("cases", "CaseEvent")
    CaseDepartment = apps.get_model("cases", "CaseDepartment")
    Department = apps.get_model("accounts", "Department")

    known = set(Department.objects.values_list("pk", flat=True))
    rows = {}
    for case_id, dept_id, dispatched, reported in (
        Case.objects.filter(assigned_department__isnull=False)
        .values_list("pk", "assigned_department_id", "dispatched_at", "reported_at")
        .iterator(chunk_size=BATCH)
    ):
        rows[(case_id, dept_id)] = dispatched or reported
    for case_id, data, at in (
        CaseEvent.objects.filter(action__in=ASSIGNING)
        .values_list("case_id", "data", "at")
        .iterator(chunk_size=BATCH)
    ):
        dept_id = data.get("to_department") if isinstance(data, dict) else None
        if isinstance(dept_id, int) and dept_id in known:
            key = (case_id, dept_id)
            if rows.get(key) is None or at < rows[key]:
                rows[key] = at
    batch = []
    for (case_id, dept_id), at in rows.items():
        batch.append(CaseDepartment(case_id=case_id, department_id=dept_id, first_at=at))
        if len(batch) >= BATCH:
            CaseDepartment.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
    CaseDepartment.objects.bulk_create(batch, ignore_conflicts=True)

    # The working-time calendar is read through its selector (it keeps its own cache).
    from gridgov.workcal.selectors import add_working_time

    waiting = Case.objects.filter(status="reported", accept_due_at__isnull=True).select_related(
        "category"
    )
    for case in list(waiting):
        due = add_working_time(case.reported_at, case.category.sign_limit, case.category.sign_unit)
        Case.objects.filter(pk=case.pk).update(accept_due_at=due)


class Migration(migrations.Migration):
    dependencies = [("cases", "0008_intake_operator_backfill")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop, elidable=True)]
