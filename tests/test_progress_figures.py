"""Honest figures: coverage before averages, no light for a parent, one dated statement per
line, lights at their figure's own date, indicators met or not met (issue 21's rules, as
written on the overview page and in the README)."""

import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.test import override_settings
from django.utils import translation
from django.utils.translation import gettext

from plan.models import PlanNode
from plan.tree import PlanTree
from progress.models import Indicator, ProgressUpdate
from progress.rollup import read_bundle, roll_up

from .factories import P, node, published

TODAY = date(2026, 12, 3)


def zh(msgid):
    with translation.override("zh-hant"):
        return gettext(msgid)


def html_of(client, path):
    response = client.get(path)
    assert response.status_code == 200, path
    return response.content.decode()


def figures(plan, today=TODAY):
    tree = PlanTree.load(plan)
    return tree, roll_up(tree, read_bundle(plan), today)


def update(target, day, percent, status="in_progress", **fields):
    return published(
        ProgressUpdate,
        node=target,
        date=day,
        status=status,
        percent=None if percent is None else Decimal(percent),
        summary_zh_hant="進度說明",
        source=fields.pop("source", "高市府字第1號"),
        **fields,
    )


def test_coverage_is_counted_in_strategies_at_every_level(sample):
    tree, progress = figures(sample)
    goal = tree.goal
    # Reported: mrt-network (its own updates) and social-housing (through its action items).
    assert progress[goal.pk].coverage == (2, 28)
    for vision in tree.visions:
        refs = [s.ref for s in vision.children]
        reported = len({"mrt-network", "social-housing"} & set(refs))
        assert progress[vision.pk].coverage == (reported, len(refs)), vision.ref
    assert sum(progress[v.pk].coverage[1] for v in tree.visions) == 28
    # A strategy whose only report is an action item's status (no percent) still counts.
    strategy = next(
        n for n in tree.strategies if n.children and n.ref not in ("mrt-network", "social-housing")
    )
    update(PlanNode.objects.get(pk=strategy.children[0].pk), date(2026, 6, 30), None, "not_started")
    tree, progress = figures(sample)
    assert progress[tree.goal.pk].coverage == (3, 28)
    assert progress[strategy.pk].distribution == {"no_light": 1}


def test_pages_show_coverage_in_strategies_before_any_average(client, sample):
    for path in ("/", f"{P}/", f"{P}/livable/"):
        html = html_of(client, f"/en{path}")
        coverage = html.index('class="coverage"')
        assert "strategies reported" in html[coverage : coverage + 200], path
        # Nothing that looks like a verdict comes before the coverage.
        assert "% complete" not in html[html.index('class="rollup"') : coverage], path
    english = html_of(client, "/en/")
    assert "2 of 28 strategies reported" in english


def test_no_parent_has_a_light(client, sample):
    tree, progress = figures(sample)
    for path in ("/", f"{P}/", f"{P}/livable/", f"/en{P}/livable/"):
        html = html_of(client, path)
        for rollup in re.findall(r'<div class="rollup">.*?</div>', html, re.S):
            assert "light-dot" not in rollup and 'class="light ' not in rollup, path
    # The parent shows its strategies' distribution, in words and numbers.
    html = html_of(client, f"/en{P}/livable/")
    rollup = re.search(r'<div class="rollup">.*?</div>', html, re.S).group(0)
    assert 'class="distribution"' in rollup and "strategies" in rollup
    livable = next(v for v in tree.visions if v.ref == "livable")
    distribution = progress[livable.pk].distribution
    assert sum(distribution.values()) == len(livable.children)
    assert distribution["not_reported"] == len(livable.children) - 2


def test_the_average_is_withheld_below_the_coverage_threshold(client, sample):
    html = html_of(client, "/en/")
    goal = re.search(r'<div class="rollup">.*?</div>', html, re.S).group(0)
    assert "Not enough reported" in goal and "% complete" not in goal
    tree, progress = figures(sample)
    assert progress[tree.goal.pk].withheld() is True
    # The data keeps its meaning: the weighted mean is still published, marked withheld.
    data = client.get(f"/data/{sample.slug}.json").json()
    assert data["tree"]["progress"]["percent"] is not None
    assert data["tree"]["progress"]["withheld"] is True
    assert data["tree"]["coverage"] == {"reported": 2, "total": 28}
    with override_settings(PROGRESS_COVERAGE_MIN=0.05):
        from django.core.cache import cache

        cache.clear()
        from portal.serving.caching import clear_process_caches

        clear_process_caches()
        html = html_of(client, "/en/")
        goal = re.search(r'<div class="rollup">.*?</div>', html, re.S).group(0)
        assert "Weighted average of the 2 strategies that report a percent" in goal
        assert "Not enough reported" not in goal


def add_own_update_to_housing(plan):
    return update(
        node(plan, "social-housing"),
        date(2026, 9, 30),
        70,
        status="behind",
        reason="用地取得延宕",
        remedy="協調國有財產署",
        source="高市都發字第11500000009號",
    )


def test_each_line_is_one_dated_statement(client, sample):
    add_own_update_to_housing(sample)
    tree, progress = figures(sample)
    housing = progress[node(sample, "social-housing").pk]
    # Its own statement: status, percent and date from the same update.
    assert (housing.own.status, housing.own.percent, housing.own.date) == (
        "behind",
        Decimal(70),
        date(2026, 9, 30),
    )
    # Its action items: 20 % (2025-03-31) and 100 % (2025-12-31): their mean, the latest date.
    assert (housing.parts.percent, housing.parts.date) == (Decimal(60), date(2025, 12, 31))
    assert (housing.parts.reported, housing.parts.total) == (2, 2)
    html = html_of(client, f"/en{P}/social-housing/")
    own = html.index("The strategy's own latest update")
    parts = html.index("What its action items report")
    own_block, parts_block = html[own:parts], html[parts : html.index('class="statement-rule"')]
    assert "2026-09-30" in own_block and "70% complete" in own_block
    assert "Behind schedule" in own_block and "11500000009" in own_block
    assert "2 of 2 reported" in parts_block and "2025-12-31" in parts_block
    assert "2026-09-30" not in parts_block
    # On the vision page and the overview, the strategy's line is its parts' statement
    # whole: their percent with their date, never its own status beside their percent.
    vision = html_of(client, f"/en{P}/livable/")
    section = vision[vision.index('id="h-social-housing"') :]
    section = section[: section.index("</section>")]
    assert "As its action items report (2 of 2)" in section and "2025-12-31" in section
    assert "60% complete" in section and "70%" not in section and "2026-09-30" not in section
    # The parts' status is what they state together: one of them is behind.
    assert "Behind schedule" in section and "light-green" not in section


def test_a_light_compares_a_figure_with_what_was_planned_at_its_own_date(sample):
    mrt = node(sample, "mrt-network")
    for fact in ProgressUpdate.objects.filter(node=mrt):
        fact.delete()
    from progress.models import Milestone

    Milestone.objects.filter(node=mrt).delete()
    update(mrt, date(2025, 3, 31), 45)
    tree, progress = figures(sample)
    figure = progress[mrt.pk]
    # The plan's term is 2023-01-01 to 2026-12-31: by 2025-03-31, 56.2 % of it had passed.
    assert figure.own.expected == Decimal("56.2")
    assert figure.own.light == "yellow"  # 11.2 points below what was planned then
    # The open data's light keeps its meaning: against today (98.1 % planned), red.
    assert figure.expected == Decimal("98.1") and figure.light == "red"


def test_pages_print_the_light_at_the_figures_date_and_say_as_of(client, sample):
    html = html_of(client, f"/en{P}/mrt-network/")
    own = html[html.index('class="statement statement-own"') :]
    own = own[: own.index("</div>\n</div>") if "</div>\n</div>" in own else 2000]
    assert "as of" in own and "2025-03-31" in own
    assert "planned by that date" in own


def test_indicators_say_met_or_not_met_by_direction(client, sample):
    from portal.pages.progress.presenters import verdict

    assert verdict("increase", Decimal(170), Decimal(172)) == "met"
    assert verdict("increase", Decimal(180), Decimal(176)) == "not_met"
    assert verdict("decrease", Decimal(10), Decimal(9)) == "met"
    assert verdict("decrease", Decimal(10), Decimal(11)) == "not_met"
    assert verdict("milestone", Decimal(114), Decimal(114)) == "met"
    assert verdict("milestone", Decimal(114), Decimal(115)) == "not_met"
    assert verdict("increase", Decimal(170), None) is None
    assert verdict("increase", None, Decimal(5)) is None
    html = html_of(client, f"/en{P}/mrt-network/")
    table = html[html.index('class="indicator-table"') :]
    table = table[: table.index("</table>")]
    rows = re.findall(r"<tr><th scope=\"row\">(\d+)</th>(.*?)</tr>", table, re.S)
    verdicts = {
        year: re.search(r'class="verdict verdict-(\w+)">([^<]+)<', row) for year, row in rows
    }
    assert verdicts["112"].groups() == ("met", "Met")
    assert verdicts["113"].groups() == ("not_met", "Not met")
    assert verdicts["114"] is None and verdicts["115"] is None
    chinese = html_of(client, f"{P}/mrt-network/")
    assert zh("Met") in chinese and zh("Not met") in chinese


def test_indicator_numbers_are_grouped_and_the_baseline_has_its_unit(client, sample):
    Indicator.objects.filter(key="mrt-ridership").update(source="https://data.kcg.gov.tw/mrt")
    for prefix, unit in (("", "人次"), ("/en", "trips")):
        html = html_of(client, f"{prefix}{P}/mrt-network/")
        facts = html[html.index('class="indicator-facts"') :]
        facts = facts[: facts.index("</dl>")]
        assert f"160,000 {unit}" in facts
        assert 'href="https://data.kcg.gov.tw/mrt"' in facts  # where its actuals are published
        assert "172,000" in html and "172000" not in html.replace('"172000"', "")


@pytest.mark.parametrize("lang", ["", "/en"])
def test_the_rules_on_the_overview_are_the_readmes(client, sample, lang):
    from .factories import ROOT

    html = html_of(client, f"{lang}{P}/progress/")
    section = re.search(r'<section class="figure-rules".*?<p>(.*?)</p>', html, re.S).group(1)
    paragraph = " ".join(section.replace("&#x27;", "'").split())
    readme = " ".join((ROOT / "README.md").read_text("utf-8").split())
    assert len(paragraph) > 200 and paragraph in readme


def test_english_reason_and_remedy_reach_pages_and_json(client, sample):
    behind = ProgressUpdate.objects.get(state="published", reason_zh_hant="用地取得延宕")
    html = html_of(client, f"/en{P}/social-housing/")
    # Not yet translated: the Chinese, marked, as other texts are.
    assert '<span lang="zh-Hant">用地取得延宕</span> <span class="untranslated">' in html
    ProgressUpdate.objects.filter(pk=behind.pk).update(
        reason_en="Land acquisition delayed",
        remedy_en="Talks with the National Property Administration",
    )
    from django.core.cache import cache

    from portal.serving.caching import clear_process_caches

    cache.clear()
    clear_process_caches()
    html = html_of(client, f"/en{P}/social-housing/")
    assert "Land acquisition delayed" in html and "Talks with the National Property" in html
    # Only the revision it corrected (no English) still shows the Chinese, marked.
    assert html.count("用地取得延宕") == 1
    chinese = html_of(client, f"{P}/social-housing/")
    assert "用地取得延宕" in chinese and "Land acquisition delayed" not in chinese
    data = client.get(f"/data/{sample.slug}.json").json()
    found = [
        u
        for vision in data["tree"]["children"]
        for strategy in vision["children"]
        for item in strategy["children"]
        for u in item["updates"]
        if u["reason"]
    ]
    assert found[0]["reason"] == "用地取得延宕"
    assert found[0]["reason_en"] == "Land acquisition delayed"
    assert found[0]["remedy_en"].startswith("Talks with")


def test_a_lead_agency_not_yet_named_is_not_yet_designated(client, plan):
    for prefix, words in (("", "尚未指定"), ("/en", "Not yet designated")):
        html = html_of(client, f"{prefix}{P}/mrt-network/")
        line = html[html.index('class="agencies-line"') :]
        line = line[: line.index("</dl>")]
        assert words in line and ("尚未填報" not in line and "Not yet reported" not in line)


def test_a_strategys_parts_state_their_status_together(client, sample):
    """Attack findings: a strategy known through its action items read "Not yet reported"
    beside a light and a percent, showed green while its only reporting part was behind,
    and counted completed parts as green."""
    housing = node(sample, "social-housing")
    build, rent = PlanNode.objects.get_children(housing)
    ProgressUpdate.objects.filter(node=rent).delete()
    ProgressUpdate.objects.filter(node=build).update(percent=Decimal(95))
    tree, progress = figures(sample)
    parts = progress[housing.pk].parts
    assert (parts.status, parts.percent) == ("behind", Decimal(95))
    assert parts.light != "green" and progress[housing.pk].distribution != {"green": 1}
    html = html_of(client, f"/en{P}/progress/")
    row = html[html.index("More Social Housing") :]
    row = row[: row.index("</tr>")]
    assert "Not yet reported" not in row and "Behind schedule" in row and "95%" in row
    # Both parts completed: the strategy counts as completed, not as green.
    ProgressUpdate.objects.filter(node__in=[build]).update(status="completed", percent=100)
    update(rent, date(2025, 12, 31), 100, status="completed")
    tree, progress = figures(sample)
    assert progress[housing.pk].parts.status == "completed"
    assert progress[housing.pk].distribution == {"completed": 1}
    # Parts that report only a status (no percent) still make a statement: no "not reported".
    ProgressUpdate.objects.filter(node__in=[build, rent]).update(status="suspended", percent=None)
    tree, progress = figures(sample)
    assert progress[housing.pk].figure.status == "suspended"
    assert progress[housing.pk].distribution == {"no_light": 1}


@override_settings(PROGRESS_COVERAGE_MIN=0)
def test_a_parents_average_is_over_its_strategies_not_its_visions(sample):
    """Attack finding: the goal printed the mean of the visions' means as the average of
    its strategies."""
    update(node(sample, "quality-jobs"), date(2026, 6, 30), 0)  # in another vision
    tree, progress = figures(sample)
    strategies = [s for s in tree.strategies if progress[s.pk].figure is not None]
    percents = [progress[s.pk].figure.percent for s in strategies]
    goal = progress[tree.goal.pk]
    assert goal.strategies_with_percent == len(percents) == 3
    mean = (sum(percents) / len(percents)).quantize(Decimal("0.1"), ROUND_HALF_UP)
    assert goal.strategies_mean == mean == Decimal("38.5")
    assert goal.percent == Decimal("28.9")  # the data's figure: the visions' mean, as before


def test_stored_values_that_are_no_numbers_never_break_a_page(client, sample):
    """Attack finding: a milestone indicator holding "NaN" (stored before the number
    grammar) made the strategy page a 500; so did Infinity in the chart and the JSON."""
    Indicator.objects.filter(key="mrt-ridership").update(
        values={
            "112": {"target": "NaN", "actual": "Infinity"},
            "113": {"target": "1e999999999", "actual": "1,200"},
        }
    )
    published(
        Indicator,
        node=node(sample, "mrt-network"),
        key="milestone",
        name_zh_hant="完工",
        direction="milestone",
        values={"112": {"target": "sNaN", "actual": "114"}},
    )
    for prefix in ("", "/en"):
        html = html_of(client, f"{prefix}{P}/mrt-network/")
        assert "1,200" in html and len(html) < 1_000_000
    assert client.get(f"/data/{sample.slug}.json").status_code == 200


@pytest.mark.parametrize("value", [None, 50, -0.1, "0.5", True])
def test_a_coverage_minimum_that_is_no_share_fails_the_checks(value):
    from progress.apps import _check_coverage_minimum

    with override_settings(PROGRESS_COVERAGE_MIN=value):
        (error,) = _check_coverage_minimum(None)
    assert error.id == "progress.E001"
    with override_settings(PROGRESS_COVERAGE_MIN=0.25):
        assert _check_coverage_minimum(None) == []
