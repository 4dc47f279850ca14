"""When the database stops answering: 503 with a plain page, cached pages still served, and
everything back by itself when the database returns. Uses a real PostgreSQL outage: the test
database stops accepting connections and its sessions are cut."""

import psycopg
import pytest
from django.db import connection

from ..factories import SLUG


@pytest.fixture
def outage():
    if connection.vendor != "postgresql":
        pytest.skip("an outage is staged on PostgreSQL (the CI runs the suite there too)")
    settings = connection.settings_dict
    name = settings["NAME"]
    admin = psycopg.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        user=settings["USER"] or "postgres",
        dbname="postgres",
        autocommit=True,
    )

    def stop():
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        )

    def start():
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')

    yield stop, start
    start()
    admin.close()


@pytest.mark.django_db(transaction=True)
def test_database_outage_and_recovery(client, plan_file_data, outage):
    from tests.factories import the_loaded_plan

    stop, start = outage
    the_loaded_plan(plan_file_data)
    client.raise_request_exception = False
    cached = client.get("/")
    assert cached.status_code == 200
    # Searches fetched before the outage, each with what only its own results show.
    searches = {
        "/en/search/?q=MRT": ["results for “MRT”", "Gangshan"],
        "/en/search/?q=housing": ["results for “housing”", "Connecting Digital Citizens"],
        "/search/?q=捷運": ["「捷運」共有", "環狀輕軌"],
    }
    before = {}
    for path, own in searches.items():
        response = client.get(path)
        assert response.status_code == 200, path
        before[path] = response.content
        for text in own:
            assert text in response.content.decode(), (path, text)
    theirs = {
        path: [t for other, own in searches.items() if other != path for t in own]
        for path in searches
    }
    for path, others in theirs.items():
        for text in others:
            assert text not in before[path].decode(), f"{text!r} does not tell {path} apart"

    stop()
    down = client.get(f"/{SLUG}/full-text/")
    assert down.status_code == 503
    body = down.content.decode()
    assert "Traceback" not in body and "psycopg" not in body
    assert "暫時無法" in body or "Temporarily unavailable" in body
    assert down["Retry-After"]
    # The page already in the cache is still served.
    still = client.get("/")
    assert still.status_code == 200, still.content.decode()[:300]
    assert still.content == cached.content
    # Pages that need the database outside the page cache say so too.
    assert client.get("/search/?q=MRT").status_code == 503
    # Each search fetched before is served with its own results, never another's.
    for path, own in searches.items():
        response = client.get(path)
        assert response.status_code == 200, f"{path} during the outage: {response.status_code}"
        body = response.content.decode()
        for text in own:
            assert text in body, f"{path} during the outage lacks its own {text!r}"
        for text in theirs[path]:
            assert text not in body, f"{path} during the outage shows another search's {text!r}"
        assert response.content == before[path]
    # A search never fetched: 503, not some other search's results.
    never = client.get("/en/search/?q=childcare")
    assert never.status_code == 503, never.content.decode()[:300]
    assert not any(text in never.content.decode() for own in searches.values() for text in own)
    assert (
        "Temporarily unavailable" in never.content.decode() or "暫時無法" in never.content.decode()
    )
    # A parameter no page reads (utm_source) is dropped: the cached home page is served.
    tagged = client.get("/?utm_source=x")
    assert tagged.status_code == 200, tagged.content.decode()[:300]
    assert tagged.content == cached.content

    start()
    # Back by itself: at once with persistent connections; with the pool, once its next
    # reconnection attempt runs, within DJANGO_POOL_RECONNECT_TIMEOUT (5 s) of the outage's
    # end however long the outage was (psycopg_pool otherwise backs off for minutes).
    import time

    deadline = time.monotonic() + 12
    back = client.get(f"/{SLUG}/full-text/")
    while back.status_code != 200 and time.monotonic() < deadline:
        time.sleep(0.5)
        back = client.get(f"/{SLUG}/full-text/")
    assert back.status_code == 200
    assert "健全大眾運輸捷運路網" in back.content.decode()
