"""The plan on a past day and what changed between two days are valid HTML (issue 24),
checked by the Nu HTML Checker (vnu.jar) as tests/markup_and_accessibility/
test_markup_valid.py checks every other page type, in each reading (繁體中文, English and the
Simplified Chinese converted from the Traditional): the scenario of tests/test_dated_pages.py
(factories.dated_history: the plan recorded today, three later days of edits), read a week
later: an as-of home, vision, strategy and full text, the comparison of two days (with the
word-level differences of a retitling), and the 404s for a day before the record and one to
come.

The checker comes from npm (`vnu-jar`) and runs on Java; `.ci/run` installs it under
.ci/node/. Without it the test is skipped, except where REQUIRE_VALIDATOR is set (CI)."""

import re
from datetime import timedelta
from pathlib import Path

import pytest

from ..factories import P, a_week_later, dated_history, html_checker, html_errors

pytestmark = pytest.mark.validator

READINGS = ("", "/en", "/zh-hans")


def pages(first, second, third):
    """{path: the status it answers}: the dated pages on each of the three days, the
    comparisons, the days outside the record."""
    one, two, three = first.isoformat(), second.isoformat(), third.isoformat()
    before = (first - timedelta(days=11)).isoformat()  # the record begins ten days earlier
    to_come = (first + timedelta(days=8)).isoformat()  # a week later, tomorrow
    return {
        f"{P}/as-of/{one}/": 200,
        f"{P}/as-of/{one}/livable/": 200,
        f"{P}/as-of/{one}/mrt-network/": 200,
        f"{P}/as-of/{two}/regional-transport/": 200,
        f"{P}/as-of/{two}/pop-music/": 200,
        f"{P}/as-of/{three}/full-text/": 200,
        f"{P}/compare/?from={one}&to={three}": 200,
        # From the record's first day: the first day's retitling, word by word.
        f"{P}/compare/?to={three}": 200,
        f"{P}/compare/?from={one}&to={one}": 200,  # nothing changed
        f"{P}/as-of/{before}/": 404,
        f"{P}/as-of/{to_come}/": 404,
        f"{P}/compare/?from={before}&to={three}": 404,
    }


def test_the_dated_pages_are_valid_html(loaded, client, editor_group, tmp_path):
    jar = html_checker()
    days = list(dated_history(loaded, client, editor_group))
    files = {}
    with a_week_later():
        for prefix in READINGS:
            for path, status in pages(*days).items():
                response = client.get(prefix + path)
                assert response.status_code == status, prefix + path
                if status == 404:
                    assert "no-such-day" in response.content.decode(), prefix + path
                name = re.sub(r"[^a-z0-9]+", "-", (prefix + path).lower()).strip("-")
                file = tmp_path / f"{len(files):03d}-{name}.html"
                file.write_bytes(response.content)
                files[str(file)] = prefix + path
    assert len(files) == 3 * len(pages(*days))
    # The retitling's differences are on the page that is checked.
    assert any("<del" in Path(file).read_text("utf-8") for file in files)
    errors = html_errors(jar, files)
    assert errors == [], "\n".join(errors)
