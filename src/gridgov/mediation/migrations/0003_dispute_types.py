"""Seed the dispute types (data, editable on the mediation pages): 婚姻家庭 (sensitive), 邻里,
物业, 土地山林, 劳资, 征地拆迁, 消费, 交通事故, 其他 — each with the default 30 working days."""

from django.db import migrations

TYPES = [
    # code, name, sensitive
    ("family", "婚姻家庭", True),
    ("neighbour", "邻里", False),
    ("property", "物业", False),
    ("land", "土地山林", False),
    ("labour", "劳资", False),
    ("expropriation", "征地拆迁", False),
    ("consumer", "消费", False),
    ("traffic", "交通事故", False),
    ("other", "其他", False),
]


def seed(apps, schema_editor):
    DisputeType = apps.get_model("mediation", "DisputeType")
    for sort, (code, name, sensitive) in enumerate(TYPES, start=1):
        DisputeType.objects.get_or_create(
            code=code,
            defaults={"name": name, "sensitive": sensitive, "deadline_days": 30, "sort": sort * 10},
        )


class Migration(migrations.Migration):
    dependencies = [("mediation", "0002_dispute_numbers_keys")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
