"""A reporting period's report as documents (/<plan>/progress/<period>.pdf and .odt): what
the 研考 unit brings to the management meeting. The same sections as the page
(portal.pages.progress.report): coverage first, the lights and statuses by vision, the
exceptions by agency with the reason and the remedy, the agencies without exceptions and,
once signed off, the corrections published since; the same empty states.

Built like the full text (portal.pages.documents_build): a tagged PDF and an ODT with real
headings and tables, byte-identical for the same content version, language, release and
Taipei date (what is owed moves with the calendar, as the page cache keys the page). The
dates printed are the period's, its sign-off's and the content version's, never the build's.
"""

import odfdo
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext, ngettext, pgettext

from ..context_processors import HTML_LANG
from ..templatetags.progress import period_date
from . import documents_build as build


def report_title(period):
    return gettext("%(label)s period report") % {"label": period.label}


def period_context(plan, report, language):
    period = report.period
    title = report_title(period)
    dates = gettext(
        "Period from %(start)s to %(end)s; updates due by the end of %(deadline)s (Taipei time)."
    ) % {
        "start": period_date(period.start),
        "end": period_date(period.end),
        "deadline": period_date(period.deadline),
    }
    signed = ""
    if period.is_signed_off:
        signed = gettext("Signed off on %(day)s.") % {"day": period_date(period.signed_off_at)}
    reported, total = report.coverage if report.has_report else (0, 0)
    coverage = ngettext(
        "%(reported)s of %(total)s strategy reported in this period",
        "%(reported)s of %(total)s strategies reported in this period",
        total,
    ) % {"reported": reported, "total": total}
    return {
        "plan": plan,
        "report": report,
        "period": period,
        "language": language,
        "html_lang": HTML_LANG[language],
        "title": title,
        "document_title": f"{title} · {plan.title}",
        "dates": dates,
        "signed": signed,
        "coverage": coverage,
        "colon": ": " if language == "en" else "：",
        "version_date": plan.version_date,
        "version": build.version_line(plan.version_date),
    }


def filename(plan, period, extension):
    """The plan's title and the report's, as the plan words them."""
    return build.filename_of(f"{plan.title} {report_title(period)}", extension)


# PDF --------------------------------------------------------------------------------------


def build_pdf(plan, report, language):
    with translation.override(language):
        context = period_context(plan, report, language)
        return build.write_pdf(render_to_string("portal/documents/period_report.html", context))


# ODT --------------------------------------------------------------------------------------


def build_odt(plan, report, language):
    with translation.override(language):
        return _build_odt(plan, report, period_context(plan, report, language))


def _build_odt(plan, report, context):
    document = odfdo.Document("text")
    body = document.body
    body.clear()
    build.odt_styles(document)
    _table_styles(document)
    period = report.period
    body.append(build.paragraph(plan.authority, style="Subtitle"))
    body.append(build.paragraph(plan.title, style="Subtitle"))
    body.append(build.paragraph(context["title"], style="Title"))
    body.append(build.paragraph(context["dates"], style="Subtitle"))
    if context["signed"]:
        body.append(build.paragraph(context["signed"], style="Subtitle"))
    # The title page ends with the content version's date; the report begins a page.
    body.append(build.paragraph(context["version"], style="Title_20_page_20_end"))
    text = _paragraph(body)
    if not report.counted:
        if report.first:
            text(
                gettext(
                    "Reporting for this plan starts with %(first)s: nothing was owed for "
                    "%(label)s, so it has no report."
                )
                % {"first": report.first.label, "label": period.label}
            )
        else:
            text(
                gettext(
                    "Reporting has not started: the city has not yet set this plan's first "
                    "reporting period. Until it does, the reporting periods are a calendar, "
                    "not a commitment: nothing is owed, and no period has a report."
                )
            )
    elif period.is_upcoming:
        text(
            gettext("This period starts on %(start)s: it has no report yet.")
            % {"start": period_date(period.start)}
        )
    else:
        _odt_report(body, report, context, text)
    return build.save_odt(document, plan, context["document_title"], context)


def _odt_report(body, report, context, text):
    period, colon = report.period, context["colon"]
    if period.is_signed_off:
        text(
            gettext(
                "The lines below are the report as it stood then; facts for the period "
                "published later are listed after it as dated corrections."
            )
        )
    text(
        gettext(
            "Only updates reviewed and published by the city count. An update counts for the "
            "period its date falls in; each lead agency of a strategy or action item owes "
            "its own."
        )
    )
    body.append(build.heading(1, gettext("Coverage")))
    text(context["coverage"])
    if report.owed:
        text(
            ngettext(
                "%(count)s update owed by the lead agencies:",
                "%(count)s updates owed by the lead agencies:",
                report.owed,
            )
            % {"count": report.owed}
        )
        body.append(
            odfdo.List(
                [
                    build.xml_text(f"{entry['label']}{colon}{entry['count']}")
                    for entry in report.obligations
                ]
            )
        )
    else:
        text(gettext("No update was owed in this period."))

    body.append(build.heading(1, gettext("Lights and statuses by vision")))
    if report.any_reported:
        lights = [
            gettext("Green light: on track"),
            gettext("Yellow light: slightly behind"),
            gettext("Red light: behind"),
            gettext("No light"),
        ]
        header = [gettext("Vision"), gettext("Strategies reported"), gettext("Items reported")]
        rows = [
            [
                _vision_name(row),
                gettext("%(reported)s of %(total)s")
                % {"reported": row.strategies_reported, "total": row.strategies},
                row.items,
                *(row.lights[name] for name in ("green", "yellow", "red", "none")),
            ]
            for row in report.by_vision
        ]
        text(gettext("Lights"), style="Table_20_caption")
        body.append(_table("lights", header + lights, rows))
        text(gettext("Statuses"), style="Table_20_caption")
        status_header = [gettext("Vision"), *(str(label) for label in report.status_labels)]
        status_rows = [
            [_vision_name(row), *(count for count, _label in row.status_cells)]
            for row in report.by_vision
        ]
        body.append(_table("statuses", status_header, status_rows))
    else:
        text(
            f"{gettext('Not yet reported')}{colon}{gettext('Nothing was reported in this period.')}"
        )

    body.append(build.heading(1, gettext("Exceptions by agency")))
    text(
        gettext(
            "Red and yellow lights, items behind schedule (with the reason and the remedy the "
            "agency gave) and updates owed but not published, by lead agency."
        )
    )
    header = [
        gettext("No."),
        gettext("Item"),
        gettext("Finding"),
        gettext("Percent complete"),
        gettext("Date"),
        gettext("Reason"),
        gettext("Remedy"),
    ]
    for number, (agency, lines) in enumerate(report.exceptions, 1):
        name = _plain(agency.name) if agency else gettext("No lead agency designated")
        body.append(build.heading(2, name))
        rows = [
            [
                line.number,
                line.name.value,
                _finding(line),
                f"{line.percent_text}%" if line.percent_text else "—",
                period_date(line.date) if line.date else "—",
                line.reason.value or "—",
                line.remedy.value or "—",
            ]
            for line in lines
        ]
        body.append(_table(f"exceptions-{number}", header, rows))
    if not report.exceptions:
        text(gettext("No exceptions in this period."))
    if report.without_exceptions:
        separator = pgettext("list separator", ", ")
        names = separator.join(_plain(agency.name) for agency in report.without_exceptions)
        text(f"{gettext('Lead agencies without exceptions:')} {names}")

    if period.is_signed_off:
        body.append(build.heading(1, gettext("Published after sign-off")))
        if report.corrections:
            body.append(odfdo.List([build.xml_text(_correction(e)) for e in report.corrections]))
        else:
            text(gettext("Nothing for this period has been published since it was signed off."))


def _plain(text):
    """A presenter's Text (HTML marked with its language on English pages) as plain text."""
    return str(getattr(text, "value", text))


def _paragraph(body):
    def text(value, style="Text_20_body"):
        body.append(build.paragraph(str(value), style=style))

    return text


def _vision_name(row):
    if row.vision is None:
        return gettext("Whole plan")
    return f"{row.vision.number}{row.vision.title}"


def _finding(line):
    if line.not_reported:
        return str(line.obligation_label)
    separator = pgettext("list separator", ", ")
    return separator.join(str(label) for label in (line.light_label, line.status_label) if label)


def _correction(entry):
    update = entry["update"]
    parts = [
        gettext("Published on %(day)s:") % {"day": period_date(update.published_at)},
        f"{entry['number']} {_plain(entry['name'])}",
        str(update.status_label),
    ]
    if update.percent_text:
        parts.append(gettext("%(percent)s%% complete") % {"percent": update.percent_text})
    parts.append(f"{gettext('as of')} {period_date(update.date)}")
    if update.agency:
        parts.append(_plain(update.agency.name))
    return " · ".join(parts)


def _table_styles(document):
    """Cells with a thin border, the header row's in bold: a table that prints as one."""
    cell = odfdo.Style("table-cell", name="ReportCell")
    cell.set_properties(properties={"fo:border": "0.5pt solid #8a969c", "fo:padding": "0.06cm"})
    document.insert_style(cell, automatic=True)
    strong = odfdo.Style("paragraph", name="Table_20_Heading", display_name="Table Heading")
    strong.set_properties(
        area="text",
        properties={"fo:font-weight": "bold", "style:font-weight-asian": "bold"},
    )
    document.insert_style(strong)
    end = odfdo.Style(
        "paragraph",
        name="Title_20_page_20_end",
        display_name="Title page end",
        parent_style="Subtitle",
    )
    end.set_properties(area="paragraph", properties={"fo:break-after": "page"})
    document.insert_style(end)
    contents = odfdo.Style("paragraph", name="Table_20_Contents", display_name="Table Contents")
    document.insert_style(contents)
    caption = odfdo.Style("paragraph", name="Table_20_caption", display_name="Table caption")
    caption.set_properties(
        area="text",
        properties={"fo:font-weight": "bold", "style:font-weight-asian": "bold"},
    )
    document.insert_style(caption)


def _table(name, header, rows):
    """A table whose first row repeats on each page as its header (table:table-header-rows)."""
    table = odfdo.Table(name)
    columns = f'<table:table-column table:number-columns-repeated="{len(header)}"/>'
    table.append(odfdo.Element.from_tag(columns))
    head = odfdo.Element.from_tag("<table:table-header-rows/>")
    head.append(_row(header, "Table_20_Heading"))
    table.append(head)
    for values in rows:
        table.append(_row(values, "Table_20_Contents"))
    return table


def _row(values, style):
    row = odfdo.Row()
    for value in values:
        cell = odfdo.Cell(style="ReportCell")
        if isinstance(value, int):
            cell.set_value(value)
        cell.append(build.paragraph(str(value), style=style))
        row.append(cell)
    return row
