"""PostgreSQL: statistics on ``upper(title)``, the expression of the keyword search.

Without them the planner guesses that a keyword (``UPPER(title) LIKE UPPER('%井盖%')``) matches a
handful of cases, sorts every match and joins the categories in a nested loop (132 ms at 20 000
cases, growing with the table); with them it knows how common the word is and walks the
newest-first index until the page is full (1.3 ms). Statistics cost nothing on writes; ANALYZE
(and autovacuum) fills them. SQLite has no such statistics and needs none here.
"""

from django.db import migrations

NAME = "case_title_upper"


def create(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql" and connection.pg_version >= 140000:
        schema_editor.execute(
            f'CREATE STATISTICS IF NOT EXISTS "{NAME}" ON (upper("title"::text)) FROM "cases_case"'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'DROP STATISTICS IF EXISTS "{NAME}"')


class Migration(migrations.Migration):
    dependencies = [("cases", "0004_lean_intake_indexes")]

    operations = [migrations.RunPython(create, drop)]
