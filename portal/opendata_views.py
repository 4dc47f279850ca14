"""Open data: each published plan as JSON (the export format) and CSV, the list of plans, and
the page that describes them and their licence.

The downloads are the same in every language, so they live outside the language prefixes.
They are read-only and public: any website may fetch them (CORS, see settings), and caches
and clients can ask whether they changed (ETag over the content) and get 304 Not Modified. Only published content is ever exported.
"""

import csv
import io
import json

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.cache import get_conditional_response, set_response_etag
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from plan.exchange import FORMAT, LANGUAGES, plan_data, texts
from plan.tree import PlanTree

from .trees import link, page_language, published_plan, published_plans

LICENCE = {
    "name": {
        "zh-hant": "政府資料開放授權條款－第1版",
        "en": "Open Government Data License, version 1.0",
    },
    "url": "https://data.gov.tw/license",
}

CSV_COLUMNS = [
    "ref",
    "parent_ref",
    "kind",
    "number_zh_hant",
    "number_en",
    "title_zh_hant",
    "title_en",
    "body_zh_hant",
    "body_en",
    "chart_label_zh_hant",
    "chart_label_en",
    "url_zh_hant",
    "url_en",
]

# The open data page's field tables: (field names, what they hold).
PLAN_FIELDS = [
    (["format"], _("Format and its version. Later versions only add fields.")),
    (["slug"], _("The plan's permanent short name, used in its addresses.")),
    (["title"], _("The plan's title.")),
    (["authority"], _("The authority that issued the plan.")),
    (["preamble_heading", "preamble"], _("Heading and text of the opening section.")),
    (["visions_heading"], _("Heading of the section with the visions and strategies.")),
    (["closing_heading", "closing"], _("Heading and text of the closing section.")),
    (
        ["term.roc", "term.western"],
        _("First and last year of the plan, in ROC years and in Western years."),
    ),
    (
        ["chart.title", "chart.rows"],
        _("Title of the architecture chart and the labels of its rows: goal, visions, strategies."),
    ),
    (
        ["source.file", "source.sha256", "source.note"],
        _("Where the official text comes from: the source file, its SHA-256 checksum, a note."),
    ),
    (
        ["tree"],
        _(
            "The goal, with the visions under it, the strategies under each vision and the "
            "action items under a strategy. Each of them has the fields below."
        ),
    ),
]
NODE_FIELDS = [
    (["kind"], _("goal, vision, strategy or action (an action item).")),
    (
        ["ref"],
        _("Permanent reference, used in the page's address; it does not change with the text."),
    ),
    (["number"], _("The number printed before it, in each language; null for the goal.")),
    (["title"], _("Title; empty for action items.")),
    (["body"], _("Text; an action item's text is its body.")),
    (
        ["chart_label"],
        _("How the architecture chart prints it, where that differs from the title; else null."),
    ),
    (
        ["url"],
        _(
            "Address of its page in Chinese; the English page has /en in front. An action "
            "item's address is its strategy's page with #ref."
        ),
    ),
    (["children"], _("The items under it, in the order of the plan.")),
]
CSV_FIELDS = [
    (["ref"], _("Permanent reference of the item.")),
    (["parent_ref"], _("Reference of the item above it; empty for the goal.")),
    (["kind"], _("goal, vision, strategy or action (an action item).")),
    (["number_zh_hant", "number_en"], _("The number printed before it, in each language.")),
    (["title_zh_hant", "title_en"], _("Title in each language; empty for action items.")),
    (["body_zh_hant", "body_en"], _("Text in each language.")),
    (
        ["chart_label_zh_hant", "chart_label_en"],
        _("How the architecture chart prints it, where that differs from the title."),
    ),
    (["url_zh_hant", "url_en"], _("Full address of its page in Chinese and in English.")),
]


def _download(request, body, content_type, filename, as_attachment):
    """A data response with a strong ETag over its bytes, answering If-None-Match with 304.
    (If-Modified-Since is answered by @condition before any work is done.) Cache-Control is
    the site's: portal.page_cache stores these like any public page and replays them."""
    response = HttpResponse(body, content_type=content_type)
    set_response_etag(response)
    response.headers["Content-Disposition"] = content_disposition_header(as_attachment, filename)
    return get_conditional_response(request, etag=response["ETag"], response=response)


def export_data(plan):
    """The plan in the export format, with its pages' addresses (the Chinese ones; English
    pages add /en in front): what `export_plan` prints and /data/<slug>.json serves."""
    return plan_data(plan, link(PlanTree.load(plan), "zh-hant"))


@require_safe
def plan_json(request, plan_slug):
    # Shown inline: browsers display JSON, programs do not care, and the filename still
    # names the file when it is saved.
    plan = published_plan(plan_slug)
    body = json.dumps(export_data(plan), ensure_ascii=False, indent=2) + "\n"
    return _download(
        request, body.encode(), "application/json; charset=utf-8", f"{plan.slug}.json", False
    )


def _page_urls(request, tree, plan):
    """Each node's absolute page address in each language, by node id."""
    urls = {node.pk: {} for node in tree}
    for language in LANGUAGES:
        link(tree, language)
        for node in tree:
            urls[node.pk][language] = request.build_absolute_uri(node.url)
    return urls


@require_safe
def plan_csv(request, plan_slug):
    plan = published_plan(plan_slug)
    tree = PlanTree.load(plan)
    urls = _page_urls(request, tree, plan)
    out = io.StringIO()
    # Excel only takes a CSV file for UTF-8 when it starts with a byte order mark.
    out.write("\ufeff")
    writer = csv.writer(out)  # CRLF line endings, quoting where needed (RFC 4180)
    writer.writerow(CSV_COLUMNS)
    for node in tree:
        numbers = node.numbers or {}
        row = [node.ref, node.parent.ref if node.parent else "", node.kind]
        row += [numbers.get(language, "") for language in LANGUAGES]
        for name in ("title", "body", "chart_label"):
            row += texts(node, name).values()
        row += [urls[node.pk][language] for language in LANGUAGES]
        writer.writerow(row)
    # Downloaded, not shown: a spreadsheet is what opens it.
    return _download(
        request, out.getvalue().encode(), "text/csv; charset=utf-8", f"{plan.slug}.csv", True
    )


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
        "license": LICENCE,
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
    return _download(request, body.encode(), "application/json; charset=utf-8", "plans.json", False)


@require_safe
def open_data(request):
    plans = published_plans()
    first = plans[0] if plans else None
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
        "plan": first,
        "format": FORMAT,
        "licence": LICENCE,
        "licence_name": LICENCE["name"][page_language()],
        "plans_url": _absolute(request, "data-plans"),
        "plan_fields": PLAN_FIELDS,
        "node_fields": NODE_FIELDS,
        "csv_fields": CSV_FIELDS,
        "examples": examples,
    }
    return render(request, "portal/open_data.html", context)
