# rosters.ImportJob, taken over as it was: the table is already there (renamed by
# rosters.0003_importjob_moves_to_kernel_imports), so this only records the model's state.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("areas", "0001_initial"),
        ("rosters", "0003_importjob_moves_to_kernel_imports"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="ImportJob",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("kind", models.CharField(max_length=30, verbose_name="roster")),
                        ("mode", models.CharField(max_length=10, verbose_name="mode")),
                        ("filename", models.CharField(max_length=200, verbose_name="file")),
                        ("content", models.BinaryField()),
                        ("status", models.CharField(choices=[("pending", "Waiting"), ("running", "Importing"), ("done", "Finished"), ("failed", "Failed")], default="pending", max_length=10, verbose_name="status")),
                        ("total_rows", models.PositiveIntegerField(default=0)),
                        ("processed_rows", models.PositiveIntegerField(default=0)),
                        ("created_count", models.PositiveIntegerField(default=0)),
                        ("updated_count", models.PositiveIntegerField(default=0)),
                        ("error_count", models.PositiveIntegerField(default=0)),
                        ("message", models.TextField(blank=True)),
                        ("error_sheet", models.BinaryField(null=True)),
                        ("client_token", models.CharField(blank=True, editable=False, max_length=64)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("finished_at", models.DateTimeField(blank=True, null=True)),
                        ("actor", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL)),
                        ("area", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, to="areas.area")),
                    ],
                    options={"ordering": ["-created_at"]},
                ),
                migrations.AddConstraint(
                    model_name="importjob",
                    constraint=models.UniqueConstraint(condition=models.Q(("client_token", ""), _negated=True), fields=("actor", "client_token"), name="importjob_unique_client_token"),
                ),
            ],
        ),
    ]
