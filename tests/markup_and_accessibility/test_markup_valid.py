"""Every page type is valid HTML, checked by the Nu HTML Checker (vnu.jar, the W3C
validator's engine), in each reading (繁體中文, English and the Simplified Chinese converted
from the Traditional), with history and progress on the pages and the knowledge layer
(glossary, topics, goals, the terms linked in the plan's text) loaded.

The checker comes from npm (`vnu-jar`) and runs on Java; `.ci/run` installs it under
.ci/node/. Without it the test is skipped, except where REQUIRE_VALIDATOR is set (CI)."""

import re
from datetime import date
from decimal import Decimal

import pytest
import reversion

from plan.history import record_loaded
from plan.models import PlanNode

from ..factories import PAGES, P, html_checker, html_errors

pytestmark = pytest.mark.validator


PATHS = [
    *PAGES.values(),  # the home page, the plan's page types and the site map
    f"{P}/mrt-network/history/",
    f"{P}/progress/",
    f"{P}/agencies/",
    f"{P}/agencies/mrtb/",
    f"{P}/chart/progress/",
    "/search/?q=捷運",
    "/search/",
    "/open-data/",
    "/changes/",
    "/no-such-page/",
    # The knowledge layer: the glossary, the topics and goals, the overview filtered by them.
    "/glossary/",
    f"{P}/topics/",
    f"{P}/topics/transport/",
    f"{P}/sdgs/11/",
    f"{P}/progress/?topic=transport",
    f"{P}/progress/?sdg=11",
    # The reporting routine (reporting from 114q1 on, below): a period's report with its
    # exceptions, the last closed one, one before the first, the overview's stale filter.
    f"{P}/progress/114q1/",
    f"{P}/progress/115q3/",
    f"{P}/progress/113q4/",
    f"{P}/progress/?stale=1",
    # Forgiving search: partial matches and a glossary page named (捷運 太空電梯), a topic
    # named (交通), synonyms (fishing port), partial matches in English.
    "/search/?q=捷運+太空電梯",
    "/search/?q=交通",
    "/search/?q=fishing+port",
    "/search/?q=MRT+space+elevator",
]


# Every page in each reading; /zh-hans/ is the Traditional page converted as it leaves.
READINGS = ("", "/en", "/zh-hans")


def with_history_and_progress(plan):
    from progress.models import Agency, Indicator, ProgressUpdate, Responsibility

    record_loaded(plan, "kaohsiung-112-115.json")
    mrt = PlanNode.objects.get(ref="mrt-network")
    mrt.title_en = "Strengthening the MRT Network"
    with reversion.create_revision():
        mrt.save()
    agency = Agency.objects.create(code="mrtb", name_zh_hant="捷運工程局", name_en="MRT Bureau")
    Responsibility.objects.create(node=mrt, agency=agency, role="lead")
    ProgressUpdate.objects.create(
        node=mrt,
        date=date(2025, 3, 31),
        status="behind",
        percent=Decimal(30),
        summary_zh_hant="測試用進度",
        source="https://example.gov.tw/report",
        agency=agency,
        reason="用地",
        remedy="協調",
        state="published",
    )
    # Reporting from 2025 Q1 on: the MRT strategy is marked stale, its periods have reports.
    plan.first_reporting_period = "114q1"
    plan.save()
    Indicator.objects.create(
        node=mrt,
        key="km",
        name_zh_hant="路網長度",
        unit_zh_hant="公里",
        direction="increase",
        values={"114": {"target": "50", "actual": "42", "source": "https://example.gov.tw"}},
        state="published",
    )


@pytest.fixture
def goals(db):
    """The 17 goals, which a migration loads: a transactional test run earlier in the session
    flushes them, and the `plan` fixture's knowledge needs them."""
    from knowledge.exchange import GOALS_FILE, load_goals, read
    from knowledge.models import Goal

    load_goals(read(GOALS_FILE), Goal)


def test_every_page_type_is_valid_html(client, goals, plan, tmp_path):
    jar = html_checker()
    with_history_and_progress(plan)
    files = {}
    for prefix in READINGS:
        for path in PATHS:
            response = client.get(prefix + path)
            if response.status_code == 404 and "no-such-page" not in path:
                continue  # a page type this version does not have
            # Numbered: the searches' Chinese words leave no letters to tell them apart.
            name = re.sub(r"[^a-z0-9]+", "-", (prefix + path).lower()).strip("-") or "home"
            file = tmp_path / f"{len(files):03d}-{name}.html"
            file.write_bytes(response.content)
            files[str(file)] = prefix + path
    assert len(files) >= 90
    errors = html_errors(jar, files)
    assert errors == [], "\n".join(errors)
