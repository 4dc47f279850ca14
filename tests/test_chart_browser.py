"""The architecture chart in a real browser: layout at phone and desktop widths, keyboard,
accessibility, print, and the SVG download opened on its own."""

import re

import pytest

from .factories import ARTIFACTS, SLUG, P, add_fifth_vision, add_strategies

pytestmark = pytest.mark.browser


PREFIX = {"zh": "", "en": "/en"}


WIDTHS = (390, 1280)


@pytest.fixture
def open_page(open_site_page):
    """The chart is only read here: one live server and the committed plan for the module
    (conftest's shared site); the edited plan of the last test is committed by its fixture."""
    return open_site_page


@pytest.fixture
def open_ok(open_page):
    """The page at a path, which must answer 200."""

    def open_(path, width=1280, **options):
        page, response = open_page(path, width, **options)
        assert response.status == 200
        return page

    return open_


def loaded_tree():
    from plan.models import Plan
    from plan.tree import PlanTree

    return PlanTree.load(Plan.objects.get())


def document_order(prefix):
    """The chart's links as the document reads: the goal, then each vision and its strategies."""
    tree = loaded_tree()
    hrefs = [f"{prefix}{P}/"]
    for vision in tree.visions:
        hrefs.append(f"{prefix}{P}/{vision.ref}/")
        hrefs += [f"{prefix}{P}/{s.ref}/" for s in vision.children]
    return hrefs


def boxes(page, selector):
    return page.eval_on_selector_all(
        selector,
        "els => els.map(e => { const r = e.getBoundingClientRect();"
        " return {x: r.x, y: r.y, w: r.width, h: r.height}; })",
    )


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("lang", PREFIX)
def test_chart_page_at_phone_and_desktop_width(open_ok, check_a11y, screenshot, lang, width):
    page = open_ok(f"{PREFIX[lang]}{P}/chart/", width)
    check_a11y(page)
    shot = screenshot(page, f"chart-{lang}-{width}")
    assert shot.stat().st_size > 10_000
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    visions = boxes(page, ".chart-vision")
    strategies = boxes(page, ".chart-strategy-box")
    assert len(visions) == 4 and len(strategies) == 28
    # Text stays at a readable size however narrow the screen.
    sizes = page.eval_on_selector_all(
        ".chart-strategy-box", "els => els.map(e => parseFloat(getComputedStyle(e).fontSize))"
    )
    assert min(sizes) >= 16
    for box in strategies:  # nothing spills out of the page or its column
        assert box["x"] >= 0 and box["x"] + box["w"] <= width
    if width == 1280:
        # The document's layout: four columns side by side, row labels at their left.
        assert len({round(v["y"]) for v in visions}) == 1
        assert [v["x"] for v in visions] == sorted(v["x"] for v in visions)
        rows = boxes(page, ".chart-row")
        assert all(r["x"] + r["w"] <= visions[0]["x"] for r in rows)
        goal, vision_row, strategy_row = rows
        vision_boxes = boxes(page, ".chart-vision-box")
        assert abs(vision_row["y"] - vision_boxes[0]["y"]) < 1
        assert abs(goal["y"] - boxes(page, ".chart-goal-box")[0]["y"]) < 1
        assert strategy_row["y"] < strategies[0]["y"] + 1
    else:
        # Stacked: one vision under another, each as wide as the page allows.
        assert [v["y"] for v in visions] == sorted(v["y"] for v in visions)
        assert len({round(v["x"]) for v in visions}) == 1
        assert visions[0]["w"] > 300


@pytest.mark.parametrize("lang", PREFIX)
def test_tab_visits_the_chart_in_document_order_with_a_visible_ring(open_ok, lang):
    page = open_ok(f"{PREFIX[lang]}{P}/chart/", 1280)
    expected = document_order(PREFIX[lang])
    seen = []
    for _ in range(120):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "(() => { const e = document.activeElement; const s = getComputedStyle(e);"
            " return {href: e.getAttribute('href'), chart: !!e.closest('.chart'),"
            " outline: s.outlineStyle, width: parseFloat(s.outlineWidth)}; })()"
        )
        if focused["href"] == "#main-content" and seen:
            break  # back at the skip link: every stop was visited
        if focused["chart"]:
            assert focused["outline"] != "none" and focused["width"] >= 2, focused
            seen.append(focused["href"])
    assert seen == expected
    # Enter follows the focused box.
    page.locator(f'.chart a[href="{expected[-1]}"]').focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(re.escape(expected[-1]) + "$"))


def test_chart_works_without_javascript(open_ok):
    page = open_ok(f"{P}/chart/", 1280, java_script_enabled=False)
    hrefs = page.eval_on_selector_all(".chart a", "els => els.map(e => e.getAttribute('href'))")
    assert hrefs == document_order("")
    assert len({round(v["y"]) for v in boxes(page, ".chart-vision")}) == 1


@pytest.mark.parametrize("lang", PREFIX)
def test_chart_prints_on_one_a4_landscape_page(open_ok, screenshot, lang):
    page = open_ok(f"{PREFIX[lang]}{P}/chart/", 1280)
    page.emulate_media(media="print")
    # What the sheet will look like (A4 landscape less 10 mm margins, at 96 dpi), for people
    # to look at; the PDF below is the real test.
    page.set_viewport_size({"width": 1047, "height": 718})
    screenshot(page, f"chart-print-{lang}")
    for chrome in (".site-header", ".site-footer", ".breadcrumbs", ".chart-links"):
        assert not page.locator(chrome).first.is_visible(), chrome
    assert page.locator(".chart").is_visible()
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    pages = re.findall(rb"/Type\s*/Page\b(?!s)", pdf)
    assert len(pages) == 1
    width, height = map(float, re.search(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)", pdf).groups())
    assert (round(width), round(height)) == (842, 595)  # A4 landscape in points


@pytest.mark.parametrize("lang", PREFIX)
def test_downloaded_svg_opens_on_its_own(open_ok, tmp_path, lang):
    page = open_ok(f"{PREFIX[lang]}{P}/chart/", 1280)
    with page.expect_download() as download_info:
        page.locator(f'a[href="{PREFIX[lang]}{P}/chart.svg"]').click()
    download = download_info.value
    language = "en" if lang == "en" else "zh-hant"
    assert download.suggested_filename == f"{SLUG}-chart-{language}.svg"
    path = tmp_path / download.suggested_filename
    download.save_as(path)

    page.goto(path.as_uri())
    assert page.evaluate("document.documentElement.localName") == "svg"
    assert page.locator("parsererror").count() == 0
    # Chromium never finishes a full-page screenshot of an SVG document: size the window to
    # the drawing and take the window instead.
    size = page.evaluate(
        "[document.documentElement.width.baseVal.value, document.documentElement.height.baseVal.value]"
    )
    page.set_viewport_size({"width": round(size[0]), "height": round(size[1])})
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / f"chart-svg-{lang}.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000
    # The layout's width estimate holds for the font the browser really used: each line,
    # measured as drawn, fits inside its box.
    lines = page.evaluate(
        """[...document.querySelectorAll('g rect')].flatMap(rect =>
             [...rect.parentNode.querySelectorAll('tspan')].map(tspan => ({
               text: tspan.textContent,
               drawn: tspan.getComputedTextLength(),
               room: rect.width.baseVal.value - 8,
             })))"""
    )
    assert len(lines) >= 3 + 1 + 4 + 28
    assert [line for line in lines if line["drawn"] > line["room"]] == []
    links = page.eval_on_selector_all("a", "els => els.map(e => e.getAttribute('href'))")
    assert all(href.startswith("http://") for href in links)
    assert len(links) >= 1 + 4 + 28


def a_fifth_vision_nine_strategies_and_a_long_label():
    """A step of the shared site (conftest's committed_site)."""
    from plan.models import Plan, PlanNode

    plan = Plan.objects.get()
    add_fifth_vision(plan)
    add_strategies(plan, "green", 3, "green-extra")
    add_strategies(plan, "tech", 2, "tech-extra")
    PlanNode.objects.filter(ref="mrt-network").update(
        title_en="Completing the Mass Rapid Transit Network and Every Connecting Public "
        "Transport Service Across the Whole Greater City Region"
    )


@pytest.fixture
def edited_plan(committed_site):
    return committed_site(a_fifth_vision_nine_strategies_and_a_long_label)


def test_chart_adapts_to_a_fifth_vision_nine_strategies_and_a_long_label(
    edited_plan, open_ok, screenshot
):
    for lang, width in (("en", 1280), ("zh", 1280), ("en", 390)):
        page = open_ok(f"{PREFIX[lang]}{P}/chart/", width)
        screenshot(page, f"chart-edited-{lang}-{width}")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        visions = boxes(page, ".chart-vision")
        assert len(visions) == 5
        if width == 1280:
            assert len({round(v["y"]) for v in visions}) == 1  # five columns side by side
        assert len(boxes(page, ".chart-vision:first-child .chart-strategy-box")) == 9
        # No box clips its text: what the text needs fits in what the box has.
        clipped = page.eval_on_selector_all(
            ".chart-box",
            "els => els.filter(e => e.scrollWidth > e.clientWidth + 1"
            " || e.scrollHeight > e.clientHeight + 1).map(e => e.textContent)",
        )
        assert clipped == []
