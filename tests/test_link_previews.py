"""Link previews (LINE, Facebook, X): every public page, in each of its three readings, says
in its <head> what it is, in its own words, with its own address, language and picture."""

import html as htmllib
import re
import struct
from html.parser import HTMLParser
from urllib.parse import unquote_plus, urlsplit

import pytest
from django.core.management import call_command
from django.test import Client, override_settings

from knowledge.models import Goal, Topic
from plan.models import Plan, PlanNode

from .factories import LOCALISED, SLUG, P

PREFIX = {"zh-hant": "", "en": "/en", "zh-hans": "/zh-hans"}


OG_LOCALE = {"zh-hant": "zh_TW", "zh-hans": "zh_CN", "en": "en_US"}


# Every public HTML page type (the chart drawing and the feeds have no <head>).
PAGES = {
    **{name: path for name, path in LOCALISED.items() if name not in ("chart-svg", "feed")},
    "progress": f"{P}/progress/",
    "agencies": f"{P}/agencies/",
    "chart-progress": f"{P}/chart/progress/",
}


ORIGIN = "http://testserver"


class Head(HTMLParser):
    """The <head>'s meta properties and names, its canonical link and its title."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.meta = {}
        self.canonical = None
        self.title = ""
        self._in = None
        self.done = False

    def handle_starttag(self, tag, attrs):
        if self.done:
            return
        attrs = dict(attrs)
        if tag == "meta":
            key = attrs.get("property") or attrs.get("name")
            if key:
                self.meta.setdefault(key, []).append(attrs.get("content"))
        elif tag == "link" and attrs.get("rel") == "canonical":
            self.canonical = attrs["href"]
        elif tag == "title":
            self._in = "title"

    def handle_endtag(self, tag):
        if tag == "head":
            self.done = True
        self._in = None

    def handle_data(self, data):
        if self._in == "title":
            self.title += data


def head(html):
    parser = Head()
    parser.feed(html)
    assert parser.done, "the page has a <head>"
    return parser


def one(parsed, key):
    values = parsed.meta.get(key, [])
    assert len(values) == 1, f"{key}: {values}"
    return values[0]


def main_text(html):
    main = html.split('<main id="main-content"', 1)[1].split("</main>", 1)[0]
    return htmllib.unescape(re.sub(r"<[^>]+>", "", main))


def fetch(client, lang, name):
    response = client.get(PREFIX[lang] + PAGES[name])
    assert response.status_code == 200, (lang, name, response.status_code)
    return response.content.decode()


def png_size(data):
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "a PNG file"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


@pytest.mark.parametrize("lang", PREFIX)
@pytest.mark.parametrize("name", PAGES)
def test_every_page_has_a_link_preview(client, plan, name, lang):
    parsed = head(fetch(client, lang, name))
    assert one(parsed, "og:title").strip()
    assert one(parsed, "og:description").strip()
    assert one(parsed, "og:type") == "website"
    assert one(parsed, "og:site_name").strip()
    # Its own address, in its own reading.
    url = one(parsed, "og:url")
    assert url == parsed.canonical
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == ORIGIN
    requested = PREFIX[lang] + PAGES[name]
    assert unquote_plus(parts.path + (f"?{parts.query}" if parts.query else "")) == requested
    # Its language, and the other two readings.
    assert one(parsed, "og:locale") == OG_LOCALE[lang]
    assert sorted(parsed.meta["og:locale:alternate"]) == sorted(
        code for reading, code in OG_LOCALE.items() if reading != lang
    )
    # A large picture, by absolute address.
    image = one(parsed, "og:image")
    assert urlsplit(image).scheme in ("http", "https") and urlsplit(image).netloc
    assert one(parsed, "og:image:type") == "image/png"
    assert (one(parsed, "og:image:width"), one(parsed, "og:image:height")) == ("1200", "630")
    assert one(parsed, "og:image:alt").strip()
    assert one(parsed, "twitter:card") == "summary_large_image"


# As production names static files: collected, with hashed names. Django's manifest storage
# is the one whitenoise's extends; whitenoise's also compresses every file (gzip and brotli),
# which tests/deploy_stack/test_static_files.py checks and which cost this test 20 s in CI.
MANIFEST = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
}


def test_the_share_image_answers_as_a_1200_by_630_png(plan, tmp_path):
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=MANIFEST):
        call_command("collectstatic", interactive=False, verbosity=0)
        images = set()
        for lang in PREFIX:
            for name in ("home", "strategy", "glossary", "topic"):
                response = Client().get(PREFIX[lang] + PAGES[name])
                images.add(one(head(response.content.decode()), "og:image"))
        (image,) = images  # one picture for every page and reading
        assert image.startswith(ORIGIN + "/static/")
        response = Client().get(urlsplit(image).path)
        assert response.status_code == 200, image
        assert response["Content-Type"] == "image/png"
        data = b"".join(response.streaming_content) if response.streaming else response.content
        assert png_size(data) == (1200, 630)


def description_of(parsed):
    """og:description without the ellipsis a cut text ends with."""
    return one(parsed, "og:description").removesuffix("…")


@pytest.mark.parametrize("lang", PREFIX)
@pytest.mark.parametrize("ref", ["mrt-network", "social-housing", "fishing-harbors", "net-zero"])
def test_a_strategys_preview_is_its_title_and_text(client, plan, ref, lang):
    html = client.get(f"{PREFIX[lang]}{P}/{ref}/").content.decode()
    parsed = head(html)
    description = description_of(parsed)
    strategy = PlanNode.objects.get(plan=plan, ref=ref)
    actions = PlanNode.objects.filter(plan=plan, kind="action", path__startswith=strategy.path)
    first = strategy if strategy.body_zh_hant else actions.order_by("path").first()
    if lang == "zh-hans":
        # The Simplified page's own text (converted as the page was).
        article = html.split('<article class="strategy', 1)[1]
        body = htmllib.unescape(re.sub(r"<[^>]+>", "", article.split("<p>", 1)[1].split("</p>")[0]))
    else:
        body = getattr(first, f"body_{lang.replace('-', '_')}")
    assert len(description) >= min(len(body), 100)
    assert body.startswith(description) or description.startswith(body)
    title = h1(html)
    assert one(parsed, "og:title").startswith(title)


def h1(html):
    return htmllib.unescape(
        re.sub(r"<[^>]+>", "", re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S).group(1))
    ).strip()


def page_title(parsed):
    """What the <title> names first (before the site's name and the plan's)."""
    return re.split(r" \| | · ", parsed.title.strip())[0]


# What a page's preview should say: (title, description) from the data, where the page has
# its own text; None: the page's <title> and meta description.
def expected(name, lang):
    suffix = "en" if lang == "en" else "zh_hant"
    plan = Plan.objects.get(slug=SLUG)

    def text(obj, field):
        return getattr(obj, f"{field}_{suffix}")

    if name in ("strategy", "strategy-with-actions"):
        return None  # test_a_strategys_preview_is_its_title_and_text
    if name == "vision":
        vision = PlanNode.objects.get(plan=plan, ref="livable")
        strategies = PlanNode.objects.filter(
            plan=plan, kind="strategy", path__startswith=vision.path
        )
        return text(vision, "title"), text(strategies.order_by("path").first(), "title")
    if name == "preamble":
        return text(plan, "preamble_heading"), text(plan, "preamble")
    if name == "closing":
        return text(plan, "closing_heading"), text(plan, "closing")
    if name == "topic":
        topic = Topic.objects.get(slug="transport")
        return text(topic, "name"), text(topic, "description")
    if name == "sdg":
        goal = Goal.objects.get(number=11)
        return f"SDG 11 {text(goal, 'name')}", text(goal, "description")
    if name in ("home", "plan", "full-text"):
        return text(plan, "title"), text(plan, "preamble")
    return None


GENERIC_TITLE = {"search", "search-english-words", "full-text"}  # the same for every query


@pytest.mark.parametrize(
    "name", [n for n in PAGES if n not in ("strategy", "strategy-with-actions")]
)
def test_a_page_preview_describes_that_page(client, plan, name):
    """og:title names the page as its <title> does, and og:description is its own: its text
    where it has one, its meta description otherwise (never another page's text)."""
    problems = []
    for lang in ("zh-hant", "en"):
        parsed = head(fetch(client, lang, name))
        title, description = one(parsed, "og:title"), description_of(parsed)
        want = expected(name, lang)
        if want:
            want_title, want_text = want
            if want_title not in title:
                problems.append(f"[{lang}] og:title {title!r} does not name {want_title!r}")
            if not (want_text.startswith(description) or description.startswith(want_text[:60])):
                problems.append(f"[{lang}] og:description {description[:40]!r}… is not its text")
        else:
            if name not in GENERIC_TITLE and not title.startswith(page_title(parsed)):
                problems.append(f"[{lang}] og:title {title!r}, <title> {parsed.title!r}")
            meta = one(parsed, "description").removesuffix("…")
            if not (meta.startswith(description[:40]) or description.startswith(meta[:40])):
                problems.append(
                    f"[{lang}] og:description {description[:40]!r}, description {meta[:40]!r}"
                )
    assert not problems, "\n".join(problems)


def test_simplified_previews_are_converted(client, plan):
    parsed = head(fetch(client, "zh-hans", "strategy"))
    assert one(parsed, "og:title").startswith("健全大众运输捷运路网")
    assert "计划" in one(parsed, "og:title") and "計畫" not in one(parsed, "og:title")
    assert one(parsed, "og:site_name") == "高雄市政府中程施政计划"


def test_a_preview_follows_an_edit(client, plan):
    node = PlanNode.objects.get(plan=plan, ref="mrt-network")
    node.body_zh_hant = "新的策略內容。" + node.body_zh_hant
    node.save()
    parsed = head(fetch(client, "zh-hant", "strategy"))
    assert one(parsed, "og:description").startswith("新的策略內容。")
    assert one(head(fetch(client, "zh-hans", "strategy")), "og:description").startswith(
        "新的策略内容。"
    )


def test_a_search_preview_keeps_its_query_in_its_address(client, plan):
    response = client.get("/zh-hans/search/", {"q": "捷運"})
    parsed = head(response.content.decode())
    assert unquote_plus(one(parsed, "og:url")) == f"{ORIGIN}/zh-hans/search/?q=捷運"
    assert one(parsed, "og:locale") == "zh_CN"
