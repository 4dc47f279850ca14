"""Trust under change: what citizens see follows every write, on every server, under every
host name and release; the tree's rules hold on every write path; nothing is lost on delete;
dates are honest. Each test names the finding it guards (issue 11)."""

import copy
import json
import re
from datetime import timedelta
from io import StringIO

import pytest
import reversion
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction
from django.test import Client, override_settings
from django.utils import timezone

from plan.content import read_content_version
from plan.exchange import create_plan
from plan.models import Plan, PlanNode, TreeRuleError
from portal.pages.opendata.export import export_data
from portal.serving import caching

from .conftest import ROOT, SLUG

STRATEGY = f"/{SLUG}/mrt-network/"
EN_STRATEGY = f"/en/{SLUG}/mrt-network/"
ADMIN = "/admin/plan/plannode/"


def node(ref, plan=None):
    nodes = PlanNode.objects.filter(ref=ref)
    return (nodes.filter(plan=plan) if plan else nodes).get()


# 1. One content version, from the database ------------------------------------------------


def test_every_kind_of_write_moves_the_content_version(loaded):
    seen = [read_content_version()]

    def moved():
        seen.append(read_content_version())
        return seen[-1] != seen[-2]

    mrt = node("mrt-network")
    mrt.title_en = "Saved"
    mrt.save()
    assert moved()
    # QuerySet.update() and delete() bypass save() and signals: the database still bumps.
    PlanNode.objects.filter(pk=mrt.pk).update(title_en="Updated")
    assert moved()
    PlanNode.objects.move(mrt, node("net-zero"), "left")  # treebeard's raw SQL
    assert moved()
    Plan.objects.filter(pk=loaded.pk).update(closing_en="Closing, updated")
    assert moved()
    with reversion.create_revision():
        reversion.add_to_revision(mrt)  # the public history is content too
    assert moved()
    PlanNode.objects.filter(pk=node("animal-friendly").pk).delete()
    assert moved()


def test_a_rolled_back_write_does_not_move_it(loaded):
    before = read_content_version()
    with pytest.raises(RuntimeError), transaction.atomic():
        PlanNode.objects.filter(ref="mrt-network").update(title_en="Never committed")
        raise RuntimeError
    assert read_content_version() == before


def test_a_new_database_starts_a_new_epoch(loaded):
    """A flushed or restored database counts again from 1: its versions must never meet the
    old database's entries in a shared Redis."""
    from plan.models import ContentVersion

    epoch = read_content_version().split(".")[0]
    ContentVersion.objects.all().delete()
    PlanNode.objects.filter(ref="mrt-network").update(title_en="After a restore")
    assert read_content_version().split(".")[0] != epoch


def two_plans(plan_file_data):
    first = create_plan(plan_file_data)
    second = create_plan({**copy.deepcopy(plan_file_data), "slug": "kaohsiung-next"})
    return first, second


@pytest.mark.parametrize("page_cache_seconds", [86400, 0])
def test_an_edit_saved_by_a_server_whose_clock_is_behind_is_seen(
    client, db, plan_file_data, settings, page_cache_seconds
):
    """Finding 1: with two plans and an edit stamped earlier than the newest change (an app
    server whose clock is behind), the old MAX(updated_at) stamp did not move: the edit
    stayed hidden, even with the page cache off."""
    settings.PAGE_CACHE_SECONDS = page_cache_seconds
    first, second = two_plans(plan_file_data)
    Plan.objects.filter(pk=second.pk).update(updated_at=timezone.now() + timedelta(hours=1))
    page = f"/en/{first.slug}/mrt-network/"
    assert "Strengthening the MRT" in client.get(page).content.decode()
    client.get(f"/en/{second.slug}/mrt-network/")
    behind = timezone.now() - timedelta(hours=2)
    PlanNode.objects.filter(plan=first, ref="mrt-network").update(
        title_en="Seen despite the clock", updated_at=behind
    )
    Plan.objects.filter(pk=first.pk).update(updated_at=behind)
    assert "Seen despite the clock" in client.get(page).content.decode()
    # Every page that shows it, and the search, in this process's kept trees too.
    assert "Seen despite the clock" in client.get(f"/en/{first.slug}/livable/").content.decode()
    assert "Seen despite the clock" in client.get("/en/search/?q=MRT").content.decode()


def test_process_caches_are_bounded(loaded):
    for index in range(caching.OBJECT_ENTRIES + 50):
        caching.per_version("test", index, build=lambda: object())
    assert len(caching._objects) == caching.OBJECT_ENTRIES


# 2. Canonical URLs: host and release ------------------------------------------------------


@override_settings(ALLOWED_HOSTS=["a.example.tw", "b.example.tw"], PORTAL_BASE_URL="")
def test_without_a_base_url_each_host_gets_its_own_absolute_urls(loaded):
    """Finding 2: host B was served the page host A had rendered, with A's canonical URL."""
    a = Client(HTTP_HOST="a.example.tw").get(STRATEGY).content.decode()
    b = Client(HTTP_HOST="b.example.tw").get(STRATEGY).content.decode()
    assert f'rel="canonical" href="http://a.example.tw{STRATEGY}"' in a
    assert f'rel="canonical" href="http://b.example.tw{STRATEGY}"' in b
    assert "a.example.tw" not in b


BASE = "https://plan.example.gov.tw"
DOWNLOADS = [
    "/sitemap.xml",
    "/robots.txt",
    "/changes/feed/",
    "/data/plans.json",
    f"/data/{SLUG}.csv",
    f"/{SLUG}/chart.svg",
    STRATEGY,
    "/en/search/?q=MRT",
]


@pytest.mark.parametrize("path", DOWNLOADS)
@override_settings(
    ALLOWED_HOSTS=["internal.example.tw", "plan.example.gov.tw"], PORTAL_BASE_URL=BASE
)
def test_a_base_url_is_the_origin_of_every_absolute_url(loaded, path):
    node("mrt-network").save()  # something for the feed
    body = Client(HTTP_HOST="internal.example.tw").get(path).content.decode("utf-8-sig")
    assert BASE in body, path
    assert "internal.example.tw" not in body and "http://plan.example" not in body


@override_settings(
    ALLOWED_HOSTS=["internal.example.tw", "plan.example.gov.tw"], PORTAL_BASE_URL=BASE
)
def test_the_admin_keeps_its_own_host(loaded):
    response = Client(HTTP_HOST="internal.example.tw").get("/admin/login/")
    assert response.status_code == 200
    assert response.wsgi_request.get_host() == "internal.example.tw"


def test_a_new_release_never_serves_the_old_releases_pages(loaded, settings):
    """Finding 2: after a deploy, a shared cache served pages of the old templates (and old
    hashed static names) for up to a day."""
    settings.PORTAL_RELEASE = "release-1"
    caching.release.cache_clear()
    Client().get(STRATEGY)
    settings.PORTAL_RELEASE = "release-2"
    caching.release.cache_clear()
    try:
        response = Client().get(STRATEGY)  # a new process: only the shared cache is common
        assert response.templates, "served the previous release's page from the shared cache"
    finally:
        caching.release.cache_clear()


def test_without_a_named_release_the_code_is_hashed(settings):
    settings.PORTAL_RELEASE = ""
    caching.release.cache_clear()
    try:
        assert re.fullmatch(r"dev-[0-9a-f]{16}", caching.release())
    finally:
        caching.release.cache_clear()


def test_check_deploy_requires_a_named_release(settings):
    from portal.checks import check_release_is_named

    settings.PORTAL_RELEASE = ""
    assert [e.id for e in check_release_is_named(None)] == ["portal.E002"]
    settings.PORTAL_RELEASE = "abc123"
    assert check_release_is_named(None) == []


# 5. Tree rules on every write path --------------------------------------------------------


def test_a_move_from_code_that_breaks_the_tree_is_refused(loaded):
    """Finding 5: `move(goal, "last-child")` put a strategy directly under the goal."""
    mrt, goal = node("mrt-network"), node("goal")
    path = mrt.path
    with pytest.raises(TreeRuleError):
        PlanNode.objects.move(mrt, goal, "last-child")
    mrt.refresh_from_db()
    assert (mrt.path, mrt.depth) == (path, 3)
    with pytest.raises(TreeRuleError):
        PlanNode.objects.move(node("livable"), node("mrt-network"), "first-child")
    call_command("check_tree", stdout=StringIO())


def test_the_admins_drag_and_drop_cannot_break_the_tree(client, editor, loaded):
    """Finding 5: the admin's drag-and-drop POST put a strategy under the goal."""
    mrt, goal = node("mrt-network"), node("goal")
    response = client.post(
        f"{ADMIN}move/", {"node": mrt.pk, "target": goal.pk, "relation": "child"}
    )
    assert response.status_code == 400
    mrt.refresh_from_db()
    assert mrt.depth == 3
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("推動策略在施政願景之下" in m for m in messages), messages


def test_the_database_refuses_a_node_at_the_wrong_level(loaded):
    with pytest.raises(IntegrityError), transaction.atomic():
        PlanNode.objects.filter(ref="mrt-network").update(depth=2)


def test_load_plan_refuses_a_file_that_breaks_the_tree(db, plan_file_data, tmp_path):
    data = copy.deepcopy(plan_file_data)
    data["slug"] = "broken-plan"
    strategy = data["tree"]["children"][0]["children"].pop()
    data["tree"]["children"].append(strategy)  # a strategy beside the visions
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    with pytest.raises(ValidationError):
        call_command("load_plan", str(path), stdout=StringIO())
    assert not Plan.objects.filter(slug="broken-plan").exists()


def backup_with(loaded, tmp_path, change):
    path = tmp_path / "backup.json"
    call_command("backup_site", str(path), stdout=StringIO())
    rows = json.loads(path.read_text("utf-8"))
    for row in rows:
        if row["model"] == "plan.plannode" and row["fields"]["ref"] == "mrt-network":
            change(row["fields"])
    path.write_text(json.dumps(rows, ensure_ascii=False), "utf-8")
    Plan.objects.all().delete()
    return path


@pytest.mark.django_db(transaction=True)
def test_restore_site_refuses_a_backup_that_breaks_the_tree(plan_file_data, tmp_path):
    loaded = create_plan(plan_file_data)
    path = backup_with(loaded, tmp_path, lambda fields: fields.update(kind="vision"))
    with pytest.raises(Exception):  # noqa: B017 - the database's IntegrityError, wrapped
        call_command("restore_site", str(path), stdout=StringIO())
    assert not Plan.objects.exists()


# Reserved names ---------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_restore_site_refuses_a_reserved_ref(plan_file_data, tmp_path):
    loaded = create_plan(plan_file_data)
    path = backup_with(loaded, tmp_path, lambda fields: fields.update(ref="progress"))
    with pytest.raises(CommandError, match="progress"):
        call_command("restore_site", str(path), stdout=StringIO())
    assert not Plan.objects.exists()


@pytest.mark.parametrize("name", ["progress", "agencies", "glossary", "zh-hans", "search"])
def test_load_plan_refuses_reserved_names(db, plan_file_data, name):
    data = copy.deepcopy(plan_file_data)
    data["tree"]["children"][0]["ref"] = name
    with pytest.raises(ValidationError, match=name):
        create_plan(data)
    with pytest.raises(ValidationError):
        create_plan({**plan_file_data, "slug": name})


def test_every_route_name_is_reserved_and_a_new_one_is_caught(settings):
    from portal.checks import check_reserved_route_names, route_names

    assert check_reserved_route_names(None) == []
    assert {"search", "changes", "chart", "full-text", "open-data", "en"} <= route_names()
    settings.ROOT_URLCONF = "tests.urls_with_a_new_route"
    errors = check_reserved_route_names(None)
    assert [e.id for e in errors] == ["portal.E001"] and "dashboard" in errors[0].msg


def test_stored_rows_with_reserved_names_are_reported(loaded):
    from plan.checks import check_reserved_names

    assert check_reserved_names(None, databases=["default"]) == []
    PlanNode.objects.filter(ref="mrt-network").update(ref="glossary")
    errors = check_reserved_names(None, databases=["default"])
    assert [e.id for e in errors] == ["plan.W001"] and "glossary" in errors[0].msg


# 6. Recent changes and feeds per language -------------------------------------------------


def edit(ref, **fields):
    item = node(ref)
    for name, value in fields.items():
        setattr(item, name, value)
    with reversion.create_revision():
        item.save()


def test_each_language_lists_only_the_changes_it_shows(client, loaded):
    """Finding 6: the Chinese list and feed showed English-only edits, linking to history
    anchors the Chinese history page does not have."""
    edit("mrt-network", title_en="An English-only change")
    zh = client.get("/changes/").content.decode()
    en = client.get("/en/changes/").content.decode()
    assert "An English-only change" in en
    assert "mrt-network/history/" not in zh
    assert "mrt-network" not in client.get("/changes/feed/").content.decode()
    anchor = re.search(r'href="(/en/[^"]+history/)#(v\d+)"', en)
    history = client.get(anchor.group(1)).content.decode()
    assert f'id="{anchor.group(2)}"' in history


def test_a_change_is_listed_under_the_title_it_had_then(client, loaded):
    """Finding 6: the English list showed old entries under the node's current title."""
    edit("mrt-network", title_en="First English title")
    edit("mrt-network", title_en="Second English title")
    entries = re.findall(
        r"<li>\s*<time[^>]*>[^<]*</time>\s*<a[^>]*>([^<]*)</a>",
        client.get("/en/changes/").content.decode(),
    )
    assert [e.split(" ", 1)[1] for e in entries[:2]] == [
        "Second English title",
        "First English title",
    ]


def test_an_english_page_lists_chinese_edits_it_shows_untranslated(client, loaded):
    PlanNode.objects.filter(ref="mrt-network").update(title_en="")
    edit("mrt-network", title_zh_hant="健全捷運路網")
    assert "健全捷運路網" in client.get("/en/changes/").content.decode()


# 9. Honest dates --------------------------------------------------------------------------


def test_loading_the_official_text_is_not_a_change(client, loaded):
    """Finding 9: every page dated the 2023 plan to the day the fixtures were loaded."""
    today = timezone.localdate()
    marks = [today.isoformat(), f"{today.year}年{today.month}月{today.day}日"]
    for path in (STRATEGY, f"/{SLUG}/mrt-network/history/", "/open-data/"):
        html = client.get(path).content.decode()
        assert not any(mark in html for mark in marks), path
    assert "最後修改" not in client.get(STRATEGY).content.decode()
    history = client.get(f"/{SLUG}/mrt-network/history/").content.decode()
    assert "官方原文" in history
    assert json.loads(client.get("/data/plans.json").content)["plans"][0]["last_modified"] is None
    assert "尚無異動" in client.get("/changes/").content.decode()


def test_the_official_text_is_dated_by_its_publication(client, loaded):
    Plan.objects.filter(pk=loaded.pk).update(published_on="2023-01-15")
    history = client.get(f"/{SLUG}/mrt-network/history/").content.decode()
    assert '<time datetime="2023-01-15">' in history
    assert "2023-01-15" in client.get("/open-data/").content.decode()
    assert json.loads(client.get("/data/plans.json").content)["plans"][0]["last_modified"] == (
        "2023-01-15"
    )


def test_a_staff_edit_dates_the_page(client, editor, loaded):
    from .test_admin import form_data

    mrt = node("mrt-network")
    data = form_data(client, f"{ADMIN}{mrt.pk}/change/")
    data["title_en"] = "Edited by staff"
    assert client.post(f"{ADMIN}{mrt.pk}/change/", data).status_code == 302
    today = timezone.localdate().isoformat()
    assert f'<time datetime="{today}' in Client().get(STRATEGY).content.decode()
    assert json.loads(Client().get("/data/plans.json").content)["plans"][0]["last_modified"] == (
        today
    )


# 12. Nothing lost on delete ---------------------------------------------------------------


def test_deleting_a_vision_hides_it_and_restoring_brings_everything_back(client, editor, loaded):
    """Finding 12: one confirmation deleted a vision with its strategies and action items
    for good."""
    before = export_data(Plan.objects.get())
    livable = node("livable")
    response = client.post(f"{ADMIN}{livable.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    hidden = PlanNode.objects.filter(deleted=True)
    assert hidden.count() == 1 + PlanNode.objects.get_descendants(livable).count() > 7
    public = Client()
    assert public.get(f"/{SLUG}/livable/").status_code == 404
    assert public.get(STRATEGY).status_code == 404
    assert "健全大眾運輸捷運路網" not in public.get(f"/{SLUG}/full-text/").content.decode()
    assert "mrt-network" not in public.get(f"/data/{SLUG}.json").content.decode()
    assert "mrt-network" not in public.get("/search/?q=捷運").content.decode()
    assert "mrt-network" not in public.get("/changes/feed/").content.decode()
    # The ref stays reserved while the item is in the deleted items.
    with pytest.raises(IntegrityError), transaction.atomic():
        PlanNode.objects.add_child(
            node("goal"),
            {"plan": Plan.objects.get(), "kind": "vision", "ref": "livable", "title_zh_hant": "x"},
        )
    # An editor restores it from the deleted items, with its place, texts and history.
    deleted_items = "/admin/plan/deletedplannode/"
    assert "宜居高雄" in client.get(deleted_items).content.decode()
    client.post(
        deleted_items,
        {"action": "restore_selected", "_selected_action": [livable.pk]},
    )
    assert not PlanNode.objects.filter(deleted=True).exists()
    assert export_data(Plan.objects.get()) == before
    assert public.get(STRATEGY).status_code == 200
    history = public.get(f"/{SLUG}/livable/history/").content.decode()
    assert "自已刪除項目復原" in history


def test_editors_cannot_erase_only_superusers_can_and_it_is_logged(client, editor, loaded):
    from django.contrib.admin.models import DELETION, LogEntry

    solar = node("animal-friendly")
    client.post(f"{ADMIN}{solar.pk}/delete/", {"post": "yes"})
    deleted_items = "/admin/plan/deletedplannode/"
    erase = {"action": "delete_selected", "_selected_action": [solar.pk], "post": "yes"}
    client.post(deleted_items, erase)
    assert PlanNode.objects.filter(pk=solar.pk).exists()
    assert client.post(f"{deleted_items}{solar.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.post(f"/admin/plan/plan/{Plan.objects.get().pk}/delete/", {"post": "yes"})
    assert Plan.objects.exists()

    boss = User.objects.create_superuser("boss", password="another-long-password")
    client.force_login(boss)
    client.post(deleted_items, erase)
    assert not PlanNode.objects.filter(pk=solar.pk).exists()
    assert LogEntry.objects.filter(action_flag=DELETION, object_id=str(solar.pk)).exists()


def test_restoring_under_a_deleted_item_asks_for_the_item_above_first(client, editor, loaded):
    livable, mrt = node("livable"), node("mrt-network")
    client.post(f"{ADMIN}{mrt.pk}/delete/", {"post": "yes"})
    client.post(f"{ADMIN}{livable.pk}/delete/", {"post": "yes"})
    response = client.post(
        "/admin/plan/deletedplannode/",
        {"action": "restore_selected", "_selected_action": [mrt.pk]},
        follow=True,
    )
    assert "請先復原" in response.content.decode()
    assert node("mrt-network").deleted


# 11. Packaging ----------------------------------------------------------------------------


def test_pip_install_installs_the_apps(tmp_path):
    """Finding 11: `packages = []` installed the dependencies but not the apps."""
    import subprocess
    import sys
    import zipfile

    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q"]
        + ["-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {
        "plan/models.py",
        "portal/settings.py",
        "plan/migrations/0001_initial.py",
        "progress/models.py",
        "staff/models.py",
        "knowledge/models.py",
        "knowledge/sdgs.json",
    } <= names
    assert not any(name.startswith("tests/") for name in names)


def test_no_build_artefacts_are_committed():
    import subprocess

    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert not [name for name in tracked if ".egg-info/" in name or name.startswith("build/")]


# 13. Layering -----------------------------------------------------------------------------


def test_the_data_apps_name_no_colours():
    """plan/, knowledge/, progress/ and staff/ hold the data, its rules and the staff's
    accounts; looks are the portal's (CSS). Which modules may use URL, view and HTML helpers
    or import which app is the lint's (each app's ruff.toml, TID251)."""
    colour = re.compile(r"#[0-9a-fA-F]{6}\b")
    offenders = [
        str(path.relative_to(ROOT))
        for app in ("plan", "knowledge", "progress", "staff")
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts and colour.search(path.read_text("utf-8"))
    ]
    assert offenders == []


def test_the_layering_lint_bans_each_apps_back_arrows():
    """The lint is only as good as its configuration: each data app's ruff.toml bans the
    portal and the apps that build on it (a deleted or emptied file would pass silently)."""
    import tomllib

    must_not_import = {
        "plan": {"portal", "knowledge", "progress", "django.urls", "django.utils.html"},
        "knowledge": {"portal", "progress", "django.urls", "django.utils.html"},
        "progress": {"portal", "knowledge", "django.urls", "django.utils.html"},
        "staff": {"portal", "plan", "knowledge", "progress"},
    }
    for app, banned in must_not_import.items():
        config = tomllib.loads((ROOT / app / "ruff.toml").read_text("utf-8"))
        assert config["extend"] == "../pyproject.toml"
        assert banned <= set(config["lint"]["flake8-tidy-imports"]["banned-api"]), app
    root = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    assert "TID251" in root["tool"]["ruff"]["lint"]["select"]


def test_one_accessor_for_the_published_plans():
    uses = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "portal").rglob("*.py")
        if "objects.published()" in path.read_text("utf-8")
        or "objects.for_pages()" in path.read_text("utf-8")
    ]
    assert uses == ["portal/published.py"]


def test_cache_is_cleared_between_tests_so_versions_can_repeat():
    assert cache.get("anything") is None


def test_the_home_page_shows_the_plan_staff_chose(client, db, plan_file_data):
    """Issue 13: a second plan of the same term with an earlier slug took over the home page."""
    first = create_plan(plan_file_data)
    data = copy.deepcopy(plan_file_data)
    data["slug"] = "a-kaohsiung-copy"
    data["title"] = {"zh-hant": "另一份計畫", "en": "Another plan"}
    second = create_plan(data)
    assert Plan.objects.get(pk=first.pk).is_current and not second.is_current
    assert '<h1 id="plan-title">另一份計畫' not in client.get("/").content.decode()
    second.is_current = True
    second.save()
    assert not Plan.objects.get(pk=first.pk).is_current  # one current plan at a time
    assert '<h1 id="plan-title">另一份計畫' in client.get("/").content.decode()


def test_every_content_table_keeps_its_version_trigger_after_migrations(db):
    """On SQLite, migration 0009 (a column with a default) rebuilt plan_plan and took its
    trigger with it: an edit to a plan no longer moved the content version. After every
    migrate the triggers are put back."""
    from plan.content import content_tables, missing_triggers

    assert {"plan_plan", "plan_plannode", "progress_progressupdate"} <= set(content_tables())
    assert missing_triggers() == []
    from plan.checks import check_content_version_triggers

    assert check_content_version_triggers(None, databases=["default"]) == []
