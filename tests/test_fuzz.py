"""Hostile input never produces a 500: property-based tests over every public route."""

from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .factories import SLUG

ALLOWED = {200, 301, 302, 304, 400, 404, 405}


ROUTES = [
    "/",
    "/site-map/",
    "/search/",
    "/open-data/",
    "/changes/",
    "/changes/feed/",
    "/{plan}/",
    "/{plan}/full-text/",
    "/{plan}/chart/",
    "/{plan}/chart.svg",
    "/{plan}/preamble/",
    "/{plan}/closing/",
    "/{plan}/{ref}/",
    "/{plan}/{ref}/history/",
    "/data/plans.json",
    "/data/{plan}.json",
    "/data/{plan}.csv",
    "/robots.txt",
    "/sitemap.xml",
    "/favicon.ico",
]


NASTY = [
    "",
    "%00",
    "%ff%fe",
    "%zz",
    "%",
    "..",
    "%2e%2e%2f",
    "' OR 1=1 --",
    "{{ settings.SECRET_KEY }}",
    "{% debug %}",
    "<script>alert(1)</script>",
    "\x00",
    "\x1b[2J",
    "a" * 3000,
    "\u202e",
    "𠀀",
    "ＭＲＴ",
    "%E6%8D",
    "mrt-network",
    SLUG,
]


segment = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=60).map(lambda t: quote(t, safe="")),
    st.text(max_size=30),
)


prefix = st.sampled_from(["", "/en", "/zh-hant", "/fr", "/EN", "/en-us", "/%00", "/xx"])


# What a real server can pass on: WSGI query strings are Latin-1 text, so anything beyond it
# arrives percent-encoded (raw escapes, broken or not, are kept as they are).
query_value = st.one_of(st.sampled_from(NASTY), st.text(max_size=60)).map(
    lambda t: quote(t, safe="%")
)


query = st.one_of(
    st.just(""),
    st.lists(
        st.tuples(st.sampled_from(["q", "page", "lang", "", "q[]", "%ff"]), query_value), max_size=4
    ).map(lambda pairs: "&".join(f"{k}={v}" for k, v in pairs)),
)


def fill(route, plan, ref):
    return route.replace("{plan}", plan).replace("{ref}", ref)


def looks_like_the_site(response):
    kind = response.get("Content-Type", "")
    return not kind.startswith("text/html") or 'class="skip-link"' in response.content.decode()


@pytest.fixture
def fuzz_client(client, plan):
    client.raise_request_exception = False
    return client


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    route=st.sampled_from(ROUTES),
    language=prefix,
    plan_part=st.one_of(st.just(SLUG), segment),
    ref_part=st.one_of(st.just("mrt-network"), segment),
    query_string=query,
)
def test_get_never_fails(fuzz_client, route, language, plan_part, ref_part, query_string):
    path = language + fill(route, plan_part, ref_part)
    method = fuzz_client.head if len(path) % 5 == 0 else fuzz_client.get
    response = method(path, QUERY_STRING=query_string)
    assert response.status_code in ALLOWED, (path, query_string, response.status_code)
    if response.status_code in (400, 404, 405) and method == fuzz_client.get:
        assert looks_like_the_site(response), path


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    route=st.sampled_from(ROUTES),
    language=st.sampled_from(["", "/en"]),
    method=st.sampled_from(["post", "put", "patch", "delete", "options", "trace"]),
    body=st.binary(max_size=200),
)
def test_other_methods_are_refused_politely(fuzz_client, route, language, method, body):
    path = language + fill(route, SLUG, "mrt-network")
    response = getattr(fuzz_client, method)(
        path, data=body, content_type="application/octet-stream"
    )
    assert response.status_code in ALLOWED | {200}, (method, path, response.status_code)
    if method in ("post", "put", "patch", "delete"):
        assert response.status_code in (404, 405), (method, path, response.status_code)
        assert looks_like_the_site(response)


@pytest.mark.parametrize(
    "raw",
    [
        "/search/?q=%ff%fe",
        "/search/?q=%00",
        "/en/search/?q=" + "x" * 10000,
        "/search/?q=a&q=b&q=c",
        "/%ff/",
        "/%00/",
    ],
)
def test_hand_picked_hostile_requests(fuzz_client, raw):
    path, _, query_string = raw.partition("?")
    response = fuzz_client.get(path, QUERY_STRING=query_string)
    assert response.status_code in ALLOWED
