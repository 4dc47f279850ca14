"""Import benchmark: a plan with many stored progress updates, a large updates file.

Run by hand (not a test); it prints figures:

    .venv/bin/python bench/import_bench.py [--stored 5000] [--rows 5000] [--postgres] [--publish]

It builds a throwaway database (a temporary SQLite file; with --postgres a database
`plan_import_bench` on postgres://postgres@127.0.0.1:5432, override with BENCH_SERVER_URL),
migrates it, loads the 112–115 plan, stores `--stored` published updates spread over its
strategies and action items, exports them (`export_progress`), and writes an updates file
of `--rows` rows: half taken from the export with their update_id (every other one changed,
the rest unchanged), half new rows without an id. Then it times `import_progress` on it: a
dry run (what the admin's upload preview does), the real import (drafts, or published with
--publish), and the same file again (nothing left to change; with --publish its old ids are
refused, superseded by what the import published). Each must finish well inside
gunicorn's 30 s worker timeout: the admin's upload runs the dry run, then the import.
"""

import argparse
import csv
import io
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVER = os.environ.get("BENCH_SERVER_URL", "postgres://postgres@127.0.0.1:5432")
DATABASE = "plan_import_bench"
SLUG = "kaohsiung-112-115"


def admin(sql):
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def setup_django(url):
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stored", type=int, default=5000)
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--publish", action="store_true", help="import with --publish")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="plan-import-bench-"))
    if args.postgres:
        admin(f"DROP DATABASE IF EXISTS {DATABASE}")
        admin(f"CREATE DATABASE {DATABASE}")
        url = f"{SERVER}/{DATABASE}"
    else:
        url = f"sqlite:///{folder / 'db.sqlite3'}"
    setup_django(url)
    try:
        run(args, folder)
    finally:
        from django.db import connections

        connections.close_all()
        if args.postgres:
            admin(f"DROP DATABASE IF EXISTS {DATABASE}")
        for path in folder.iterdir():
            path.unlink()
        folder.rmdir()


def store_updates(count):
    from datetime import date, timedelta
    from decimal import Decimal

    from django.utils import timezone

    from plan.models import PlanNode
    from progress.models import Agency, ProgressUpdate, Responsibility

    agencies = [
        Agency.objects.create(
            code=f"bench-{n}", name_zh_hant=f"測試機關{n}", name_en=f"Bench agency {n}"
        )
        for n in range(8)
    ]
    nodes = list(PlanNode.objects.filter(plan__slug=SLUG, kind__in=["strategy", "action"]))
    Responsibility.objects.bulk_create(
        Responsibility(node=node, agency=agencies[i % 8], role="lead")
        for i, node in enumerate(nodes)
    )
    now = timezone.now()
    ProgressUpdate.objects.bulk_create(
        ProgressUpdate(
            node=nodes[n % len(nodes)],
            date=date(2023, 1, 1) + timedelta(days=n // len(nodes)),
            status="in_progress",
            percent=Decimal(n % 100),
            summary_zh_hant=f"測試填報 {n}",
            summary_en=f"Bench report {n}",
            source=f"府授研字第{n:06d}號",
            agency=agencies[(n % len(nodes)) % 8],
            state="published",
            published_at=now,
        )
        for n in range(count)
    )
    return nodes


def build_file(export_text, rows, nodes):
    """`rows` rows: half from the export (every other one changed), half new."""
    exported = list(csv.reader(io.StringIO(export_text.lstrip("\ufeff"), newline="")))
    header, body = exported[0], exported[1:]
    old = body[: rows // 2]
    column = {name: i for i, name in enumerate(header)}
    for i, row in enumerate(old):
        if i % 2 == 0:
            row[column["summary_en"]] += " (corrected)"
    new = []
    for n in range(rows - len(old)):
        line = [""] * len(header)
        line[column["plan"]] = SLUG
        line[column["ref"]] = nodes[n % len(nodes)].ref
        line[column["date"]] = f"114/{n % 12 + 1:02d}/{n % 28 + 1:02d}"
        line[column["status"]] = "in_progress"
        line[column["percent"]] = f"{n % 100}%"
        line[column["summary_zh_hant"]] = f"新的填報 {n}"
        line[column["source"]] = f"https://example.org/new/{n}"
        new.append(line)
    out = io.StringIO()
    csv.writer(out).writerows([header, *old, *new])
    return ("\ufeff" + out.getvalue()).encode("utf-8"), len(old), len(new)


def timed(label, function):
    started = time.perf_counter()
    output = function()
    seconds = time.perf_counter() - started
    print(f"{label:<34} {seconds:7.2f} s   {output}")
    return seconds


def run(args, folder):
    from django.core.management import CommandError, call_command
    from django.db import connection

    from progress.models import ProgressUpdate

    call_command("migrate", verbosity=0)
    call_command("load_plan", verbosity=0, stdout=io.StringIO())
    nodes = store_updates(args.stored)
    vendor = connection.vendor
    print(
        f"{vendor}; {ProgressUpdate.objects.count()} stored updates on {len(nodes)} items; "
        f"{os.cpu_count()} cores"
    )

    def export():
        out = io.StringIO()
        call_command("export_progress", SLUG, kind="updates", stdout=out)
        export.text = out.getvalue()
        return f"{export.text.count(chr(10)) - 1} rows"

    timed("export_progress --kind updates", export)
    data, old, new = build_file(export.text, args.rows, nodes)
    path = folder / "updates.csv"
    path.write_bytes(data)
    print(f"file: {old + new} rows ({old} with update_id, half of them changed; {new} new)")
    extra = ["--publish"] if args.publish else []

    def command(*options):
        def go():
            out = io.StringIO()
            try:
                call_command("import_progress", str(path), *options, stdout=out, stderr=out)
            except CommandError as error:
                # With --publish the file's old ids are superseded the second time: refused
                # (export again), as they should be; the time is that of checking them all.
                return f"refused: {str(error).split(' / ')[-1]}"
            return out.getvalue().strip().split(": ", 1)[-1]

        return go

    timed("import --dry-run", command("--dry-run", *extra))
    timed("import" + (" --publish" if args.publish else ""), command(*extra))
    timed("the same file again", command(*extra))
    print(f"{ProgressUpdate.objects.count()} updates stored afterwards")


if __name__ == "__main__":
    main()
