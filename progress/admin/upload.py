"""The admin's progress upload (CSV, ODS or XLSX: the importer reads the type from the content) (/<ADMIN_URL>progress/import/, "admin:progress_import", mounted by
progress.admin behind the admin's sign-in): upload a file, see what it would change (or every
problem, by row and column), then confirm to apply it.

The uploaded bytes are kept in the staff member's session between the two steps, under a
token the confirm form sends back, and used once. Who may import what, and publish at once,
is progress.rules' (agency editors: drafts about the items their agencies lead or support;
reviewers and superusers: anything). The checks themselves are the importer's
(progress.spreadsheets.importer), the same as the command's. A file larger than
settings.PROGRESS_UPLOAD_MAX_MB is refused here with the page's own message (nginx refuses a
larger request with the same limit: deploy/nginx.conf, static/errors/413.html).
"""

import base64
import hashlib
import secrets

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .. import rules
from ..spreadsheets.importer import import_csv

SESSION_KEY = "progress_import"


def max_bytes():
    """The largest file accepted: settings.PROGRESS_UPLOAD_MAX_MB (a spreadsheet of a plan's
    progress is a few hundred kilobytes)."""
    return settings.PROGRESS_UPLOAD_MAX_MB * 1024 * 1024


@require_http_methods(["GET", "POST"])
def import_view(request):
    user = request.user
    if not rules.may_import(user):
        raise PermissionDenied
    context = {
        **admin.site.each_context(request),
        "title": _("Import progress from a CSV file"),
        "may_publish": rules.may_publish(user),
        "max_megabytes": settings.PROGRESS_UPLOAD_MAX_MB,
    }
    if request.method == "POST" and request.POST.get("confirm"):
        return confirm(request, context)
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            context["form_error"] = _("Choose a CSV file to upload.")
        elif upload.size > max_bytes():
            context["form_error"] = _("The file is too large (at most %(size)s MB).") % {
                "size": context["max_megabytes"]
            }
        else:
            data = upload.read()
            publish = bool(request.POST.get("publish"))
            result = import_csv(data, publish=publish, dry_run=True, user=user, name=upload.name)
            context.update(result=result, filename=upload.name, publish=publish)
            if not result.problems:
                token = secrets.token_urlsafe(16)
                request.session[SESSION_KEY] = {
                    "token": token,
                    "name": upload.name,
                    "publish": publish,
                    "sha256": hashlib.sha256(data).hexdigest(),
                    "data": base64.b64encode(data).decode("ascii"),
                }
                context["token"] = token
    return render(request, "admin/progress/import.html", context)


def confirm(request, context):
    stored = request.session.get(SESSION_KEY)
    if not stored or stored["token"] != request.POST.get("token"):
        return HttpResponseBadRequest(
            _("This upload is no longer waiting for confirmation: upload the file again.")
        )
    del request.session[SESSION_KEY]
    data = base64.b64decode(stored["data"])
    if hashlib.sha256(data).hexdigest() != stored["sha256"]:
        return HttpResponseBadRequest(_("The stored upload is damaged: upload the file again."))
    publish = stored["publish"] and rules.may_publish(request.user)
    result = import_csv(data, publish=publish, user=request.user, name=stored["name"])
    if result.problems:
        # The data changed between the preview and the confirmation: show why, write nothing.
        context.update(result=result, filename=stored["name"], publish=publish)
        return render(request, "admin/progress/import.html", context)
    counts = result.counts
    messages.success(
        request,
        _("%(name)s imported: %(new)s new, %(changed)s changed, %(unchanged)s unchanged.")
        % {"name": stored["name"], **counts}
        + " "
        + (
            _("Published at once.")
            if publish
            else _("Progress facts are drafts until a reviewer publishes them.")
        ),
    )
    return redirect(request.path)
