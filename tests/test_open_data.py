"""Open data: the JSON and CSV downloads, the list of plans, conditional GET, and the page.

Over 400 lines, one feature: open data, the catalog included.
"""

import csv
import datetime
import io
import json
import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import timezone
from django.utils.http import http_date

from plan.exchange import create_plan
from plan.models import Plan, PlanNode
from plan.tree import PlanTree
from portal.checks import check_open_data_contact
from portal.pages.opendata.export import export_data
from portal.pages.opendata.export import export_data as plan_data

from .factories import BUDGET, SLUG, cold_queries, sideways_overflow

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


def fetched_elsewhere(client, url, django_assert_max_num_queries):
    """`url` as another site's script fetches it (an Origin header): answered, open to any
    origin, within the page's query budget."""
    with django_assert_max_num_queries(4):
        response = client.get(url, headers={"Origin": ORIGIN})
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    return response


def test_plan_json_is_the_export_format(client, plan, django_assert_max_num_queries):
    response = fetched_elsewhere(client, JSON_URL, django_assert_max_num_queries)
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"] == f'inline; filename="{SLUG}.json"'
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


def test_plan_csv_headers(client, plan, django_assert_max_num_queries):
    response = fetched_elsewhere(client, CSV_URL, django_assert_max_num_queries)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{SLUG}.csv"'
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
    overflow = sideways_overflow(page)
    assert overflow <= 0, f"scrolls sideways by {overflow}px at {width}px"
    screenshot(page, f"open-data-{lang}-{width}")
    context.close()


# ------------------------------------------------------------------------------------------
# The data catalog (/data/catalog.json): DCAT as JSON-LD describing every download, with the
# fields data.gov.tw asks of a dataset in both languages; served like the other downloads.


URL = "/data/catalog.json"


TAGS = ("zh-Hant", "en")


CONTACT = {"name": "研考會 資訊科", "email": "opendata@example.gov.tw", "phone": "+886-7 336 8333"}


def get_catalog(client):
    response = client.get(URL)
    assert response.status_code == 200
    return json.loads(response.content)


def by_language(values):
    """JSON-LD language-tagged values as {tag: text}; every value must carry a tag."""
    if isinstance(values, dict):
        values = [values]
    assert all(set(value) == {"@language", "@value"} for value in values), values
    return {value["@language"]: value["@value"] for value in values}


def in_both_languages(values):
    texts = by_language(values)
    assert set(texts) == set(TAGS), texts
    assert all(text.strip() for text in texts.values()), texts
    return texts


def datasets(catalog):
    return {dataset["@id"].rsplit("#", 1)[1]: dataset for dataset in catalog["dcat:dataset"]}


def distributions(catalog):
    return [d for dataset in catalog["dcat:dataset"] for d in dataset["dcat:distribution"]]


def local(url):
    assert url.startswith("http://testserver/"), url
    return url.removeprefix("http://testserver")


def page_downloads(client, prefix):
    html = client.get(f"{prefix}/open-data/").content.decode()
    return set(re.findall(r'href="(/data/[^"#]+)"', html))


def test_catalog_is_dcat_as_json_ld(client, plan, django_assert_max_num_queries):
    response = fetched_elsewhere(client, URL, django_assert_max_num_queries)
    assert response["Content-Type"].split(";")[0] == "application/ld+json"
    assert response["Content-Disposition"] == 'inline; filename="catalog.json"'
    body = response.content.decode("utf-8")
    assert "高雄市政府" in body and "\\u" not in body  # Chinese as Chinese
    catalog = json.loads(body)
    context = catalog["@context"]
    assert context["dcat"] == "http://www.w3.org/ns/dcat#"
    assert context["dct"] == "http://purl.org/dc/terms/"
    assert context["foaf"] == "http://xmlns.com/foaf/0.1/"
    assert context["vcard"] == "http://www.w3.org/2006/vcard/ns#"
    assert catalog["@type"] == "dcat:Catalog"
    assert catalog["@id"] == catalog["dct:identifier"] == f"http://testserver{URL}"
    in_both_languages(catalog["dct:title"])
    assert sorted(datasets(catalog)) == sorted(["plans", SLUG, f"{SLUG}-progress"])
    for dataset in catalog["dcat:dataset"]:
        assert dataset["@type"] == "dcat:Dataset"
        assert dataset["dcat:distribution"]
        for distribution in dataset["dcat:distribution"]:
            assert distribution["@type"] == "dcat:Distribution"
            assert {"dcat:downloadURL", "dcat:mediaType", "dct:format"} <= set(distribution)


def test_the_same_in_every_language(client, plan):
    chinese = client.get(URL).content
    assert client.get(URL, headers={"Accept-Language": "en"}).content == chinese
    assert client.get(f"/en{URL}").status_code == 404  # outside the language prefixes


def test_read_only(client, plan):
    assert client.post(URL).status_code == 405
    response = client.head(URL)
    assert response.status_code == 200 and response["ETag"]


@pytest.mark.parametrize("lang", LANGS)
def test_every_download_on_the_page_is_in_the_catalog(client, plan, lang):
    offered = page_downloads(client, LANGS[lang])
    assert URL in offered  # the page links the catalog
    offered.discard(URL)
    assert {"/data/plans.json", f"/data/{SLUG}.json", f"/data/{SLUG}.csv"} <= offered
    assert f"/data/{SLUG}/updates.csv" in offered
    listed = [local(d["dcat:downloadURL"]["@id"]) for d in distributions(get_catalog(client))]
    assert len(listed) == len(set(listed))  # each once
    assert set(listed) == offered


def test_every_download_url_answers_with_its_declared_media_type(client, plan):
    for distribution in distributions(get_catalog(client)):
        url = local(distribution["dcat:downloadURL"]["@id"])
        assert distribution["dcat:accessURL"] == distribution["dcat:downloadURL"]
        response = client.get(url)
        assert response.status_code == 200, url
        declared = distribution["dcat:mediaType"]["@id"]
        assert declared.startswith("https://www.iana.org/assignments/media-types/")
        media_type = response["Content-Type"].split(";")[0]
        assert declared.endswith("/" + media_type), (url, declared, media_type)
        assert (
            distribution["dct:format"]
            == {
                "application/json": "JSON",
                "text/csv": "CSV",
                "application/vnd.oasis.opendocument.spreadsheet": "ODS",
            }[media_type]
        )
        # The encoding declared is the bytes' encoding, BOM included where it says so.
        assert distribution["cnt:characterEncoding"] == "UTF-8"
        if media_type == "application/vnd.oasis.opendocument.spreadsheet":
            # A zip of UTF-8 XML (tests/test_spreadsheets_ods.py reads it back).
            assert response.content.startswith(b"PK\x03\x04"), url
            continue
        response.content.decode("utf-8")
        says_bom = "BOM" in by_language(distribution["dct:description"])["en"]
        assert response.content.startswith(b"\xef\xbb\xbf") == says_bom, url


def test_csv_columns_are_the_files_columns(client, plan):
    """The CSVW columns name every column the file has (the indicators' per-year columns
    for each year of the term), each described in both languages."""
    for distribution in distributions(get_catalog(client)):
        if distribution["dct:format"] != "CSV":
            continue
        url = local(distribution["dcat:downloadURL"]["@id"])
        header = next(csv.reader(io.StringIO(client.get(url).content.decode("utf-8-sig"))))
        columns = distribution["csvw:tableSchema"]["csvw:column"]
        names = [column["csvw:name"] for column in columns]
        assert set(header) <= set(names), (url, set(header) - set(names))
        for column in columns:
            in_both_languages(column["dct:description"])
        if url == f"/data/{SLUG}.csv":
            assert names == header
        if url.endswith("/indicators.csv"):
            assert {"target_112", "actual_115", "source_113"} <= set(names)
            assert not any("<" in name for name in names)


def test_json_fields_are_described(client, plan):
    catalog = get_catalog(client)
    by_url = {
        local(d["dcat:downloadURL"]["@id"]): d
        for d in distributions(catalog)
        if d["dct:format"] == "JSON"
    }
    plan_keys = set(export_data(plan)) | set(export_data(plan)["tree"])
    plans_json = json.loads(client.get("/data/plans.json").content)
    list_keys = set(plans_json) | {f"plans.{key}" for key in plans_json["plans"][0]}
    for url, keys in ((f"/data/{SLUG}.json", plan_keys), ("/data/plans.json", list_keys)):
        standard = by_url[url]["dct:conformsTo"]
        assert standard["@id"] == "http://testserver/open-data/#fields-h"
        assert standard["dct:title"] == plans_json["format"]
        for tag, text in in_both_languages(standard["dct:description"]).items():
            missing = {key for key in keys if not described(key, text)}
            assert not missing, (url, tag, missing)


def described(key, text):
    """The key is named in the field list (term as term.roc, term.western)."""
    return re.search(rf"(?:^|[ ,]){re.escape(key)}(?:[.,:：]|$)", text, re.M) is not None


def test_every_dataset_has_the_data_gov_tw_fields_in_both_languages(client, plan):
    catalog = get_catalog(client)
    for dataset in catalog["dcat:dataset"]:
        name = dataset["@id"]
        # 資料集名稱, 資料集描述
        titles = in_both_languages(dataset["dct:title"])
        in_both_languages(dataset["dct:description"])
        # 資料集提供機關: the plan's authority
        (publisher,) = dataset["dct:publisher"]
        assert publisher["@type"] == "foaf:Agent"
        assert by_language(publisher["foaf:name"]) == {
            "zh-Hant": plan.authority_zh_hant,
            "en": plan.authority_en,
        }
        # 授權方式
        licence = dataset["dct:license"]
        assert licence["@id"] == "https://data.gov.tw/license"
        assert by_language(licence["dct:title"]) == {
            "zh-Hant": "政府資料開放授權條款－第1版",
            "en": "Open Government Data License, version 1.0",
        }
        # 更新頻率
        frequency = dataset["dct:accrualPeriodicity"]
        assert frequency["@id"] == "http://purl.org/cld/freq/irregular"
        assert by_language(frequency["skos:prefLabel"]) == {
            "zh-Hant": "不定期更新",
            "en": "irregular",
        }
        # 聯絡人 (null until the operator sets it: see below)
        assert "dcat:contactPoint" in dataset
        # 相關網址: the open data page, in each language, which answers
        pages = [page["@id"] for page in dataset["dcat:landingPage"]]
        assert pages == ["http://testserver/open-data/", "http://testserver/en/open-data/"]
        for page in pages:
            assert client.get(local(page)).status_code == 200
        # 標籤, 服務分類, 語言, 空間範圍
        keywords = dataset["dcat:keyword"]
        assert {k["@language"] for k in keywords} == set(TAGS), name
        assert dataset["dcat:theme"]["@id"].startswith("http")
        assert len(dataset["dct:language"]) == 2
        assert by_language(dataset["dct:spatial"]["skos:prefLabel"]) == {
            "zh-Hant": "高雄市",
            "en": "Kaohsiung City",
        }
        # the identifier: the dataset's absolute address
        assert dataset["dct:identifier"] == dataset["@id"]
        assert dataset["@id"].startswith(f"http://testserver{URL}#")
        # 檔案格式, 編碼格式, and each file in both languages
        for distribution in dataset["dcat:distribution"]:
            assert distribution["dct:format"] in ("JSON", "CSV", "ODS")
            assert distribution["cnt:characterEncoding"] == "UTF-8"
            in_both_languages(distribution["dct:title"])
            in_both_languages(distribution["dct:description"])
        if dataset["@id"].endswith(f"#{SLUG}"):
            assert titles == {"zh-Hant": plan.title_zh_hant, "en": plan.title_en}
            assert dataset["dct:temporal"]["dcat:startDate"]["@value"] == "2023-01-01"
            assert dataset["dct:temporal"]["dcat:endDate"]["@value"] == "2026-12-31"


def test_dates_only_where_the_data_has_them(client, plan):
    # The official text, undated: no date at all (never the day it was loaded or served).
    catalog = get_catalog(client)
    for dataset in catalog["dcat:dataset"]:
        assert "dct:issued" not in dataset and "dct:modified" not in dataset
    # Published on a known date: issued and modified on it.
    Plan.objects.filter(pk=plan.pk).update(published_on=datetime.date(2023, 3, 1))
    dataset = datasets(get_catalog(client))[SLUG]
    assert dataset["dct:issued"] == {"@value": "2023-03-01", "@type": "xsd:date"}
    assert dataset["dct:modified"] == {"@value": "2023-03-01", "@type": "xsd:date"}
    # A staff edit: modified on its date (Taipei), as plans.json's last_modified.
    node = PlanNode.objects.get(plan=plan, ref="mrt-network")
    node.title_en = "Completing the Metro Network"
    node.edited_at = datetime.datetime(2024, 5, 6, 20, 0, tzinfo=datetime.UTC)  # 7 May in Taipei
    node.save()
    catalog = get_catalog(client)
    dataset = datasets(catalog)[SLUG]
    assert dataset["dct:issued"]["@value"] == "2023-03-01"
    assert dataset["dct:modified"]["@value"] == "2024-05-07"
    listed = json.loads(client.get("/data/plans.json").content)["plans"][0]
    assert listed["last_modified"] == "2024-05-07"
    for name in ("plans", f"{SLUG}-progress"):
        assert "dct:modified" not in datasets(catalog)[name]


def deploy_check_output():
    out, err = StringIO(), StringIO()
    call_command("check", deploy=True, stdout=out, stderr=err, fail_level="CRITICAL")
    return out.getvalue() + err.getvalue()


@override_settings(OPEN_DATA_CONTACT={"name": "", "email": "", "phone": ""})
def test_no_contact_is_null_and_check_deploy_warns(client, plan):
    catalog = get_catalog(client)
    assert catalog["dcat:contactPoint"] is None
    for dataset in catalog["dcat:dataset"]:
        assert dataset["dcat:contactPoint"] is None
    assert [w.id for w in check_open_data_contact(None)] == ["portal.W001"]
    assert "portal.W001" in deploy_check_output()


@override_settings(OPEN_DATA_CONTACT={"name": "研考會 資訊科", "email": "", "phone": ""})
def test_a_name_alone_is_no_contact(client, plan):
    assert get_catalog(client)["dcat:contactPoint"] is None
    assert [w.id for w in check_open_data_contact(None)] == ["portal.W001"]


@override_settings(OPEN_DATA_CONTACT=CONTACT)
def test_the_contact_set_is_in_every_dataset(client, plan):
    catalog = get_catalog(client)
    expected = {
        "@type": "vcard:Kind",
        "vcard:fn": "研考會 資訊科",
        "vcard:hasEmail": {"@id": "mailto:opendata@example.gov.tw"},
        "vcard:hasTelephone": {"@id": "tel:+886-73368333"},
    }
    assert catalog["dcat:contactPoint"] == expected
    for dataset in catalog["dcat:dataset"]:
        assert dataset["dcat:contactPoint"] == expected
    assert check_open_data_contact(None) == []
    assert "portal.W001" not in deploy_check_output()


def test_conditional_get_with_etag_and_cors(client, plan):
    first = client.get(URL)
    etag = first["ETag"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag)
    assert "Last-Modified" not in first  # no app server's clock
    again = client.get(URL, headers={"If-None-Match": etag, "Origin": ORIGIN})
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == etag
    assert again["Access-Control-Allow-Origin"] == "*"
    assert client.get(URL, headers={"If-None-Match": '"else"'}).status_code == 200
    # A change to a plan's title changes the catalog.
    Plan.objects.filter(pk=plan.pk).update(title_en="Another title", edited_at=timezone.now())
    changed = client.get(URL, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert "Another title" in changed.content.decode()


def test_any_website_may_read_it(client, plan):
    response = client.get(URL, headers={"Origin": ORIGIN})
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response["Access-Control-Expose-Headers"]
    preflight = client.options(
        URL, headers={"Origin": ORIGIN, "Access-Control-Request-Method": "GET"}
    )
    assert preflight.status_code == 200
    assert preflight["Access-Control-Allow-Origin"] == "*"


BASE = "https://plan.example.gov.tw"


@override_settings(
    ALLOWED_HOSTS=["internal.example.tw", "plan.example.gov.tw"], PORTAL_BASE_URL=BASE
)
def test_a_base_url_is_the_origin_of_every_address(plan):
    body = Client(HTTP_HOST="internal.example.tw").get(URL).content.decode()
    addresses = set(re.findall(r'"(https?://[^"]+)"', body))
    ours = {a for a in addresses if "example" in a or "testserver" in a}
    assert ours and all(a.startswith(BASE + "/") for a in ours), ours
    catalog = json.loads(body)
    assert catalog["@id"] == f"{BASE}{URL}"
    assert {d["dcat:downloadURL"]["@id"] for d in distributions(catalog)} >= {
        f"{BASE}/data/{SLUG}.json"
    }


def second_plan(plan_file_data, slug, published=True):
    other = create_plan({**plan_file_data, "slug": slug})
    Plan.objects.filter(pk=other.pk).update(published=published)
    return other


def test_cold_query_budget_does_not_grow_with_the_plans(plan, plan_file_data):
    one = cold_queries(URL)
    assert len(one) <= BUDGET, one
    second_plan(plan_file_data, "kaohsiung-second")
    second_plan(plan_file_data, "kaohsiung-third")
    three = cold_queries(URL)
    assert len(three) == len(one), three
    assert len(datasets(json.loads(Client().get(URL).content))) == 1 + 3 * 2


def test_an_unpublished_plan_is_not_in_the_catalog(client, plan, plan_file_data):
    second_plan(plan_file_data, "hidden-plan", published=False)
    body = client.get(URL).content.decode()
    assert "hidden-plan" not in body
    assert sorted(datasets(json.loads(body))) == sorted(["plans", SLUG, f"{SLUG}-progress"])
    Plan.objects.filter(pk=plan.pk).update(published=False)
    catalog = get_catalog(client)
    assert sorted(datasets(catalog)) == ["plans"]
    assert SLUG not in json.dumps(catalog)
