"""A reporting period's report as documents (/<plan>/progress/<period>.pdf and .odt, issue
23): the page's sections in a tagged PDF and an ODT, read back with readers of their own
(poppler's pdftotext and pdffonts, pikepdf; zip and XML for the ODT).

The clock is set as in tests/test_period_report.py: today is 2026-02-01 in Taipei, reporting
from 114q1 on, the MRT strategy behind (yellow) in 114q3 with its reason and remedy
(tests.factories.report_an_exception). PDF tests fail (never skip) without poppler or Pango.
"""

import io
import sys
import xml.etree.ElementTree as ET
import zipfile
from datetime import datetime
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pikepdf
import pytest
from django.core.cache import cache
from django.utils import translation
from django.utils.translation import gettext, ngettext, pgettext

from plan.models import Plan
from portal.serving.caching import clear_process_caches
from progress.models import Agency

from .factories import (
    DUBLIN_CORE,
    ODF_TABLE,
    ODF_TEXT,
    ODT,
    SLUG,
    P,
    cold_count,
    poppler,
    report_an_exception,
    squeeze,
)

TAIPEI = ZoneInfo("Asia/Taipei")
LANGS = {"zh-hant": "", "en": "/en"}
NOT_STARTED = (
    "Reporting has not started: the city has not yet set this plan's first reporting period. "
    "Until it does, the reporting periods are a calendar, not a commitment: nothing is owed, "
    "and no period has a report."
)


@pytest.fixture
def reporting(sample, clock):
    return report_an_exception(sample)


# The PDFs' typesetting does not depend on the database engine (the report they print is read
# by the code the ODT and page tests run on both): CI runs these on SQLite only.
PDF = pytest.param("pdf", marks=pytest.mark.engine_free)


def words(language, msgid, context=None):
    with translation.override(language):
        return pgettext(context, msgid) if context else gettext(msgid)


def fetch(client, path, status=200):
    """`path` with every cache empty: built in this request."""
    cache.clear()
    clear_process_caches()
    response = client.get(path)
    assert response.status_code == status, path
    return response


def pdf_text(data, tmp_path):
    """The PDF's text in the order it is written (-raw: a table's cells one after another)."""
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    return poppler("pdftotext", "-raw", "-enc", "UTF-8", str(path), "-")


def odt_xml(data, name="content.xml"):
    with zipfile.ZipFile(io.BytesIO(data)) as odt:
        assert odt.namelist()[0] == "mimetype"
        return ET.fromstring(odt.read(name))


def odt_text(root):
    return "".join(root.itertext())


def report_title(language, label):
    with translation.override(language):
        return gettext("%(label)s period report") % {"label": label}


def plan_words(language):
    plan = Plan.objects.get(slug=SLUG)
    field = "zh_hant" if language == "zh-hant" else "en"
    return getattr(plan, f"title_{field}"), getattr(plan, f"authority_{field}")


def agency_name(code, language):
    agency = Agency.objects.get(code=code)
    return agency.name_en if language == "en" and agency.name_en else agency.name_zh_hant


# The PDF -----------------------------------------------------------------------------------


@pytest.mark.engine_free
@pytest.mark.parametrize("language", LANGS)
def test_the_pdf_prints_the_report_from_the_title_page_to_the_exceptions(
    client, reporting, language, tmp_path
):
    response = fetch(client, f"{LANGS[language]}{P}/progress/114q3.pdf")
    pages = pdf_text(response.content, tmp_path).split("\f")
    title, authority = plan_words(language)
    label = "114年第3季" if language == "zh-hant" else "2025 Q3"
    first = squeeze(pages[0])
    for expected in (authority, title, report_title(language, label)):
        assert squeeze(expected) in first, expected
    # The period's dates and its deadline, as the page writes them; the content version's date.
    dates = ("114/07/01", "114/09/30", "114/10/10")
    if language == "en":
        dates = ("2025-07-01", "2025-09-30", "2025-10-10")
    assert all(day in first for day in dates), first
    plan = Plan.objects.get(slug=SLUG)
    with translation.override(language):
        from portal.pages.documents_build import version_line

        assert squeeze(version_line(plan.version_date)) in first
    assert "2026/02/01" not in first and "2026-02-01" not in first  # never the build day
    text = squeeze("".join(pages))
    with translation.override(language):
        coverage = ngettext(
            "%(reported)s of %(total)s strategy reported in this period",
            "%(reported)s of %(total)s strategies reported in this period",
            28,
        ) % {"reported": 1, "total": 28}
    assert squeeze(coverage) in text
    # The exception: the agency, the finding, the reason and the remedy.
    exceptions = text[text.index(squeeze(words(language, "Exceptions by agency"))) :]
    assert squeeze(agency_name("tbkc", language)) in exceptions
    reason, remedy = (
        ("用地協議延宕", "與地主逐案協商")
        if language == "zh-hant"
        else ("Land agreements delayed", "Negotiating with each landowner")
    )
    assert squeeze(reason) in exceptions and squeeze(remedy) in exceptions
    assert squeeze(words(language, "Yellow light: slightly behind")) in text
    # The items owed and not published are exceptions too (the build item, 114q3 overdue).
    overdue = words(language, "Overdue: nothing published by the deadline", "period report")
    assert squeeze(overdue) in exceptions
    assert squeeze(agency_name("udd", language)) in exceptions


@pytest.mark.engine_free
@pytest.mark.parametrize("language", LANGS)
def test_the_pdf_is_tagged_titled_in_its_language_with_a_bookmark_per_section(
    client, reporting, language, tmp_path
):
    response = fetch(client, f"{LANGS[language]}{P}/progress/114q3.pdf")
    title, _authority = plan_words(language)
    label = "114年第3季" if language == "zh-hant" else "2025 Q3"
    with pikepdf.open(io.BytesIO(response.content)) as pdf, pdf.open_outline() as outline:
        assert "/StructTreeRoot" in pdf.Root
        assert pdf.Root.MarkInfo.Marked is True
        assert str(pdf.Root.Lang) == {"zh-hant": "zh-Hant", "en": "en"}[language]
        assert str(pdf.docinfo.Title) == f"{report_title(language, label)} · {title}"
        assert b"pdfuaid:part" in pdf.Root.Metadata.read_bytes()
        assert "/CreationDate" not in pdf.docinfo  # no build date
        top = [item.title for item in outline.root]
        assert top == [
            words(language, "Coverage"),
            words(language, "Lights and statuses by vision"),
            words(language, "Exceptions by agency"),
        ]
        agencies = [item.title for item in outline.root[2].children]
        # The plan's agencies by code, as the page lists them.
        assert agencies == [agency_name(code, language) for code in ("swd", "tbkc", "udd")]
    path = tmp_path / "fonts.pdf"
    path.write_bytes(response.content)
    lines = poppler("pdffonts", str(path)).splitlines()[2:]
    assert lines
    for line in lines:
        name, *_, emb, sub, uni, _object, _generation = line.split()
        assert (emb, sub, uni) == ("yes", "yes", "yes"), name


@pytest.mark.engine_free
def test_a_signed_off_report_says_so_on_its_title_page(client, reporting, tmp_path):
    from datetime import date

    from progress import periods
    from progress.models import ReportingPeriod

    period = ReportingPeriod.objects.get(plan=reporting, slug="114q3")
    periods.sign_off(period, None, date(2025, 10, 20), now=datetime(2025, 10, 20, 9, tzinfo=TAIPEI))
    pages = pdf_text(fetch(client, f"{P}/progress/114q3.pdf").content, tmp_path).split("\f")
    signed = words("zh-hant", "Signed off on %(day)s.") % {"day": "114/10/20"}
    assert squeeze(signed) in squeeze(pages[0])
    assert squeeze(words("zh-hant", "Published after sign-off")) in squeeze("".join(pages))


# Empty states ------------------------------------------------------------------------------


def test_a_period_with_nothing_reported_says_not_yet_reported(client, reporting, tmp_path):
    """115q1 (open): owed, nothing published yet: 「尚未填報」 in both files."""
    text = squeeze(pdf_text(fetch(client, f"{P}/progress/115q1.pdf").content, tmp_path))
    assert "尚未填報" in text
    assert squeeze(words("zh-hant", "Nothing was reported in this period.")) in text
    content = odt_xml(fetch(client, f"{P}/progress/115q1.odt").content)
    assert "尚未填報" in odt_text(content)
    english = odt_text(odt_xml(fetch(client, f"/en{P}/progress/115q1.odt").content))
    assert "Not yet reported" in english


def test_before_the_first_reporting_period_the_documents_say_reporting_has_not_started(
    client, plan, clock, tmp_path
):
    english = odt_text(odt_xml(fetch(client, f"/en{P}/progress/115q1.odt").content))
    assert "Reporting has not started" in english
    assert "Coverage" not in english
    chinese = squeeze(pdf_text(fetch(client, f"{P}/progress/115q1.pdf").content, tmp_path))
    assert squeeze(words("zh-hant", NOT_STARTED)) in chinese


# The ODT -----------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGS)
def test_the_odt_has_heading_styles_tables_and_its_language(client, reporting, language):
    response = fetch(client, f"{LANGS[language]}{P}/progress/114q3.odt")
    assert response["Content-Type"] == ODT
    content = odt_xml(response.content)
    headings = [
        (
            int(h.get(f"{{{ODF_TEXT}}}outline-level")),
            h.get(f"{{{ODF_TEXT}}}style-name"),
            odt_text(h),
        )
        for h in content.iter(f"{{{ODF_TEXT}}}h")
    ]
    assert headings == [
        (1, "Heading_20_1", words(language, "Coverage")),
        (1, "Heading_20_1", words(language, "Lights and statuses by vision")),
        (1, "Heading_20_1", words(language, "Exceptions by agency")),
        *((2, "Heading_20_2", agency_name(code, language)) for code in ("swd", "tbkc", "udd")),
    ]
    tables = list(content.iter(f"{{{ODF_TABLE}}}table"))
    assert len(tables) == 5  # lights, statuses, and one per agency with exceptions
    for table in tables:
        assert table.find(f"{{{ODF_TABLE}}}table-header-rows") is not None
    exceptions = odt_text(tables[3])
    reason = "用地協議延宕" if language == "zh-hant" else "Land agreements delayed"
    assert reason in exceptions and "50%" in exceptions
    # The title page is a page of its own.
    with zipfile.ZipFile(io.BytesIO(response.content)) as odt:
        styles = odt.read("styles.xml").decode()
    assert 'style:name="Title_20_page_20_end"' in styles and 'break-after="page"' in styles
    meta = odt_xml(response.content, "meta.xml")
    assert (
        meta.find(f".//{{{DUBLIN_CORE}}}language").text
        == {"zh-hant": "zh-Hant", "en": "en"}[language]
    )
    label = "114年第3季" if language == "zh-hant" else "2025 Q3"
    title, _authority = plan_words(language)
    assert (
        meta.find(f".//{{{DUBLIN_CORE}}}title").text == f"{report_title(language, label)} · {title}"
    )


# Serving -----------------------------------------------------------------------------------


@pytest.mark.parametrize("extension", [PDF, "odt"])
def test_the_same_content_gives_the_same_bytes_and_a_filename_in_the_plans_words(
    client, reporting, extension
):
    path = f"{P}/progress/114q3.{extension}"
    first, second = fetch(client, path), fetch(client, path)
    assert first.content == second.content
    assert first["ETag"] == second["ETag"]
    title, _authority = plan_words("zh-hant")
    name = f"{title} {report_title('zh-hant', '114年第3季')}.{extension}"
    assert first["Content-Disposition"] == f"attachment; filename*=utf-8''{quote(name)}"
    english = fetch(client, f"/en{path}")
    assert "2025%20Q3%20period%20report" in english["Content-Disposition"]
    assert client.get(path, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304


def test_the_documents_are_kept_per_taipei_date(client, reporting, clock):
    """What is owed moves with the calendar: 115q1's updates are owed on 2026-02-01 and
    overdue after its deadline, with no write in between (the same content version)."""
    owed = words("zh-hant", "Not yet submitted", "period report")
    overdue = words("zh-hant", "Overdue", "period report")
    before = odt_text(odt_xml(client.get(f"{P}/progress/115q1.odt").content))
    assert owed in before and overdue not in before
    clock.move_to(datetime(2026, 4, 20, 10, 0, tzinfo=TAIPEI))
    after = odt_text(odt_xml(client.get(f"{P}/progress/115q1.odt").content))
    assert overdue in after


@pytest.mark.parametrize("extension", ["pdf", "odt"])
def test_redirects_and_unknown_periods(client, reporting, extension):
    response = client.get(f"/zh-hans{P}/progress/114q3.{extension}")
    assert response.status_code == 301
    assert response["Location"] == f"{P}/progress/114q3.{extension}"
    assert client.get(f"{P}/progress/109q9.{extension}").status_code == 404
    assert client.get(f"/no-such-plan/progress/114q3.{extension}").status_code == 404
    # The page at /<plan>/progress/<period>/ is still the page.
    assert client.get(f"{P}/progress/114q3/")["Content-Type"].startswith("text/html")


def test_a_server_without_pango_says_the_pdf_is_unavailable(client, reporting, monkeypatch):
    cache.clear()
    clear_process_caches()
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # importing it fails, as without Pango
    response = client.get(f"{P}/progress/114q3.pdf")
    assert response.status_code == 503 and response["Cache-Control"] == "no-store"
    assert client.get(f"{P}/progress/114q3.odt").status_code == 200


def test_the_documents_cost_no_more_queries_than_the_page(client, reporting):
    client.get(f"{P}/progress/")  # the connection's one-time checks are no document's
    for prefix in LANGS.values():
        page = cold_count(client, f"{prefix}{P}/progress/114q3/")
        for extension in ("pdf", "odt"):
            document = cold_count(client, f"{prefix}{P}/progress/114q3.{extension}")
            assert document <= page, (prefix, extension, document, page)


@pytest.mark.parametrize("prefix", ["", "/en", "/zh-hans"])
def test_the_report_page_links_its_documents(client, reporting, prefix):
    html = client.get(f"{prefix}{P}/progress/114q3/").content.decode()
    # The Simplified reading links the Traditional files, saying so.
    target = "" if prefix == "/zh-hans" else prefix
    hreflang = ' hreflang="zh-Hant"' if prefix == "/zh-hans" else ""
    assert f'href="{target}{P}/progress/114q3.pdf" type="application/pdf"{hreflang}>' in html
    assert f'href="{target}{P}/progress/114q3.odt" type="{ODT}"{hreflang}>' in html
