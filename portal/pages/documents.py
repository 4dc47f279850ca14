"""The plan's full text as documents to download: /<plan>/full-text.pdf and .odt, in
Traditional Chinese and English (built by portal.pages.documents_build), and each reporting
period's report: /<plan>/progress/<period>.pdf and .odt (portal.pages.period_documents).

Each file is built once per content version and language in a process (per_version; the
release is the process's code) and its bytes are then cached whole like every public page;
the ETag is over the bytes, which are the same on every app server. A period report's
files are also kept per Taipei date, as the page cache keys its page: what is owed moves
with the calendar. A Simplified reading has no document of its own: the documents are the
official text, so /zh-hans/… redirects.
"""

from functools import wraps

from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.views.decorators.http import require_safe

from ..published import page_language, published_plan
from ..serving.caching import per_version
from . import documents_build as build
from . import period_documents
from .common import download
from .progress.report import published_report

CONTENT_TYPES = {"pdf": "application/pdf", "odt": "application/vnd.oasis.opendocument.text"}


def official_text(route):
    """A document's view, GET and HEAD only. The documents are the official text: a
    Simplified reading's address redirects to the Traditional file, permanently."""

    def decorate(view):
        @require_safe
        @wraps(view)
        def document(request, **kwargs):
            if translation.get_language() == "zh-hans":
                with translation.override("zh-hant"):
                    return redirect(reverse(route, kwargs=kwargs), permanent=True)
            return view(request, **kwargs)

        return document

    return decorate


def full_text_document(extension):
    builder = {"pdf": build.build_pdf, "odt": build.build_odt}[extension]

    @official_text(f"portal:full-text-{extension}")
    def view(request, plan_slug):
        plan = published_plan(plan_slug)
        language = page_language()
        body = built(
            "document", plan.pk, language, extension, build=lambda: builder(plan, language)
        )
        return served(request, body, extension, build.filename(plan, extension))

    view.__name__ = f"full_text_{extension}"
    return view


full_text_pdf = full_text_document("pdf")
full_text_odt = full_text_document("odt")


def period_document(extension):
    builder = {"pdf": period_documents.build_pdf, "odt": period_documents.build_odt}[extension]

    @official_text(f"portal:period-report-{extension}")
    def view(request, plan_slug, period):
        report = published_report(plan_slug, period)
        plan, found, language = report.progress.plan, report.period, page_language()
        body = built(
            "period document",
            plan.pk,
            found.slug,
            language,
            extension,
            report.progress.today,
            build=lambda: builder(plan, report, language),
        )
        name = period_documents.filename(plan, found, extension)
        return served(request, body, extension, name)

    view.__name__ = f"period_report_{extension}"
    return view


period_report_pdf = period_document("pdf")
period_report_odt = period_document("odt")


def served(request, body, extension, filename):
    """The document as a download, or a plain 503 where it could not be made (body None)."""
    if body is None:
        return unavailable()
    return download(request, body, CONTENT_TYPES[extension], filename, True)


def built(*key, build):
    """The document kept per `key` (per content version), or None where it cannot be made:
    WeasyPrint without Debian's Pango (a development machine that skipped the README's
    packages) loses this download, nothing else; said plainly, never cached."""
    try:
        return per_version(*key, build=build)
    except (ImportError, OSError):
        return None


def unavailable():
    response = HttpResponse(
        "此文件目前無法產生，請稍後再試或改用網頁全文。\n"
        "This document cannot be made on this server now; the full text is on the web page.\n",
        content_type="text/plain; charset=utf-8",
        status=503,
    )
    response["Retry-After"] = "3600"
    response["Cache-Control"] = "no-store"
    return response
