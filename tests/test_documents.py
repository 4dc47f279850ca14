"""The plan's full text as documents (/<plan>/full-text.pdf and .odt), read back with readers
of their own: poppler (pdftotext, pdffonts) and pikepdf for the PDF, zip and XML for the ODT.

PDF tests fail (never skip) where poppler or Pango is missing: CI installs them (.ci/run).
Each PDF takes seconds to build, so the module reads each language's files once (`files`).
"""

import io
import xml.etree.ElementTree as ET
import zipfile
from urllib.parse import quote

import pikepdf
import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from plan.models import Plan, PlanNode
from portal.serving.caching import clear_process_caches

from .factories import (
    DUBLIN_CORE,
    ODF_FO,
    ODF_STYLE,
    ODF_TEXT,
    ODT,
    SLUG,
    P,
    official_text,
    poppler,
    squeeze,
)

LANGS = {"zh-hant": "", "en": "/en"}


class Fetched(dict):
    """{(language, extension): response} for the committed plan, each fetched when first
    read (a PDF takes seconds; the run without the PDF tests builds none)."""

    def __init__(self, django_db_blocker):
        super().__init__()
        self.blocker = django_db_blocker
        with django_db_blocker.unblock():
            cache.clear()
            clear_process_caches()

    def __missing__(self, key):
        language, extension = key
        with self.blocker.unblock():
            response = Client().get(f"{LANGS[language]}{P}/full-text.{extension}")
        assert response.status_code == 200, key
        self[key] = response
        return response


@pytest.fixture(scope="module")
def files(django_db_blocker):
    yield Fetched(django_db_blocker)
    translation.activate("zh-hant")


# The PDFs' typesetting does not depend on the database engine (the text they print is read
# by the code the ODT tests run on both): CI runs these on SQLite only (pyproject's markers).
PDF = pytest.param("pdf", marks=pytest.mark.engine_free)


@pytest.fixture(scope="module")
def titles(django_db_blocker):
    with django_db_blocker.unblock():
        plan = Plan.objects.get(slug=SLUG)
        return {"zh-hant": plan.title_zh_hant, "en": plan.title_en}


def pdf_file(files, language, tmp_path):
    path = tmp_path / f"{language}.pdf"
    path.write_bytes(files[language, "pdf"].content)
    return path


def pdf_pages(path, header):
    """pdftotext's pages without their furniture: the running header (the first line of
    every page but the title page) and the page number (each page's last line)."""
    pages = poppler("pdftotext", "-enc", "UTF-8", str(path), "-").split("\f")[:-1]
    cleaned = []
    for number, page in enumerate(pages, 1):
        lines = [line for line in page.split("\n") if line.strip()]
        if number > 1:
            assert lines[0].strip() == header, f"page {number} has the running header"
            assert lines[-1].strip() == str(number), f"page {number} has its number"
            lines = lines[1:-1]
        cleaned.append("\n".join(lines))
    return cleaned


# The PDF -----------------------------------------------------------------------------------


@pytest.mark.engine_free
@pytest.mark.parametrize("language", LANGS)
def test_the_pdf_is_tagged_titled_in_its_language_and_a4(files, titles, language, tmp_path):
    response = files[language, "pdf"]
    assert response["Content-Type"] == "application/pdf"
    with pikepdf.open(io.BytesIO(response.content)) as pdf:
        assert "/StructTreeRoot" in pdf.Root
        assert pdf.Root.MarkInfo.Marked is True
        assert str(pdf.Root.Lang) == {"zh-hant": "zh-Hant", "en": "en"}[language]
        assert str(pdf.docinfo.Title) == titles[language]
        for page in pdf.pages:
            width, height = (float(v) for v in page.MediaBox[2:])
            assert {round(width), round(height)} == {595, 842}  # A4, the chart's landscape
        # PDF/UA-1 is declared in the XMP metadata.
        assert b"pdfuaid:part" in pdf.Root.Metadata.read_bytes()


@pytest.mark.engine_free
def test_the_chart_is_a_figure_with_a_text_alternative(files):
    with pikepdf.open(io.BytesIO(files["zh-hant", "pdf"].content)) as pdf:
        figures = []

        def walk(element):
            if not isinstance(element, pikepdf.Dictionary):
                return
            if element.get("/S") == "/Figure":
                figures.append(str(element.get("/Alt", "")))
            kids = element.get("/K")
            for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
                walk(kid)

        walk(pdf.Root.StructTreeRoot)
    assert len(figures) == 1 and "施政目標" in figures[0]


@pytest.mark.engine_free
@pytest.mark.parametrize("language", LANGS)
def test_every_vision_and_strategy_is_bookmarked(files, language):
    with (
        pikepdf.open(io.BytesIO(files[language, "pdf"].content)) as pdf,
        pdf.open_outline() as outline,
    ):
        top = list(outline.root)
        assert len(top) == 4  # 壹, 貳, 參 and the chart
        visions = top[1].children
        assert len(visions) == 4
        assert sum(len(vision.children) for vision in visions) == 28
        if language == "zh-hant":
            assert [item.title for item in top][:3] == [
                "壹、施政目標",
                "貳、施政願景與推動策略",
                "參、未來施政藍圖與結語",
            ]
            assert visions[0].title == "一、科技高雄"
            assert visions[0].children[0].title.startswith("(一) 科技產業帶動優質就業")


@pytest.mark.engine_free
@pytest.mark.parametrize("language", LANGS)
def test_every_font_is_embedded(files, language, tmp_path):
    lines = poppler("pdffonts", str(pdf_file(files, language, tmp_path))).splitlines()[2:]
    assert lines, "the PDF names its fonts"
    for line in lines:
        name, *_, emb, sub, uni, _object, _generation = line.split()
        assert (emb, sub, uni) == ("yes", "yes", "yes"), name


@pytest.mark.engine_free
def test_the_chinese_pdf_holds_the_official_text_verbatim(files, titles, plan, tmp_path):
    """The fidelity test's official text, white space removed, in the PDF's text with its
    white space and page furniture removed: the title on the title page, the document from
    壹 to the end of 參 in one piece, then the architecture chart's every text."""
    header = titles["zh-hant"]
    pages = pdf_pages(pdf_file(files, "zh-hant", tmp_path), header)
    official = official_text()
    chart_title = plan.chart_title_zh_hant
    document, chart = official.split("\n\n" + chart_title + "\n\n")
    title, body = document.split("\n\n", 1)
    assert squeeze(title) in squeeze(pages[0])
    assert squeeze(body) in squeeze("".join(pages[1:-1]))
    chart_page = squeeze(pages[-1])
    assert chart_page.startswith(squeeze(chart_title))
    for block in chart.split("\n\n"):
        for line in block.split("\n") if block.startswith("- ") else [block]:
            assert squeeze(line.removeprefix("- ")) in chart_page, line


@pytest.mark.engine_free
def test_the_english_pdf_says_the_chinese_prevails(files, titles, tmp_path):
    pages = pdf_pages(pdf_file(files, "en", tmp_path), titles["en"])
    title_page = " ".join(pages[0].split())
    assert titles["en"] in title_page
    assert "The Traditional Chinese text prevails." in title_page
    assert "Kaohsiung City Government" in title_page and "ROC years 112–115" in title_page
    assert "1. Tech Kaohsiung" in pages[1]


@pytest.mark.engine_free
@pytest.mark.parametrize("language", LANGS)
def test_an_undated_official_text_prints_no_date(files, titles, language, tmp_path):
    """The fixture's plan has neither a publication date nor a staff edit: the title page
    says so, and the metadata has no dates (never the day of the build)."""
    pages = pdf_pages(pdf_file(files, language, tmp_path), titles[language])
    with translation.override(language):
        assert gettext("Date not stated") in pages[0]
    with pikepdf.open(io.BytesIO(files[language, "pdf"].content)) as pdf:
        assert "/CreationDate" not in pdf.docinfo and "/ModDate" not in pdf.docinfo


# The ODT -----------------------------------------------------------------------------------


def odt_parts(response):
    with zipfile.ZipFile(io.BytesIO(response.content)) as odt:
        assert odt.namelist()[0] == "mimetype"
        assert odt.getinfo("mimetype").compress_type == zipfile.ZIP_STORED
        assert odt.read("mimetype").decode() == ODT
        return {
            name: ET.fromstring(odt.read(name))
            for name in ("content.xml", "styles.xml", "meta.xml")
        }


def test_the_odt_has_the_documents_headings_in_order_with_outline_levels(files, tree):
    parts = odt_parts(files["zh-hant", "odt"])
    headings = [
        (
            int(h.get(f"{{{ODF_TEXT}}}outline-level")),
            h.get(f"{{{ODF_TEXT}}}style-name"),
            "".join(h.itertext()),
        )
        for h in parts["content.xml"].iter(f"{{{ODF_TEXT}}}h")
    ]
    expected = [(1, "壹、施政目標"), (1, "貳、施政願景與推動策略")]
    for vision in tree.visions:
        expected.append((2, f"{vision.numbers['zh-hant']}{vision.title_zh_hant}"))
        for strategy in vision.children:
            expected.append((3, f"{strategy.numbers['zh-hant']} {strategy.title_zh_hant}："))
    expected.append((1, "參、未來施政藍圖與結語"))
    assert [(level, text) for level, _style, text in headings] == expected
    assert all(style == f"Heading_20_{level}" for level, style, _text in headings)


def test_the_odts_action_items_are_lists_numbered_as_text(files, tree):
    content = odt_parts(files["zh-hant", "odt"])["content.xml"]
    lists = list(content.iter(f"{{{ODF_TEXT}}}list"))
    with_items = [s for s in tree.strategies if s.children]
    assert len(lists) == len(with_items)
    for found, strategy in zip(lists, with_items, strict=True):
        items = ["".join(item.itertext()) for item in found.iter(f"{{{ODF_TEXT}}}list-item")]
        assert items == [
            f"{action.numbers['zh-hant']} {action.body_zh_hant}" for action in strategy.children
        ]


@pytest.mark.parametrize(
    ("language", "lang", "country"), [("zh-hant", "zh", "TW"), ("en", "en", "none")]
)
def test_the_odt_says_its_language_and_title(files, titles, language, lang, country):
    parts = odt_parts(files[language, "odt"])
    meta = parts["meta.xml"]
    assert (
        meta.find(f".//{{{DUBLIN_CORE}}}language").text
        == {"zh-hant": "zh-Hant", "en": "en"}[language]
    )
    assert meta.find(f".//{{{DUBLIN_CORE}}}title").text == titles[language]
    default = parts["styles.xml"].find(
        f".//{{{ODF_STYLE}}}default-style[@{{{ODF_STYLE}}}family='paragraph']"
    )
    text = default.find(f"{{{ODF_STYLE}}}text-properties")
    assert text.get(f"{{{ODF_FO}}}language") == lang and text.get(f"{{{ODF_FO}}}country") == country
    assert text.get(f"{{{ODF_STYLE}}}language-asian") == lang
    body = "\n".join(p.text or "" for p in parts["content.xml"].iter(f"{{{ODF_TEXT}}}p"))
    with translation.override(language):
        assert gettext("Date not stated") in body
    if language == "en":
        assert "The Traditional Chinese text prevails." in body


def test_the_documents_print_the_content_versions_date(client, plan, tmp_path):
    """The date is the plan's last_modified as plans.json gives it (here its publication
    date); the files' own dates are that day too."""
    plan.published_on = "2023-03-01"
    plan.save()
    assert client.get("/data/plans.json").json()["plans"][0]["last_modified"] == "2023-03-01"
    pdf = client.get(f"{P}/full-text.pdf").content
    with pikepdf.open(io.BytesIO(pdf)) as document:
        assert str(document.docinfo.CreationDate).startswith("D:20230301")
        assert str(document.docinfo.ModDate).startswith("D:20230301")
    (tmp_path / "dated.pdf").write_bytes(pdf)
    title_page = pdf_pages(tmp_path / "dated.pdf", plan.title_zh_hant)[0]
    with translation.override("zh-hant"):
        assert gettext("Version of %(date)s") % {"date": "2023年3月1日"} in title_page
    with zipfile.ZipFile(io.BytesIO(client.get(f"/en{P}/full-text.odt").content)) as odt:
        assert "Version of March 1, 2023" in odt.read("content.xml").decode()
        assert "<meta:creation-date>2023-03-01T00:00:00" in odt.read("meta.xml").decode()
        assert {info.date_time[:3] for info in odt.infolist()} == {(2023, 3, 1)}


# Serving -----------------------------------------------------------------------------------


@pytest.mark.parametrize("extension", [PDF, "odt"])
@pytest.mark.parametrize("language", LANGS)
def test_the_file_is_named_in_the_plans_own_words(files, titles, language, extension):
    disposition = files[language, extension]["Content-Disposition"]
    assert disposition.startswith("attachment")
    # RFC 6266's filename*: the Chinese title, and the English one with its en dashes.
    name = f"{titles[language]}.{extension}"
    assert f"filename*=utf-8''{quote(name)}" in disposition


@pytest.mark.parametrize("extension", ["pdf", "odt"])
def test_the_simplified_reading_redirects_to_the_official_text(client, plan, extension):
    response = client.get(f"/zh-hans{P}/full-text.{extension}")
    assert response.status_code == 301
    assert response["Location"] == f"{P}/full-text.{extension}"


@pytest.mark.parametrize("extension", [PDF, "odt"])
def test_a_cold_rebuild_is_byte_identical_and_cheap_in_queries(
    files, plan, extension, django_assert_max_num_queries
):
    """Built again from nothing (as another app server would), the same bytes, so the same
    ETag everywhere; as few queries as the full-text page."""
    # The reference first (fetched when first read), so that it is never the rebuild itself.
    reference = {language: files[language, extension] for language in LANGS}
    client = Client()
    for language, prefix in LANGS.items():
        cache.clear()
        clear_process_caches()
        with django_assert_max_num_queries(4):
            response = client.get(f"{prefix}{P}/full-text.{extension}")
        assert response.content == reference[language].content, language
        assert response["ETag"] == reference[language]["ETag"]


def test_a_known_etag_is_answered_304(client, plan):
    first = client.get(f"{P}/full-text.odt")
    again = client.get(f"{P}/full-text.odt", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert not again.content


def test_an_edit_makes_a_new_document(client, plan):
    before = client.get(f"/en{P}/full-text.odt")
    node = PlanNode.objects.get(plan=plan, ref="mrt-network")
    node.title_en = "A New Title for the MRT"
    node.save()
    after = client.get(f"/en{P}/full-text.odt")
    assert after["ETag"] != before["ETag"]
    assert (
        "A New Title for the MRT"
        in zipfile.ZipFile(io.BytesIO(after.content)).read("content.xml").decode()
    )


@pytest.mark.parametrize("language", LANGS)
def test_the_full_text_page_links_the_documents(client, plan, language):
    html = client.get(f"{LANGS[language]}{P}/full-text/").content.decode()
    assert f'href="{LANGS[language]}{P}/full-text.pdf" type="application/pdf"' in html
    assert f'href="{LANGS[language]}{P}/full-text.odt" type="{ODT}"' in html


def test_an_unknown_plan_has_no_document(client, plan):
    assert client.get("/no-such-plan/full-text.pdf").status_code == 404


@pytest.mark.parametrize(("prefix", "linked"), [("", ""), ("/en", "/en"), ("/zh-hans", "")])
def test_the_open_data_page_links_the_documents(client, plan, prefix, linked):
    """Each reading links its language's files; the Simplified one the Traditional files
    (the documents are the official text), without a redirect."""
    html = client.get(f"{prefix}/open-data/").content.decode()
    for extension in ("pdf", "odt"):
        assert f'href="{linked}/{SLUG}/full-text.{extension}"' in html


def test_a_server_without_pango_says_the_pdf_is_unavailable(client, plan, monkeypatch):
    """WeasyPrint loads Pango when a PDF is built: without it only this download is missing
    (503, not cached), and the site goes on."""
    import sys

    monkeypatch.setitem(sys.modules, "weasyprint", None)  # importing it fails, as without Pango
    cache.clear()
    clear_process_caches()
    response = client.get(f"{P}/full-text.pdf")
    assert response.status_code == 503 and response["Cache-Control"] == "no-store"
    assert "This document cannot be made" in response.content.decode()
    assert client.get(f"{P}/full-text/").status_code == 200
    assert client.get(f"{P}/full-text.odt").status_code == 200
