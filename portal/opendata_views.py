"""Open data: each published plan as JSON (the export format) and CSV, the list of plans, and
the page that describes them and their licence.

The downloads are the same in every language, so they live outside the language prefixes.
They are read-only and public: any website may fetch them (CORS, see settings), and caches
and clients can ask whether they changed (ETag over the content) and get 304 Not Modified. Only published content is ever exported.
"""

import io
import json
from decimal import Decimal, InvalidOperation

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response, set_response_etag
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from plan.exchange import FORMAT, LANGUAGES, plan_data, texts
from plan.tree import PlanTree
from progress.rollup import EMPTY
from progress.spreadsheets import safe as spreadsheet_safe

from .trees import link, linked_tree, page_language, plan_progress, published_plan, published_plans

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
    (
        ["agencies"],
        _(
            "The agencies responsible for items of the plan: code, name (in each language) "
            "and url (their website)."
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
    (
        ["agencies", "agencies.lead", "agencies.support"],
        _("Codes of the agencies that lead it and that support it (see agencies at the top)."),
    ),
    (
        ["progress"],
        _(
            "Its progress as the portal shows it, from published updates only: status (of its "
            "latest update), percent (its own, or the weighted mean of its reported items), "
            "expected (what the schedule expects by today), light (green, yellow or red; null "
            "for statuses without one) and date (of its latest update). null when nothing is "
            "reported."
        ),
    ),
    (
        ["updates"],
        _(
            "Its published progress updates, newest first: date, status, percent, summary "
            "(in each language), source (a web address or document number), agency (code of "
            "the reporting agency, or null), reason and remedy (when it is behind schedule)."
        ),
    ),
    (
        ["withdrawn"],
        _(
            "Published facts a reviewer withdrew, newest first (they count in no figure): kind "
            "(update, indicator or milestone), withdrawn_at (date and time, Taipei), reason, "
            "and fact (what it said, in the shape of updates or indicators above; a milestone: "
            "planned_date, description, done_on, source)."
        ),
    ),
    (
        ["indicators"],
        _(
            "Its published performance indicators: key (stable id), name, measure and unit (in "
            "each language), direction (increase, decrease or milestone), baseline_year (ROC), "
            "baseline, weight, values (for each ROC year of the term: target, actual and "
            "source), source and target_change_reason."
        ),
    ),
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

# The list of plans (/data/plans.json): its fields.
PLANS_LIST_FIELDS = [
    (["format"], _("Format and its version. Later versions only add fields.")),
    (["license.name", "license.url"], _("The license's name, in each language, and its address.")),
    (["plans"], _("The published plans. Each has the fields below.")),
    (["plans.slug"], _("The plan's permanent short name, used in its addresses.")),
    (["plans.title"], _("The plan's title.")),
    (["plans.authority"], _("The authority that issued the plan.")),
    (
        ["plans.term.roc", "plans.term.western"],
        _("First and last year of the plan, in ROC years and in Western years."),
    ),
    (
        ["plans.last_modified"],
        _(
            "Date of the data's version: the last change by staff, else the plan's publication "
            "date; null for the official text when its date is not known."
        ),
    ),
    (["plans.json", "plans.csv"], _("Full addresses of the plan's JSON and CSV downloads.")),
    (["plans.pages"], _("Full address of the plan's page in each language.")),
]

# The progress downloads (/data/<slug>/<kind>.csv): (kind, title, its columns with what they
# hold). The contract is docs/progress-csv.md; import_progress reads the same files.
PROGRESS_CSV_FILES = [
    (
        "agencies",
        _("Agencies"),
        [
            (["code"], _("The agency's permanent code.")),
            (["name_zh_hant", "name_en"], _("Its name in each language.")),
            (["url"], _("Its website.")),
        ],
    ),
    (
        "responsibilities",
        _("Responsibilities"),
        [
            (["plan"], _("The plan's slug.")),
            (["ref"], _("Reference of the strategy or action item.")),
            (["agency"], _("Code of the agency.")),
            (["role"], _("lead or support.")),
            (
                ["title_zh_hant"],
                _(
                    "Only while the plan has no responsibilities yet: the file is then a "
                    "template with every strategy and action item and this column to tell "
                    "them apart."
                ),
            ),
        ],
    ),
    (
        "indicators",
        _("Performance indicators"),
        [
            (["plan", "ref"], _("The plan's slug and the item's reference.")),
            (["indicator"], _("The indicator's stable id within the plan.")),
            (
                [
                    "name_zh_hant",
                    "name_en",
                    "measure_zh_hant",
                    "measure_en",
                    "unit_zh_hant",
                    "unit_en",
                ],
                _("Name, how it is measured and its unit, in each language."),
            ),
            (["direction"], _("increase, decrease or milestone (reached by a year).")),
            (["baseline_year", "baseline"], _("The baseline and its year (ROC).")),
            (["weight"], _("Its weight among the item's indicators.")),
            (
                ["target_<year>", "actual_<year>"],
                _("Target and actual for each ROC year of the plan's term (e.g. target_112)."),
            ),
            (["source"], _("Where the actuals are published.")),
            (["target_change_reason"], _("Why a published target was weakened, if it was.")),
            (
                ["source_<year>"],
                _("Only when a year has its own source: that year's source."),
            ),
        ],
    ),
    (
        "updates",
        _("Progress updates"),
        [
            (["plan", "ref"], _("The plan's slug and the item's reference.")),
            (["date"], _("Date of the update (YYYY-MM-DD).")),
            (
                ["status"],
                _("not_started, in_progress, behind, completed, adjusted or suspended."),
            ),
            (["percent"], _("Percent complete, 0–100; empty when not given.")),
            (["summary_zh_hant", "summary_en"], _("What was done, in each language.")),
            (["source"], _("Where it is published: a web address or a document number.")),
            (["agency"], _("Code of the reporting agency.")),
            (["reason", "remedy"], _("For an update behind schedule: why, and what is done.")),
            (["update_id"], _("The update's id: a re-imported row with it updates that update.")),
        ],
    ),
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
    pages add /en in front): what `export_plan` prints and /data/<slug>.json serves.

    Added to the format (keys only added, never changed): each node's agencies, published
    indicators, progress and updates, and the plan's agencies at the top. The tree is the
    pages' linked tree and the progress the pages' bundle (one query, kept per version)."""
    tree = linked_tree(plan, "zh-hant")
    data = plan_data(plan, tree)
    bundle, progress = plan_progress(plan)
    nodes = {node.ref: node for node in tree}
    agencies = {}

    def add(node_data):
        node = nodes[node_data["ref"]]
        facts = bundle.get(node.pk, EMPTY)
        node_data["agencies"] = {
            "lead": [a["code"] for a in facts.lead],
            "support": [a["code"] for a in facts.support],
        }
        for agency in (*facts.lead, *facts.support):
            agencies[agency["code"]] = agency
        node_data["indicators"] = [_indicator(i, plan) for i in facts.indicators]
        node_data["progress"] = _progress(progress.get(node.pk))
        node_data["updates"] = [_update(u) for u in facts.updates]
        node_data["withdrawn"] = [_withdrawn(w, plan) for w in facts.withdrawn]
        for child in node_data["children"]:
            add(child)

    if data["tree"]:
        add(data["tree"])
    data["agencies"] = [
        {
            "code": code,
            "name": {"zh-hant": a["name_zh_hant"] or "", "en": a["name_en"] or ""},
            "url": a["url"] or "",
        }
        for code, a in sorted(agencies.items())
    ]
    return data


def _number(value):
    """A decimal as a JSON number (55 rather than 55.0); None stays null."""
    if value in (None, ""):
        return None
    try:
        value = Decimal(str(value))
    except InvalidOperation:
        return str(value)  # not a number (entered by hand): as it is
    return int(value) if value == value.to_integral_value() else float(value)


def _bilingual(fact, name):
    return {"zh-hant": fact.get(f"{name}_zh_hant") or "", "en": fact.get(f"{name}_en") or ""}


def _progress(progress):
    if progress is None or not progress.is_reported:
        return None
    return {
        "status": progress.status,
        "percent": _number(progress.percent),
        "expected": _number(progress.expected),
        "light": progress.light,
        "date": progress.date.isoformat() if progress.date else None,
    }


def _update(update):
    return {
        "date": update["date"].isoformat(),
        "status": update["status"],
        "percent": _number(update["percent"]),
        "summary": _bilingual(update, "summary"),
        "source": update["source"] or "",
        "agency": update["agency"],
        "reason": update["reason"] or "",
        "remedy": update["remedy"] or "",
    }


def _withdrawn(fact, plan):
    """A published fact a reviewer withdrew: when (Taipei time), why, and what it said."""
    what = {"update": _update, "indicator": lambda i: _indicator(i, plan)}.get(fact["kind"])
    moment = fact.get("withdrawn_at")
    return {
        "kind": fact["kind"],
        "withdrawn_at": timezone.localtime(moment).isoformat() if moment else None,
        "reason": fact.get("withdrawal_reason") or "",
        "fact": what(fact) if what else _milestone(fact),
    }


def _milestone(milestone):
    return {
        "planned_date": _iso(milestone.get("planned_date")),
        "description": _bilingual(milestone, "description"),
        "done_on": _iso(milestone.get("done_on")),
        "source": milestone.get("source") or "",
    }


def _iso(day):
    return day.isoformat() if day else None


def _indicator(indicator, plan):
    values = indicator["values"] or {}
    years = {}
    for year in range(plan.term_start_roc, plan.term_end_roc + 1):
        entry = values.get(str(year), {})
        years[str(year)] = {
            "target": _number(entry.get("target")),
            "actual": _number(entry.get("actual")),
            "source": entry.get("source") or indicator["source"] or "",
        }
    return {
        "key": indicator["key"],
        "name": _bilingual(indicator, "name"),
        "measure": _bilingual(indicator, "measure"),
        "unit": _bilingual(indicator, "unit"),
        "direction": indicator["direction"],
        "baseline_year": indicator["baseline_year"],
        "baseline": _number(indicator["baseline"]),
        "weight": _number(indicator["weight"]),
        "values": years,
        "source": indicator["source"] or "",
        "target_change_reason": indicator["target_change_reason"] or "",
    }


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
    # The portal's one CSV writer: the byte order mark Excel needs for UTF-8, CRLF line
    # endings, quoting where needed (RFC 4180), formula-like texts neutralised.
    writer = spreadsheet_safe.writer(out)
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
        "plans_list_fields": PLANS_LIST_FIELDS,
        "progress_files": [
            (
                kind,
                title,
                reverse(f"data-progress-{kind}", args=[first.slug]) if first else "",
                fields,
            )
            for kind, title, fields in PROGRESS_CSV_FILES
        ],
        "examples": examples,
    }
    return render(request, "portal/open_data.html", context)


@require_safe
def catalog_json(request):
    """Every download above described for open data platforms (DCAT as JSON-LD, with the
    fields data.gov.tw asks for): docs/open-data-catalog.md."""
    from .catalog import catalog_data  # it reads this module's field tables

    body = json.dumps(catalog_data(request, published_plans()), ensure_ascii=False, indent=2)
    return _download(
        request,
        (body + "\n").encode(),
        "application/ld+json; charset=utf-8",
        "catalog.json",
        False,
    )
