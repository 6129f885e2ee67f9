# The import job moved to the kernel (gridgov.kernel.imports, label "imports"): its table is
# renamed, not copied, so every job and its id survive the upgrade.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("rosters", "0002_seed_tag_types"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.AlterModelTable(name="importjob", table="imports_importjob"),
            ],
            state_operations=[
                migrations.DeleteModel(name="ImportJob"),
            ],
        ),
    ]
