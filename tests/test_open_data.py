"""Open data: the JSON and CSV downloads, the list of plans, conditional GET, and the page."""

import csv
import io
import json
import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from django.utils.http import http_date

from plan.models import Plan, PlanNode
from plan.tree import PlanTree
from portal.pages.opendata.export import export_data as plan_data

from .conftest import SLUG

JSON_URL = f"/data/{SLUG}.json"
CSV_URL = f"/data/{SLUG}.csv"
PLANS_URL = "/data/plans.json"
LANGS = {"zh-hant": "", "en": "/en"}
ORIGIN = "https://civic-app.example.org"  # a website that reads the data (CORS)


def walk(node):
    yield node
    for child in node["children"]:
        yield from walk(child)


def read_csv(response):
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))


# JSON -------------------------------------------------------------------------------------


def test_plan_json_is_the_export_format(client, plan, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        response = client.get(JSON_URL, headers={"Origin": ORIGIN})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"] == f'inline; filename="{SLUG}.json"'
    assert response["Access-Control-Allow-Origin"] == "*"
    data = json.loads(response.content)
    assert data == plan_data(plan)
    assert data["format"] == "plan-portal/1"
    # Chinese as Chinese, not \\u escapes, and byte for byte what `export_plan` prints.
    body = response.content.decode("utf-8")
    assert "公平城市、社會共好" in body and "\\u" not in body
    out = StringIO()
    call_command("export_plan", SLUG, stdout=out)
    assert body == out.getvalue()


def test_plan_json_matches_the_database(client, plan, tree):
    data = json.loads(client.get(JSON_URL).content)
    nodes = list(walk(data["tree"]))
    assert [n["ref"] for n in nodes] == [n.ref for n in tree]
    for exported, node in zip(nodes, tree, strict=True):
        assert exported["title"] == {"zh-hant": node.title_zh_hant, "en": node.title_en}
        assert exported["body"] == {"zh-hant": node.body_zh_hant, "en": node.body_en}
    assert data["preamble"] == {"zh-hant": plan.preamble_zh_hant, "en": plan.preamble_en}


def test_plans_json_lists_published_plans(client, plan, plan_file_data):
    from plan.exchange import create_plan

    hidden = create_plan({**plan_file_data, "slug": "hidden-plan"})
    Plan.objects.filter(pk=hidden.pk).update(published=False)
    response = client.get(PLANS_URL, headers={"Origin": ORIGIN})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Access-Control-Allow-Origin"] == "*"
    data = json.loads(response.content)
    assert [p["slug"] for p in data["plans"]] == [SLUG]
    (entry,) = data["plans"]
    assert entry["title"] == {"zh-hant": plan.title_zh_hant, "en": plan.title_en}
    assert entry["term"] == {"roc": [112, 115], "western": [2023, 2026]}
    assert entry["json"] == f"http://testserver{JSON_URL}"
    assert entry["csv"] == f"http://testserver{CSV_URL}"
    assert entry["pages"] == {
        "zh-hant": f"http://testserver/{SLUG}/",
        "en": f"http://testserver/en/{SLUG}/",
    }
    assert data["license"]["url"] == "https://data.gov.tw/license"
    for url in (entry["json"], entry["csv"], entry["pages"]["en"]):
        assert client.get(url.removeprefix("http://testserver")).status_code == 200


# CSV --------------------------------------------------------------------------------------


def test_plan_csv_headers(client, plan, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        response = client.get(CSV_URL, headers={"Origin": ORIGIN})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{SLUG}.csv"'
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response.content.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs
    lines = response.content.split(b"\r\n")
    assert lines[0] == (
        b"\xef\xbb\xbfref,parent_ref,kind,number_zh_hant,number_en,title_zh_hant,title_en,"
        b"body_zh_hant,body_en,chart_label_zh_hant,chart_label_en,url_zh_hant,url_en"
    )
    assert lines[-1] == b""  # every row ends in CRLF


def test_plan_csv_round_trips_every_text(client, plan):
    rows = read_csv(client.get(CSV_URL))
    nodes = list(PlanTree.load(plan))
    assert [row["ref"] for row in rows] == [node.ref for node in nodes]  # document order
    assert len(rows) == 46
    for row, node in zip(rows, nodes, strict=True):
        db = PlanNode.objects.get(pk=node.pk)
        for field in ("title", "body", "chart_label"):
            for suffix in ("zh_hant", "en"):
                # No text is an empty cell (a missing chart label is NULL in the database).
                expected = getattr(db, f"{field}_{suffix}") or ""
                assert row[f"{field}_{suffix}"] == expected, (node.ref, field)
        assert row["kind"] == db.kind
        assert row["parent_ref"] == (node.parent.ref if node.parent else "")
    by_ref = {row["ref"]: row for row in rows}
    mrt = by_ref["mrt-network"]
    assert mrt["number_zh_hant"] == "(六)" and mrt["number_en"] == "(6)"
    assert mrt["parent_ref"] == "livable"
    assert mrt["url_zh_hant"] == f"http://testserver/{SLUG}/mrt-network/"
    assert mrt["url_en"] == f"http://testserver/en/{SLUG}/mrt-network/"
    action = by_ref["rent-subsidies"]
    assert action["url_zh_hant"] == f"http://testserver/{SLUG}/social-housing/#rent-subsidies"
    assert action["number_zh_hant"] == "2." and action["title_zh_hant"] == ""
    assert by_ref["goal"]["number_zh_hant"] == "" and by_ref["goal"]["parent_ref"] == ""
    assert by_ref["goal"]["chart_label_zh_hant"] == "公平城市 社會共好"
    for row in rows:
        assert client.get(
            row["url_en"].removeprefix("http://testserver").split("#")[0]
        ).status_code in (
            200,
            301,
        )


# Conditional GET --------------------------------------------------------------------------


@pytest.mark.parametrize("url", [JSON_URL, CSV_URL, PLANS_URL])
def test_conditional_get_with_etag(client, plan, url):
    first = client.get(url)
    etag = first["ETag"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag)
    again = client.get(url, headers={"If-None-Match": etag, "Origin": ORIGIN})
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    # A 304 from the page cache still tells a browser that another site may read it.
    assert again["Access-Control-Allow-Origin"] == "*"
    assert client.get(url, headers={"If-None-Match": '"something-else"'}).status_code == 200


@pytest.mark.parametrize("url", [JSON_URL, CSV_URL, PLANS_URL])
def test_no_dates_from_app_server_clocks(client, plan, url):
    """No Last-Modified: it would come from the clocks of the app servers, and a client that
    asked If-Modified-Since could be told "not modified" after an edit. The ETag says it."""
    response = client.get(url)
    assert "Last-Modified" not in response
    since = http_date(int((timezone.now() + timedelta(days=1)).timestamp()))
    assert client.get(url, headers={"If-Modified-Since": since}).status_code == 200


@pytest.mark.parametrize("url", [JSON_URL, CSV_URL, PLANS_URL])
def test_an_edit_changes_the_etag(client, plan, url):
    before = client.get(url)
    node = PlanNode.objects.get(plan=plan, ref="mrt-network")
    node.title_en = "Completing the Metro Network"
    node.edited_at = timezone.now()  # as the admin records a staff edit
    node.save()
    changed = client.get(url, headers={"If-None-Match": before["ETag"]})
    assert changed.status_code == 200
    assert changed["ETag"] != before["ETag"]


def test_a_move_changes_the_etag(client, plan, settings):
    # A move through treebeard's API (raw SQL, no save()) still bumps the content version:
    # the page cache serves the moved plan at the next request.
    before = client.get(JSON_URL)["ETag"]
    mrt = PlanNode.objects.get(plan=plan, ref="mrt-network")
    first = PlanNode.objects.get(plan=plan, ref="net-zero")
    PlanNode.objects.move(mrt, first, "left")
    response = client.get(JSON_URL, headers={"If-None-Match": before})
    assert response.status_code == 200
    livable = json.loads(response.content)["tree"]["children"][1]
    assert livable["children"][0]["ref"] == "mrt-network"
    assert livable["children"][0]["number"] == {"zh-hant": "(一)", "en": "(1)"}


def test_head_requests(client, plan):
    response = client.head(JSON_URL)
    assert response.status_code == 200 and response["ETag"]
    assert client.head("/en/open-data/").status_code == 200


# Not found, unpublished -------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/data/no-such-plan.json", "/data/no-such-plan.csv"])
def test_unknown_plan_is_404(client, plan, url):
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("url", [JSON_URL, CSV_URL])
def test_unpublished_plan_is_404(client, plan, url):
    Plan.objects.filter(pk=plan.pk).update(published=False)
    assert client.get(url).status_code == 404
    assert json.loads(client.get(PLANS_URL).content)["plans"] == []


def test_unpublished_content_is_in_no_export(client, plan):
    # An unpublished strategy (and its published action items), and an unpublished action item.
    PlanNode.objects.filter(plan=plan, ref="social-housing").update(published=False)
    PlanNode.objects.filter(plan=plan, ref="flood-control").update(published=False)
    hidden = ["social-housing", "social-housing-supply", "rent-subsidies", "flood-control"]
    texts = ["增建社宅擴大租金補貼", "擴大辦理租金補貼業務", "智慧防汛網", "Rent Subsidies"]
    data = json.loads(client.get(JSON_URL).content)
    refs = [node["ref"] for node in walk(data["tree"])]
    rows = read_csv(client.get(CSV_URL))
    for ref in hidden:
        assert ref not in refs
        assert ref not in [row["ref"] for row in rows]
    for response in (client.get(JSON_URL), client.get(CSV_URL)):
        body = response.content.decode("utf-8-sig")
        for text in texts:
            assert text not in body
    assert len(rows) == 46 - 4


def test_downloads_are_read_only(client, plan):
    for url in (JSON_URL, CSV_URL, PLANS_URL):
        assert client.post(url).status_code == 405


# The page ---------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_open_data_page(client, plan, lang, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        response = client.get(f"{LANGS[lang]}/open-data/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'href="{JSON_URL}"' in html and f'href="{CSV_URL}"' in html
    assert f'href="{PLANS_URL}"' in html
    assert 'href="https://data.gov.tw/license"' in html
    name = (
        "政府資料開放授權條款－第1版"
        if lang == "zh-hant"
        else "Open Government Data License, version 1.0"
    )
    assert name in html
    authority = "高雄市政府" if lang == "zh-hant" else "Kaohsiung City Government"
    attribution = re.search(r'<div class="attribution">(.*?)</div>', html, re.S).group(1)
    assert authority in attribution and "https://data.gov.tw/license" in attribution
    assert f"curl -s -o {SLUG}.json http://testserver{JSON_URL}" in html
    assert f"curl -s -o {SLUG}.csv http://testserver{CSV_URL}" in html
    # Every key of the export format, and every CSV column, is described.
    data = plan_data(plan)
    keys = set(data) | {key for node in walk(data["tree"]) for key in node}
    for key in keys - {"term", "chart", "source"}:
        assert f"<code>{key}</code>" in html, key
    for key in ("term.roc", "term.western", "chart.rows", "source.sha256"):
        assert f"<code>{key}</code>" in html, key
    for column in read_csv(client.get(CSV_URL))[0]:
        assert f"<code>{column}</code>" in html, column


def test_open_data_page_is_stateless_and_csp_clean(client, plan):
    response = client.get("/open-data/")
    html = response.content.decode()
    assert not response.cookies and "csrfmiddlewaretoken" not in html
    assert "<script" not in html and "<style" not in html and not re.search(r"\sstyle=", html)


def test_open_data_page_without_plans(client, db):
    response = client.get("/open-data/")
    assert response.status_code == 200
    assert "curl -s http://testserver/data/plans.json" in response.content.decode()


@pytest.mark.browser
@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("lang", LANGS)
def test_open_data_page_in_a_browser(live_plan, browser, check_a11y, screenshot, width, lang):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    assert page.goto(f"{live_plan.url}{LANGS[lang]}/open-data/").status == 200
    check_a11y(page)
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"scrolls sideways by {overflow}px at {width}px"
    screenshot(page, f"open-data-{lang}-{width}")
    context.close()
