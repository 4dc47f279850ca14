"""Issue 13, the pages, as served: one header everywhere, the page history's labels and order,
and Chinese punctuation in what the templates write."""

import re
from html.parser import HTMLParser

import pytest
import reversion
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from plan.models import PlanNode
from portal.serving.caching import clear_process_caches

from .conftest import SLUG

P = f"/{SLUG}"
LANGS = {"zh-hant": "", "en": "/en"}
PLAN_LINKS = (f"{P}/preamble/", f"{P}/chart/", f"{P}/full-text/")


def menu(html):
    return re.search(r'<nav class="site-nav".*?</nav>', html, re.S).group(0)


@pytest.mark.django_db
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(
    "path", ["/", f"{P}/mrt-network/", "/changes/", "/site-map/", "/open-data/", "/no-such-page/"]
)
def test_every_page_has_the_same_header(client, plan, lang, path):
    """Pages about no plan (recent changes, the site map, 404) link to the current plan's
    preamble, chart and full text like every other page."""
    response = client.get(LANGS[lang] + path)
    nav = menu(response.content.decode())
    for link in PLAN_LINKS:
        assert f'href="{LANGS[lang]}{link}"' in nav, (path, link)
    assert nav == menu(client.get(LANGS[lang] + "/").content.decode())


@pytest.mark.django_db
def test_the_header_costs_the_404_page_at_most_one_query_more(plan):
    cache.clear()
    clear_process_caches()
    connection.features.supports_json_field  # noqa: B018 (a per-connection probe, not the page's)
    with CaptureQueriesContext(connection) as queries:
        response = Client().get("/no-such-page/")
    assert response.status_code == 404
    assert len(queries) <= 4, [q["sql"] for q in queries.captured_queries]


@pytest.mark.django_db
def test_without_a_plan_the_header_has_no_plan_links(client):
    html = client.get("/site-map/").content.decode()
    assert "/preamble/" not in menu(html)


def history_entries(html):
    return re.findall(r'<p class="history-what">(.*?)</p>', html, re.S)


def text(fragment):
    return re.sub(r"<[^>]+>", "", fragment).strip()


def test_history_labels_action_items_and_lists_them_in_the_pages_order(client, loaded):
    entries = [
        text(e)
        for e in history_entries(client.get(f"{P}/social-housing/history/").content.decode())
    ]
    actions = PlanNode.objects.get_children(PlanNode.objects.get(ref="social-housing")).count()
    assert len(entries) == 1 + actions
    # The strategy's own entry first, then its action items 1, 2, 3, each named as one:
    # a bare "2." read as "version 2".
    assert not re.match(r"\d", entries[0])
    for number, entry in enumerate(entries[1:], 1):
        assert re.match(rf"(具體作法|Action item) {number} ", entry), entry
        assert not re.match(r"\d+\.", entry)


def test_same_time_entries_follow_the_page_not_the_record(client, loaded):
    housing = PlanNode.objects.get(ref="social-housing")
    first, second = PlanNode.objects.get_children(housing)[:2]
    with reversion.create_revision():  # one save of two items: one moment
        for action in (second, first):
            action.body_zh_hant = "修訂" + action.body_zh_hant
            action.edited_at = timezone.now()
            action.save()
    html = client.get(f"{P}/social-housing/history/").content.decode()
    edited = [
        text(e)
        for e in re.findall(
            r'class="history-entry history-edited">.*?<p class="history-what">(.*?)</p>', html, re.S
        )
    ]
    assert [re.search(r"\d+", e).group(0) for e in edited] == ["1", "2"]


def test_the_english_history_says_reference_translation(client, loaded):
    html = client.get(f"/en{P}/mrt-network/history/").content.decode()
    assert "As first published, in the reference translation" in html
    assert "from the official text" not in html
    assert "原始公布版本" in client.get(f"{P}/mrt-network/history/").content.decode()


class VisibleText(HTMLParser):
    """The text a reader sees (not scripts, styles or the head), and every link's text."""

    def __init__(self):
        super().__init__()
        self.skip = 0
        self.parts = []
        self.links = []
        self.link = None

    def handle_starttag(self, tag, attrs):
        if tag in ("head", "script", "style"):
            self.skip += 1
        if tag == "a":
            self.link = []

    def handle_endtag(self, tag):
        if tag in ("head", "script", "style"):
            self.skip -= 1
        if tag == "a" and self.link is not None:
            self.links.append("".join(self.link))
            self.link = None

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)
        if self.link is not None:
            self.link.append(data)


CHINESE_PAGES = [
    "/",
    f"{P}/",
    f"{P}/livable/",
    f"{P}/mrt-network/",
    f"{P}/social-housing/",
    f"{P}/full-text/",
    f"{P}/preamble/",
    f"{P}/closing/",
    f"{P}/chart/",
    "/site-map/",
    "/changes/",
    "/open-data/",
    "/search/?q=捷運",
    "/search/",
    f"{P}/mrt-network/history/",
    f"{P}/social-housing/history/",
    "/no-such-page/",
]
# Half-width punctuation right after a Chinese character (or its closing bracket). The plan's
# own text is the official text and is left as published; what is checked is the pages'.
HALF_WIDTH_AFTER_CHINESE = re.compile(r"[\u3400-\u9fff）」』][.,:;!?]")


def test_chinese_pages_use_full_width_punctuation_and_links_end_in_a_word(client, loaded):
    official = "".join(
        getattr(node, name)
        for node in PlanNode.objects.all()
        for name in ("title_zh_hant", "body_zh_hant")
    )
    for path in CHINESE_PAGES:
        parser = VisibleText()
        parser.feed(client.get(path).content.decode())
        page_text = " ".join(" ".join(parser.parts).split())
        for match in HALF_WIDTH_AFTER_CHINESE.finditer(page_text):
            context = page_text[max(0, match.start() - 8) : match.end() + 8].strip()
            assert match.group(0) in official, f"{path}: …{context}…"
        # No link's underline runs on into a space after its last word.
        assert [link for link in parser.links if link != link.rstrip()] == [], path
