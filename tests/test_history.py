"""The public change log: page history with diffs, recent changes, the Atom feed."""

import json
import re
import xml.etree.ElementTree as ET

import reversion
from django.test import Client
from django.utils import timezone

from plan.history import text_diff
from plan.models import Plan, PlanNode
from portal.templatetags.plan_text import diff_html

from .factories import SLUG, P, form_data

ATOM = "{http://www.w3.org/2005/Atom}"


def edit(ref, **fields):
    node = PlanNode.objects.get(ref=ref)
    for name, value in fields.items():
        setattr(node, name, value)
    with reversion.create_revision():
        node.save()
    return node


def test_history_starts_with_the_original_text(client, loaded):
    html = client.get(f"/{SLUG}/mrt-network/history/").content.decode()
    assert "原始公布版本" in html
    assert "建構綠色運具低碳城市" in html


def test_history_shows_a_readable_diff_in_the_page_language(client, loaded):
    edit("mrt-network", body_zh_hant="建構綠色運具低碳城市，推動環狀輕軌四線齊發。")
    html = client.get(f"/{SLUG}/mrt-network/history/").content.decode()
    assert "<del>、捷運岡山路竹延伸線、黃線、小港林園線</del>" in html
    en = client.get(f"/en/{SLUG}/mrt-network/history/").content.decode()
    # The change was to the Chinese only: the English history has just the original entry.
    assert en.count('class="history-entry') == 1


def test_strategy_history_includes_its_action_items(client, loaded):
    housing = PlanNode.objects.get(ref="social-housing")
    action = PlanNode.objects.get_children(housing).first()
    edit(action.ref, body_en="Work with the central government to build more social housing.")
    html = client.get(f"/en/{SLUG}/social-housing/history/").content.decode()
    assert "<ins>more</ins>" in html
    assert 'class="history-entry history-edited"' in html


def test_history_page_query_budget(client, loaded, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        assert client.get(f"/{SLUG}/social-housing/history/").status_code == 200


def test_history_of_unknown_or_action_ref_is_404(client, loaded):
    assert client.get(f"/{SLUG}/nope/history/").status_code == 404
    action = PlanNode.objects.filter(kind="action").first()
    assert client.get(f"/{SLUG}/{action.ref}/history/").status_code == 404


def html_diff(old, new, language):
    return [diff_html(pieces) for pieces in text_diff(old, new, language)]


def test_diff_escapes_staff_text():
    before, after = html_diff("<b>old</b>", "<script>alert(1)</script>", "en")
    assert "<b>" not in before and "&lt;b&gt;" in before
    assert "<script>" not in after and "&lt;script&gt;alert(1)&lt;/script&gt;" in after


def test_diff_marks_removed_and_added_parts():
    assert text_diff("健全大眾運輸捷運路網", "健全捷運路網", "zh-hant")[0] == [
        ("same", "健全"),
        ("removed", "大眾運輸"),
        ("same", "捷運路網"),
    ]
    before, after = html_diff("健全大眾運輸捷運路網", "健全捷運路網", "zh-hant")
    assert before == "<span>健全</span><del>大眾運輸</del><span>捷運路網</span>"
    assert after == "<span>健全</span><span>捷運路網</span>"


def test_recent_changes_lists_edits_newest_first(client, loaded, django_assert_max_num_queries):
    edit("mrt-network", title_en="A first change")
    edit("quality-jobs", title_en="A second change")
    with django_assert_max_num_queries(4):
        html = client.get("/en/changes/").content.decode()
    assert html.index("A second change") < html.index("A first change")
    assert "/en/kaohsiung-112-115/mrt-network/history/#v" in html


def test_feed_is_valid_atom_and_hides_unpublished_content(client, loaded):
    edit("mrt-network", title_en="A visible change")
    edit("quality-jobs", title_en="A hidden change")
    PlanNode.objects.filter(ref="quality-jobs").update(published=False)
    response = client.get("/en/changes/feed/")
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    entries = root.findall(f"{ATOM}entry")
    titles = [e.find(f"{ATOM}title").text for e in entries]
    assert any("A visible change" in t for t in titles)
    assert not any("A hidden change" in t for t in titles)
    for entry in entries:
        assert entry.find(f"{ATOM}link").get("href").startswith("http://testserver/en/")
        assert entry.find(f"{ATOM}updated") is not None and entry.find(f"{ATOM}id") is not None
    assert "A hidden change" not in client.get("/en/changes/").content.decode()


def test_loading_records_no_public_change(client, loaded):
    assert "計畫公開以來尚無異動" in client.get("/changes/").content.decode()


def test_the_feed_is_valid_atom_with_an_author_and_its_newest_entrys_time(client, loaded):
    """RFC 4287: a feed-level author (entries carry none), and `updated` is the newest
    entry's time, not the time of the request."""
    edit("mrt-network", title_en="A change for the feed")
    feed = ET.fromstring(client.get("/en/changes/feed/").content)
    assert feed.find(f"{ATOM}author/{ATOM}name").text == "Kaohsiung City Government"
    entries = feed.findall(f"{ATOM}entry")
    assert entries and feed.find(f"{ATOM}updated").text == entries[0].find(f"{ATOM}updated").text
    empty = ET.fromstring(client.get("/changes/feed/").content)  # nothing changed in Chinese
    assert empty.find(f"{ATOM}author/{ATOM}name").text == "高雄市政府"


def test_load_entries_recorded_in_english_are_renamed_in_chinese(loaded):
    """Issue 13: the admin's history showed "loaded: kaohsiung-112-115.json" to staff."""
    import importlib

    from django.apps import apps
    from reversion.models import Revision

    Revision.objects.update(comment="loaded: kaohsiung-112-115.json")  # as round 1 wrote it
    migration = importlib.import_module("plan.migrations.0010_load_comments_in_chinese")
    migration.to_chinese(apps, None)  # a data migration: no schema change
    comments = set(Revision.objects.values_list("comment", flat=True))
    assert comments == {"載入官方原文：kaohsiung-112-115.json"}


# ------------------------------------------------------------------------------------------
# Trust under change: what citizens see follows every write, on every server, under every host
# name and release; the tree's rules hold on every write path; nothing is lost on delete; dates
# are honest. Each test names the finding it guards (issue 11).


STRATEGY = f"/{SLUG}/mrt-network/"


ADMIN = "/admin/plan/plannode/"


def node_by_ref(ref, plan=None):
    nodes = PlanNode.objects.filter(ref=ref)
    return (nodes.filter(plan=plan) if plan else nodes).get()


def edit_and_save(ref, **fields):
    item = node_by_ref(ref)
    for name, value in fields.items():
        setattr(item, name, value)
    with reversion.create_revision():
        item.save()


def test_each_language_lists_only_the_changes_it_shows(client, loaded):
    """Finding 6: the Chinese list and feed showed English-only edits, linking to history
    anchors the Chinese history page does not have."""
    edit_and_save("mrt-network", title_en="An English-only change")
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
    edit_and_save("mrt-network", title_en="First English title")
    edit_and_save("mrt-network", title_en="Second English title")
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
    edit_and_save("mrt-network", title_zh_hant="健全捷運路網")
    assert "健全捷運路網" in client.get("/en/changes/").content.decode()


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

    mrt = node_by_ref("mrt-network")
    data = form_data(client, f"{ADMIN}{mrt.pk}/change/")
    data["title_en"] = "Edited by staff"
    assert client.post(f"{ADMIN}{mrt.pk}/change/", data).status_code == 302
    today = timezone.localdate().isoformat()
    assert f'<time datetime="{today}' in Client().get(STRATEGY).content.decode()
    assert json.loads(Client().get("/data/plans.json").content)["plans"][0]["last_modified"] == (
        today
    )


# ------------------------------------------------------------------------------------------
# Issue 13, the pages, as served: one header everywhere, the page history's labels and order, and
# Chinese punctuation in what the templates write.


def history_entries(html):
    return re.findall(r'<p class="history-what">(.*?)</p>', html, re.S)


def text(fragment):
    return re.sub(r"<[^>]+>", "", fragment).strip()


def test_history_labels_action_items_and_lists_them_in_the_pages_order(client, loaded):
    entries = [
        text(e)
        for e in history_entries(client.get(f"{P}/social-housing/history/").content.decode())
    ]
    actions = PlanNode.objects.get_children(PlanNode.objects.get(ref="social-housing")).count()
    assert len(entries) == 1 + actions
    # The strategy's own entry first, then its action items 1, 2, 3, each named as one:
    # a bare "2." read as "version 2".
    assert not re.match(r"\d", entries[0])
    for number, entry in enumerate(entries[1:], 1):
        assert re.match(rf"(具體作法|Action item) {number} ", entry), entry
        assert not re.match(r"\d+\.", entry)


def test_same_time_entries_follow_the_page_not_the_record(client, loaded):
    housing = PlanNode.objects.get(ref="social-housing")
    first, second = PlanNode.objects.get_children(housing)[:2]
    with reversion.create_revision():  # one save of two items: one moment
        for action in (second, first):
            action.body_zh_hant = "修訂" + action.body_zh_hant
            action.edited_at = timezone.now()
            action.save()
    html = client.get(f"{P}/social-housing/history/").content.decode()
    edited = [
        text(e)
        for e in re.findall(
            r'class="history-entry history-edited">.*?<p class="history-what">(.*?)</p>', html, re.S
        )
    ]
    assert [re.search(r"\d+", e).group(0) for e in edited] == ["1", "2"]


def test_the_english_history_says_reference_translation(client, loaded):
    html = client.get(f"/en{P}/mrt-network/history/").content.decode()
    assert "As first published, in the reference translation" in html
    assert "from the official text" not in html
    assert "原始公布版本" in client.get(f"{P}/mrt-network/history/").content.decode()
