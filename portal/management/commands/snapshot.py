"""Write the whole public site as plain files that any web server or CDN can serve.

    python manage.py snapshot site-snapshot/ --base-url https://plan.kcg.gov.tw

For archiving a plan after its term ends, and for serving at web-server speed. The command
crawls the portal from its home pages in both languages (through Django's test client, so
nothing is served over the network), writes every page, download and static file it reaches,
and rewrites links between them to relative ones, so the snapshot also works from a folder
or under any path. Canonical and alternate URLs keep --base-url: that is where the archive
is meant to live.

Links with a query string (the progress overview's filters and sorting, its ?stale=1 among
them) are online-only: the crawl writes each page once, unfiltered, and in the snapshot such
links open that page. The reporting periods' reports and their CSV files are written as the
crawl reaches them (from the overview's "as of" line and from one report to the next): those
that have begun, from the plan's first reporting period on; before it, no page links them.
The plan as published on past days (/<plan>/as-of/<day>/…, linked from every history) is
online-only too: a snapshot is already the plan on the day it was made, and writing the
whole plan again for every day an edit was made would multiply it; in the snapshot those
links open the home page. The comparison is written with its defaults (first day → today).
"""

import posixpath
import re
import shutil
from collections import deque
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.test import Client, override_settings

LINK = re.compile(r'(?P<attr>\b(?:href|src|action))="(?P<url>/[^"]*)"')
START = ["/", "/en/", "/robots.txt", "/sitemap.xml", "/favicon.ico", "/data/plans.json"]
NOT_FOUND_PROBE = "/this-page-does-not-exist/"
# The plan on a past day: pages online only (see above).
ONLINE_ONLY = re.compile(r"^/(?:en/|zh-hans/)?[^/]+/as-of/")


def file_for(path, content_type):
    """Where a URL path is written: directories get an index file of their type."""
    if not path.endswith("/"):
        return path.lstrip("/")
    name = "index.xml" if "xml" in content_type else "index.html"
    return path.lstrip("/") + name


class Command(BaseCommand):
    help = "Write every public page, download and static file as a static site."

    def add_arguments(self, parser):
        parser.add_argument("output", help="folder to write (replaced if it exists)")
        parser.add_argument(
            "--base-url", default="http://127.0.0.1:8000", help="where the snapshot will live"
        )

    def handle(self, output, base_url, **options):
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise CommandError("--base-url must look like https://host")
        out = Path(output)
        if out.exists():
            shutil.rmtree(out)
        out.mkdir(parents=True)
        static_url = "/" + settings.STATIC_URL.strip("/") + "/"
        plain_static = {
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
        with override_settings(
            ALLOWED_HOSTS=[parts.hostname],
            STATIC_ROOT=out / static_url.strip("/"),
            STORAGES=plain_static,
            PAGE_CACHE_SECONDS=0,
        ):
            call_command("collectstatic", interactive=False, verbosity=0)
            self.secure = parts.scheme == "https"
            written = self.crawl(Client(HTTP_HOST=parts.netloc), out, static_url)
        self.stdout.write(f"wrote {len(written)} files to {out}")

    def crawl(self, client, out, static_url):
        files = {}  # URL path → file path, relative to out
        queue = deque(START)
        seen = set(queue)
        pages = []
        while queue:
            path = queue.popleft()
            response = client.get(path, secure=self.secure)
            if response.status_code != 200:
                raise CommandError(f"{path} answered {response.status_code}")
            content_type = response.get("Content-Type", "")
            target = file_for(path, content_type)
            files[path] = target
            (out / target).parent.mkdir(parents=True, exist_ok=True)
            (out / target).write_bytes(response.content)
            if content_type.startswith("text/html"):
                pages.append(target)
                for match in LINK.finditer(response.content.decode()):
                    link = urlsplit(match["url"]).path
                    if (
                        link.startswith(static_url)
                        or link in seen
                        or link.startswith(f"/{settings.ADMIN_URL}")
                        or ONLINE_ONLY.search(link)
                    ):
                        continue
                    seen.add(link)
                    queue.append(link)
        response = client.get(NOT_FOUND_PROBE, secure=self.secure)
        (out / "404.html").write_bytes(response.content)
        pages.append("404.html")
        for page in pages:
            self.relink(out, page, files, static_url)
        return files

    def relink(self, out, page, files, static_url):
        """Point every site-internal link at its file, relative to the page."""
        here = posixpath.dirname(page)

        def relative(match):
            url = urlsplit(match["url"])
            if url.path.startswith(static_url):
                target = url.path.lstrip("/")
            elif url.path in files:
                target = files[url.path]
            else:
                # A page the crawl did not reach (the 404 page's "same page in English"):
                # the home page of its language.
                target = files["/en/" if url.path.startswith("/en/") else "/"]
            link = posixpath.relpath(target, here or ".")
            if url.fragment:
                link += "#" + url.fragment
            return f'{match["attr"]}="{link}"'

        path = out / page
        path.write_text(LINK.sub(relative, path.read_text("utf-8")), "utf-8")
