"""Load plans from fixtures/ (or one file) into the database, never overwriting edits.

    python manage.py load_plan                 # every plan in fixtures/ not yet loaded
    python manage.py load_plan fixtures/x.json # one plan
    python manage.py load_plan x.json --replace

A plan already in the database is compared with the file: identical, nothing happens;
different (staff edited it, or the file changed), the differences are listed and the
command stops, unless --replace says to discard the database's version.
"""

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from plan.exchange import (
    comparable,
    create_plan,
    differences,
    plan_data,
    plan_loaded,
    replace_plan,
)
from plan.history import record_loaded
from plan.models import Plan
from plan.tree import PlanTree


class Command(BaseCommand):
    help = "Load plans from fixtures/ that are not in the database yet."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", help="plan files (default: every fixtures/*.json)")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="replace a plan that differs from its file (discards staff edits)",
        )

    def handle(self, paths, replace, **options):
        files = [Path(p) for p in paths] or sorted(
            (Path(settings.BASE_DIR) / "fixtures").glob("*.json")
        )
        if not files:
            raise CommandError("no plan files found")
        conflicts = []
        for path in files:
            try:
                data = json.loads(path.read_text("utf-8"))
            except (OSError, ValueError) as error:
                raise CommandError(f"{path}: {error}") from error
            slug = data.get("slug")
            if not slug or "tree" not in data:
                raise CommandError(f"{path}: not a plan file (no slug or tree)")
            plan = Plan.objects.filter(slug=slug).first()
            if plan is None:
                # With what the other apps load with it (the knowledge file), or not at all: a
                # plan left loaded without it would be "already loaded, unchanged" at the next
                # run, and never get it.
                with transaction.atomic():
                    plan = create_plan(data)
                    record_loaded(plan, path.name)
                    self.announce(plan, replaced=False)
                self.stdout.write(f"{slug}: loaded {plan.nodes.count()} nodes from {path.name}")
                continue
            current = plan_data(
                plan, PlanTree.load(plan, include_unpublished=True), with_urls=False
            )
            changes = differences(comparable(current), comparable(data))
            if not changes:
                self.stdout.write(f"{slug}: already loaded, unchanged")
            elif replace:
                with transaction.atomic():
                    plan = replace_plan(plan, data)
                    record_loaded(plan, path.name)
                    # The replaced items are new rows: the other apps assign them again.
                    self.announce(plan, replaced=True)
                self.stdout.write(f"{slug}: replaced from {path.name} ({len(changes)} differences)")
            else:
                conflicts.append(slug)
                self.stderr.write(
                    f"{slug}: the database differs from {path.name} in {len(changes)} place(s):"
                )
                for change in changes[:50]:
                    self.stderr.write(f"  {change}")
                if len(changes) > 50:
                    self.stderr.write(f"  … and {len(changes) - 50} more")
        if conflicts:
            raise CommandError(
                f"not loaded: {', '.join(conflicts)} differ from their files; nothing was overwritten. "
                "Use --replace to discard the database's version."
            )

    def announce(self, plan, replaced):
        """Tell the other apps (plan_loaded): the knowledge app loads the plan's glossary,
        topics and their assignment from its file, never over what staff have edited."""
        try:
            responses = plan_loaded.send(Plan, plan=plan, replaced=replaced)
        except ValueError as error:
            raise CommandError(f"{plan.slug}: {error}") from error
        for _receiver, report in responses:
            if report:
                self.stdout.write(f"{plan.slug}: {report}")
