"""Headings descend one level at a time on every page, with data loaded (issue 21: an action
item's indicators were <h4> straight under the page's <h1>; Lighthouse's heading-order)."""

import re

import pytest

from ..factories import LOCALISED, P

PROGRESS_PAGES = {
    "overview": f"{P}/progress/",
    "agencies": f"{P}/agencies/",
    "agency": f"{P}/agencies/udd/",
    "chart-progress": f"{P}/chart/progress/",
    "strategy-with-indicators": f"{P}/mrt-network/",
    # A period's report with exceptions by agency (reporting from 114q1 on, below).
    "period-report": f"{P}/progress/114q1/",
    "period-report-before-the-first": f"{P}/progress/113q4/",
}
HTML_PAGES = {
    name: path
    for name, path in {**LOCALISED, **PROGRESS_PAGES}.items()
    if name not in ("chart-svg", "feed")
}
HEADING = re.compile(r"<h([1-6])\b")


def heading_levels(html):
    return [int(level) for level in HEADING.findall(html)]


def test_the_walk_finds_a_skip():
    assert heading_levels("<h1>a</h1><h2>b</h2><h4 class=x>c</h4>") == [1, 2, 4]
    assert skips([1, 2, 4]) == [(2, 4)]
    assert skips([1, 2, 3, 2, 3, 4, 2]) == []


def skips(levels):
    return [(a, b) for a, b in zip(levels, levels[1:], strict=False) if b > a + 1]


@pytest.fixture
def with_an_action_indicator(sample):
    """The sample's progress, an indicator on an action item (shown on its strategy's page
    inside the action item's list entry), and reporting from 114q1 on (stale marks, the
    period reports)."""
    from decimal import Decimal

    from plan.models import PlanNode
    from progress.models import Indicator

    from ..factories import node

    action = PlanNode.objects.get_children(node(sample, "social-housing")).first()
    Indicator.objects.create(
        state="published",
        node=action,
        key="units",
        name_zh_hant="社會住宅戶數",
        name_en="Social housing units",
        direction="increase",
        baseline=Decimal(100),
        values={"112": {"target": "200", "actual": "210"}},
    )
    sample.first_reporting_period = "114q1"
    sample.save()
    return sample


@pytest.mark.parametrize("reading", ["", "/en", "/zh-hans"])
@pytest.mark.parametrize("name", HTML_PAGES)
def test_headings_descend_one_level_at_a_time(client, with_an_action_indicator, reading, name):
    path = HTML_PAGES[name] if name != "strategy-with-actions" else f"{P}/social-housing/"
    response = client.get(reading + path)
    assert response.status_code == 200, path
    levels = heading_levels(response.content.decode())
    assert levels and levels[0] == 1 and levels.count(1) == 1, (name, levels)
    assert not skips(levels), (name, levels)
