"""The knowledge layer in a real browser: the glossary, the topics and SDG pages, a
strategy's chips and glossary-term links, the Simplified Chinese reading, forgiving search
and the overview filtered by topic. Each page type in each reading (繁體中文, English,
简体中文) at a phone's and a desktop's width: axe (WCAG 2.2 AA), no sideways scrolling,
header pills on one line each, a screenshot under artifacts/knowledge/ to look at. Then the
keyboard, the language switch and the pages without JavaScript."""

import pytest

from .factories import ARTIFACTS, P, load_knowledge, sideways_overflow

pytestmark = pytest.mark.browser


WIDTHS = (390, 1280)


READINGS = {"zh-hant": "", "en": "/en", "zh-hans": "/zh-hans"}


HTML_LANG = {"zh-hant": "zh-Hant", "en": "en", "zh-hans": "zh-Hans"}


SHOTS = ARTIFACTS / "knowledge"


# Each new page type, as {reading: path}: the same path in every reading, except searches,
# whose words are those a reader of that reading would type.
PAGE_TYPES = {
    "glossary": "/glossary/",
    "topics": f"{P}/topics/",
    "topic": f"{P}/topics/transport/",
    "sdg": f"{P}/sdgs/11/",
    "strategy": f"{P}/mrt-network/",  # topic and SDG chips, glossary terms in the text
    "home": "/",
    "progress-topic": f"{P}/progress/?topic=transport",
    # Partial matches: no result has both words (太空電梯 is nowhere in the plan).
    "search-partial": {
        "zh-hant": "/search/?q=捷運+太空電梯",
        "en": "/search/?q=MRT+space+elevator",
        "zh-hans": "/search/?q=捷運+太空電梯",
    },
    # Pages the words name (a topic) above the results.
    "search-named": {
        "zh-hant": "/search/?q=交通",
        "en": "/search/?q=transport",
        "zh-hans": "/search/?q=交通",
    },
    # Synonyms ("also searched for").
    "search-synonyms": {"zh-hant": "/search/?q=漁港", "en": "/search/?q=fishing+port"},
}


def page_path(name, reading):
    path = PAGE_TYPES[name]
    if isinstance(path, dict):
        path = path.get(reading)
    return None if path is None else READINGS[reading] + path


CASES = [
    (name, reading)
    for name in PAGE_TYPES
    for reading in READINGS
    if page_path(name, reading) is not None
]


@pytest.fixture
def knowledge(committed_site):
    """The live portal with the plan's glossary, topics and goals (the pages are only read
    here: conftest's shared site, committed once for the module)."""
    return committed_site(load_knowledge)


@pytest.fixture
def visit(knowledge, open_site_page):
    """Open a path of the live portal (with its knowledge, committed first) in a browser tab
    (conftest's open_site_page): the page, which must answer `status`."""

    def open_(path, width=1280, status=200, **options):
        page, response = open_site_page(path, width, **options)
        assert response.status == status, path
        return page

    return open_


HEADER_PILLS = """() => {
  const pills = [...document.querySelectorAll('.languages .language-switch')];
  const brand = document.querySelector('.brand').getBoundingClientRect();
  return pills.map(pill => {
    const box = pill.getBoundingClientRect();
    const line = parseFloat(getComputedStyle(pill).lineHeight) || 24;
    return {
      text: pill.textContent,
      lines: pill.getClientRects().length,
      tall: box.height > 2 * line,
      overlapsBrand: !(box.left >= brand.right || box.right <= brand.left ||
                       box.top >= brand.bottom || box.bottom <= brand.top),
    };
  });
}"""


@pytest.mark.parametrize(("name", "reading"), CASES, ids=[f"{n}-{r}" for n, r in CASES])
def test_each_new_page_type_is_accessible_and_laid_out_in_each_reading(
    visit, check_a11y, screenshot, name, reading
):
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS:
        page = visit(page_path(name, reading), width)
        assert page.locator("html").get_attribute("lang") == HTML_LANG[reading]
        screenshot(page, f"knowledge/{name}-{reading}-{width}")
        # axe at the phone width (the markup is the same at both; the phone's layout is the
        # one that differs) and at 1280 in the default reading: see test_plan_pages_browser.
        if width == min(WIDTHS) or reading == "zh-hant":
            check_a11y(page)
        overflow = sideways_overflow(page)
        assert overflow <= 0, f"{name} ({reading}) scrolls sideways by {overflow}px at {width}px"
        # The other two readings, each pill on one line, clear of the site's name.
        pills = page.evaluate(HEADER_PILLS)
        assert len(pills) == 2, pills
        for pill in pills:
            assert pill["lines"] == 1 and not pill["tall"], (width, pill)
            assert not pill["overlapsBrand"], (width, pill)


def test_the_pages_show_what_they_are_about(visit):
    page = visit(f"{P}/mrt-network/")
    chips = page.locator(".knowledge-tags a")
    assert chips.filter(has_text="交通").count() == 1
    assert chips.filter(has_text="SDG 11").count() == 1
    assert page.locator("main a.term").count() >= 1
    page = visit("/search/?q=捷運+太空電梯")
    assert page.locator(".partial-summary").is_visible()
    assert page.locator(".search-matched").first.is_visible()
    page = visit("/search/?q=交通")
    assert page.locator(".named-pages a", has_text="交通").is_visible()
    page = visit(f"{P}/progress/?topic=transport")
    current = page.locator("#filter-topic + .filter-options a[aria-current]")
    assert current.inner_text() == "交通"
    assert page.locator(".progress-table tbody tr").count() >= 3


# Whether the element `selector` finds has its top in the upper half of the window.
IN_VIEW = """selector => {
  const top = document.querySelector(selector).getBoundingClientRect().top;
  return top >= 0 && top < innerHeight / 2;
}"""


@pytest.mark.parametrize("reading", READINGS)
def test_the_glossary_index_moves_focus_and_view_to_its_group(visit, reading):
    page = visit(READINGS[reading] + "/glossary/", 390)
    links = page.locator(".glossary-index a")
    count = links.count()
    assert count >= 5
    # A group far down the page: its heading comes into view and the next Tab goes on
    # from there (the sequential focus navigation starting point moves with the link).
    index = count - 2
    link = links.nth(index)
    target = link.get_attribute("href")
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_function(f"location.hash === {target!r}")
    heading = page.locator(target)
    assert heading.evaluate("h => h.tagName") == "H2"
    assert heading.inner_text() == link.inner_text()
    # At the top of the window, not merely somewhere on it (site.css scrolls smoothly
    # unless the reader asks for reduced motion: the scroll takes a moment).
    page.wait_for_function(IN_VIEW, arg=target)
    page.keyboard.press("Tab")
    after = page.evaluate(
        f"""() => {{
          const heading = document.querySelector({target!r});
          const focused = document.activeElement;
          return focused !== document.body &&
            !!(heading.compareDocumentPosition(focused) & Node.DOCUMENT_POSITION_FOLLOWING);
        }}"""
    )
    assert after, "Tab after the index link went back above its group"


@pytest.mark.parametrize("reading", READINGS)
def test_a_glossary_term_in_a_strategys_text_leads_to_its_entry(visit, reading):
    page = visit(READINGS[reading] + f"{P}/mrt-network/", 390)
    term = page.locator("main a.term").first
    href = term.get_attribute("href")
    assert href.startswith(READINGS[reading] + "/glossary/#"), href
    term.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{href}")
    entry = page.locator(".glossary-entry:target")
    assert entry.count() == 1
    assert entry.get_attribute("id") == href.rsplit("#", 1)[1]
    assert entry.is_visible()
    page.wait_for_function(IN_VIEW, arg=".glossary-entry:target")
    # The entry says what it is: its name is the term's, highlighted as the target.
    assert entry.locator("dfn").is_visible()
    outline = entry.evaluate("e => getComputedStyle(e).outlineStyle")
    assert outline != "none"


@pytest.mark.parametrize("path", ["/glossary/", f"{P}/mrt-network/", f"{P}/topics/transport/", "/"])
def test_the_language_switch_on_a_simplified_page_leads_to_the_same_page(knowledge, visit, path):
    for reading in ("zh-hant", "en"):
        page = visit("/zh-hans" + path, 390)
        pills = page.locator(".languages .language-switch")
        assert pills.count() == 2
        pill = pills.filter(has_text="繁體中文" if reading == "zh-hant" else "English")
        assert pill.get_attribute("hreflang") == HTML_LANG[reading]
        pill.focus()
        page.keyboard.press("Enter")
        page.wait_for_url(knowledge.url + READINGS[reading] + path)
        assert page.locator("html").get_attribute("lang") == HTML_LANG[reading]
        # And back: that page offers 简体中文 among its two others.
        assert page.locator(".languages .language-switch", has_text="简体中文").count() == 1


@pytest.mark.parametrize("reading", READINGS)
def test_the_glossary_and_topic_pages_read_fully_without_javascript(visit, reading):
    prefix = READINGS[reading]
    page = visit(prefix + "/glossary/", 390, java_script_enabled=False)
    entries = page.locator(".glossary-entry")
    assert entries.count() >= 20
    for index in (0, entries.count() - 1):
        assert entries.nth(index).locator("dfn").is_visible()
        assert entries.nth(index).locator("dd p").last.is_visible()
    page = visit(prefix + f"{P}/topics/", 390, java_script_enabled=False)
    assert page.locator(".entry-list a").count() >= 10
    page = visit(prefix + f"{P}/topics/transport/", 390, java_script_enabled=False)
    strategies = page.locator(".topic-strategies > li")
    assert strategies.count() >= 3
    assert strategies.last.is_visible()
    page = visit(prefix + f"{P}/sdgs/11/", 390, java_script_enabled=False)
    assert page.locator(".topic-strategies > li").count() >= 1
    # The phone menu folds into <details>, which opens without JavaScript too.
    page.locator(".site-menu summary").click()
    assert page.locator(".site-nav a[href$='/glossary/']").is_visible()
