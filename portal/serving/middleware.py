"""Response headers and failure handling that every response needs."""

import contextlib
import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)


class DatabaseUnavailableMiddleware:
    """When the database cannot be reached, answer 503 with a plain page, not a stack trace.

    Nothing to recover by hand: the next request opens a fresh connection (persistent
    connections are health-checked; the pool replaces broken ones). Pages already in the page
    cache keep being served meanwhile (see portal.serving.page_cache).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        # Connection-level failures only; a bad query (ProgrammingError, IntegrityError, …)
        # is a bug and stays a logged 500.
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.error("database unavailable: %s", exception)
        return unavailable_response(request)


def drop_broken_connection():
    """Close the failed connection now, so the next request opens a fresh one (the pool
    checks what it hands out) and recovery needs no one's help."""
    from django.db import connection

    with contextlib.suppress(OperationalError, InterfaceError):
        connection.close()


def unavailable_response(request):
    drop_broken_connection()
    response = HttpResponse(render_to_string("503.html", request=None), status=503)
    response["Retry-After"] = "30"
    response["Cache-Control"] = "no-store"
    return response


class ErrorPagesMiddleware:
    """Gives the bare 405 answers of Django's method decorators the site's own design."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 405 and not response.content:
            from django.shortcuts import render

            designed = render(request, "405.html", status=405)
            designed["Allow"] = response.get("Allow", "GET, HEAD")
            return designed
        return response
