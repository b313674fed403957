"""PostgreSQL only: pg_trgm, the GIN index of the offer search vector, the trigram index of the
search vocabulary and of skill names. Nothing happens on other databases (SQLite embedded)."""

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS mkt_offer_search_vector ON marketplace_offer USING gin (search_vector)",
    "CREATE INDEX IF NOT EXISTS mkt_searchword_trgm ON marketplace_searchword USING gin (word gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS mkt_skill_search_trgm ON marketplace_skill USING gin (search_text gin_trgm_ops)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS mkt_skill_search_trgm",
    "DROP INDEX IF EXISTS mkt_searchword_trgm",
    "DROP INDEX IF EXISTS mkt_offer_search_vector",
    # The extension stays: other apps or indexes may use it.
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in FORWARD:
        schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in BACKWARD:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("marketplace", "0001_initial")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
