"""The reporting routine on the public pages (issue 22, citizens): items that owed an update
last period marked 「資料已逾一期未更新」 on every page showing their figure (their light not
shown as current) and in the overview's ?stale=1 filter; the period the overview and agency
pages are as of; each period's report (/<plan>/progress/<period>/) and its CSV
(/data/<plan>/periods/<period>.csv); period ids reserved; the snapshot; the report and the
overview agreeing item by item; and the Kaohsiung plan as shipped saying nothing of periods.

The clock is set by each test (time_machine): today is 2026-02-01 in Taipei unless said
otherwise, the plan's first reporting period 114q1 (2025 Q1), so 114q4 (Oct–Dec 2025,
deadline 2026-01-10) is the last closed period.

Over 400 lines, one job: the routine's public side, whose tests share one clock and one period
calendar.
"""

import csv
import io
import re
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext, pgettext

from plan.models import RESERVED_NAMES, PlanNode, validate_not_reserved
from portal.checks import check_reserved_route_names, route_names
from portal.pages.progress.overview import overview_query
from progress import periods
from progress.models import Agency, ProgressUpdate, ReportingPeriod

from .factories import (
    REPORTING_TODAY,
    SLUG,
    P,
    add_sample_progress,
    cold_count,
    doubled,
    node,
    report_an_exception,
    write_snapshot,
)

TAIPEI = ZoneInfo("Asia/Taipei")
COLUMNS = [
    "plan",
    "period",
    "ref",
    "agency",
    "obligation",
    "status",
    "percent",
    "light",
    "date",
    "reason",
    "remedy",
]
ZERO_PERCENT = re.compile(r"(?<![\d.])0(?:\.0)?\s?%")
LANGS = {"zh-hant": "", "en": "/en"}


def zh(msgid):
    """The Chinese pages' wording of a msgid (the English until the catalogue has it)."""
    with translation.override("zh-hant"):
        return gettext(msgid)


def zh_report(msgid):
    """The Chinese of the period report's words for obligations (msgctxt "period report")."""
    with translation.override("zh-hant"):
        return pgettext("period report", msgid)


STALE = "Not updated last period"


def stale_words(lang):
    return STALE if lang == "en" else zh(STALE)


def get_html(client, path, status=200):
    response = client.get(path)
    assert response.status_code == status, path
    return response.content.decode()


def read_csv(response):
    assert response.content.startswith(b"\xef\xbb\xbf")  # Excel's byte order mark
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def build_and_rent(plan):
    return PlanNode.objects.get_children(node(plan, "social-housing"))


@pytest.fixture
def reporting(sample, clock):
    """The sample's progress (tests.factories.add_sample_progress: the MRT strategy led by
    tbkc, the social housing strategy's two action items led by udd and swd), an update of
    the MRT strategy in 114q3 (behind, yellow, with its reason and remedy in both languages),
    and reporting from 114q1 on."""
    # A formula-like reason: the CSV must not run it; no English remedy yet.
    report_an_exception(sample, reason_zh_hant="=用地協議延宕", remedy_en=None)
    return sample


# The Kaohsiung plan as shipped ---------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_the_plan_as_shipped_says_nothing_of_periods(client, plan, clock, lang):
    """A calendar, not a commitment: no stale mark, no "as of", no stale filter; every period
    has a page saying reporting has not started, without a figure."""
    prefix = LANGS[lang]
    assert ReportingPeriod.objects.filter(plan=plan).count() == 16
    for path in (f"{P}/progress/", f"{P}/livable/", f"{P}/mrt-network/", f"{P}/chart/progress/"):
        html = get_html(client, prefix + path)
        assert stale_words(lang) not in html and "stale-mark" not in html, path
        assert 'class="as-of"' not in html and "light-stale" not in html, path
        assert "stale=1" not in html, path
    # ?stale=1 is no page of its own before reporting starts: the unfiltered overview.
    response = client.get(f"{prefix}{P}/progress/?stale=1")
    assert response.status_code == 302 and response["Location"] == f"{prefix}{P}/progress/"
    for slug in ("112q1", "114q4", "115q3", "115q4"):
        html = get_html(client, f"{prefix}{P}/progress/{slug}/")
        assert '<meta name="robots" content="noindex, follow">' in html
        words = (
            "Reporting has not started: the city has not yet set this plan's first reporting "
            "period. Until it does, the reporting periods are a calendar, not a commitment: "
            "nothing is owed, and no period has a report."
        )
        assert (words if lang == "en" else zh(words)) in html
        assert not ZERO_PERCENT.search(html), slug
        assert "exceptions-h" not in html and "coverage-h" not in html
        assert 'href="/data/' not in html  # no CSV link before reporting starts


def test_unknown_periods_are_not_found(client, plan, clock):
    for path in ("999q9", "115q5", "feedx", "115Q3"):
        assert client.get(f"{P}/progress/{path}/").status_code == 404, path
        assert client.get(f"/data/{SLUG}/periods/{path}.csv").status_code == 404, path
    assert client.get("/data/no-such-plan/periods/115q3.csv").status_code == 404
    # The feed keeps its address.
    assert client.get(f"{P}/progress/feed/").status_code == 200


def test_the_shipped_plans_csv_owes_nothing(client, plan, clock):
    response = client.get(f"/data/{SLUG}/periods/115q3.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert f'filename="{SLUG}-115q3.csv"' in response["Content-Disposition"]
    rows = read_csv(response)
    assert list(rows[0]) == COLUMNS
    items = PlanNode.objects.filter(plan=plan, kind__in=("strategy", "action")).count()
    assert len(rows) == items  # one row per item: none has a lead agency
    assert {row["obligation"] for row in rows} == {"not_owed"}
    assert {row["status"] + row["percent"] + row["light"] + row["date"] for row in rows} == {""}


# Stale marks -----------------------------------------------------------------------------------


def test_stale_items_are_the_ones_that_owed_last_period(reporting):
    from plan.tree import PlanTree
    from progress.rollup import read_bundle

    tree = PlanTree.load(reporting)
    stale = periods.stale_nodes(tree, read_bundle(reporting), REPORTING_TODAY.date())
    build, rent = build_and_rent(reporting)
    # The MRT strategy's last update is of 114q3; the build item's of 114q1; rent reported
    # in 114q4 (completed); the social housing strategy owes nothing (its items report).
    assert stale == {node(reporting, "mrt-network").pk, build.pk}


@pytest.mark.parametrize("lang", LANGS)
def test_stale_marks_on_every_page_showing_the_figure(client, reporting, lang):
    prefix, words = LANGS[lang], stale_words(lang)
    build, rent = build_and_rent(reporting)
    not_current = "(at its date, not current)" if lang == "en" else zh("(at its date, not current)")
    pages = {
        "strategy": f"{P}/mrt-network/",
        "vision": f"{P}/livable/",
        "overview": f"{P}/progress/",
        "agency-tbkc": f"{P}/agencies/tbkc/",
        "agency-udd": f"{P}/agencies/udd/",
        "chart": f"{P}/chart/progress/",
    }
    for name, path in pages.items():
        html = get_html(client, prefix + path)
        assert words in html, name
        if name != "chart":
            assert "light-stale" in html and not_current in html, name
    # The MRT strategy's page: its own statement marked, its light muted, its bar plain.
    html = get_html(client, f"{prefix}{P}/mrt-network/")
    statement = html[html.index('class="statement statement-own"') :]
    statement = statement[: statement.index("</div>")]
    assert words in statement and "light-stale" in statement
    assert 'class="bar-fill bar-plain"' in statement
    # The social housing page: the build item marked at its anchor, the rent item not.
    html = get_html(client, f"{prefix}{P}/social-housing/")
    first = html[html.index(f'<li id="{build.ref}">') : html.index(f'<li id="{rent.ref}">')]
    second = html[html.index(f'<li id="{rent.ref}">') :]
    second = second[: second.index("</li>")]
    assert words in first and "light-stale" in first
    assert words not in second and "light-stale" not in second
    # The vision says how many of its strategies' lights are not current.
    vision = get_html(client, f"{prefix}{P}/livable/")
    assert 'class="stale-count"' in vision
    # The chart's badge does not paint a stale light.
    chart = get_html(client, f"{prefix}{P}/chart/progress/")
    mrt = chart[chart.index(f'href="{prefix}{P}/mrt-network/"') :]
    badge = mrt[: mrt.index("</a>")]
    assert words in badge and "chart-light-" not in badge


@pytest.mark.parametrize("lang", LANGS)
def test_the_overview_filters_stale_items(client, reporting, lang):
    prefix = LANGS[lang]
    build, _rent = build_and_rent(reporting)
    html = get_html(client, f"{prefix}{P}/progress/")
    assert f'href="{prefix}{P}/progress/?stale=1"' in html
    filtered = get_html(client, f"{prefix}{P}/progress/?stale=1")
    rows = re.findall(r'<tr class="row-(?:strategy|action)">.*?</tr>', filtered, re.S)
    linked = {re.search(r'<th scope="row"><a href="([^"]+)"', row)[1] for row in rows}
    assert linked == {f"{prefix}{P}/mrt-network/", f"{prefix}{P}/social-housing/#{build.ref}"}
    assert all(stale_words(lang) in row for row in rows)
    assert '<meta name="robots" content="noindex, follow">' in filtered
    # Combined with another filter, in the canonical order.
    assert overview_query({"stale": "1", "vision": "livable", "sort": "date"}) == {
        "vision": "livable",
        "stale": "1",
        "sort": "date",
    }
    assert overview_query({"stale": "yes"}) == {}


@pytest.mark.parametrize("lang", LANGS)
def test_overview_and_agency_pages_say_which_period_they_are_as_of(client, reporting, lang):
    prefix = LANGS[lang]
    label, end = ("2025 Q4", "2025-12-31") if lang == "en" else ("114年第4季", "114/12/31")
    for path in (f"{P}/progress/", f"{P}/agencies/udd/"):
        html = get_html(client, prefix + path)
        as_of = html[html.index('<p class="as-of">') :]
        as_of = as_of[: as_of.index("</p>")]
        assert label in as_of and end in as_of, path
        assert f'href="{prefix}{P}/progress/114q4/"' in as_of


def test_before_the_first_period_closes_the_pages_say_when_reporting_starts(client, sample):
    sample.first_reporting_period = "115q1"
    sample.save()
    with time_machine.travel(datetime(2026, 2, 1, tzinfo=TAIPEI), tick=False):
        html = get_html(client, f"{P}/progress/")
        as_of = html[html.index('<p class="as-of">') :]
        assert "115年第1季" in as_of[: as_of.index("</p>")] and "115/04/10" in as_of
        # Nothing closed yet: nothing stale.
        assert "stale-mark" not in html and "light-stale" not in html


# The period report -------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_a_period_report_coverage_distribution_and_exceptions_by_agency(client, reporting, lang):
    prefix = LANGS[lang]
    build, rent = build_and_rent(reporting)
    html = get_html(client, f"{prefix}{P}/progress/114q3/")
    assert "noindex" not in html
    label = "2025 Q3" if lang == "en" else "114年第3季"
    assert f"<h1>{label}" in html
    # Coverage: the MRT strategy reported in 114q3; nothing else did.
    coverage = html[html.index('id="coverage-h"') :]
    strong = coverage[coverage.index("<strong>") : coverage.index("</strong>")]
    numbers = re.findall(r"\d+", strong)
    assert sorted(numbers, key=int) == ["1", "28"]
    # The distribution by vision: one yellow, behind, in the second vision (宜居高雄).
    assert 'id="lights-caption"' in html and 'id="statuses-caption"' in html
    # Exceptions by agency: tbkc (the MRT line: yellow, behind, reason and remedy), udd and
    # swd (their items owed and published nothing by the deadline).
    exceptions = html[html.index('id="exceptions-h"') :]
    sections = re.findall(r'<section class="agency-exceptions".*?</section>', exceptions, re.S)
    by_agency = {re.search(r'<a href="[^"]+/agencies/([^/]+)/"', s)[1]: s for s in sections}
    assert list(by_agency) == ["swd", "tbkc", "udd"]  # the plan's agencies, by code
    mrt = by_agency["tbkc"]
    assert f'href="{prefix}{P}/mrt-network/"' in mrt
    assert "light-yellow" in mrt
    if lang == "en":
        assert "Behind schedule" in mrt and "Land agreements delayed" in mrt
        assert '<span lang="zh-Hant">與地主逐案協商</span>' in mrt  # no English remedy yet
    else:
        assert zh("Behind schedule") in mrt and "=用地協議延宕" in mrt and "與地主逐案協商" in mrt
    overdue = "Overdue: nothing published by the deadline"
    assert (overdue if lang == "en" else zh_report(overdue)) in by_agency["udd"]
    assert f'href="{prefix}{P}/social-housing/#{build.ref}"' in by_agency["udd"]
    assert f'href="{prefix}{P}/social-housing/#{rent.ref}"' in by_agency["swd"]
    # Its CSV is linked, and the periods before and after.
    assert f'href="/data/{SLUG}/periods/114q3.csv"' in html
    assert f'href="{prefix}{P}/progress/114q2/"' in html
    assert f'href="{prefix}{P}/progress/114q4/"' in html


def test_a_period_with_nothing_reported_shows_no_percent(client, reporting):
    # 115q1 is open (its deadline is 2026-04-10): nothing reported in it yet.
    for prefix in LANGS.values():
        html = get_html(client, f"{prefix}{P}/progress/115q1/")
        assert not ZERO_PERCENT.search(html)
        assert "lights-caption" not in html  # no table of zeros
        assert 'id="coverage-h"' in html
    html = get_html(client, f"{P}/progress/115q1/")
    assert zh("Open for reporting.") in html
    assert zh("Nothing was reported in this period.") in html


def test_periods_before_the_first_and_not_yet_begun(client, reporting):
    html = get_html(client, f"{P}/progress/113q4/")
    assert "noindex" in html and "114年第1季" in html and "exceptions-h" not in html
    assert f'href="{P}/progress/114q1/"' in html
    upcoming = get_html(client, f"{P}/progress/115q3/")
    assert "exceptions-h" not in upcoming and "115/07/01" in upcoming
    assert not ZERO_PERCENT.search(upcoming)


def test_a_signed_off_period_keeps_its_lines_and_lists_later_facts_as_corrections(
    client, reporting, clock
):
    build, _rent = build_and_rent(reporting)
    period = ReportingPeriod.objects.get(plan=reporting, slug="114q3")
    signed = datetime(2025, 10, 20, 9, 0, tzinfo=TAIPEI)
    periods.sign_off(period, None, date(2025, 10, 20), now=signed)
    # Then the build item's update for 114q3 is published, late.
    ProgressUpdate.objects.create(
        state="published",
        published_at=datetime(2026, 1, 5, 9, 0, tzinfo=TAIPEI),
        node=build,
        date=date(2025, 9, 15),
        status="behind",
        percent=Decimal(25),
        summary_zh_hant="補報：用地取得仍延宕",
        source="高市都發字第11500000001號",
        agency=Agency.objects.get(code="udd"),
        reason="用地取得延宕",
        remedy="協調國有財產署",
    )
    html = get_html(client, f"{P}/progress/114q3/")
    # Signed off on 2025-10-20, published on 2026-01-05: written in the ROC calendar here.
    assert "114/10/20" in html and "115/01/05" in html and 'id="corrections-h"' in html
    exceptions = html[html.index('id="exceptions-h"') : html.index('id="corrections-h"')]
    # The record: the build item overdue, as it stood at sign-off.
    udd = exceptions[exceptions.index("/agencies/udd/") :]
    overdue = zh_report("Overdue: nothing published by the deadline")
    assert overdue in udd[: udd.index("</section>")]
    corrections = html[html.index('id="corrections-h"') :]
    assert "115/01/05" in corrections and "#update-" in corrections
    assert f"{P}/social-housing/#update-" in corrections
    # The CSV is the record too.
    rows = read_csv(client.get(f"/data/{SLUG}/periods/114q3.csv"))
    line = next(row for row in rows if row["ref"] == build.ref)
    assert line["obligation"] == "overdue" and line["status"] == ""


def test_the_sitemap_lists_the_begun_period_reports(client, reporting):
    xml = client.get("/sitemap.xml").content.decode()
    for slug in ("114q1", "114q2", "114q3", "114q4", "115q1"):
        assert f"http://testserver{P}/progress/{slug}/</loc>" in xml, slug
        assert f"http://testserver/en{P}/progress/{slug}/</loc>" in xml, slug
    for slug in ("113q4", "115q2"):  # before the first; not begun
        assert f"/progress/{slug}/" not in xml, slug


def test_the_shipped_plans_sitemap_lists_no_period_report(client, plan, clock):
    xml = client.get("/sitemap.xml").content.decode()
    assert not re.search(r"/progress/[0-9]{3}[qh][0-9]/", xml)


# The CSV -------------------------------------------------------------------------------------------


def test_the_period_csv(client, reporting):
    build, rent = build_and_rent(reporting)
    response = client.get(
        f"/data/{SLUG}/periods/114q3.csv", headers={"Origin": "https://x.example"}
    )
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    etag = response["ETag"]
    rows = read_csv(response)
    assert list(rows[0]) == COLUMNS
    by_ref = {}
    for row in rows:
        by_ref.setdefault(row["ref"], []).append(row)
    items = PlanNode.objects.filter(plan=reporting, kind__in=("strategy", "action"))
    assert set(by_ref) == set(items.values_list("ref", flat=True))  # every item
    assert {row["plan"] for row in rows} == {SLUG} and {row["period"] for row in rows} == {"114q3"}
    [mrt] = by_ref["mrt-network"]
    assert mrt == {
        "plan": SLUG,
        "period": "114q3",
        "ref": "mrt-network",
        "agency": "tbkc",
        "obligation": "published",
        "status": "behind",
        "percent": "50",
        "light": "yellow",
        "date": "2025-09-30",
        "reason": "'=用地協議延宕",  # spreadsheet-safe: shown as text, never run
        "remedy": "與地主逐案協商",
    }
    assert [row["obligation"] for row in by_ref[build.ref]] == ["overdue"]
    assert [row["agency"] for row in by_ref[rent.ref]] == ["swd"]
    assert by_ref["quality-jobs"][0]["obligation"] == "not_owed"  # no lead agency
    assert by_ref["social-housing"][0]["obligation"] == "not_owed"  # its items report
    # Drafts never show: the MRT draft of 2025-06-30 is in 114q2, as "submitted" only.
    rows = read_csv(client.get(f"/data/{SLUG}/periods/114q2.csv"))
    [mrt] = [row for row in rows if row["ref"] == "mrt-network"]
    assert mrt["obligation"] == "submitted" and mrt["status"] == mrt["percent"] == ""
    # Conditional requests, read-only.
    again = client.get(f"/data/{SLUG}/periods/114q3.csv", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert client.post(f"/data/{SLUG}/periods/114q3.csv").status_code == 405


def test_the_period_csv_is_listed_on_the_open_data_page_and_in_the_catalog(client, reporting):
    import json

    html = get_html(client, "/open-data/")
    offered = set(re.findall(r'href="(/data/[^"]+/periods/[^"]+)"', html))
    begun = [f"/data/{SLUG}/periods/{year}q{q}.csv" for year in (114,) for q in (1, 2, 3, 4)]
    csv_files = {*begun, f"/data/{SLUG}/periods/115q1.csv"}
    # Each with its ODS twin (tests/test_spreadsheets_ods.py).
    assert offered == csv_files | {url.removesuffix(".csv") + ".ods" for url in csv_files}
    assert f"/data/{SLUG}/periods/&lt;period&gt;.csv" in html  # the contract's table
    for column in COLUMNS:
        assert f"<code>{column}</code>" in html, column
    catalog = json.loads(client.get("/data/catalog.json").content)
    listed = {
        d["dcat:downloadURL"]["@id"].removeprefix("http://testserver")
        for dataset in catalog["dcat:dataset"]
        for d in dataset["dcat:distribution"]
    }
    assert offered <= listed
    [progress] = [d for d in catalog["dcat:dataset"] if d["@id"].endswith(f"#{SLUG}-progress")]
    period = next(
        d
        for d in progress["dcat:distribution"]
        if d["dcat:downloadURL"]["@id"].endswith("114q3.csv")
    )
    names = [column["csvw:name"] for column in period["csvw:tableSchema"]["csvw:column"]]
    assert names == COLUMNS


def test_the_contract_is_documented_with_the_others():
    from .factories import ROOT

    text = (ROOT / "docs" / "progress-csv.md").read_text("utf-8")
    section = text[text.index("### periods") :]
    for column in COLUMNS:
        assert f"`{column}`" in section, column
    for state in periods.OBLIGATIONS:
        assert f"`{state}`" in section, state


# Reserved names -----------------------------------------------------------------------------------


def test_period_ids_and_the_period_routes_are_reserved(plan):
    for value in ("115q3", "112h1", "100q9", "periods"):
        with pytest.raises(ValidationError):
            validate_not_reserved(value)
    for value in ("115q", "q115", "1153", "115q3x", "mrt-network"):
        validate_not_reserved(value)
    assert "periods" in RESERVED_NAMES and "periods" in route_names()
    assert check_reserved_route_names(None) == []
    strategy = PlanNode.objects.filter(plan=plan, kind="strategy").first()
    strategy.ref = "115q3"
    with pytest.raises(ValidationError):
        strategy.full_clean()


# Agreement with the overview -------------------------------------------------------------------------


def overview_rows(html):
    """{item address: (stale?, status label, percent text, date)} of the overview's table."""
    found = {}
    for row in re.findall(r'<tr class="row-(?:strategy|action)">(.*?)</tr>', html, re.S):
        url = re.search(r'<th scope="row"><a href="([^"]+)"', row)[1]
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        status = re.sub(r"<[^>]+>", "", cells[1].split('<span class="stale-mark">')[0]).strip()
        percent = re.sub(r"<[^>]+>", "", cells[3]).strip().rstrip("%")
        day = re.search(r'datetime="([\d-]+)"', cells[5])
        found[url] = ("stale-mark" in cells[1], status, percent, day[1] if day else None)
    return found


@pytest.mark.parametrize("slug", ["114q4", "114q3"])
def test_the_report_and_the_overview_agree_item_by_item(client, reporting, slug):
    """The last closed period's report (and an earlier one's) against the overview: an item
    the report lists as owing and not reported is marked stale on the overview unless it has
    published since (and only then); an item whose update in the period is its latest shows
    the same status, percent and date on both."""
    period = ReportingPeriod.objects.get(plan=reporting, slug=slug)
    nodes = {n.ref: n for n in PlanNode.objects.filter(plan=reporting)}
    latest = {
        u.node.ref: u
        for u in ProgressUpdate.objects.filter(node__plan=reporting, state="published")
        .select_related("node")
        .order_by("date", "pk")
    }
    overview = overview_rows(get_html(client, f"{P}/progress/"))

    def address(ref):
        item = nodes[ref]
        if item.kind == "action":
            parent = PlanNode.objects.get_parent(item)
            return f"{P}/{parent.ref}/#{ref}"
        return f"{P}/{ref}/"

    rows = read_csv(client.get(f"/data/{SLUG}/periods/{slug}.csv"))
    report = get_html(client, f"{P}/progress/{slug}/")
    owing = {
        row["ref"]
        for row in rows
        if row["obligation"] in ("owed", "overdue", "submitted", "returned")
    }
    assert owing, "the scenario has items not reported"
    checked = 0
    last_closed = slug == "114q4"
    for row in rows:
        stale, status, percent, day = overview[address(row["ref"])]
        ref = row["ref"]
        published_since = ref in latest and latest[ref].date >= period.start
        if last_closed:
            assert stale == (ref in owing and not published_since), ref
        if ref in owing:
            # Listed among the exceptions, linked to its item.
            assert f'href="{address(ref)}"' in report, ref
        if row["obligation"] == "published" and latest[ref].date.isoformat() == row["date"]:
            assert day == row["date"] and percent == row["percent"], ref
            assert status == zh(
                {
                    "behind": "Behind schedule",
                    "completed": "Completed",
                    "in_progress": "In progress",
                }[row["status"]]
            ), ref
            checked += 1
    assert checked >= 1
    stale_on_overview = {url for url, (stale, *_rest) in overview.items() if stale}
    if last_closed:
        assert stale_on_overview == {
            address(ref) for ref in owing if ref not in latest or latest[ref].date < period.start
        }


# Query budgets --------------------------------------------------------------------------------------


PAGES = {
    "report": f"{P}/progress/114q3/",
    "report-open": f"{P}/progress/115q1/",
    "report-before-the-first": f"{P}/progress/113q1/",
    "overview-stale": f"{P}/progress/?stale=1",
    "overview": f"{P}/progress/",
    "agency": f"{P}/agencies/udd/",
}


def measure(client):
    client.get(f"{P}/progress/?sort=date")  # the connection's one-time checks are no page's
    counts = {
        (prefix, name): cold_count(client, prefix + path)
        for prefix in ("", "/en", "/zh-hans")
        for name, path in PAGES.items()
    }
    counts["-", "csv"] = cold_count(client, f"/data/{SLUG}/periods/114q3.csv")
    counts["-", "open-data"] = cold_count(client, "/open-data/")
    counts["-", "catalog"] = cold_count(client, "/data/catalog.json")
    counts["-", "sitemap"] = cold_count(client, "/sitemap.xml")
    return counts


def start_reporting(plan):
    periods.generate(plan)
    add_sample_progress(plan)
    plan.first_reporting_period = "114q1"
    plan.save()


@pytest.mark.django_db
def test_cold_query_budget_constant_in_plan_size(without_plan, client, clock, plan_file_data):
    from plan.exchange import create_plan
    from plan.models import Plan

    start_reporting(create_plan(plan_file_data))
    normal = measure(client)
    over = {k: n for k, n in normal.items() if n > (5 if k[0] == "/zh-hans" else 4)}
    assert not over, f"over budget cold: {over}\nall: {normal}"

    ProgressUpdate.objects.exclude(supersedes=None).delete()
    ProgressUpdate.objects.all().delete()
    Plan.objects.all().delete()
    Agency.objects.all().delete()
    start_reporting(create_plan(doubled(plan_file_data)))
    big = measure(client)
    assert big == normal, {k: (normal[k], big[k]) for k in normal if normal[k] != big[k]}


# The static snapshot --------------------------------------------------------------------------------


LINKS = re.compile(r'\b(?:href|src)="([^"]+)"')


@pytest.mark.snapshot
@pytest.mark.django_db(transaction=True)
def test_the_snapshot_writes_the_period_reports(without_plan, tmp_path, plan_file_data):
    from plan.exchange import create_plan

    start_reporting(create_plan(plan_file_data))
    out = tmp_path / "site"
    with time_machine.travel(REPORTING_TODAY, tick=False):
        write_snapshot(out)
    for prefix in ("", "en/"):
        for slug in ("114q1", "114q2", "114q3", "114q4", "115q1"):
            assert (out / prefix / SLUG / "progress" / slug / "index.html").is_file(), slug
    assert (out / "data" / SLUG / "periods" / "114q4.csv").is_file()
    checked = 0
    for page in (out / SLUG / "progress").rglob("*.html"):
        for link in LINKS.findall(page.read_text("utf-8")):
            if link.startswith(("http://", "https://", "mailto:", "#")):
                continue
            target = (page.parent / link.split("#")[0]).resolve()
            assert target.is_file(), f"{page}: {link}"
            checked += 1
    assert checked > 100


# Attacks ---------------------------------------------------------------------------------------------


def test_a_signed_off_report_shows_only_items_still_published(client, reporting):
    """The stored lines name every item published at sign-off; an item unpublished since
    (hidden by staff) leaves the page and the CSV (only published items are ever in them),
    its ref, reason and remedy included. The record itself is kept."""
    period = ReportingPeriod.objects.get(plan=reporting, slug="114q3")
    periods.sign_off(period, None, date(2025, 10, 20), now=datetime(2025, 10, 20, tzinfo=TAIPEI))
    mrt = node(reporting, "mrt-network")
    PlanNode.objects.filter(pk=mrt.pk).update(published=False)
    for prefix in LANGS.values():
        html = get_html(client, f"{prefix}{P}/progress/114q3/")
        assert "用地協議延宕" not in html and "Land agreements delayed" not in html
        assert "與地主逐案協商" not in html and "mrt-network" not in html
    rows = read_csv(client.get(f"/data/{SLUG}/periods/114q3.csv"))
    assert "mrt-network" not in {row["ref"] for row in rows}
    assert rows  # the other items' lines stay
    period.refresh_from_db()
    assert "mrt-network" in {line["ref"] for line in period.report}
