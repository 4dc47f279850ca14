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

from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.views.decorators.http import require_safe

from ..published import page_language, published_plan
from ..serving.caching import per_version
from . import documents_build as build
from . import period_documents
from .common import download
from .progress.presenters import PlanProgress
from .progress.report import PeriodReport

FORMATS = {
    "pdf": (build.build_pdf, "application/pdf"),
    "odt": (build.build_odt, "application/vnd.oasis.opendocument.text"),
}


def full_text_document(extension):
    builder, content_type = FORMATS[extension]

    @require_safe
    def view(request, plan_slug):
        if translation.get_language() == "zh-hans":
            return to_traditional(f"portal:full-text-{extension}", plan_slug)
        plan = published_plan(plan_slug)
        language = page_language()
        body = built(
            "document", plan.pk, language, extension, build=lambda: builder(plan, language)
        )
        if body is None:
            return unavailable()
        return download(request, body, content_type, build.filename(plan, extension), True)

    view.__name__ = f"full_text_{extension}"
    return view


full_text_pdf = full_text_document("pdf")
full_text_odt = full_text_document("odt")


PERIOD_FORMATS = {
    "pdf": (period_documents.build_pdf, "application/pdf"),
    "odt": (period_documents.build_odt, "application/vnd.oasis.opendocument.text"),
}


def period_document(extension):
    builder, content_type = PERIOD_FORMATS[extension]

    @require_safe
    def view(request, plan_slug, period):
        if translation.get_language() == "zh-hans":
            return to_traditional(f"portal:period-report-{extension}", plan_slug, period)
        plan = published_plan(plan_slug)
        progress = PlanProgress(plan)
        found = progress.reporting.find(period)
        if found is None:
            raise Http404("No such reporting period in this plan.")
        language = page_language()
        report = PeriodReport(progress, found)
        body = built(
            "period document",
            plan.pk,
            found.slug,
            language,
            extension,
            progress.today,
            build=lambda: builder(plan, report, language),
        )
        if body is None:
            return unavailable()
        name = period_documents.filename(plan, found, extension)
        return download(request, body, content_type, name, True)

    view.__name__ = f"period_report_{extension}"
    return view


period_report_pdf = period_document("pdf")
period_report_odt = period_document("odt")


def to_traditional(name, *args):
    """A Simplified reading's address of a document: the Traditional file (the documents are
    the official text), permanently."""
    with translation.override("zh-hant"):
        return redirect(reverse(name, args=args), permanent=True)


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
