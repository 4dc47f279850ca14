"""Trigram indexes for search on PostgreSQL; nothing on other databases.

Search matches with LIKE '%word%' on the folded columns (plan.search). A B-tree index cannot
serve a pattern that starts with '%'; a GIN index of trigrams (pg_trgm) can, for words of three
characters or more (Chinese included, in a UTF-8 database). The indexes are not declared on
the model, so SQLite and `makemigrations` never see them.
"""

from django.db import migrations

INDEXES = {
    "plan_node_search_zh_trgm": "search_zh_hant",
    "plan_node_search_en_trgm": "search_en",
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name(apps.get_model("plan", "PlanNode")._meta.db_table)
    # pg_trgm is a trusted extension (PostgreSQL 13+): a database owner may create it.
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {schema_editor.quote_name(name)} "
            f"ON {table} USING gin ({schema_editor.quote_name(column)} gin_trgm_ops)"
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")
    # The extension stays: something else in the database may use it.


class Migration(migrations.Migration):
    # After 0004 (committed first, also on 0002): one leaf, so `migrate` sees no conflict.
    dependencies = [
        ("plan", "0004_plan_editor_group"),
    ]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
