"""The architecture chart: the page, the SVG download and the layout behind it.

Over 400 lines, one job: the chart's page, file and layout, whose tests share one reading of
the SVG.
"""

import re
import xml.etree.ElementTree as ET
from html import unescape
from html.parser import HTMLParser
from itertools import combinations

import pytest
from django.utils import translation

from plan.models import PlanNode
from plan.tree import PlanTree
from portal.pages.chart import layout as chart
from portal.published import link

from .factories import ROOT, SLUG, P, add_fifth_vision, add_strategies, squeeze

PREFIX = {"zh-hant": "", "en": "/en"}


SVG = "{http://www.w3.org/2000/svg}"


# The four strategies the chart words differently from their headings in the text.
CHART_WORDING = {
    "traditional-industry-upgrade": ("力促傳統產業高階轉型", "力促傳統產業高值轉型"),
    "smart-infrastructure": ("運用科技優化基礎設施", "運用科技優化基礎建設"),
    "arts-talent": ("構建藝文人才友善城市", "建構藝文人才友善城市"),
    "inclusive-parks": ("營造全齡共融休閒空間", "營造全齡共融休憩空間"),
}


def chart_label(node, lang):
    suffix = lang.replace("-", "_")
    return getattr(node, f"chart_label_{suffix}") or getattr(node, f"title_{suffix}")


class ChartLinks(HTMLParser):
    """The links inside the page's <figure class="chart">: (kind, href, text) in order."""

    def __init__(self):
        super().__init__()
        self.depth = 0  # how deep inside the figure the parser is (0: outside)
        self.links = []
        self.current = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "figure" and "chart" in (attrs.get("class") or "").split():
            self.depth = 1
        elif self.depth and tag == "figure":
            self.depth += 1
        if self.depth and tag == "a":
            kind = re.search(r"chart-(\w+)-box", attrs.get("class") or "")
            self.current = [kind.group(1) if kind else "", attrs.get("href"), ""]

    def handle_endtag(self, tag):
        if self.depth and tag == "figure":
            self.depth -= 1
        if tag == "a" and self.current:
            self.links.append(tuple(self.current))
            self.current = None

    def handle_data(self, data):
        if self.current:
            self.current[2] += data


def chart_links(html):
    parser = ChartLinks()
    parser.feed(html)
    return parser.links


def svg_texts(root):
    """The text of every box in the SVG, its lines joined, spaces dropped (lines may break
    at a space), with its link."""
    texts = []
    for group in root.iter(f"{SVG}g"):
        link = group.find(f"{SVG}a")
        text = group.find(f".//{SVG}text")
        if text is not None:
            href = link.get("href") if link is not None else None
            texts.append((squeeze("".join(text.itertext())), href))
    return texts


@pytest.fixture
def get(client, plan):
    return client.get


@pytest.fixture
def get_in_budget(get, django_assert_max_num_queries):
    """get, answered 200 within the public pages' 4 queries."""

    def fetch(path):
        with django_assert_max_num_queries(4):
            response = get(path)
        assert response.status_code == 200
        return response

    return fetch


@pytest.mark.parametrize("lang", PREFIX)
def test_chart_page_prints_each_strategy_once_by_its_chart_label_linked_in_order(
    get_in_budget, tree, lang
):
    response = get_in_budget(f"{PREFIX[lang]}{P}/chart/")
    html = response.content.decode()
    links = chart_links(html)
    strategies = [(href, unescape(text)) for kind, href, text in links if kind == "strategy"]
    assert strategies == [
        (f"{PREFIX[lang]}{P}/{s.ref}/", chart_label(s, lang)) for s in tree.strategies
    ]
    for strategy in tree.strategies:
        label = chart_label(strategy, lang)
        assert html.count(label) == 1, label


@pytest.mark.parametrize("lang", PREFIX)
def test_chart_page_reads_goal_then_each_vision_and_its_strategies(get, tree, lang):
    html = get(f"{PREFIX[lang]}{P}/chart/").content.decode()
    expected = [("goal", f"{PREFIX[lang]}{P}/")]
    for vision in tree.visions:
        expected.append(("vision", f"{PREFIX[lang]}{P}/{vision.ref}/"))
        expected += [("strategy", f"{PREFIX[lang]}{P}/{s.ref}/") for s in vision.children]
    assert [(kind, href) for kind, href, _ in chart_links(html)] == expected
    visions = [unescape(text) for kind, _, text in chart_links(html) if kind == "vision"]
    assert visions == [chart_label(v, lang) for v in tree.visions]
    # The same hierarchy in the markup: the visions' list inside the goal's item, a list of
    # strategies inside each vision's item.
    figure = html[html.index('<ul class="chart-tree"') : html.index("</figure>")]
    assert figure.count('<ul class="chart-visions"') == 1
    for vision in re.split(r'<li class="chart-vision ', figure)[1:]:
        assert vision.count('<ul class="chart-strategies"') == 1


def test_chart_prints_the_four_strategies_by_their_chart_wording(get):
    html = get(f"{P}/chart/").content.decode()
    for ref, (chart_wording, heading) in CHART_WORDING.items():
        assert f'href="{P}/{ref}/">{chart_wording}</a>' in html
        assert heading not in html


@pytest.mark.parametrize("lang", PREFIX)
def test_chart_page_has_title_description_row_labels_and_links(get, plan, lang):
    with translation.override(lang):
        title, rows = plan.chart_title, [plan.chart_goal_row, plan.chart_visions_row]
        rows.append(plan.chart_strategies_row)
    html = get(f"{PREFIX[lang]}{P}/chart/").content.decode()
    assert f'<h1 id="chart-title">{title}</h1>' in html
    assert (
        '<figure class="chart" aria-labelledby="chart-title" aria-describedby="chart-desc">' in html
    )
    description = re.search(r'<p id="chart-desc" class="chart-desc">([^<]+)</p>', html).group(1)
    assert all(unescape(row) in unescape(description) for row in rows)
    for name, row in zip(("goal", "visions", "strategies"), rows, strict=True):
        assert f'id="chart-row-{name}" aria-hidden="true">{row}</p>' in html
    # Each list is named by its row label, which is hidden only to avoid reading it twice.
    assert 'class="chart-tree" aria-labelledby="chart-row-goal"' in html
    assert 'class="chart-visions" aria-labelledby="chart-row-visions"' in html
    assert 'aria-labelledby="chart-tech chart-row-strategies"' in html
    download = re.search(r'<a class="button" href="([^"]+)"[^>]*download>([^<]+)</a>', html)
    assert download.group(1) == f"{PREFIX[lang]}{P}/chart.svg"
    assert "SVG" in download.group(2)
    assert f'<a class="button" href="{PREFIX[lang]}{P}/full-text/">' in html
    assert '<link rel="stylesheet" href="/static/portal/chart.css">' in html


def test_english_chart_marks_an_untranslated_label(get, plan):
    PlanNode.objects.filter(plan=plan, ref="mrt-network").update(title_en="")
    html = get(f"/en{P}/chart/").content.decode()
    assert (
        f'href="/en{P}/mrt-network/"><span lang="zh-Hant">健全大眾運輸捷運路網</span></a>' in html
    )


def test_unpublished_strategy_is_not_on_the_chart(get, plan):
    mrt = PlanNode.objects.get(plan=plan, ref="mrt-network")
    mrt.published = False
    mrt.save()
    html = get(f"{P}/chart/").content.decode()
    assert "mrt-network" not in html and "健全大眾運輸捷運路網" not in html
    assert "整合高屏南運輸生活圈" in html
    svg = get(f"{P}/chart.svg").content.decode()
    assert "mrt-network" not in svg and "健全大眾運輸捷運路網" not in svg
    assert "整合高屏南運輸生活圈" in svg


def test_chart_stylesheet_keeps_to_the_print_and_layout_rules():
    css = (ROOT / "static" / "portal" / "chart.css").read_text("utf-8")
    printing = css[css.index("@media print {") :]
    assert re.search(r"@page\s*{\s*size:\s*A4 landscape", printing)
    for chrome in (".site-header", ".site-footer", ".breadcrumbs", ".skip-link", ".accesskey"):
        assert chrome in printing
    # Any number of visions sit side by side on wide screens: no fixed column count.
    assert "grid-auto-flow: column" in css and "grid-auto-columns: minmax(0, 1fr)" in css


def test_svg_palette_is_the_sites():
    css = (ROOT / "static" / "portal" / "site.css").read_text("utf-8")
    for hue, (ink, wash) in chart.HUES.items():
        assert f"--hue-{hue}: {ink};" in css
        assert f"--hue-{hue}-wash: {wash};" in css
    assert f"--brand: {chart.BRAND};" in css and f"--ink: {chart.INK};" in css


@pytest.mark.parametrize("lang", PREFIX)
def test_svg_download_is_a_standalone_file_with_every_label_once(get_in_budget, tree, lang):
    response = get_in_budget(f"{PREFIX[lang]}{P}/chart.svg")
    assert response["Content-Type"].startswith("image/svg+xml")
    assert response["Content-Disposition"] == f'attachment; filename="{SLUG}-chart-{lang}.svg"'
    assert "Set-Cookie" not in response.headers
    content = response.content.decode()
    assert content.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    root = ET.fromstring(response.content)
    assert root.tag == f"{SVG}svg"
    width, height = int(root.get("width")), int(root.get("height"))
    assert root.get("viewBox") == f"0 0 {width} {height}"
    assert "Noto Sans CJK TC" in root.get("font-family")
    assert root.get("font-family").endswith("sans-serif")
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == (
        "en" if lang == "en" else "zh-Hant"
    )
    with translation.override(lang):
        assert root.find(f"{SVG}title").text == tree.plan.chart_title
        assert tree.plan.chart_strategies_row in root.find(f"{SVG}desc").text

    texts = svg_texts(root)
    for strategy in tree.strategies:
        label = squeeze(chart_label(strategy, lang))
        found = [href for text, href in texts if text == label]
        assert found == [f"http://testserver{PREFIX[lang]}{P}/{strategy.ref}/"], label
    for vision in tree.visions:
        assert (
            squeeze(chart_label(vision, lang)),
            f"http://testserver{PREFIX[lang]}{P}/{vision.ref}/",
        ) in texts
    assert (squeeze(chart_label(tree.goal, lang)), f"http://testserver{PREFIX[lang]}{P}/") in texts


def test_svg_prints_the_chart_wording_and_row_labels(get):
    root = ET.fromstring(get(f"{P}/chart.svg").content)
    texts = [text for text, _ in svg_texts(root)]
    for chart_wording, heading in CHART_WORDING.values():
        assert chart_wording in texts and heading not in texts
    assert {"施政目標", "施政願景", "推動策略", "公平城市社會共好"} <= set(texts)


def test_svg_escapes_staff_text(get, plan):
    PlanNode.objects.filter(plan=plan, ref="mrt-network").update(
        title_zh_hant='捷運 <script>alert("x")</script> & </text>'
    )
    response = get(f"{P}/chart.svg")
    root = ET.fromstring(response.content)  # still well-formed XML
    assert not [el for el in root.iter() if el.tag.endswith("script")]
    assert squeeze('捷運 <script>alert("x")</script> & </text>') in [
        text for text, _ in svg_texts(root)
    ]
    assert b"<script>" not in response.content


def test_svg_of_an_unknown_plan_is_404(get):
    assert get("/no-such-plan/chart.svg").status_code == 404


def laid_out(plan, lang):
    with translation.override(lang):
        tree = link(PlanTree.load(plan), lang, base="http://testserver")
        return chart.layout_chart(plan, tree, lang, footnote_url=f"http://testserver{P}/chart/")


def assert_sound(layout):
    """No two boxes overlap, every line fits its box, every box lies inside the viewBox."""
    boxes = layout.boxes
    for a, b in combinations(boxes, 2):
        apart = a.x + a.w <= b.x or b.x + b.w <= a.x or a.y + a.h <= b.y or b.y + b.h <= a.y
        assert apart, f"{a.kind} {a.text!r} overlaps {b.kind} {b.text!r}"
    for box in boxes:
        assert box.x >= 0 and box.x + box.w <= layout.width, box.text
        assert box.y >= 0 and box.y + box.h <= layout.height, box.text
        assert box.lines and box.h >= box.needed_height, box.text
        for line in box.lines:
            assert chart.text_width(line, box.style.size, box.style.bold) <= box.inner_width, line
        # The lines are the whole text, nothing dropped.
        assert squeeze("".join(box.lines)) == squeeze(box.text)
        baselines = [y for _, y in box.baselines]
        assert box.y < baselines[0] - box.style.size * 0.8 and baselines[-1] < box.y + box.h
    for x1, y1, x2, y2 in layout.connectors:
        assert min(x1, x2) >= 0 and max(x1, x2) <= layout.width
        assert min(y1, y2) >= 0 and max(y1, y2) <= layout.height


@pytest.mark.parametrize("lang", PREFIX)
def test_layout_of_the_plan_as_published(plan, lang):
    layout = laid_out(plan, lang)
    assert_sound(layout)
    visions = layout.of_kind("vision")
    assert len(visions) == 4 and len({v.y for v in visions}) == 1
    assert [v.x for v in visions] == sorted(v.x for v in visions)
    assert len(layout.of_kind("strategy")) == 28
    assert len(layout.of_kind("row")) == 3
    # The bands run down the page: goal, visions, strategies.
    goal = layout.of_kind("goal")[0]
    assert goal.y + goal.h < visions[0].y
    assert all(visions[0].y + visions[0].h < s.y for s in layout.of_kind("strategy"))
    if lang == "zh-hant":
        # As in the document: every strategy on one line, row labels two characters a line.
        assert all(len(s.lines) == 1 for s in layout.of_kind("strategy"))
        assert layout.of_kind("row")[0].lines == ["施政", "目標"]


def test_layout_grows_a_column_of_nine_strategies(plan):
    add_strategies(plan, "tech", 2, "extra")
    for lang in PREFIX:
        layout = laid_out(plan, lang)
        assert_sound(layout)
        tech = layout.of_kind("vision")[0]
        column = [s for s in layout.of_kind("strategy") if s.x == tech.x]
        assert len(column) == 9
        strategies_row = layout.of_kind("row")[2]
        assert strategies_row.y + strategies_row.h >= max(s.y + s.h for s in column)


def test_layout_takes_a_fifth_vision(plan):
    add_fifth_vision(plan)
    add_strategies(plan, "green", 3, "green")
    for lang in PREFIX:
        layout = laid_out(plan, lang)
        assert_sound(layout)
        visions = layout.of_kind("vision")
        assert len(visions) == 5 and len({v.y for v in visions}) == 1
        assert len({v.w for v in visions}) == 1 and visions[0].w >= chart.COLUMN_MIN_WIDTH
        assert len([s for s in layout.of_kind("strategy") if s.x == visions[4].x]) == 3


def test_layout_wraps_long_english_labels_inside_their_boxes(plan):
    long_title = (
        "Completing the Mass Rapid Transit Network and Every Connecting Public Transport "
        "Service Across the Whole Greater City Region"
    )
    assert len(long_title) >= 120
    PlanNode.objects.filter(plan=plan, ref="mrt-network").update(title_en=long_title)
    PlanNode.objects.filter(plan=plan, ref="net-zero").update(
        chart_label_en="Improving Air Quality on the Road to Net-Zero and Sustainability"[:60]
    )
    PlanNode.objects.filter(plan=plan, ref="livable").update(
        title_en="Livable Kaohsiung for Residents of Every Age and Background Alike"
    )
    PlanNode.objects.filter(plan=plan, ref="pop-music").update(
        title_en="Supercalifragilisticexpialidocious" * 2  # one word wider than its box
    )
    layout = laid_out(plan, "en")
    assert_sound(layout)
    mrt = next(b for b in layout.boxes if b.url.endswith("/mrt-network/"))
    assert len(mrt.lines) >= 4 and " ".join(mrt.lines) == long_title
    # The boxes in the same row grow with it, so the columns still read across.
    same_row = [s for s in layout.of_kind("strategy") if s.y == mrt.y]
    assert len(same_row) == 4 and {s.h for s in same_row} == {mrt.h}


def test_layout_of_an_empty_plan(plan):
    PlanNode.objects.filter(plan=plan).delete()
    layout = laid_out(plan, "zh-hant")
    assert_sound(layout)
    assert [b.kind for b in layout.boxes] == ["title", "row", "row", "row", "footnote"]


def test_cjk_is_one_em_and_latin_narrower():
    assert chart.text_width("施政目標", 20) == 80
    assert chart.text_width("Kaohsiung", 20) < 9 * 20 * 0.6
    assert chart.text_width("WWW", 10) > chart.text_width("iii", 10)
    assert chart.text_width("Tech", 20, bold=True) > chart.text_width("Tech", 20)


def test_wrapping_breaks_words_at_spaces_and_cjk_anywhere_but_before_punctuation():
    assert chart.wrap("Tech Industries Driving Quality Jobs", 10, 100) == [
        "Tech Industries",
        "Driving Quality Jobs",
    ]
    assert chart.wrap("科技產業帶動優質就業", 10, 45) == ["科技產業", "帶動優質", "就業"]
    # 、 may not start a line: it goes with the character before it.
    assert chart.wrap("公平城市、社會共好", 10, 40) == ["公平城", "市、社會", "共好"]
    assert chart.wrap("Kaohsiung–Pingtung–Tainan", 10, 60) == ["Kaohsiung–", "Pingtung–", "Tainan"]
    assert chart.wrap("", 10, 50) == [""]
    # Brackets and commas stay with what they belong to, in mixed text too.
    assert [piece for piece, _ in chart._atoms("捷運（MRT）路網, OK")] == [
        "捷",
        "運",
        "（MRT）",
        "路",
        "網,",
        "OK",
    ]


def test_printable_drops_what_xml_cannot_carry():
    assert chart.printable("a\x00b\x01c\n\x0b d") == "abc d"
