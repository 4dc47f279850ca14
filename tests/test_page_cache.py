"""Whole-page caching: served from the cache, right at the next request after an edit."""

import os

import pytest
import reversion
from django.core.cache import caches
from django.test import override_settings

from plan.models import Plan, PlanNode

from .conftest import SLUG

PAGE = f"/en/{SLUG}/mrt-network/"
REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15"),
        "KEY_PREFIX": "plan-portal-tests",
    }
}


def retitle(ref, title):
    node = PlanNode.objects.get(ref=ref)
    node.title_en = title
    with reversion.create_revision():
        node.save()


def test_a_cached_page_costs_one_small_query(client, plan, django_assert_num_queries):
    first = client.get(PAGE)
    assert first.templates  # rendered
    with django_assert_num_queries(1):
        second = client.get(PAGE)
    assert second.status_code == 200
    assert not second.templates  # served from the cache, not rendered
    assert second.content == first.content


def test_an_edit_is_visible_at_the_next_request(client, plan):
    assert "Strengthening the MRT" in client.get(PAGE).content.decode()
    retitle("mrt-network", "A Retitled Strategy")
    html = client.get(PAGE).content.decode()
    assert "A Retitled Strategy" in html
    # Pages that show the strategy elsewhere change too: the whole plan's key moved.
    assert "A Retitled Strategy" in client.get(f"/en/{SLUG}/").content.decode()


def test_moves_and_deletes_invalidate_too(client, plan):
    client.get(f"/{SLUG}/livable/")
    node = PlanNode.objects.get(ref="mrt-network")
    node.delete()
    assert "健全大眾運輸捷運路網" not in client.get(f"/{SLUG}/livable/").content.decode()


def test_http_caching_headers_and_conditional_get(client, plan, settings):
    settings.PAGE_SHARED_MAX_AGE = 2
    response = client.get(PAGE)
    # Browsers ask every time (cheaply, with the ETag), so an editor who saved and follows a
    # link sees the edit; shared caches (nginx, a CDN) may keep the page two seconds.
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert directives == {"public", "max-age=0", "must-revalidate", "s-maxage=2"}
    assert response["ETag"] and "Last-Modified" not in response
    assert "Accept-Language" not in response.get("Vary", "")
    assert client.get(PAGE, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
    retitle("mrt-network", "Changed again")
    assert client.get(PAGE, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 200


def test_cached_pages_stay_stateless(client, plan):
    client.get(PAGE)
    response = client.get(PAGE)
    assert not response.cookies and "Set-Cookie" not in response.headers


def test_search_results_are_cached_per_query_and_follow_edits(
    client, plan, django_assert_num_queries
):
    first = client.get("/en/search/?q=MRT")
    with django_assert_num_queries(1):
        assert client.get("/en/search/?q=MRT").content == first.content
    assert client.get("/en/search/?q=housing").content != first.content
    retitle("mrt-network", "Subway Network Completion")
    assert "</mark> Network Completion" in client.get("/en/search/?q=subway").content.decode()
    # MRT finds its synonym Subway (the glossary's and the curated list's), marked.
    assert "Subway</mark> Network Completion" in client.get("/en/search/?q=MRT").content.decode()


def test_unknown_parameters_are_served_the_canonical_page(client, plan, django_assert_num_queries):
    """A tracking tag or a typo is not a page of its own: it is served the page's one cached
    entry, never rendered (and stored) once per junk parameter."""
    canonical = client.get(PAGE)
    for junk in ("?utm_source=x", "?x=1", "?x=2&y=%FF", "?q=housing"):
        with django_assert_num_queries(1):
            response = client.get(PAGE + junk)
        assert not response.templates and response.content == canonical.content


def test_search_is_keyed_by_its_normalised_words(client, plan, django_assert_num_queries):
    first = client.get("/en/search/?q=MRT")
    for same in ("?q=%20MRT%20", "?q=MRT&utm_source=x", "?utm_source=y&q=MRT", "?q=x&q=MRT"):
        with django_assert_num_queries(1):
            response = client.get("/en/search/" + same)
        assert not response.templates and response.content == first.content
    assert client.get("/en/search/?q=housing").content != first.content


def test_the_admin_is_never_cached(client, plan):
    assert "public" not in client.get("/admin/login/").get("Cache-Control", "")


def test_not_found_pages_are_not_cached(client, plan):
    client.get(f"/{SLUG}/later/")
    node = PlanNode.objects.get(ref="mrt-network")
    node.ref = "later"
    node.save()
    assert client.get(f"/{SLUG}/later/").status_code == 200


@override_settings(PAGE_CACHE_SECONDS=0)
def test_cache_can_be_turned_off(client, plan, django_assert_num_queries):
    client.get(PAGE)
    # Only the content stamp: plans and trees are kept per process until they change.
    with django_assert_num_queries(1):
        response = client.get(PAGE)
    assert [t.name for t in response.templates][0] == "portal/strategy.html"  # rendered again
    assert response["ETag"]  # HTTP caching still works without the page cache


def redis_available():
    try:
        import redis

        redis.Redis.from_url(REDIS["default"]["LOCATION"], socket_connect_timeout=0.5).ping()
        return True
    except Exception:  # noqa: BLE001 - any failure means no Redis here
        return False


@pytest.mark.skipif(
    not redis_available() and not os.environ.get("CI"), reason="Redis is not running"
)
def test_shared_redis_cache_serves_every_app_server_and_invalidates(
    client, plan, django_assert_num_queries
):
    """Two app servers share one Redis: what one renders the other serves; an edit made
    through either is visible on both at the next request."""
    with override_settings(CACHES=REDIS):
        caches["default"].clear()
        from django.test import Client

        server_a, server_b = client, Client()
        html = server_a.get(PAGE).content
        with django_assert_num_queries(1):
            assert server_b.get(PAGE).content == html
        retitle("mrt-network", "Edited on server A")
        assert "Edited on server A" in server_b.get(PAGE).content.decode()
        assert caches["default"].get("nothing") is None
        caches["default"].clear()


def test_unpublishing_a_plan_removes_its_cached_pages(client, plan):
    client.get(f"/{SLUG}/")
    plan = Plan.objects.get()
    plan.published = False
    plan.save()
    assert client.get(f"/{SLUG}/").status_code == 404


@override_settings(PAGE_CACHE_SECONDS=0)
def test_kept_trees_follow_edits_too(client, plan):
    """With the page cache off, pages still reuse the tree each process keeps: an edit, a
    move or unpublishing must show at the next request all the same."""
    assert "Strengthening the MRT" in client.get(f"/en/{SLUG}/livable/").content.decode()
    retitle("mrt-network", "Kept-tree check")
    assert "Kept-tree check" in client.get(f"/en/{SLUG}/livable/").content.decode()
    node = PlanNode.objects.get(ref="mrt-network")
    node.published = False
    node.save()
    assert client.get(PAGE).status_code == 404
