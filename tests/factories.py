"""Shared setup for the tests: plain functions that make what a test needs (staff per role,
agencies with their responsibilities, published and draft progress, a plan with history) and
the measures several features share (a page's cold query count). Fixtures that wrap these
live in conftest.py; no test module imports another.

Over 400 lines, one job: every shared piece of set-up in one place, so no test module
needs another.
"""

import copy
import email
import re
import socket
from datetime import date, datetime
from decimal import Decimal
from email import policy
from io import StringIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

ROOT = Path(__file__).resolve().parent.parent
PLAN_FILE = ROOT / "fixtures" / "kaohsiung-112-115.json"
ARTIFACTS = ROOT / "artifacts"
SLUG = "kaohsiung-112-115"
P = f"/{SLUG}"
PASSWORD = "a-long-test-password"
# Taiwan's 網站無障礙規範 115.11 (from 2026-11-30) is based on WCAG 2.2: axe checks 2.2 AA too.
WCAG22AA = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"],
    }
}

# Plan items ---------------------------------------------------------------------------------


def load_the_plan(data):
    """The 112–115 plan as `load_plan` loads it: the other apps told (plan_loaded), so it has
    its glossary, topics and their proposed assignment (fixtures/knowledge/) and its default
    calendar of reporting periods (no first reporting period)."""
    from plan.exchange import create_plan, plan_loaded
    from plan.models import Plan

    plan = create_plan(data)
    plan_loaded.send(Plan, plan=plan, replaced=False)
    return plan


def the_loaded_plan(data):
    """The plan each test process committed once (below), or a new one when a transactional
    test's flush took it: loading it is the suite's most repeated set-up (most tests need
    it), so it is done once per process and each test's transaction rolls back its edits."""
    from plan.models import Plan

    return Plan.objects.filter(slug=data["slug"]).first() or load_the_plan(data)


def node(plan, ref):
    from plan.models import PlanNode

    return PlanNode.objects.get(plan=plan, ref=ref)


def add_strategies(plan, vision_ref, count, prefix):
    from plan.models import PlanNode

    for number in range(1, count + 1):
        vision = PlanNode.objects.get(plan=plan, ref=vision_ref)
        PlanNode.objects.add_child(
            vision,
            {
                "plan": plan,
                "kind": "strategy",
                "ref": f"{prefix}-{number}",
                "title_zh_hant": f"新增策略第{number}項擴大服務量能",
                "title_en": f"Additional Strategy Number {number} for Wider Services",
            },
        )


def add_fifth_vision(plan):
    from plan.models import PlanNode

    goal = PlanNode.objects.get(plan=plan, kind="goal")
    PlanNode.objects.add_child(
        goal,
        {
            "plan": plan,
            "kind": "vision",
            "ref": "green",
            "title_zh_hant": "永續高雄",
            "title_en": "Sustainable Kaohsiung",
        },
    )


def doubled(data):
    """The plan twice over: every vision, strategy and action item again, with new refs."""
    data = copy.deepcopy(data)
    copies = iter(range(10_000))

    def renamed(node):
        node = {**node, "ref": f"{node['ref'][:30]}-copy{next(copies)}"}
        node["children"] = [renamed(child) for child in node["children"]]
        return node

    goal = data["tree"]
    goal["children"] += [renamed(vision) for vision in goal["children"]]
    for vision in goal["children"]:
        vision["children"] += [renamed(strategy) for strategy in vision["children"]]
    return data


def load_with_history(data):
    """A plan as load_plan leaves it (the loaded text recorded), then two staff edits, so the
    history pages, recent changes and the feed have entries to show."""
    import reversion

    from knowledge.exchange import load_plan_knowledge
    from plan.exchange import create_plan
    from plan.history import record_loaded
    from plan.models import PlanNode

    plan = create_plan(data)
    record_loaded(plan, "kaohsiung-112-115.json")
    load_plan_knowledge(plan)
    for ref, english in (
        ("mrt-network", "Completing Kaohsiung's MRT Network"),
        ("livable", "A Livable Kaohsiung for Everyone"),
    ):
        item = PlanNode.objects.get(plan=plan, ref=ref)
        with reversion.create_revision():
            reversion.set_comment("edited")
            item.title_en = english
            item.title_zh_hant = item.title_zh_hant + "（修訂）"
            item.edited_at = timezone.now()  # as the admin dates a staff edit
            item.save()
    return plan


def load_knowledge():
    """The plan's glossary, topics and their assignment loaded into the live server's
    database, as `load_plan` loads them (live_plan creates the plan alone)."""
    from knowledge.exchange import GOALS_FILE, load_goals, load_plan_knowledge, read
    from knowledge.models import Goal
    from plan.models import Plan
    from portal.serving.caching import clear_process_caches

    # The 17 goals come with a migration; an earlier transactional test may have flushed them.
    if not Goal.objects.exists():
        load_goals(read(GOALS_FILE), Goal)
    load_plan_knowledge(Plan.objects.get(slug=SLUG))
    cache.clear()
    clear_process_caches()


# Staff --------------------------------------------------------------------------------------


def ensure_groups():
    """The staff groups as their migrations make them (a transactional test flushes them)."""
    from django.contrib.auth.models import Group, Permission

    from knowledge.roles import grant_plan_editors
    from plan.roles import ensure_plan_editor_group
    from progress.roles import ensure_progress_groups

    ensure_plan_editor_group(Group, Permission)
    grant_plan_editors(Group, Permission)
    ensure_progress_groups(Group, Permission)


def staff(name, group=None, password=PASSWORD, **flags):
    """A staff user in `group` (a role's name), the group re-ensured first."""
    from django.contrib.auth.models import Group, User

    user = User.objects.create_user(name, password=password, is_staff=True, **flags)
    if group:
        ensure_groups()
        user.groups.add(Group.objects.get(name=group))
    return user


# Progress -----------------------------------------------------------------------------------

STRATEGY = "mrt-network"
ACTION = "social-housing-supply"
UPDATE_HEADER = (
    "plan,ref,date,status,percent,summary_zh_hant,summary_en,source,agency,reason,remedy"
)


def make_agencies():
    """Two test agencies (one with a web address)."""
    from progress.models import Agency

    a = Agency.objects.create(
        code="test-transport", name_zh_hant="測試交通機關", name_en="Test Transport Agency"
    )
    b = Agency.objects.create(
        code="test-housing",
        name_zh_hant="測試住宅機關",
        name_en="Test Housing Agency",
        url="https://housing.example.org/",
    )
    return a, b


def make_progress(plan, agencies):
    """Published responsibilities, indicators and updates, plus a draft of each fact."""
    from progress.models import Indicator, ProgressUpdate, Responsibility

    transport, housing = agencies
    Responsibility.objects.create(node=node(plan, STRATEGY), agency=transport, role="lead")
    Responsibility.objects.create(node=node(plan, STRATEGY), agency=housing, role="support")
    Responsibility.objects.create(node=node(plan, ACTION), agency=housing, role="lead")
    now = timezone.now()
    published = {"state": "published", "published_at": now}
    Indicator.objects.create(
        node=node(plan, STRATEGY),
        key="test-ridership",
        name_zh_hant="測試運量",
        name_en="Test ridership",
        unit_zh_hant="人次",
        unit_en="trips",
        direction="increase",
        baseline_year=111,
        baseline=Decimal("1000.5"),
        values={
            "112": {"target": "1100", "actual": "1090", "source": "https://example.org/112"},
            "113": {"target": "1200"},
        },
        source="https://example.org/ridership",
        **published,
    )
    Indicator.objects.create(
        node=node(plan, ACTION),
        key="test-draft-indicator",
        name_zh_hant="草稿指標",
        direction="decrease",
        values={"114": {"target": "5"}},
    )
    ProgressUpdate.objects.create(
        node=node(plan, STRATEGY),
        date=date(2024, 6, 30),
        status="in_progress",
        percent=Decimal("40.5"),
        summary_zh_hant="測試：進行中，含逗號, 與\n換行",
        summary_en="Test: under way",
        source="府授研字第 1130000001 號",
        agency=transport,
        **published,
    )
    ProgressUpdate.objects.create(
        node=node(plan, ACTION),
        date=date(2024, 12, 31),
        status="behind",
        percent=Decimal("20"),
        summary_zh_hant="測試：落後",
        source="https://example.org/behind",
        reason="測試原因",
        remedy="測試對策",
        **published,
    )
    ProgressUpdate.objects.create(
        node=node(plan, STRATEGY),
        date=date(2025, 1, 31),
        status="in_progress",
        percent=Decimal("60"),
        summary_zh_hant="草稿，不可公開",
        source="https://example.org/draft",
    )
    return agencies


def published(model, **fields):
    return model.objects.create(state="published", **fields)


def sample_progress():
    """add_sample_progress on the loaded plan: a step of the shared site (conftest's
    committed_site)."""
    from plan.models import Plan

    add_sample_progress(Plan.objects.get(slug=SLUG))


def add_sample_progress(plan):
    """Agencies, responsibilities, updates (one a correction, one a draft), an indicator and
    milestones: what a city would publish, all made here (the plan ships with none)."""
    from plan.models import PlanNode
    from progress.models import (
        Agency,
        Indicator,
        Milestone,
        ProgressUpdate,
        Responsibility,
        Schedule,
    )

    tbkc = Agency.objects.create(
        code="tbkc",
        name_zh_hant="高雄市政府交通局",
        name_en="Transportation Bureau",
        url="https://www.tbkc.gov.tw/",
    )
    udd = Agency.objects.create(
        code="udd", name_zh_hant="高雄市政府都市發展局", name_en="Urban Development Bureau"
    )
    swd = Agency.objects.create(code="swd", name_zh_hant="高雄市政府社會局")  # no English name
    mrt = node(plan, "mrt-network")
    housing = node(plan, "social-housing")
    build, rent = PlanNode.objects.get_children(housing)
    Responsibility.objects.create(node=mrt, agency=tbkc, role="lead")
    Responsibility.objects.create(node=mrt, agency=udd, role="support")
    Responsibility.objects.create(node=build, agency=udd, role="lead")
    Responsibility.objects.create(node=rent, agency=swd, role="lead")
    Responsibility.objects.create(node=rent, agency=udd, role="support")

    published(
        ProgressUpdate,
        node=mrt,
        date=date(2024, 6, 30),
        status="in_progress",
        percent=Decimal(40),
        summary_zh_hant="捷運黃線第一階段工程發包",
        summary_en="First phase of the Yellow Line tendered",
        source="高市交運字第11330012345號",
        agency=tbkc,
    )
    published(
        ProgressUpdate,
        node=mrt,
        date=date(2025, 3, 31),
        status="in_progress",
        percent=Decimal("55.5"),
        summary_zh_hant="捷運黃線土建工程進行中",
        summary_en="Civil works of the Yellow Line under way",
        source="https://www.tbkc.gov.tw/progress/2025q1",
        agency=tbkc,
    )
    ProgressUpdate.objects.create(
        state="draft",
        node=mrt,
        date=date(2025, 6, 30),
        status="completed",
        percent=Decimal(99),
        summary_zh_hant="草稿不得公開",
        summary_en="DRAFT MUST NOT SHOW",
        source="draft",
    )
    # A report of the land for social housing, published wrong and then corrected.
    delayed = {
        "node": build,
        "date": date(2025, 3, 31),
        "status": "behind",
        "reason": "用地取得延宕",
        "remedy": "協調國有財產署",
        "agency": udd,
    }
    wrong = ProgressUpdate.objects.create(
        state="superseded",
        percent=Decimal(35),
        summary_zh_hant="原誤植之進度",
        summary_en="The mistaken first report",
        source="高市都發字第11400000001號",
        **delayed,
    )
    published(
        ProgressUpdate,
        supersedes=wrong,
        percent=Decimal(20),
        summary_zh_hant="社會住宅用地取得延宕",
        summary_en="Land for social housing delayed",
        source="高市都發字第11400000002號",
        **delayed,
    )
    published(
        ProgressUpdate,
        node=rent,
        date=date(2025, 12, 31),
        status="completed",
        percent=Decimal(100),
        summary_zh_hant="租金補貼擴大辦理完成",
        summary_en="",  # not translated yet
        source="https://socbu.kcg.gov.tw/rent",
        agency=swd,
    )
    published(
        Indicator,
        node=mrt,
        key="mrt-ridership",
        name_zh_hant="捷運每日平均運量",
        name_en="Average daily MRT ridership",
        unit_zh_hant="人次",
        unit_en="trips",
        direction="increase",
        baseline_year=111,
        baseline=Decimal(160000),
        values={
            "112": {
                "target": "170000",
                "actual": "172000",
                "source": "https://data.kcg.gov.tw/mrt",
            },
            "113": {"target": "180000", "actual": "176000", "source": "高市交運字第11400000003號"},
            "114": {"target": "190000"},
            "115": {"target": "200000"},
        },
    )
    Indicator.objects.create(
        state="draft",
        node=mrt,
        key="draft-indicator",
        name_zh_hant="草稿指標",
        name_en="DRAFT INDICATOR",
        direction="increase",
    )
    published(
        Milestone,
        node=mrt,
        planned_date=date(2024, 12, 31),
        done_on=date(2024, 12, 20),
        description_zh_hant="完成綜合規劃",
        description_en="Comprehensive plan completed",
    )
    published(
        Milestone,
        node=mrt,
        planned_date=date(2026, 12, 31),
        description_zh_hant="全線通車",
        description_en="Whole line open",
    )
    Schedule.objects.create(
        node=rent, planned_start=date(2023, 1, 1), planned_end=date(2025, 12, 31)
    )


def write_snapshot(out):
    """The static snapshot (manage.py snapshot) of the portal at its public address, written
    to `out`."""
    call_command("snapshot", str(out), "--base-url", "https://plan.example.gov.tw")


# Progress CSV import ------------------------------------------------------------------------


def run_import(tmp_path, content, *args, encoding="utf-8-sig", name="file.csv"):
    path = tmp_path / name
    path.write_bytes(content.encode(encoding) if isinstance(content, str) else content)
    out, err = StringIO(), StringIO()
    call_command("import_progress", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def failing_import(tmp_path, content, *args, **kwargs):
    path = tmp_path / "bad.csv"
    path.write_bytes(content.encode(kwargs.get("encoding", "utf-8")))
    err = StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("import_progress", str(path), *args, stdout=StringIO(), stderr=err)
    return str(raised.value), err.getvalue()


def snapshot():
    """Everything the importer could change, to compare before and after."""
    from progress.models import Agency, Indicator, ProgressUpdate, Responsibility

    return [
        list(model.objects.order_by("pk").values())
        for model in (Agency, Responsibility, Indicator, ProgressUpdate)
    ]


# Admin forms --------------------------------------------------------------------------------


def form_data(client, url):
    """The admin change form's current values, as a browser would submit them."""
    import re

    html = client.get(url).content.decode()
    data = {}
    for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html):
        data[name] = value
    for name, body in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', html, re.S):
        data[name] = (
            body.strip("\n").replace("&quot;", '"').replace("&#x27;", "'").replace("&amp;", "&")
        )
    for name, options in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        selected = re.search(r'<option value="([^"]*)"[^>]*selected', options)
        data[name] = selected.group(1) if selected else ""
    for name in re.findall(r'<input type="checkbox" name="([^"]+)"[^>]*checked', html):
        data[name] = "on"
    for name in re.findall(r'<input type="checkbox" name="([^"]+)"(?![^>]*checked)', html):
        data.pop(name, None)
    data.pop("csrfmiddlewaretoken", None)
    return data


# Pages and their cost -----------------------------------------------------------------------

LANGS = {"zh-hant": "", "en": "/en", "zh-hans": "/zh-hans"}
PAGES = {
    "home": "/",
    "plan": f"{P}/",
    "vision": f"{P}/livable/",
    "strategy": f"{P}/mrt-network/",
    "strategy-with-actions": f"{P}/social-housing/",
    "full-text": f"{P}/full-text/",
    "preamble": f"{P}/preamble/",
    "closing": f"{P}/closing/",
    "chart": f"{P}/chart/",
    "site-map": "/site-map/",
}
# Every public page type, in each language.
LOCALISED = {
    **PAGES,
    "chart-svg": f"{P}/chart.svg",
    "search": "/search/?q=捷運",
    "search-english-words": "/search/?q=MRT",
    "open-data": "/open-data/",
    "history": f"{P}/mrt-network/history/",
    "vision-history": f"{P}/livable/history/",
    "changes": "/changes/",
    "feed": "/changes/feed/",
    "glossary": "/glossary/",
    "topics": f"{P}/topics/",
    "topic": f"{P}/topics/transport/",
    "sdg": f"{P}/sdgs/11/",
}
# README: "At most 4 SQL queries per public page" (the Simplified reading: one more).
BUDGET = 4
SIMPLIFIED_BUDGET = 5


def cold_queries(path):
    """The queries one request for `path` makes with every cache empty: the shared cache,
    the per-content-version process caches, and the page cache's own in-process copies (a
    new test client has a new handler, so a new PageCacheMiddleware with nothing kept)."""
    from portal.serving.caching import clear_process_caches

    cache.clear()
    clear_process_caches()
    client = Client()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200, f"{path} answered {response.status_code}"
    return [query["sql"] for query in queries.captured_queries]


def cold_count(client, path):
    """How many queries `client` needs for `path` with the shared and process caches empty."""
    from portal.serving.caching import clear_process_caches

    cache.clear()
    clear_process_caches()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(queries.captured_queries)


# Search (tests/test_search.py, test_knowledge.py) -------------------------------------------

SEARCH_HIT = re.compile(r'<li class="search-hit[^"]*">(.*?)</li>', re.S)


def search_page(client, q, lang="zh-hant"):
    """The search page's HTML for `q`, in `lang` (one of LANGS)."""
    response = client.get(f"{LANGS[lang]}/search/", {"q": q})
    assert response.status_code == 200
    return response.content.decode()


# A progress update in the admin ---------------------------------------------------------------


def update_form_data(update, **changes):
    """The progress update admin form's fields for `update`, with `changes`."""
    data = {
        "node": update.node_id,
        "date": update.date.isoformat(),
        "status": update.status,
        "percent": "40",
        "summary_zh_hant": update.summary_zh_hant,
        "summary_en": "",
        "source": update.source,
        "agency": update.agency_id,
        "reason": "",
        "remedy": "",
    }
    data.update(changes)
    return data


def change_url(fact):
    return f"/admin/progress/{fact._meta.model_name}/{fact.pk}/change/"


def two_agencies(plan):
    """Two agencies leading the plan's first two strategies, one each, and an agency editor
    of the first ("ours")."""
    from plan.models import PlanNode
    from progress.models import Agency, Responsibility
    from progress.roles import AGENCY_EDITOR

    strategies = list(PlanNode.objects.filter(plan=plan, kind="strategy").order_by("path")[:2])
    ours = Agency.objects.create(code="ours", name_zh_hant="本局")
    theirs = Agency.objects.create(code="theirs", name_zh_hant="他局")
    editor = staff("editor", AGENCY_EDITOR)
    ours.editors.add(editor)
    Responsibility.objects.create(node=strategies[0], agency=ours, role="lead")
    Responsibility.objects.create(node=strategies[1], agency=theirs, role="lead")
    return {
        "plan": plan,
        "ours": ours,
        "theirs": theirs,
        "our_item": strategies[0],
        "their_item": strategies[1],
        "editor": editor,
    }


def an_update_of_ours(world, item=None, **fields):
    """An update (unsaved) by two_agencies' first agency ("ours") on `item` (its strategy by
    default), submitted by its editor, in progress unless `fields` say otherwise."""
    from progress.models import ProgressUpdate

    fields = {"status": "in_progress", **fields}
    return ProgressUpdate(
        node=item or world["our_item"], agency=world["ours"], submitted_by=world["editor"], **fields
    )


def make_agency_world(plan):
    """two_agencies, a reviewer, a superuser, and one published update of the first
    agency's."""
    from progress.review import publish
    from progress.roles import REVIEWER

    world = two_agencies(plan)
    reviewer = staff("reviewer", REVIEWER)
    update = an_update_of_ours(
        world,
        date=date(2025, 3, 31),
        percent=40,
        summary_zh_hant="第一期工程發包",
        source="https://example.gov.tw/report",
    )
    update.save()
    publish(update, reviewer)
    superuser = staff("root", is_superuser=True)
    return {**world, "reviewer": reviewer, "update": update, "superuser": superuser}


# Mail ---------------------------------------------------------------------------------------


class Inbox:
    """A real SMTP server's (aiosmtpd's) handler: every message the server accepted, parsed."""

    def __init__(self):
        self.received = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def take(self):
        """The messages received since the last take()."""
        taken, self.received = self.received, []
        return taken


def free_port():
    # aiosmtpd 1.4 cannot start on port 0 (it connects to its own port to see it is up).
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# The official text ---------------------------------------------------------------------------

SOURCE = ROOT / "fixtures" / "source" / "kaohsiung-112-115.zh-hant.txt"


def official_text():
    """The official text (fixtures/source/) as the fidelity rule reads it: the source with
    only the page-break splits joined (and the outer blank lines trimmed)."""
    from plan.source import PAGE_BREAK_SPLITS

    text = SOURCE.read_text("utf-8").strip()
    for end, start in PAGE_BREAK_SPLITS:
        joined, count = re.subn(re.escape(end) + r"\n\s*\n" + re.escape(start), end + start, text)
        assert count == 1, f"page break {end}／{start} should occur once"
        text = joined
    # The document puts a space after (一)…(七) in most strategy headings and none in others;
    # the numbering is derived from position, so this one spacing difference is normalized.
    return re.sub(r"^\(([一二三四五六七八九十]+)\)\s*", r"(\1) ", text, flags=re.M)


# The day the period reports' tests stand on (conftest's clock): 2026-02-01, 10:00 in Taipei.
REPORTING_TODAY = datetime(2026, 2, 1, 10, 0, tzinfo=ZoneInfo("Asia/Taipei"))


def report_an_exception(plan, **texts):
    """On add_sample_progress: the MRT strategy's update for 114q3 (behind, yellow, with its
    reason and remedy in both languages, published 2025-10-05), reporting from 114q1 on (the
    period reports' set-up). `texts` replace its texts; None leaves one unset."""
    from datetime import date, datetime
    from decimal import Decimal
    from zoneinfo import ZoneInfo

    from progress.models import Agency, ProgressUpdate

    fields = {
        "summary_zh_hant": "捷運黃線用地協議延宕",
        "summary_en": "Land agreements for the Yellow Line delayed",
        "reason_zh_hant": "用地協議延宕",
        "reason_en": "Land agreements delayed",
        "remedy_zh_hant": "與地主逐案協商",
        "remedy_en": "Negotiating with each landowner",
        **texts,
    }
    ProgressUpdate.objects.create(
        state="published",
        published_at=datetime(2025, 10, 5, tzinfo=ZoneInfo("Asia/Taipei")),
        node=node(plan, STRATEGY),
        date=date(2025, 9, 30),
        status="behind",
        percent=Decimal(50),
        source="https://www.tbkc.gov.tw/progress/2025q3",
        agency=Agency.objects.get(code="tbkc"),
        **{name: text for name, text in fields.items() if text is not None},
    )
    plan.first_reporting_period = "114q1"
    plan.save()
    return plan


# The documents: PDF and ODT (tests/test_documents.py, test_period_documents.py) ------------

ODT = "application/vnd.oasis.opendocument.text"
# The XML namespaces read in an ODT's parts: f"{{{ODF_TEXT}}}h" is a heading's tag.
ODF_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
ODF_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
ODF_STYLE = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"
ODF_FO = "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
DUBLIN_CORE = "http://purl.org/dc/elements/1.1/"


def poppler(*args):
    """A poppler-utils command's output (pdftotext, pdfinfo …)."""
    import shutil
    import subprocess

    assert shutil.which(args[0]), "poppler-utils is needed (apt-get install poppler-utils)"
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def squeeze(text):
    """`text` without any white space (a PDF's text breaks lines anywhere)."""
    return re.sub(r"\s+", "", text)


# Progress edited on several days (issue 24) ----------------------------------------------

# The updates' dates: the second day's is dated before the first day's.
ASOF_DATE_0, ASOF_DATE_1 = date(2024, 12, 31), date(2025, 3, 31)
# The items' schedules and milestone end here, before any test day: every expected value is
# 100, so the lights depend on the percents alone (green ≥ 90, yellow ≥ 75, red below).
ASOF_START, ASOF_END = date(2023, 1, 1), date(2024, 12, 31)
ASOF_TARGETS = {
    "112": {"target": "100", "actual": "101", "source": "府授研字第2號"},
    "113": {"target": "120"},
    "114": {"target": "140"},
    "115": {"target": "160"},
}


def asof_first_day():
    """Days after today: the loaded plan's own revisions (made now) come before them."""
    from datetime import timedelta

    return timezone.localdate() + timedelta(days=10)


def asof_noon(day):
    from datetime import datetime, time

    return timezone.make_aware(datetime.combine(day, time(12)))


def saved_in_revision(obj, comment="edited"):
    import reversion

    with reversion.create_revision():
        reversion.set_comment(comment)
        obj.save()
    return obj


def published_after_review(fact):
    from progress.review import publish

    saved_in_revision(fact, "draft")
    return publish(fact, None)


def update_draft(plan, ref, **fields):
    from progress.models import ProgressUpdate

    fields = {"summary_zh_hant": "進度說明", "source": "府授研字第1號", **fields}
    return ProgressUpdate(node=node(plan, ref), **fields)


def asof_first_day_edits(plan, world):
    import reversion

    from progress.models import Indicator, Milestone, Responsibility, Schedule

    transport, housing = world["agencies"]
    strategy, action = node(plan, STRATEGY), node(plan, ACTION)
    with reversion.create_revision():
        for agency in (transport, housing):
            agency.save()
        Responsibility.objects.create(node=strategy, agency=transport, role="lead")
        world["support"] = Responsibility.objects.create(
            node=strategy, agency=housing, role="support"
        )
        Responsibility.objects.create(node=action, agency=housing, role="lead")
        for item in (strategy, action):
            Schedule.objects.create(node=item, planned_start=ASOF_START, planned_end=ASOF_END)
    world["u1"] = published_after_review(
        update_draft(
            plan, STRATEGY, date=ASOF_DATE_1, status="in_progress", percent=95, agency=transport
        )
    )
    world["i1"] = published_after_review(
        Indicator(
            node=strategy,
            key="ridership",
            name_zh_hant="運量",
            name_en="Ridership",
            direction="increase",
            baseline=Decimal("1000.5"),
            values=dict(ASOF_TARGETS),
            source="https://example.org/ridership",
        )
    )
    world["m1"] = published_after_review(
        Milestone(node=strategy, planned_date=ASOF_END, description_zh_hant="完成規劃", source="x")
    )
    term = world["term"]
    with reversion.create_revision():
        term.related.add(action)


def asof_second_day_edits(plan, world):
    from django.urls import reverse

    from knowledge.models import Topic
    from progress.models import ReportingPeriod
    from progress.review import correction

    transport, housing = world["agencies"]
    fixed = correction(world["u1"])
    fixed.percent, fixed.summary_zh_hant = Decimal(97), "更正後的說明"
    world["c1"] = published_after_review(fixed)
    # Dated before the first update, published a day after it.
    world["u2"] = published_after_review(
        update_draft(
            plan, ACTION, date=ASOF_DATE_0, status="in_progress", percent=80, agency=housing
        )
    )
    world["draft"] = saved_in_revision(
        update_draft(
            plan, STRATEGY, date=ASOF_DATE_1, status="completed", percent=5, agency=transport
        )
    )
    transport.name_zh_hant, transport.name_en = "改名後的交通機關", "Renamed Transport"
    saved_in_revision(transport)
    # A topic deleted in the admin (logged; no version says so).
    topic = Topic.objects.order_by("pk").last()
    world["client"].force_login(world["root"])
    world["client"].post(reverse("admin:knowledge_topic_delete", args=[topic.pk]), {"post": "yes"})
    assert not Topic.objects.filter(pk=topic.pk).exists()
    world["topic"] = topic.slug
    period = ReportingPeriod.objects.filter(plan=plan).order_by("end").first()
    period.label_zh_hant = "改過的期別"
    saved_in_revision(period)


def asof_third_day_edits(plan, world):
    import reversion
    from django.urls import reverse

    from progress.models import Responsibility
    from progress.review import correction, withdraw

    lowered = correction(world["i1"])
    lowered.values = {**ASOF_TARGETS, "114": {"target": "130"}, "115": {"target": "170"}}
    lowered.target_change_reason_zh_hant = "預算刪減"
    lowered.target_change_reason_en = "Budget cut"
    world["i2"] = published_after_review(lowered)
    withdraw(world["m1"], world["root"], "誤植")
    # The second day's correction corrected again: published in between, superseded since.
    again = correction(world["c1"])
    again.percent = Decimal(96)
    world["c2"] = published_after_review(again)
    world["u3"] = published_after_review(
        update_draft(
            plan,
            STRATEGY,
            date=ASOF_DATE_1,
            status="behind",
            percent=60,
            reason_zh_hant="用地延宕",
            remedy_zh_hant="協調用地",
        )
    )
    with reversion.create_revision():
        world["term"].related.remove(node(plan, ACTION))
    # A reviewer's deletion (the admin logs it; reversion records none). Signed in on the
    # day: a session from ten days before has expired.
    world["client"].force_login(world["root"])
    response = world["client"].post(
        reverse("admin:progress_responsibility_delete", args=[world["support"].pk]),
        {"post": "yes"},
    )
    assert response.status_code == 302
    assert not Responsibility.objects.filter(pk=world["support"].pk).exists()


ASOF_EDITS = (asof_first_day_edits, asof_second_day_edits, asof_third_day_edits)


def edit_progress_on_three_days(plan, client, capture):
    """The plan's progress and glossary links edited on three days after today (issue 24:
    the plan at any date): an update published and corrected (twice), a draft never
    published, an update published a day after one it is dated before, an indicator's target
    lowered with its reason, a status turned behind (light red), a milestone withdrawn, an
    agency renamed, a responsibility and a topic deleted in the admin, a period relabelled,
    a term linked then unlinked; every save inside a revision, as the admin and
    progress.review make them. Returns ({day: capture(plan) at the end of its edits},
    {name: object}). The last day's moments have a fraction of a second."""
    from datetime import timedelta

    import time_machine

    from knowledge.models import Term

    # A term not linked to the action item yet: linked on the first day, unlinked on the third.
    term = Term.objects.exclude(related=node(plan, ACTION)).order_by("pk").first()
    world = {"agencies": make_agencies(), "term": term, "client": client}
    world["root"] = staff("root", is_superuser=True)
    days, day = {}, asof_first_day()
    for number, edit in enumerate(ASOF_EDITS):
        moment = asof_noon(day) + timedelta(milliseconds=250 * (number == len(ASOF_EDITS) - 1))
        with time_machine.travel(moment, tick=False):
            edit(plan, world)
            days[day] = capture(plan)
        day += timedelta(days=1)
    return days, world


# The plan at any date, as pages and exports said it (issue 24) ------------------------------


PLAN_ADMIN = "/admin/plan/plannode/"


def move_in_admin(client, moved, target):
    """The tree's drag and drop: `moved` goes just before `target`."""
    response = client.post(
        f"{PLAN_ADMIN}move/", {"node": moved.pk, "target": target.pk, "relation": "sibling"}
    )
    assert response.status_code == 200


def save_in_admin_revision(item, **fields):
    """A staff save as the admin records it."""
    import reversion

    with reversion.create_revision():
        for name, value in fields.items():
            setattr(item, name, value)
        item.edited_at = timezone.now()
        item.save()


def asof_plan_edits(plan, client, editor, number):
    """The plan's own edits on the test's days 0, 1, 2."""
    client.force_login(editor)
    if number == 0:
        save_in_admin_revision(
            node(plan, "mrt-network"), title_zh_hant="捷運路網建設", title_en="Building the MRT"
        )
    elif number == 1:
        # "regional-transport" (the vision's last strategy) goes before "net-zero" (its first).
        move_in_admin(client, node(plan, "regional-transport"), node(plan, "net-zero"))
        add_action_in_admin(client, plan, node(plan, "mrt-network"))
    else:
        save_in_admin_revision(node(plan, "pop-music"), published=False)


def add_action_in_admin(
    client,
    plan,
    strategy,
    position="first-child",
    ref_node=None,
    ref="mrt-new-line",
    body=("規劃捷運新路線。", "Plan a new MRT line."),
):
    """An action item added under `strategy` through the admin, as its first (or at
    `position` of `ref_node`)."""
    data = {
        "plan": plan.pk,
        "kind": "action",
        "ref": ref,
        "published": "on",
        "title_zh_hant": "",
        "title_en": "",
        "body_zh_hant": body[0],
        "body_en": body[1],
        "chart_label_zh_hant": "",
        "chart_label_en": "",
        "treebeard_position": position,
        "treebeard_ref_node": (ref_node or strategy).pk,
        "edit_version": "",
    }
    response = client.post(f"{PLAN_ADMIN}add/", data)
    assert response.status_code == 302, response.content.decode()[:2000]


def asof_capture(client, first_day=None):
    """What the exports, two pages and (from `first_day`) the comparison said at the end of
    the day."""
    from django.utils import timezone

    since = (first_day or timezone.localdate()).isoformat()
    today = timezone.localdate().isoformat()
    return {
        "compare": client.get(f"/data/{SLUG}/compare.json?from={since}&to={today}").content,
        "json": client.get(f"/data/{SLUG}.json").content,
        "csv": client.get(f"/data/{SLUG}.csv").content,
        "strategy": main(client.get(f"/{SLUG}/mrt-network/").content.decode()),
        "vision": main(client.get(f"/en/{SLUG}/livable/").content.decode()),
    }


def main(html):
    """A page's main content, without what a dated page adds (its banner is outside)."""
    return re.search(r"<main.*?</main>", html, re.S).group(0)


def dated_history(loaded, client, editor_group):
    """The plan's official text recorded today, then three later days of edits: the plan's
    own (a retitling, a move within a vision, a strategy unpublished) through the admin, and
    ASOF_EDITS' progress facts. {day: what the exports and two pages said at its end}."""
    from datetime import timedelta

    import time_machine

    from knowledge.models import Term

    editor = staff("asof-editor", editor_group)
    world = {"agencies": make_agencies(), "client": client}
    world["root"] = staff("asof-root", is_superuser=True)
    world["term"] = Term.objects.exclude(related=node(loaded, "social-housing-supply")).first()
    said, day = {}, asof_first_day()
    first = day
    for number, edit in enumerate(ASOF_EDITS):
        with time_machine.travel(asof_noon(day), tick=False):
            edit(loaded, world)
            asof_plan_edits(loaded, client, editor, number)
        with time_machine.travel(asof_noon(day) + timedelta(hours=11), tick=False):
            client.logout()
            said[day] = asof_capture(client, first)
        day += timedelta(days=1)
    return said


def a_week_later():
    """The clock a week after the first of dated_history's days (noon, Taipei)."""
    from datetime import timedelta

    import time_machine

    return time_machine.travel(asof_noon(asof_first_day() + timedelta(days=7)), tick=False)


# Staff (conftest's editor_group and editor, and the module-scoped scenarios) --------------


def plan_editor_group():
    """The "plan editor" group, as its migrations make it (transactional tests flush it): the
    plan's permissions and the knowledge layer's."""
    from django.contrib.auth.models import Group, Permission

    from knowledge.roles import grant_plan_editors
    from plan.roles import ensure_plan_editor_group

    group = ensure_plan_editor_group(Group, Permission)
    grant_plan_editors(Group, Permission)
    return group


def signed_in_editor(client, group=None):
    """A plan editor, signed in on `client`."""
    from django.contrib.auth.models import User

    user = User.objects.create_user("editor", password="a-long-test-password", is_staff=True)
    user.groups.add(group or plan_editor_group())
    client.force_login(user)
    return user


# Browser tabs (the browser tests' open_page, open_site_page, visit) -------------------------


class Tabs:
    """Pages of a live portal, one browser tab per set of context options (JavaScript off,
    a touch screen …), each navigated to the next path asked for and resized to its width.
    A new context costs Chromium a renderer process, about a second of CPU per page; an open
    tab navigated again, a quarter of that (CI's browser tests open several hundred pages).
    Each navigation starts a new document: no script, focus or scroll position carries over;
    the public pages set no cookie; print emulation and the viewport are reset here."""

    def __init__(self, browser, base):
        self.browser, self.base, self.pages = browser, base, {}

    def open(self, path, width=1280, **options):
        key = repr(sorted(options.items()))
        page = self.pages.get(key)
        if page is None or page.is_closed():
            context = self.browser.new_context(viewport={"width": width, "height": 900}, **options)
            page = self.pages[key] = context.new_page()
        else:
            page.emulate_media(media="null")  # None would leave print emulation on
            if page.viewport_size != {"width": width, "height": 900}:
                page.set_viewport_size({"width": width, "height": 900})
        response = page.goto(self.base + path)
        if response is None:  # only the fragment differed: load the document afresh
            page.goto("about:blank")
            response = page.goto(self.base + path)
        return page, response

    def close(self):
        from contextlib import suppress

        for page in self.pages.values():
            with suppress(Exception):
                page.context.close()


def admin_sign_in(page, base, username, password=PASSWORD):
    """`username` signs in on `page` through the admin's own form."""
    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")


def staff_tab(browser, base, username, password=PASSWORD, width=1280, **options):
    """A fresh browser context (`width` px wide, with `options`) with `username` signed in on
    its page: (context, page)."""
    context = browser.new_context(viewport={"width": width, "height": 900}, **options)
    page = context.new_page()
    admin_sign_in(page, base, username, password)
    return context, page


def sideways_overflow(page):
    """How many pixels `page` scrolls sideways (0 or less: it does not)."""
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


# The Nu HTML Checker (tests/markup_and_accessibility) ----------------------------------------


def html_checker():
    """vnu.jar (npm's vnu-jar, under .ci/node/, or $VNU_JAR) and Java; skipped without them,
    except where REQUIRE_VALIDATOR is set (CI)."""
    import os
    import shutil
    from pathlib import Path

    import pytest

    candidates = [
        ROOT / ".ci" / "node" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar",
        Path(os.environ.get("VNU_JAR", "/nonexistent")),
    ]
    jar = next((path for path in candidates if path.exists()), None)
    if jar is None or not shutil.which("java"):
        if os.environ.get("REQUIRE_VALIDATOR"):
            pytest.fail("REQUIRE_VALIDATOR is set but vnu.jar or Java is missing")
        pytest.skip("the Nu HTML Checker is not installed (npm install --prefix .ci/node vnu-jar)")
    return jar


def html_errors(jar, files):
    """The checker's errors over `files` ({file path: the address it was read from}), each
    named by its address and line."""
    import json
    import subprocess

    result = subprocess.run(
        ["java", "-jar", str(jar), "--errors-only", "--format", "json", *files],
        capture_output=True,
        text=True,
        timeout=300,
    )
    messages = json.loads(result.stderr or result.stdout or '{"messages": []}')["messages"]
    return [
        f"{files.get(m.get('url', '').removeprefix('file:'), m.get('url'))}: "
        f"line {m.get('lastLine')}: {m['message']}"
        for m in messages
        if m.get("type") == "error"
    ]
