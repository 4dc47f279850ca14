"""The plan at any date and what changed between two dates, as citizens and programs read
them (issue 24): /<plan>/as-of/<day>/…, /<plan>/compare/, /data/<plan>/compare.json,
/data/<plan>.json?as_of=…, `manage.py compare_plan`.

The plan's official text is recorded today (as `load_plan` does); then, on three later days,
staff retitle, move, add and withdraw items (through the admin, as editors do) and publish,
correct and withdraw progress facts (factories.ASOF_EDITS). What the exports and pages said
at the end of each day is kept; a week later every dated address must say exactly that.
"""

import io
import json
import re
from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.utils import timezone

from tests.factories import SLUG, a_week_later, cold_count, dated_history, main, plan_editor_group
from tests.shared_scenario import shared_scenario


def build_history(plan):
    """{day: what was said at its end} over the three days (factories.dated_history), with
    module-scope stand-ins for the fixtures `loaded`, `client` and `editor_group`: the load
    recorded, a client of its own (signed out at the end), the plan editors' group."""
    from django.test import Client

    from plan.history import record_loaded

    record_loaded(plan, "kaohsiung-112-115.json")
    return dated_history(plan, Client(), plan_editor_group())


# Built once for the module; the tests that do not ask for `history` come last (each switch
# between the two kinds rolls the scenario back, and the next `history` builds it again).
_history_scenario, _history_for_its_tests, history = shared_scenario("history", build_history)


def test_each_day_reads_as_it_was_said(history, client):
    with a_week_later():
        for day, said in history.items():
            iso = day.isoformat()
            assert client.get(f"/data/{SLUG}.json?as_of={iso}").content == said["json"], iso
            assert client.get(f"/data/{SLUG}.csv?as_of={iso}").content == said["csv"], iso
            since = next(iter(history)).isoformat()
            compare = client.get(f"/data/{SLUG}/compare.json?from={since}&to={iso}").content
            assert compare == said["compare"], iso
            page = client.get(f"/{SLUG}/as-of/{iso}/mrt-network/")
            assert page.status_code == 200
            assert _unlinked(main(page.content.decode())) == _unlinked(said["strategy"]), iso
            english = client.get(f"/en/{SLUG}/as-of/{iso}/livable/").content.decode()
            assert _unlinked(main(english)) == _unlinked(said["vision"]), iso


def _unlinked(html):
    """The page without its addresses (a dated page links within its day) and without the
    links only today's pages have."""
    html = re.sub(r'<p class="progress-links[^"]*">.*?</p>', "", html, flags=re.S)
    html = re.sub(r'<a class="permalink"[^>]*>[^<]*</a>', "", html)
    html = re.sub(r'href="[^"]*"', "", html)
    return re.sub(r"\s+", " ", html)


def test_the_numbering_after_a_move_is_that_days(history, client):
    first, second, _third = history
    with a_week_later():
        before = client.get(f"/{SLUG}/as-of/{first.isoformat()}/regional-transport/")
        after = client.get(f"/{SLUG}/as-of/{second.isoformat()}/regional-transport/")
    number = r'<p class="kicker">.*?› ([^<]*)</p>'
    assert re.search(number, before.content.decode(), re.S).group(1) == "(七)"
    assert re.search(number, after.content.decode(), re.S).group(1) == "(一)"


def test_a_dated_page_says_so_links_today_and_is_not_indexed(history, client):
    first = next(iter(history)).isoformat()
    with a_week_later():
        response = client.get(f"/{SLUG}/as-of/{first}/")
    html = response.content.decode()
    assert response["X-Robots-Tag"] == "noindex"
    assert '<meta name="robots" content="noindex">' in html
    assert "這是本計畫於" in html and f'datetime="{first}"' in html
    assert f'href="/{SLUG}/"' in html  # see it today
    # The publication date is not on record: said, never invented.
    assert "未載明發布日期" in html
    # Links stay within the day: the visions' and strategies' pages of that day.
    assert f'href="/{SLUG}/as-of/{first}/livable/"' in html
    assert f'href="/{SLUG}/livable/"' not in html
    english = client.get(f"/en/{SLUG}/as-of/{first}/").content.decode()
    # The language switch keeps the day.
    assert f'href="/{SLUG}/as-of/{first}/"' in english


def test_withdrawn_items_are_gone_from_that_day_on(history, client):
    _first, second, third = history
    with a_week_later():
        assert client.get(f"/{SLUG}/as-of/{second.isoformat()}/pop-music/").status_code == 200
        assert client.get(f"/{SLUG}/as-of/{third.isoformat()}/pop-music/").status_code == 404


def test_the_cache_keeps_days_apart(history, client):
    first, second, _third = history
    with a_week_later():
        one = client.get(f"/{SLUG}/as-of/{first.isoformat()}/mrt-network/").content
        two = client.get(f"/{SLUG}/as-of/{second.isoformat()}/mrt-network/").content
        again = client.get(f"/{SLUG}/as-of/{first.isoformat()}/mrt-network/").content
    assert one != two and one == again


def test_a_dated_page_costs_at_most_six_queries_cold(history, client):
    first = next(iter(history)).isoformat()
    with a_week_later():
        for path in (f"/{SLUG}/as-of/{first}/", f"/{SLUG}/as-of/{first}/mrt-network/"):
            assert cold_count(client, path) <= 6, path
        assert cold_count(client, f"/{SLUG}/as-of/{first}/full-text/") <= 6


def test_the_comparison_lists_each_kind(history, client):
    first, _second, third = history
    # From the end of the first day: the indicator published that day, lowered on the third.
    since = first.isoformat()
    with a_week_later():
        found = json.loads(
            client.get(f"/data/{SLUG}/compare.json?from={since}&to={third.isoformat()}").content
        )
        page = client.get(f"/{SLUG}/compare/?from={since}&to={third.isoformat()}")
        english = client.get(f"/en/{SLUG}/compare/?to={third.isoformat()}&from={since}")
    assert set(found) >= {"plan", "from", "to", "summary", "changes"}
    kinds = {change["kind"] for change in found["changes"]}
    assert {"moved", "withdrawn", "target", "updates", "status", "light"} <= kinds
    moved = next(c for c in found["changes"] if c["kind"] == "moved")
    assert (moved["ref"], moved["before"], moved["after"]) == (
        "regional-transport",
        "二、(七)",
        "二、(一)",
    )
    target = next(c for c in found["changes"] if c["kind"] == "target")
    assert target["values"]["lowered"] is True
    assert target["values"]["reason"]["zh-hant"] == "預算刪減"
    assert found["summary"]["withdrawn"] == 1 and found["summary"]["moved"] == 1
    # Moments in ISO 8601, in Taipei time.
    published = next(c for c in found["changes"] if c["kind"] == "updates")
    assert published["values"]["updates"][0]["published_at"].endswith("+08:00")
    assert "T" in published["values"]["updates"][0]["published_at"]
    html = page.content.decode()
    assert page["X-Robots-Tag"] == "noindex"
    assert "移動 1 個項目" in html
    assert "預算刪減" in html
    assert english.status_code == 200
    assert "1 item moved" in english.content.decode()


def test_the_command_prints_the_comparison(history):
    import io

    first, _second, third = history
    days = ["--from", first.isoformat(), "--to", third.isoformat()]
    out, text = io.StringIO(), io.StringIO()
    with a_week_later():
        call_command("compare_plan", SLUG, *days, "--json", stdout=out)
        call_command("compare_plan", SLUG, *days, "--language", "en", stdout=text)
    found = json.loads(out.getvalue())
    assert found["from"] == first.isoformat() and found["changes"]
    assert "1 item moved" in text.getvalue()


def test_a_day_whose_numbering_is_not_on_record_says_so(history, client):
    """As on a database whose first positions were recorded after the move (the migration's
    baseline on an older site): the first day's numbering is not guessed."""
    from plan.asof import record_positions
    from plan.models import Plan, TreePositions

    first, _second, third = history
    plan = Plan.objects.get(slug=SLUG)
    TreePositions.objects.filter(plan=plan).delete()
    with a_week_later():
        record_positions(plan.pk)
        html = client.get(f"/{SLUG}/as-of/{first.isoformat()}/").content.decode()
        known = client.get(f"/{SLUG}/as-of/{third.isoformat()}/").content.decode()
        found = json.loads(
            client.get(
                f"/data/{SLUG}/compare.json?from={first.isoformat()}&to={third.isoformat()}"
            ).content
        )
    assert "此日期的編號無法重建" in html
    # No number is printed where it is not known; the later day's are.
    assert '<span class="number">二、</span>' not in html
    assert '<span class="number">二、</span>' in known
    assert found["positions_known"] is False
    assert not any(change["kind"] == "moved" for change in found["changes"])


def test_each_vision_is_one_group_and_numbers_are_in_the_pages_language(history, client):
    first, _second, third = history
    days = ["--from", (first - timedelta(days=1)).isoformat(), "--to", third.isoformat()]
    out = io.StringIO()
    with a_week_later():
        html = client.get(f"/{SLUG}/compare/?from={days[1]}&to={days[3]}").content.decode()
        call_command("compare_plan", SLUG, *days, "--json", "--language", "en", stdout=out)
    headings = re.findall(r'<section class="compare-group[^"]*"[^>]*>\s*<h2[^>]*>(.*?)</h2>', html)
    assert len(headings) == len(set(headings)) >= 3, headings
    # The whole plan's light has a heading of its own, not "the plan's own texts".
    assert "整體計畫" in headings
    # The withdrawn strategy is under its own vision (四、魅力高雄), not the one before it.
    charm = html.index("魅力高雄</h2>")
    after_charm = html.find("<h2", charm + 1)
    assert (
        charm < html.index("構築台灣流行音樂基地") < (after_charm if after_charm > 0 else len(html))
    )
    english = json.loads(out.getvalue())
    progress = [c for c in english["changes"] if c["kind"] in ("status", "light", "updates")]
    assert progress and all(
        not re.search(r"[一二三四五六七八九十]", c["after"] or "") for c in progress
    ), progress


# Without the scenario: the loaded plan alone.


def test_days_outside_the_record_answer_a_helpful_404(loaded, client):
    today = timezone.localdate()
    before = client.get(f"/{SLUG}/as-of/{(today - timedelta(days=1)).isoformat()}/")
    assert before.status_code == 404
    assert "紀錄始於" in before.content.decode()
    future = client.get(f"/{SLUG}/as-of/{(today + timedelta(days=1)).isoformat()}/")
    assert future.status_code == 404
    assert "尚未到來" in future.content.decode()
    assert client.get(f"/{SLUG}/as-of/2025-02-30/").status_code == 404
    assert client.get(f"/{SLUG}/as-of/yesterday/").status_code == 404
    # Today is the live page.
    response = client.get(f"/{SLUG}/as-of/{today.isoformat()}/")
    assert response.status_code == 302 and response["Location"] == f"/{SLUG}/"


def test_a_dated_page_costs_the_same_for_a_plan_twice_as_large(loaded, client):
    import reversion
    import time_machine

    from portal.dated import MODELS
    from tests.factories import add_strategies, asof_noon

    # Django keeps the content types for the life of the process (never per version): read
    # once, as any earlier page of the process would have.
    ContentType.objects.get_for_models(*MODELS, for_concrete_models=False)
    today = timezone.localdate()
    with time_machine.travel(asof_noon(today + timedelta(days=1)), tick=False):
        small = cold_count(client, f"/{SLUG}/as-of/{today.isoformat()}/livable/")
        with reversion.create_revision():
            add_strategies(loaded, "livable", 30, "more")
    with time_machine.travel(asof_noon(today + timedelta(days=2)), tick=False):
        day = (today + timedelta(days=1)).isoformat()
        response = client.get(f"/{SLUG}/as-of/{day}/livable/")
        assert response.content.decode().count('class="strategy-summary"') == 37
        assert cold_count(client, f"/{SLUG}/as-of/{day}/livable/") == small <= 6
