"""The progress Atom feeds (plan, strategy, agency; Traditional, English under /en/,
Simplified under /zh-hans/): valid Atom listing published updates only, plain text that a
reader never decodes as markup, permanent tag: ids, titles numbered as the plan numbers its
items, times in Asia/Taipei on either engine, and withdrawals as dated entries of their own."""

import re
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime
from decimal import Decimal

import feedparser
import pytest
from django.contrib.auth.models import User

from progress.models import Agency, ProgressUpdate
from progress.review import publish

from .factories import SLUG, P, change_url, cold_count, node, update_form_data

LANGS = {"zh-hant": "", "en": "/en"}


READINGS = {**LANGS, "zh-hans": "/zh-hans"}


ATOM = "{http://www.w3.org/2005/Atom}"


FEEDS = {
    "plan": f"{P}/progress/feed/",
    "strategy": f"{P}/mrt-network/feed/",
    "agency": f"{P}/agencies/tbkc/feed/",
}


HOSTILE = "<img src=x onerror=alert(1)> <script>alert(2)</script> & <b>bold</b>"


def publish_update(plan, ref="mrt-network", **fields):
    from progress.models import Agency, ProgressUpdate

    values = {
        "node": node(plan, ref),
        "date": date(2025, 9, 30),
        "status": "in_progress",
        "percent": Decimal(60),
        "summary_zh_hant": "捷運黃線機電工程",
        "summary_en": "Electrical works of the Yellow Line",
        "source": "高市交運字第11400000009號",
        "agency": Agency.objects.get(code="tbkc"),
        "state": "published",
        **fields,
    }
    return ProgressUpdate.objects.create(**values)


def entries(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    assert feed.tag == f"{ATOM}feed"
    assert feed.find(f"{ATOM}author/{ATOM}name").text
    found = feed.findall(f"{ATOM}entry")
    if found:
        newest = max(e.find(f"{ATOM}updated").text for e in found)
        assert feed.find(f"{ATOM}updated").text == newest
    return feed, found


def parsed(client, path):
    response = client.get(path)
    assert response.status_code == 200, path
    feed = feedparser.parse(response.content)
    assert not feed.bozo, (path, feed.get("bozo_exception"))
    return feed


def test_empty_feeds_are_valid_atom(client, plan):
    feed = ET.fromstring(client.get(f"{P}/progress/feed/").content)
    assert feed.tag == f"{ATOM}feed" and not feed.findall(f"{ATOM}entry")


@pytest.mark.parametrize("lang", LANGS)
def test_feeds_list_published_updates_only(client, sample, lang):
    prefix = LANGS[lang]
    _, everything = entries(client, prefix + f"{P}/progress/feed/")
    assert len(everything) == 4  # the draft and the corrected revision are not entries
    text = ET.tostring(ET.Element("x")).decode() + "".join(
        ET.tostring(e, encoding="unicode") for e in everything
    )
    assert "DRAFT" not in text and "草稿" not in text
    assert "原誤植" not in text and "mistaken" not in text
    ids = [e.find(f"{ATOM}id").text for e in everything]
    assert len(set(ids)) == len(ids)
    links = [e.find(f"{ATOM}link").get("href") for e in everything]
    assert all("#update-" in link for link in links)
    _, strategy = entries(client, prefix + f"{P}/mrt-network/feed/")
    assert len(strategy) == 2
    _, housing = entries(client, prefix + f"{P}/social-housing/feed/")
    assert len(housing) == 2  # its two action items' updates
    _, udd = entries(client, prefix + f"{P}/agencies/udd/feed/")
    assert len(udd) == 4  # supports mrt-network (2) and rent (1), leads build (1)
    _, swd = entries(client, prefix + f"{P}/agencies/swd/feed/")
    assert len(swd) == 1
    assert client.get(prefix + f"{P}/livable/feed/").status_code == 404  # a vision


@pytest.mark.parametrize("reading", READINGS)
@pytest.mark.parametrize("feed_name", FEEDS)
def test_a_hostile_summary_reaches_the_reader_as_the_literal_text(
    client, sample, reading, feed_name
):
    """Staff text is text: feedparser (which sanitises what is marked html) hands back the
    very characters typed, markup and all, in every feed and reading."""
    hostile = publish_update(sample, summary_zh_hant=HOSTILE, summary_en=HOSTILE)
    path = READINGS[reading] + FEEDS[feed_name]
    raw = client.get(path).content.decode()
    assert "&lt;img src=x onerror=alert(1)&gt;" in raw  # escaped once, not twice
    assert "&amp;lt;" not in raw and "<img" not in raw and "<script" not in raw
    feed = parsed(client, path)
    entry = next(e for e in feed.entries if e.link.endswith(f"#update-{hostile.pk}"))
    assert entry.summary_detail.type == "text/plain"
    assert entry.summary.startswith(HOSTILE + " · ")
    for found in feed.entries:
        assert found.title_detail.type == "text/plain"
        assert found.summary_detail.type == "text/plain"
    assert re.findall(r"<summary[^>]*>", raw) == ['<summary type="text">'] * len(feed.entries)


def test_entry_ids_are_permanent_tag_uris_one_per_fact_and_text_language(client, sample):
    from progress.models import ProgressUpdate

    mrt = list(ProgressUpdate.objects.filter(node__ref="mrt-network", state="published"))
    expected = {
        "": {f"tag:testserver,2023:{SLUG}/update/{u.pk}" for u in mrt},
        "/en": {f"tag:testserver,2023:{SLUG}/en/update/{u.pk}" for u in mrt},
        # The Simplified reading is the Traditional text converted: the same entries.
        "/zh-hans": {f"tag:testserver,2023:{SLUG}/update/{u.pk}" for u in mrt},
    }

    def ids(path):
        return {e.id for e in parsed(client, path).entries}

    for prefix, wanted in expected.items():
        strategy = ids(prefix + FEEDS["strategy"])
        assert strategy == wanted
        assert wanted <= ids(prefix + FEEDS["plan"]) and wanted <= ids(prefix + FEEDS["agency"])
    # A newer update changes every entry's place, not its id.
    before = {e.link: e.id for e in parsed(client, FEEDS["plan"]).entries}
    publish_update(sample, date=date(2026, 3, 31))
    after = {e.link: e.id for e in parsed(client, FEEDS["plan"]).entries}
    assert len(after) == len(before) + 1
    assert {link: after[link] for link in before} == before


def test_entry_titles_carry_the_visions_number_and_the_strategys(client, sample):
    titles = [e.title for e in parsed(client, FEEDS["plan"]).entries]
    assert titles == [
        "二、(二) 增建社宅擴大租金補貼 › 2. · 2025-12-31 · 已完成",
        "二、(二) 增建社宅擴大租金補貼 › 1. · 2025-03-31 · 進度落後",
        "二、(六) 健全大眾運輸捷運路網 · 2025-03-31 · 執行中",
        "二、(六) 健全大眾運輸捷運路網 · 2024-06-30 · 執行中",
    ]
    english = [e.title for e in parsed(client, "/en" + FEEDS["strategy"]).entries]
    assert english == [
        "2. (6) Strengthening the MRT and Public Transit Network · 2025-03-31 · In progress",
        "2. (6) Strengthening the MRT and Public Transit Network · 2024-06-30 · In progress",
    ]
    assert parsed(client, FEEDS["strategy"]).feed.title == "進度更新：二、(六) 健全大眾運輸捷運路網"


@pytest.mark.parametrize("reading", READINGS)
def test_updated_is_the_publication_moment_in_taipei(client, sample, reading):
    """Published at 09:25 UTC is 17:25 in Taipei, on SQLite (naive UTC text in the bundle)
    and on PostgreSQL (text with its offset) alike."""
    update = publish_update(sample, published_at=datetime(2026, 1, 5, 9, 25, tzinfo=UTC))
    for path in FEEDS.values():
        feed, found = entries(client, READINGS[reading] + path)
        link = f"#update-{update.pk}"
        entry = next(e for e in found if e.find(f"{ATOM}link").get("href").endswith(link))
        assert entry.find(f"{ATOM}updated").text == "2026-01-05T17:25:00+08:00"
        assert entry.find(f"{ATOM}published").text == "2026-01-05T17:25:00+08:00"
        assert feed.find(f"{ATOM}updated").text == "2026-01-05T17:25:00+08:00"  # the newest
    # Without a publication moment (made published directly): its day, midnight in Taipei.
    _, found = entries(client, READINGS[reading] + FEEDS["strategy"])
    assert found[-1].find(f"{ATOM}updated").text == "2024-06-30T00:00:00+08:00"


@pytest.fixture
def reviewer(db):

    return User.objects.create_superuser("reviewer", password="a-long-test-password")


def withdrawn(plan, reviewer, reason="數據誤植，撤回待查"):
    from progress.models import ProgressUpdate
    from progress.review import withdraw

    update = publish_update(
        plan, published_at=datetime(2025, 10, 2, 1, 0, tzinfo=UTC), summary_en="To withdraw"
    )
    withdraw(update, reviewer, reason)
    moment = datetime(2025, 10, 3, 9, 25, tzinfo=UTC)  # 17:25 in Taipei
    ProgressUpdate.objects.filter(pk=update.pk).update(withdrawn_at=moment)
    return update


@pytest.mark.parametrize("reading", READINGS)
def test_a_withdrawal_replaces_the_update_with_a_dated_entry_saying_why(
    client, sample, reviewer, reading
):
    update = withdrawn(sample, reviewer)
    prefix = READINGS[reading]
    language = "en/" if reading == "en" else ""
    word = "Withdrawn" if reading == "en" else "已撤回"
    for name, path in FEEDS.items():
        feed = parsed(client, prefix + path)
        ids = [e.id for e in feed.entries]
        assert f"tag:testserver,2023:{SLUG}/{language}update/{update.pk}" not in ids, name
        entry = next(e for e in feed.entries if e.id.endswith(f"/update/{update.pk}/withdrawn"))
        assert entry.id == f"tag:testserver,2023:{SLUG}/{language}update/{update.pk}/withdrawn"
        assert entry.title.endswith(f" · 2025-09-30 · {word}"), entry.title
        assert entry.title.startswith("二、(六) " if reading != "en" else "2. (6) ")
        reason = "数据误植，撤回待查" if reading == "zh-hans" else "數據誤植，撤回待查"
        assert entry.summary == reason and entry.summary_detail.type == "text/plain"
        assert entry.link.endswith(f"/mrt-network/#update-{update.pk}")
        assert "To withdraw" not in client.get(prefix + path).content.decode()
        _, found = entries(client, prefix + path)
        raw = next(e for e in found if e.find(f"{ATOM}id").text == entry.id)
        assert raw.find(f"{ATOM}updated").text == "2025-10-03T17:25:00+08:00"
    assert len(parsed(client, prefix + FEEDS["plan"]).entries) == 5  # 4 updates, 1 withdrawal


def test_a_withdrawal_costs_the_feeds_no_query(client, sample, reviewer):
    before = {name: cold_count(client, path) for name, path in FEEDS.items()}
    withdrawn(sample, reviewer)
    publish_update(sample, date=date(2026, 3, 31))
    assert {name: cold_count(client, path) for name, path in FEEDS.items()} == before


# ------------------------------------------------------------------------------------------
# Issue 19, attacked: a hostile agency editor, a careless reviewer, a visitor, hostile files.


def test_a_line_break_pasted_from_word_does_not_break_the_feeds(client, progress_world):
    """A vertical tab (Word's line break) typed in a summary or an agency's name: the feeds
    answered 500 (XML 1.0 cannot hold it)."""
    import feedparser

    update = progress_world["update"]
    client.force_login(progress_world["editor"])
    data = update_form_data(update, summary_zh_hant="第一行\x0b第二行\x1b", percent="50")
    assert client.post(change_url(update), data).status_code == 302
    publish(ProgressUpdate.objects.get(supersedes=update), progress_world["reviewer"])
    Agency.objects.filter(pk=progress_world["ours"].pk).update(name_zh_hant="本局\x0b工務")
    plan, item = progress_world["plan"], progress_world["our_item"]
    for url in (
        f"/{plan.slug}/progress/feed/",
        f"/{plan.slug}/{item.ref}/feed/",
        f"/{plan.slug}/agencies/ours/feed/",
        f"/en/{plan.slug}/progress/feed/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        feed = feedparser.parse(response.content)
        assert not feed.bozo, url
    feed = feedparser.parse(client.get(f"/{plan.slug}/progress/feed/").content)
    assert "第一行\n第二行" in feed.entries[0].summary
