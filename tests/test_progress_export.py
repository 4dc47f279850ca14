"""The progress downloads (/data/<slug>/<kind>.csv), the JSON export's progress keys and the
admin's CSV upload (preview, then confirm). Test data only (agencies called test-…)."""

import csv
import io
import json
import re

import pytest
from django.contrib.auth.models import Group, User
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from plan.models import PlanNode
from portal.serving.caching import clear_process_caches
from progress.models import ProgressUpdate, Responsibility
from progress.roles import AGENCY_EDITOR, REVIEWER

from .conftest import SLUG
from .test_progress_csv import (
    ACTION,
    STRATEGY,
    UPDATE_HEADER,
    export,
    make_agencies,
    make_progress,
)
from .test_query_budget import doubled

KINDS = ("agencies", "responsibilities", "indicators", "updates")
ORIGIN = "https://civic-app.example.org"


@pytest.fixture
def agencies(db):
    return make_agencies()


@pytest.fixture
def progress(plan, agencies):
    return make_progress(plan, agencies)


def url(kind, slug=SLUG):
    return f"/data/{slug}/{kind}.csv"


def read(response):
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))


def cold():
    cache.clear()
    clear_process_caches()


def warm_connection():
    """SQLite answers whether it has JSON functions once per connection (three queries the
    first time anything uses JSON_OBJECT, as the progress bundle does): not a page's cost."""
    connection.features.supports_json_field  # noqa: B018


# Downloads --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_download(client, progress, kind):
    response = client.get(url(kind), headers={"Origin": ORIGIN})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{SLUG}-{kind}.csv"'
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response.content.startswith(b"\xef\xbb\xbf")
    assert response.content.endswith(b"\r\n")
    assert "草稿" not in response.content.decode()  # drafts never
    # The same bytes as the command prints.
    assert response.content.decode() == export(kind)


@pytest.mark.parametrize("kind", KINDS)
def test_download_etag_and_304(client, progress, kind):
    response = client.get(url(kind))
    etag = response["ETag"]
    assert etag.startswith('"')
    again = client.get(url(kind), headers={"If-None-Match": etag})
    assert again.status_code == 304 and not again.content
    # A published change makes another file, and another ETag.
    ProgressUpdate.objects.filter(state="published").update(source="https://example.org/new")
    Responsibility.objects.filter(role="support").update(role="lead")
    PlanNode.objects.filter(ref=STRATEGY).update(title_zh_hant="改過的標題")
    from progress.models import Agency, Indicator

    Agency.objects.update(url="https://changed.example.org/")
    Indicator.objects.update(source="https://example.org/changed")
    changed = client.get(url(kind), headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_drafts_never_appear(client, progress):
    ProgressUpdate.objects.update(state="draft")
    rows = read(client.get(url("updates")))
    assert rows == []


def test_items_hidden_from_citizens_are_not_in_the_downloads(client, progress):
    PlanNode.objects.filter(ref=STRATEGY).update(published=False)
    assert STRATEGY not in client.get(url("updates")).content.decode()
    assert STRATEGY not in client.get(url("responsibilities")).content.decode()
    assert STRATEGY not in client.get(url("indicators")).content.decode()
    assert "test-transport" not in client.get(url("agencies")).content.decode()


@pytest.mark.parametrize("kind", KINDS)
def test_unknown_or_unpublished_plan_is_404(client, progress, kind):
    from plan.models import Plan

    assert client.get(url(kind, "nowhere")).status_code == 404
    Plan.objects.update(published=False)
    assert client.get(url(kind)).status_code == 404


def test_downloads_are_read_only(client, progress):
    assert client.post(url("updates")).status_code == 405


def test_template_download_on_a_plan_without_progress(client, plan):
    rows = read(client.get(url("responsibilities")))
    assert len(rows) == 28 + 13 and rows[0]["title_zh_hant"]
    assert read(client.get(url("updates"))) == []
    assert client.get(url("agencies")).content == b"\xef\xbb\xbfcode,name_zh_hant,name_en,url\r\n"


@pytest.mark.parametrize("kind", KINDS)
def test_cold_query_budget_is_constant_in_plan_size(client, plan_file_data, agencies, kind):
    from plan.exchange import create_plan

    counts = []
    for slug, data in (("small-plan", plan_file_data), ("big-plan", doubled(plan_file_data))):
        created = create_plan({**data, "slug": slug})
        transport, housing = agencies
        for node in PlanNode.objects.filter(plan=created, kind__in=["strategy", "action"]):
            Responsibility.objects.create(node=node, agency=transport, role="lead")
            ProgressUpdate.objects.create(
                node=node,
                date="2025-01-31",
                status="in_progress",
                percent=10,
                summary_zh_hant="測試",
                source="https://example.org/",
                state="published",
            )
        warm_connection()
        cold()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url(kind, slug))
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 6, counts
    assert counts[0] <= 4  # version, plans, tree, the facts


# JSON export ------------------------------------------------------------------------------


def walk(node):
    yield node
    for child in node["children"]:
        yield from walk(child)


def test_json_export_gains_progress_keys(client, progress, django_assert_max_num_queries):
    warm_connection()
    cold()
    with django_assert_max_num_queries(4):
        response = client.get(f"/data/{SLUG}.json")
    data = json.loads(response.content)
    assert data["agencies"] == [
        {
            "code": "test-housing",
            "name": {"zh-hant": "測試住宅機關", "en": "Test Housing Agency"},
            "url": "https://housing.example.org/",
        },
        {
            "code": "test-transport",
            "name": {"zh-hant": "測試交通機關", "en": "Test Transport Agency"},
            "url": "",
        },
    ]
    nodes = {node["ref"]: node for node in walk(data["tree"])}
    mrt = nodes[STRATEGY]
    assert mrt["agencies"] == {"lead": ["test-transport"], "support": ["test-housing"]}
    assert [u["date"] for u in mrt["updates"]] == ["2024-06-30"]  # the draft is not there
    (update,) = mrt["updates"]
    assert update == {
        "date": "2024-06-30",
        "status": "in_progress",
        "percent": 40.5,
        "summary": {"zh-hant": "測試：進行中，含逗號, 與\n換行", "en": "Test: under way"},
        "source": "府授研字第 1130000001 號",
        "agency": "test-transport",
        "reason": "",
        "remedy": "",
    }
    assert mrt["progress"]["status"] == "in_progress"
    assert mrt["progress"]["percent"] == 40.5
    assert mrt["progress"]["date"] == "2024-06-30"
    assert mrt["progress"]["light"] in ("green", "yellow", "red")
    assert isinstance(mrt["progress"]["expected"], (int, float))
    (indicator,) = mrt["indicators"]
    assert indicator["key"] == "test-ridership"
    assert indicator["values"]["112"] == {
        "target": 1100,
        "actual": 1090,
        "source": "https://example.org/112",
    }
    assert indicator["values"]["113"] == {
        "target": 1200,
        "actual": None,
        "source": "https://example.org/ridership",
    }
    assert set(indicator["values"]) == {"112", "113", "114", "115"}
    assert indicator["baseline"] == 1000.5
    assert nodes[ACTION]["indicators"] == []  # only a draft there
    assert nodes[ACTION]["progress"]["status"] == "behind"
    # Nothing reported: null progress, empty lists.
    quiet = nodes["net-zero"]
    assert quiet["progress"] is None
    assert quiet["updates"] == [] and quiet["indicators"] == []
    assert quiet["agencies"] == {"lead": [], "support": []}
    # The roll-up reaches the goal.
    assert data["tree"]["progress"] is not None


def test_json_export_keeps_every_existing_key(client, plan):
    data = json.loads(client.get(f"/data/{SLUG}.json").content)
    new_keys = {"agencies", "indicators", "progress", "updates"}
    for node in walk(data["tree"]):
        assert new_keys <= set(node)
        assert node["progress"] is None
    assert data["agencies"] == []


def test_json_export_without_the_new_keys_is_the_plan_as_before(plan):
    """Taking the new keys away leaves exactly the plan data the format had before."""
    from plan.exchange import plan_data
    from plan.tree import PlanTree
    from portal.pages.opendata.export import export_data
    from portal.published import link

    def strip(node):
        node = {
            k: v
            for k, v in node.items()
            if k not in ("agencies", "indicators", "progress", "updates", "withdrawn")
        }
        node["children"] = [strip(child) for child in node["children"]]
        return node

    data = export_data(plan)
    del data["agencies"]
    data["tree"] = strip(data["tree"])
    assert data == plan_data(plan, link(PlanTree.load(plan), "zh-hant"))


def test_load_plan_and_the_new_keys(plan):
    """load_plan compares a file with the database through plan.exchange.comparable(): an
    export with the progress keys is the same plan (the progress layer is not loaded)."""
    from plan.exchange import comparable, differences, plan_data
    from plan.tree import PlanTree
    from portal.pages.opendata.export import export_data

    current = plan_data(plan, PlanTree.load(plan, include_unpublished=True), with_urls=False)
    changes = differences(comparable(current), comparable(export_data(plan)))
    assert changes == []


# The admin's upload -----------------------------------------------------------------------

IMPORT_URL = "/admin/progress/import/"


def staff(name, group):
    from django.contrib.auth.models import Permission

    from progress.roles import ensure_progress_groups

    ensure_progress_groups(Group, Permission)  # a transactional test may have flushed them
    user = User.objects.create_user(name, password="a-long-test-password", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


def upload_file(content, name="updates.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content.encode("utf-8-sig"), content_type="text/csv")


def new_rows(*refs):
    lines = [UPDATE_HEADER]
    lines += [
        f"{SLUG},{ref},2025-03-31,in_progress,55%,測試上傳,,https://example.org/u,,,"
        for ref in refs
    ]
    return "\r\n".join(lines) + "\r\n"


def test_upload_preview_then_confirm(client, progress):
    editor = staff("editor", AGENCY_EDITOR)
    transport, _ = progress
    transport.editors.add(editor)
    client.force_login(editor)
    page = client.get(IMPORT_URL)
    assert page.status_code == 200
    html = page.content.decode()
    # CSP-clean: no inline script or style.
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert "<style" not in html and not re.search(r"\sstyle=", html)
    before = ProgressUpdate.objects.count()
    preview = client.post(IMPORT_URL, {"file": upload_file(new_rows(STRATEGY))})
    assert preview.status_code == 200
    assert ProgressUpdate.objects.count() == before  # a preview writes nothing
    html = preview.content.decode()
    assert 'name="confirm"' in html and "csrfmiddlewaretoken" in html
    assert preview.context["result"].counts == {"new": 1, "changed": 0, "unchanged": 0}
    token = preview.context["token"]
    done = client.post(IMPORT_URL, {"confirm": "1", "token": token})
    assert done.status_code == 302
    assert ProgressUpdate.objects.count() == before + 1
    update = ProgressUpdate.objects.latest("pk")
    assert update.state == "draft" and update.submitted_by == editor
    # The stored file is used once.
    assert client.post(IMPORT_URL, {"confirm": "1", "token": token}).status_code == 400


def test_agency_editor_refused_for_another_agencys_item(client, progress):
    editor = staff("editor", AGENCY_EDITOR)
    transport, _ = progress
    transport.editors.add(editor)  # leads mrt-network, nothing to do with social housing
    client.force_login(editor)
    before = ProgressUpdate.objects.count()
    preview = client.post(IMPORT_URL, {"file": upload_file(new_rows(STRATEGY, ACTION))})
    html = preview.content.decode()
    assert preview.context["result"].problems
    assert f"Row 3, column “ref”: none of your agencies leads or supports “{ACTION}”" in html
    assert 'name="confirm"' not in html
    assert ProgressUpdate.objects.count() == before
    # Nor may they publish at once, or import responsibilities.
    preview = client.post(IMPORT_URL, {"file": upload_file(new_rows(STRATEGY)), "publish": "on"})
    assert "only reviewers may publish at once" in preview.content.decode()
    preview = client.post(
        IMPORT_URL,
        {"file": upload_file(f"plan,ref,agency,role\r\n{SLUG},{STRATEGY},test-transport,lead\r\n")},
    )
    assert "you may not import responsibilities files" in preview.content.decode()


def test_reviewer_publishes_at_once(client, progress):
    reviewer = staff("reviewer", REVIEWER)
    client.force_login(reviewer)
    preview = client.post(
        IMPORT_URL, {"file": upload_file(new_rows(STRATEGY, ACTION)), "publish": "on"}
    )
    assert preview.context["result"].counts["new"] == 2
    client.post(IMPORT_URL, {"confirm": "1", "token": preview.context["token"]})
    published = ProgressUpdate.objects.filter(summary_zh_hant="測試上傳")
    assert [u.state for u in published] == ["published", "published"]
    assert all(u.reviewed_by == reviewer for u in published)
    assert "測試上傳" in client.get(url("updates")).content.decode()


def test_upload_needs_permission(client, progress):
    nobody = User.objects.create_user("staff", password="a-long-test-password", is_staff=True)
    client.force_login(nobody)
    assert client.get(IMPORT_URL).status_code == 403
    client.logout()
    assert client.get(IMPORT_URL).status_code == 302  # to the admin's login
