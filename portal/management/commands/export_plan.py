"""Print a plan as JSON (the open-data format described in the README).

python manage.py export_plan kaohsiung-112-115 > plan.json
"""

import json

from django.core.management.base import BaseCommand, CommandError
from django.http import Http404

from portal.pages.opendata.export import export_data
from portal.published import published_plan


class Command(BaseCommand):
    help = "Print a plan's published content as JSON on standard output."

    def add_arguments(self, parser):
        parser.add_argument("slug")

    def handle(self, slug, **options):
        try:
            plan = published_plan(slug)
        except Http404:
            raise CommandError(f"no published plan with slug {slug!r}") from None
        self.stdout.write(json.dumps(export_data(plan), ensure_ascii=False, indent=2))
