"""The content version: one number the database bumps with every write to published content.

Every cache of anything a citizen sees (whole pages, linked trees, search trees, the list of
published plans) is keyed by it, so an edit saved on any app server changes every key at the
next request on every other one, whatever their clocks say.

The bump is a database trigger on each content table, so it happens in the writing
transaction whatever wrote: a model save, a treebeard move (raw SQL), `QuerySet.update()`,
`delete()`, `loaddata`, a migration, a script. A reader never sees new content under an old
version: the version commits with the content.

The version is "<epoch>.<counter>". The epoch is random, chosen when the row is (re)created: a
database that is flushed or restored starts a new epoch, so its counter restarting at 1 can
never meet entries cached from an earlier database in a shared Redis.
"""

from contextvars import ContextVar

from django.db import connection

TABLE = "plan_contentversion"
FUNCTION = "plan_bump_content_version"
# Tables whose writes change what citizens see. reversion_version: the public history.
CONTENT_TABLES = ("plan_plan", "plan_plannode", "reversion_version")
# Every content table of every app (apps add theirs in ready(): see register_content_tables).
_registered = list(CONTENT_TABLES)


def register_content_tables(*tables):
    for table in tables:
        if table not in _registered:
            _registered.append(table)


def content_tables():
    return tuple(_registered)


# The version of the request being served (set by the page cache), so views read it once.
current = ContextVar("content_version", default=None)


def read_content_version():
    """The version as it is in the database now. Raw SQL: the page cache reads it on every
    request, where building the equivalent ORM query would cost more than a cached hit."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT epoch, counter FROM {TABLE} WHERE id = 1")
        row = cursor.fetchone()
    return f"{row[0]}.{row[1]}" if row else "0.0"


def content_version():
    """The version this request works with (read at most once per request)."""
    known = current.get()
    return known if known is not None else read_content_version()


# Triggers -------------------------------------------------------------------------------


def _sqlite_trigger_sql(table, operation):
    return (
        f"CREATE TRIGGER IF NOT EXISTS {table}_content_version_{operation.lower()} "
        f"AFTER {operation} ON {table} BEGIN "
        f"INSERT INTO {TABLE} (id, epoch, counter) VALUES (1, lower(hex(randomblob(8))), 1) "
        f"ON CONFLICT(id) DO UPDATE SET counter = counter + 1; END"
    )


POSTGRESQL_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {TABLE} (id, epoch, counter)
    VALUES (1, substr(md5(random()::text || clock_timestamp()::text), 1, 16), 1)
    ON CONFLICT (id) DO UPDATE SET counter = {TABLE}.counter + 1;
    RETURN NULL;
END $$
"""


def install_triggers(schema_editor, tables):
    """Bump the version on every INSERT, UPDATE, DELETE (and TRUNCATE) of these tables.
    For migrations: later content tables (progress, glossary…) call this in their own."""
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_FUNCTION)
        for table in tables:
            # Per statement, not per row: a bulk update of 500 rows is one bump.
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_content_version ON {table}")
            schema_editor.execute(
                f"CREATE TRIGGER {table}_content_version "
                f"AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
            )
    elif vendor == "sqlite":
        for table in tables:
            for operation in ("INSERT", "UPDATE", "DELETE"):
                schema_editor.execute(_sqlite_trigger_sql(table, operation))
    else:
        raise NotImplementedError(f"content version triggers for {vendor}")


def ensure_triggers(sender=None, using="default", **kwargs):
    """Install every registered table's triggers if missing (after each `migrate`). On
    SQLite a migration that rebuilds a table (adding a column with a default does) drops its
    triggers with it; this puts them back before anything else runs."""
    from django.db import connections

    if sender is not None and sender.name != "plan":
        return  # post_migrate comes once per app, after every app's migrations: once is enough
    connection = connections[using]
    existing = set(connection.introspection.table_names())
    tables = [table for table in content_tables() if table in existing]
    with connection.schema_editor() as schema_editor:
        install_triggers(schema_editor, tables)


def missing_triggers(using="default"):
    """The registered content tables that have no version trigger (should be none)."""
    from django.db import connections

    connection = connections[using]
    existing = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        triggers = {row[0] for row in cursor.fetchall()}

    def expected(table):
        if connection.vendor == "postgresql":
            return {f"{table}_content_version"}
        return {f"{table}_content_version_{op}" for op in ("insert", "update", "delete")}

    return [
        table for table in content_tables() if table in existing and not expected(table) <= triggers
    ]


def remove_triggers(schema_editor, tables):
    vendor = schema_editor.connection.vendor
    for table in tables:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_content_version ON {table}")
        else:
            for operation in ("insert", "update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_content_version_{operation}")
