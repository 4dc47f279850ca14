"""What the open data is, in words: its licence, and the tables of fields the open data page
shows and the data catalog (portal.pages.opendata.catalog) describes each download with.

The CSV files' columns are not listed here but read from their contracts: the plan's CSV
(CSV_COLUMNS, written by portal.pages.opendata.export), the progress files
(progress.spreadsheets.contract, the period reports' PERIOD_COLUMNS included); a description names the column it starts with and covers
the columns up to the next described one, so a column added to a contract shows in its
table (with the description before it) and a renamed one fails at import.
"""

from types import SimpleNamespace

from django.utils.translation import gettext_lazy as _

from progress.spreadsheets.contract import (
    AGENCY_COLUMNS,
    OPEN_DATA_LICENCE,
    PERIOD_COLUMNS,
    TEMPLATE_COLUMNS,
    UPDATE_EXPORT_COLUMNS,
    YEAR_COLUMN,
    indicator_columns,
)

# The open data licence: the files' own (progress.spreadsheets.contract), written into each ODS.
LICENCE = OPEN_DATA_LICENCE

# The plan as CSV (/data/<slug>.csv): one row per item.
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
# The indicators file's columns with a term's years as <year> (target_<year>, …).
INDICATOR_COLUMNS = list(
    dict.fromkeys(
        YEAR_COLUMN.sub(r"\1_<year>", column)
        for column in indicator_columns(
            SimpleNamespace(term_start_roc=0, term_end_roc=0), year_sources=True
        )
    )
)


def described(columns, descriptions):
    """A CSV file's field table, [(column names, what they hold)], in the file's order: each
    description names the first column of its group, which runs to the next described one."""
    unknown = set(descriptions) - set(columns)
    if unknown:
        raise ValueError(f"described columns the file does not have: {sorted(unknown)}")
    if columns[0] not in descriptions:
        raise ValueError(f"the file's first column is not described: {columns[0]}")
    table = []
    for column in columns:
        if column in descriptions:
            table.append(([column], descriptions[column]))
        else:
            table[-1][0].append(column)
    return table


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
        ["coverage", "coverage.reported", "coverage.total"],
        _(
            "The goal, a vision or a strategy: how many strategies it holds (total) and how "
            "many of them report (a strategy reports when it or one of its action items has a "
            "published update). Not on action items."
        ),
    ),
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
            "reported. Added: as_of (the date of the figure that stands for it: its own latest "
            "update, or the latest of its reported items'), expected_at_date and light_at_date "
            "(that figure compared with what was planned by its own date, as pages show it), "
            "own (its own latest update as one statement: status, percent, date, "
            "expected_at_date, light_at_date, source) and withheld (true for the goal or a "
            "vision when fewer strategies report than PROGRESS_COVERAGE_MIN: pages then show "
            "no average)."
        ),
    ),
    (
        ["updates"],
        _(
            "Its published progress updates, newest first: date, status, percent, summary "
            "(in each language), source (a web address or document number), agency (code of "
            "the reporting agency, or null), reason and remedy (when it is behind schedule; in "
            "Chinese) and, added, reason_en and remedy_en (their English, empty until written)."
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
            "source), source and target_change_reason (in Chinese; added: "
            "target_change_reason_en, its English)."
        ),
    ),
]
CSV_FIELDS = described(
    CSV_COLUMNS,
    {
        "ref": _("Permanent reference of the item."),
        "parent_ref": _("Reference of the item above it; empty for the goal."),
        "kind": _("goal, vision, strategy or action (an action item)."),
        "number_zh_hant": _("The number printed before it, in each language."),
        "title_zh_hant": _("Title in each language; empty for action items."),
        "body_zh_hant": _("Text in each language."),
        "chart_label_zh_hant": _(
            "How the architecture chart prints it, where that differs from the title."
        ),
        "url_zh_hant": _("Full address of its page in Chinese and in English."),
    },
)

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

# The progress downloads (/data/<slug>/<kind>.csv): (kind, title, its field table). The
# contract is docs/progress-csv.md; import_progress reads the same files.
PROGRESS_CSV_FILES = [
    (
        "agencies",
        _("Agencies"),
        described(
            AGENCY_COLUMNS,
            {
                "code": _("The agency's permanent code."),
                "name_zh_hant": _("Its name in each language."),
                "url": _("Its website."),
            },
        ),
    ),
    (
        "responsibilities",
        _("Responsibilities"),
        described(
            TEMPLATE_COLUMNS,
            {
                "plan": _("The plan's slug."),
                "ref": _("Reference of the strategy or action item."),
                "agency": _("Code of the agency."),
                "role": _("lead or support."),
                "title_zh_hant": _(
                    "Only while the plan has no responsibilities yet: the file is then a "
                    "template with every strategy and action item and this column to tell "
                    "them apart."
                ),
            },
        ),
    ),
    (
        "indicators",
        _("Performance indicators"),
        described(
            INDICATOR_COLUMNS,
            {
                "plan": _("The plan's slug and the item's reference."),
                "indicator": _("The indicator's stable id within the plan."),
                "name_zh_hant": _("Name, how it is measured and its unit, in each language."),
                "direction": _("increase, decrease or milestone (reached by a year)."),
                "baseline_year": _("The baseline and its year (ROC)."),
                "weight": _("Its weight among the item's indicators."),
                "target_<year>": _(
                    "Target and actual for each ROC year of the plan's term (e.g. target_112)."
                ),
                "source": _("Where the actuals are published."),
                "target_change_reason": _("Why a published target was weakened, if it was."),
                "target_change_reason_en": _("Added: that reason in English (optional)."),
                "source_<year>": _("Only when a year has its own source: that year's source."),
            },
        ),
    ),
    (
        "updates",
        _("Progress updates"),
        described(
            UPDATE_EXPORT_COLUMNS,
            {
                "plan": _("The plan's slug and the item's reference."),
                "date": _("Date of the update (YYYY-MM-DD)."),
                "status": _("not_started, in_progress, behind, completed, adjusted or suspended."),
                "percent": _("Percent complete, 0–100; empty when not given."),
                "summary_zh_hant": _("What was done, in each language."),
                "source": _("Where it is published: a web address or a document number."),
                "agency": _("Code of the reporting agency."),
                "reason": _("For an update behind schedule: why, and what is done."),
                "update_id": _("The update's id: a re-imported row with it updates that update."),
                "reason_en": _(
                    "Added: the reason and the remedy in English (optional on import; empty "
                    "until written)."
                ),
            },
        ),
    ),
]

# A reporting period's report (/data/<slug>/periods/<period>.csv): its field table.
PERIOD_CSV = (
    "periods",
    _("Period reports"),
    described(
        PERIOD_COLUMNS,
        {
            "plan": _(
                "The plan's slug and the reporting period's id: the ROC year, q and the quarter "
                "(115q3), or h and the half (115h2)."
            ),
            "ref": _("Reference of the strategy or action item."),
            "agency": _(
                "Code of the lead agency that owes the item's update (one row per lead agency); "
                "empty where the item has no lead agency."
            ),
            "obligation": _(
                "What that agency owed in the period and where it stands: owed, submitted "
                "(waiting for review), returned, published, overdue (nothing published or "
                "waiting by the deadline) or not_owed (nothing owed: before the plan's first "
                "reporting period, outside the item's planned period, once it is completed, "
                "while it is suspended, or a strategy whose action items report)."
            ),
            "status": _(
                "From the latest published update dated in the period that counts for the "
                "agency: its status, percent complete, light (green, yellow or red, compared "
                "with the progress planned by its date; empty without one) and date. Empty "
                "when there is none."
            ),
            "reason": _("For an update behind schedule: the reason and the remedy, in Chinese."),
        },
    ),
)
