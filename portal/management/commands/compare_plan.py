"""Print what changed in a plan between two days (the comparison page's content), as text
or as the compare.json contract (docs/compare.md).

python manage.py compare_plan kaohsiung-112-115 --from 2025-06-30 --to 2026-06-30 [--json]
"""

from django.core.management.base import BaseCommand, CommandError
from django.http import Http404
from django.utils import translation

from portal.dated import NoSuchDay, as_json, comparison, default_range, parse_day, summary_lines
from portal.published import published_plan


class Command(BaseCommand):
    help = "Print what changed in a plan between two days (default: its first day and today)."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--from", dest="since", help="YYYY-MM-DD (default: the first day)")
        parser.add_argument("--to", dest="until", help="YYYY-MM-DD (default: today, Taipei)")
        parser.add_argument(
            "--json", dest="json_out", action="store_true", help="print compare.json's format"
        )
        parser.add_argument("--language", choices=("zh-hant", "en"), default="zh-hant")

    def handle(self, slug, since, until, json_out, language, **options):
        try:
            plan = published_plan(slug)
        except Http404:
            raise CommandError(f"no published plan with slug {slug!r}") from None
        first, today = default_range(plan)
        days = [self.day(since, first, "--from"), self.day(until, today, "--to")]
        with translation.override(language):
            try:
                found = comparison(plan, *sorted(days), language)
            except NoSuchDay:
                raise CommandError(
                    f"no record of the plan on one of those days (the first is {first})"
                ) from None
            if json_out:
                self.stdout.write(as_json(found), ending="")
            else:
                self.stdout.write(as_text(found))

    def day(self, text, default, option):
        if not text:
            if default is None:
                raise CommandError("the plan has no recorded revision yet")
            return default
        day = parse_day(text)
        if day is None:
            raise CommandError(f"{option} is a date: YYYY-MM-DD")
        return day


def as_text(found):
    lines = [f"{found['plan']}: {found['from']} → {found['to']}"]
    lines += [f"- {line}" for line in summary_lines(found)] or ["- (no change)"]
    for change in found["changes"]:
        numbers = " → ".join(str(n) for n in (change.get("before"), change.get("after")) if n)
        lines.append(f"{change['kind']:9} {change.get('ref') or '-'} {numbers}".rstrip())
    return "\n".join(lines)
