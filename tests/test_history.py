"""The public change log: page history with diffs, recent changes, the Atom feed."""

import xml.etree.ElementTree as ET

import reversion

from plan.history import text_diff
from plan.models import PlanNode
from portal.templatetags.plan_text import diff_html

from .conftest import SLUG

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
