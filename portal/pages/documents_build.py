"""The plan as a document to print and to edit: its full text as a tagged PDF (WeasyPrint,
PDF/UA-1) and as an ODT (odfdo), built from the page's linked tree.

Both are byte-identical for the same content version, language and release, so every app
server gives the same ETag: the dates inside are the content version's (`Plan.version_date`,
what plans.json calls last_modified) or none, never the build's; the ODT's zip entries carry
that date too. The Chinese is the official text; the English says that the Chinese prevails.
"""

import base64
import io
import re
import zipfile
from datetime import datetime

import odfdo
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext

from plan.numbering import section_number

from ..context_processors import HTML_LANG
from ..published import linked_tree
from ..serving.atom import xml_text
from .chart.layout import BRAND, layout_chart
from .common import SECTIONS

PDF_VARIANT = "pdf/ua-1"
# A zip entry's date when the content version has none (the earliest a zip can hold).
NO_DATE = (1980, 1, 1, 0, 0, 0)
# The chart's font in the PDF: the one embedded anyway (the chart's own list of fonts on
# other systems made WeasyPrint look for each of them, for every label).
DOCUMENT_FONT = "'Noto Sans CJK TC', sans-serif"


def document_context(plan, language):
    """What both formats print, in `language` ("zh-hant" or "en")."""
    tree = linked_tree(plan, language)
    chinese = language != "en"
    return {
        "plan": plan,
        "tree": tree,
        "language": language,
        "html_lang": HTML_LANG[language],
        "numbers": {name: section_number(n)[language] for n, name in enumerate(SECTIONS, 1)},
        # 壹、前言 but "I. Preamble"; the document's strategy headings end in "：".
        "separator": "" if chinese else " ",
        "colon": "：" if chinese else "",
        "version_date": plan.version_date,
        "term": term_line(plan),
        "version": version_line(plan.version_date),
    }


def version_line(date):
    """The date of the content version (plans.json's last_modified), never the build's."""
    if date is None:
        return gettext("Date not stated")
    return gettext("Version of %(date)s") % {"date": date_format(date, "DATE_FORMAT")}


def term_line(plan):
    return gettext("ROC years %(start)s–%(end)s (%(wstart)s–%(wend)s)") % {
        "start": plan.term_start_roc,
        "end": plan.term_end_roc,
        "wstart": plan.term_start,
        "wend": plan.term_end,
    }


# PDF --------------------------------------------------------------------------------------


def chart_alt(plan):
    """The chart's text alternative: the page's description, without its links."""
    return gettext(
        "The chart shows the %(goal_row)s at the top, the %(visions_row)s as columns below "
        "it and, under each vision, its %(strategies_row)s."
    ) % {
        "goal_row": plan.chart_goal_row,
        "visions_row": plan.chart_visions_row,
        "strategies_row": plan.chart_strategies_row,
    }


def chart_svg(plan, tree, language):
    """The architecture chart as the chart page draws it, without its title (the page's
    heading says it): vector, from the same layout."""
    layout = layout_chart(plan, tree, language)
    title = layout.of_kind("title")[0]
    top = title.y + title.h
    return render_to_string(
        "portal/documents/chart.svg",
        {
            "layout": layout,
            "boxes": [box for box in layout.boxes if box.kind != "title"],
            "top": top,
            "width": layout.width,
            "height": layout.height - top,
            "html_lang": HTML_LANG[language],
            "font_family": DOCUMENT_FONT,
            "line_colour": BRAND,
        },
    )


def build_pdf(plan, language):
    with translation.override(language):
        return _build_pdf(plan, language)


def _build_pdf(plan, language):
    context = document_context(plan, language)
    svg = chart_svg(plan, context["tree"], language).encode()
    context["chart_src"] = "data:image/svg+xml;base64," + base64.b64encode(svg).decode()
    context["chart_description"] = chart_alt(plan)
    return write_pdf(render_to_string("portal/documents/full_text.html", context))


def write_pdf(html):
    """The HTML as a tagged PDF (PDF/UA-1) with the documents' stylesheet."""
    # Imported here: WeasyPrint loads Pango when imported, and a machine without it (a
    # developer's before `apt-get install`) should lose only this download, not the site.
    from weasyprint import CSS, HTML
    from weasyprint.urls import URLFetcher

    # Nothing outside the document is ever fetched: the chart is a data: URL.
    fetcher = URLFetcher(allowed_protocols=("data",), fail_on_errors=True)
    document = HTML(string=html, url_fetcher=fetcher)
    stylesheet = CSS(filename=finders.find("portal/document.css"), url_fetcher=fetcher)
    return document.write_pdf(stylesheets=[stylesheet], pdf_variant=PDF_VARIANT)


# ODT --------------------------------------------------------------------------------------


def build_odt(plan, language):
    with translation.override(language):
        return _build_odt(plan, language)


def _build_odt(plan, language):
    context = document_context(plan, language)
    document = odfdo.Document("text")
    body = document.body
    body.clear()
    _odt_title_page(body, plan, context)
    numbers, separator = context["numbers"], context["separator"]
    odt_styles(document)
    body.append(heading(1, numbers["preamble"] + separator + plan.preamble_heading))
    body.append(paragraph(plan.preamble, style="Text_20_body"))
    body.append(heading(1, numbers["visions"] + separator + plan.visions_heading))
    for vision in context["tree"].visions:
        body.append(heading(2, vision.number + vision.title))
        for strategy in vision.children:
            body.append(heading(3, f"{strategy.number} {strategy.title}{context['colon']}"))
            if strategy.children:
                items = [f"{action.number} {action.body}" for action in strategy.children]
                body.append(odfdo.List([xml_text(item) for item in items]))
            elif strategy.body:
                body.append(paragraph(strategy.body, style="Text_20_body"))
    body.append(heading(1, numbers["closing"] + separator + plan.closing_heading))
    body.append(paragraph(plan.closing, style="Text_20_body"))
    return save_odt(document, plan, plan.title, context)


def save_odt(document, plan, title, context):
    """The document's language and metadata set, saved as deterministic bytes."""
    _odt_language(document, context["html_lang"])
    _odt_meta(document, plan, title, context)
    saved = io.BytesIO()
    document.save(saved)
    return _deterministic_zip(saved.getvalue(), context["version_date"])


def paragraph(text, style=None):
    """An ODF paragraph of any text staff typed: the characters XML cannot hold (a Word
    manual line break, \x0b) made a newline or a space first, as the feeds do; lxml would
    refuse them."""
    return odfdo.Paragraph(xml_text(str(text)), style=style)


def heading(level, text):
    """A heading with the outline level and the word processor's own heading style."""
    heading = odfdo.Header(level, xml_text(str(text)))
    # Set here: odfdo 3.27's Header ignores its `style` argument.
    heading.set_attribute("text:style-name", f"Heading_20_{level}")
    return heading


# The fonts the PDF embeds; a word processor without them picks its own.
SERIF, SANS = "Noto Serif CJK TC", "Noto Sans CJK TC"


def odt_styles(document):
    """The title page's styles (the empty template has none), and the PDF's fonts."""
    for name, generic in ((SERIF, "roman"), (SANS, "swiss")):
        face = odfdo.Style("font-face", font_name=name, font_family_generic=generic)
        document.insert_style(face)
    for name, size in (("Title", "24pt"), ("Subtitle", "14pt")):
        style = odfdo.Style("paragraph", name=name, display_name=name, parent_style="Heading")
        style.set_properties(area="paragraph", properties={"fo:text-align": "center"})
        style.set_properties(
            area="text",
            properties={"fo:font-size": size, "style:font-size-asian": size},
        )
        document.insert_style(style)
    _set_fonts(document, "default-style", "paragraph", SERIF)
    _set_fonts(document, "style", "Heading", SANS)


def _set_fonts(document, element, name, font):
    selector = (
        "@style:family='paragraph'" if element == "default-style" else f"@style:name='{name}'"
    )
    style = document.styles.get_element(f"//style:{element}[{selector}]")
    properties = style.get_element("style:text-properties")
    properties.set_attribute("style:font-name", font)
    properties.set_attribute("style:font-name-asian", font)


def _odt_title_page(body, plan, context):
    body.append(paragraph(plan.authority, style="Subtitle"))
    body.append(paragraph(plan.title, style="Title"))
    body.append(paragraph(context["term"], style="Subtitle"))
    body.append(paragraph(context["version"], style="Subtitle"))
    if context["language"] == "en":
        note = gettext(
            "The English text is a reference translation. The Traditional Chinese text prevails."
        )
        body.append(paragraph(note, style="Text_20_body"))


def _odt_language(document, html_lang):
    """The document's language on its default paragraph style (Western and Asian text)."""
    language, _, script = html_lang.partition("-")
    country = "TW" if language == "zh" else "none"
    default = document.styles.get_element("//style:default-style[@style:family='paragraph']")
    properties = default.get_element("style:text-properties")
    for prefix in ("fo", "style"):
        suffix = "" if prefix == "fo" else "-asian"
        properties.set_attribute(f"{prefix}:language{suffix}", language)
        properties.set_attribute(f"{prefix}:country{suffix}", country)
    if script:
        properties.set_attribute("style:script-asian", script.lower())


def _odt_meta(document, plan, title, context):
    meta = document.meta
    meta.set_title(title)
    meta.set_language(context["html_lang"])
    meta.set_initial_creator(plan.authority)
    meta.set_creator(plan.authority)
    meta.set_generator("plan-portal")
    meta.set_editing_cycles(1)
    date = context["version_date"]
    if date is not None:
        moment = datetime(date.year, date.month, date.day)
        meta.set_creation_date(moment)
        meta.set_modification_date(moment)
        meta.set_dc_date(moment)
    else:
        for name in ("meta:creation-date", "dc:date"):
            for element in meta.get_elements(f"//{name}"):
                element.delete()


def _deterministic_zip(data, date):
    """The same entries in the same order, each dated by the content version (or 1980), the
    mimetype first and stored, as ODF requires."""
    stamp = (date.year, date.month, date.day, 0, 0, 0) if date else NO_DATE
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)
            stored = info.filename == "mimetype" or info.filename.endswith("/")
            entry.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            target.writestr(entry, source.read(info.filename))
    return out.getvalue()


def filename(plan, extension):
    """The file's name in the plan's own words (its title in the document's language)."""
    return filename_of(plan.title, extension)


def filename_of(words, extension):
    return re.sub(r'[\\/:*?"<>|\s]+', " ", words).strip() + f".{extension}"
