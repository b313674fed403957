"""On PostgreSQL, refuse UPDATE and DELETE of ledger entries and transfers in the database itself.

The models refuse them in Python (``AppendOnlyModel``); the trigger also stops raw SQL and any
other client of the database. TRUNCATE (used by test flushes) is a statement, not a row change, and
is not affected. SQLite keeps the Python guard only.
"""

from django.db import migrations

TABLES = ["rewards_entry", "rewards_transfer"]

CREATE_FUNCTION = """
CREATE OR REPLACE FUNCTION rewards_ledger_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'rewards ledger rows are append-only (% on %)', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
"""


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # No parameters: psycopg must not read the % of RAISE as placeholders.
    schema_editor.execute(CREATE_FUNCTION, params=None)
    for table in TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION rewards_ledger_append_only()"
        )


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS rewards_ledger_append_only()")


class Migration(migrations.Migration):
    dependencies = [("rewards", "0001_ledger")]

    operations = [migrations.RunPython(create_triggers, drop_triggers, elidable=False)]
