"""The keyword index of case titles and addresses (see ``gridgov.cases.search``).

The mark model, and the index table itself, which the ORM does not manage: on SQLite an FTS5
table without stored content (skipped where SQLite was built without FTS5: the search then tests
every case as before), on PostgreSQL a table of ``tsvector`` with a GIN index. The table starts
empty; the worker's periodic job ``cases.search_index`` fills it (``gridgov index-cases`` does
the same at once).
"""

from django.db import migrations, models
from django.db.utils import OperationalError

TABLE = "cases_search"


def create(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "sqlite":
        try:
            schema_editor.execute(
                f'CREATE VIRTUAL TABLE "{TABLE}" USING fts5(grams, content=\'\', '
                "columnsize=0, tokenize='unicode61 remove_diacritics 0')"
            )
        except OperationalError:  # no FTS5 in this SQLite
            pass
    elif connection.vendor == "postgresql":
        schema_editor.execute(
            f'CREATE TABLE "{TABLE}" (case_id bigint PRIMARY KEY, grams tsvector NOT NULL)'
        )
        schema_editor.execute(f'CREATE INDEX "{TABLE}_grams" ON "{TABLE}" USING gin (grams)')


def drop(apps, schema_editor):
    schema_editor.execute(f'DROP TABLE IF EXISTS "{TABLE}"')


class Migration(migrations.Migration):
    dependencies = [("cases", "0005_title_search_statistics")]

    operations = [
        migrations.CreateModel(
            name="SearchMark",
            fields=[
                ("name", models.CharField(max_length=40, primary_key=True, serialize=False)),
                ("indexed_to", models.BigIntegerField(default=0)),
                ("complete_to", models.BigIntegerField(default=0)),
                ("settle_top", models.BigIntegerField(default=0)),
                ("settle_xid", models.BigIntegerField(blank=True, null=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
            ],
            options={"verbose_name": "search index mark"},
        ),
        migrations.RunPython(create, drop),
    ]
