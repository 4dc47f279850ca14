"""Open data: each published plan as JSON (the export format) and CSV, the list of plans,
the data catalog, and the page that describes them and their licence.

The downloads are the same in every language, so they live outside the language prefixes.
They are read-only and public: any website may fetch them (CORS, see settings), and caches
and clients can ask whether they changed (ETag over the content) and get 304 Not Modified.
Only published content is ever exported (portal.pages.opendata.export).
"""

import json
from contextlib import nullcontext

from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from plan.bundle import translated
from plan.exchange import FORMAT, LANGUAGES, texts
from progress.spreadsheets.ods import MEDIA_TYPE as ODS
from progress.spreadsheets.ods import plan_ods as ods_file
from progress.spreadsheets.safe import write_csv

from ...dated import (
    NoSuchDay,
    as_json,
    asked_days,
    comparison,
    dated_plan,
    default_range,
    parse_day,
)
from ...published import (
    as_of,
    begun_reporting_periods,
    page_language,
    published_plan,
    published_plans,
)
from ...serving.page_cache import page_query
from ..common import download
from . import fields
from .catalog import catalog_data
from .export import csv_rows, export_data


def _dated(request, plan):
    """(the plan to export, the reading context, the file name's stem): today's, or with
    ?as_of=YYYY-MM-DD the plan as published at the end of that day (portal.dated), exactly
    as an export made that day (its pages' own addresses)."""
    text = request.GET.get("as_of")
    if not text:
        return plan, nullcontext(), plan.slug
    day = parse_day(text)
    if day is None:
        raise Http404("as_of is a date: YYYY-MM-DD.")
    try:
        dated = dated_plan(plan, day, pages=False)
    except NoSuchDay:
        raise Http404("No record of the plan on that day.") from None
    return dated.plan, as_of(dated), f"{plan.slug}-{day.isoformat()}"


@require_safe
@page_query("as_of")
def plan_json(request, plan_slug):
    # Shown inline: browsers display JSON, programs do not care, and the filename still
    # names the file when it is saved.
    plan, reading, stem = _dated(request, published_plan(plan_slug))
    with reading:
        body = json.dumps(export_data(plan), ensure_ascii=False, indent=2) + "\n"
    return download(
        request, body.encode(), "application/json; charset=utf-8", f"{stem}.json", False
    )


@require_safe
@page_query("from", "to")
def compare_json(request, plan_slug):
    """What changed between two days (portal.dated.comparison; docs/compare.md)."""
    plan = published_plan(plan_slug)
    first, today = default_range(plan)
    if first is None:
        raise Http404("Nothing of this plan has been recorded yet: there is nothing to compare.")
    days = asked_days(request.GET, first, today)
    for name, day in days.items():
        if day is None:
            return HttpResponseBadRequest(f"{name} is a date: YYYY-MM-DD.\n")
    since, until = sorted(days.values())
    try:
        found = comparison(plan, since, until)
    except NoSuchDay:
        raise Http404("No record of the plan on one of those days.") from None
    body = as_json(found)
    name = f"{plan.slug}-compare-{since.isoformat()}-{until.isoformat()}.json"
    return download(request, body.encode(), "application/json; charset=utf-8", name, False)


@require_safe
def plan_ods(request, plan_slug):
    """The plan's CSV rows as an ODS spreadsheet (progress.spreadsheets.ods)."""
    plan = published_plan(plan_slug)
    body = ods_file(plan, csv_rows(plan, request.build_absolute_uri))
    return download(request, body, ODS, f"{plan.slug}.ods", True)


@require_safe
@page_query("as_of")
def plan_csv(request, plan_slug):
    plan, reading, stem = _dated(request, published_plan(plan_slug))
    # The portal's one CSV writer: the byte order mark Excel needs for UTF-8, CRLF line
    # endings, quoting where needed (RFC 4180), formula-like texts neutralised.
    with reading:
        body = write_csv(csv_rows(plan, request.build_absolute_uri))
    # Downloaded, not shown: a spreadsheet is what opens it.
    return download(request, body.encode(), "text/csv; charset=utf-8", f"{stem}.csv", True)


def _absolute(request, name, *args):
    return request.build_absolute_uri(reverse(name, args=args))


def _plan_pages(request, plan):
    pages = {}
    for language in LANGUAGES:
        with translation.override(language):
            pages[language] = _absolute(request, "portal:plan", plan.slug)
    return pages


@require_safe
def plans_json(request):
    data = {
        "format": FORMAT,
        "license": fields.LICENCE,
        "plans": [
            {
                "slug": plan.slug,
                "title": texts(plan, "title"),
                "authority": texts(plan, "authority"),
                "term": {
                    "roc": [plan.term_start_roc, plan.term_end_roc],
                    "western": [plan.term_start, plan.term_end],
                },
                # The date of the data's version: the last staff change, else the plan's
                # publication date; null for the official text when its date is not known.
                "last_modified": plan.version_date.isoformat() if plan.version_date else None,
                "json": _absolute(request, "data-plan-json", plan.slug),
                "csv": _absolute(request, "data-plan-csv", plan.slug),
                "pages": _plan_pages(request, plan),
            }
            for plan in published_plans()
        ],
    }
    body = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    return download(request, body.encode(), "application/json; charset=utf-8", "plans.json", False)


@require_safe
def open_data(request):
    plans = published_plans()
    first = plans[0] if plans else None
    periods = begun_reporting_periods(plans)
    language = page_language()
    examples = [(_("The list of published plans"), f"curl -s {_absolute(request, 'data-plans')}")]
    if first:
        json_url = _absolute(request, "data-plan-json", first.slug)
        csv_url = _absolute(request, "data-plan-csv", first.slug)
        examples += [
            (_("A plan as JSON"), f"curl -s -o {first.slug}.json {json_url}"),
            (_("A plan as CSV"), f"curl -s -o {first.slug}.csv {csv_url}"),
            (
                _("Download it again only if the plan has changed since (a conditional request)"),
                f"curl -s --etag-compare {first.slug}.etag --etag-save {first.slug}.etag "
                f"-o {first.slug}.json {json_url}",
            ),
            (
                _("Only the headers: content type and ETag"),
                f"curl -sI {json_url}",
            ),
        ]
    context = {
        "plans": plans,
        # Each plan with its period reports as CSV (from its first reporting period on).
        "downloads": [
            (
                plan,
                [
                    {
                        "label": translated(period, "label", language),
                        "url": reverse("data-period-csv", args=[plan.slug, period["slug"]]),
                        "ods": reverse("data-period-ods", args=[plan.slug, period["slug"]]),
                    }
                    for period in periods.get(plan.pk, [])
                ],
            )
            for plan in plans
        ],
        "plan": first,
        "format": FORMAT,
        "licence": fields.LICENCE,
        "licence_name": fields.LICENCE["name"][page_language()],
        "plans_url": _absolute(request, "data-plans"),
        "plan_fields": fields.PLAN_FIELDS,
        "node_fields": fields.NODE_FIELDS,
        "csv_fields": fields.CSV_FIELDS,
        "plans_list_fields": fields.PLANS_LIST_FIELDS,
        "progress_files": [
            (
                kind,
                title,
                reverse(f"data-progress-{kind}", args=[first.slug]) if first else "",
                table,
            )
            for kind, title, table in fields.PROGRESS_CSV_FILES
        ],
        "period_file": (
            fields.PERIOD_CSV[1],
            reverse("data-period-csv", args=[first.slug, "PERIOD"]).replace("PERIOD", "<period>")
            if first
            else "",
            fields.PERIOD_CSV[2],
        ),
        "examples": examples,
    }
    return render(request, "portal/open_data.html", context)


@require_safe
def catalog_json(request):
    """Every download above described for open data platforms (DCAT as JSON-LD, with the
    fields data.gov.tw asks for): docs/open-data-catalog.md."""
    plans = published_plans()
    data = catalog_data(request, plans, begun_reporting_periods(plans))
    body = json.dumps(data, ensure_ascii=False, indent=2)
    return download(
        request,
        (body + "\n").encode(),
        "application/ld+json; charset=utf-8",
        "catalog.json",
        False,
    )
