"""The reporting routine's reminders as staff read them: the messages (progress.reminders
decides which are due; `manage.py send_reminders` sends them) and, for the superuser, the
read-only list of what was sent, with the accounts that missed a reminder for want of an
e-mail address.

The messages live here, not in progress.reminders, because they are staff-facing text with
links into the admin, and the admin is the layer of progress that renders such things and
knows its addresses (progress/ruff.toml). Each is Chinese first, English below, as plain
text with an HTML alternative, from the templates in progress/templates/progress/mail/
(`<kind>_subject.txt`, `<kind>.txt`, `<kind>.html`); the links are absolute
(PORTAL_BASE_URL). Without PORTAL_BASE_URL they are paths only, and the command says so.
"""

from email.utils import parseaddr
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import admin, messages
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import dateformat, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from staff.admin import SuperuserRecordAdmin

from .. import reminders
from ..models import SentReminder

# RFC 3834: an automatic message (no out-of-office replies to it, please).
HEADERS = {"Auto-Submitted": "auto-generated"}
STATES = {
    # obligation and review states as the mail names them: (Chinese, English)
    "owed": ("尚未填報", "not yet submitted"),
    "returned": ("退回修正", "returned for changes"),
    "overdue": ("逾期未填報", "overdue"),
    "draft": ("待審核", "waiting for review"),
}
FACT_NAMES = {
    "progressupdate": ("執行進度", "progress update"),
    "indicator": ("衡量指標", "indicator"),
    "milestone": ("里程碑", "milestone"),
}


def sender():
    """DEFAULT_FROM_EMAIL, with the portal's name when it was given as a bare address."""
    name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    if name or not address:
        return settings.DEFAULT_FROM_EMAIL
    return f'"{settings.SITE_NAME["zh-hant"]}" <{address}>'


def absolute(path):
    return f"{settings.PORTAL_BASE_URL}{path}"


def admin_link(name, *args):
    """The absolute address of an admin page; the admin's index where the page is not
    there (the routine's pages: progress.admin.periods)."""
    try:
        return absolute(reverse(name, args=args))
    except NoReverseMatch:
        return absolute(reverse("admin:index"))


def compose(reminder, user, *, connection=None):
    """The message of `reminder` for `user` (to their address)."""
    context = context_for(reminder, user)
    kind = reminder.kind
    subject = render_to_string(f"progress/mail/{kind}_subject.txt", context)
    message = EmailMultiAlternatives(
        " ".join(subject.split()),
        render_to_string(f"progress/mail/{kind}.txt", context),
        sender(),
        [(user.email or "").strip()],
        connection=connection,
        headers=HEADERS,
    )
    message.attach_alternative(render_to_string(f"progress/mail/{kind}.html", context), "text/html")
    return message


def subject_of(reminder, user):
    """The subject alone (recorded for an account without an address)."""
    text = render_to_string(
        f"progress/mail/{reminder.kind}_subject.txt", context_for(reminder, user)
    )
    return " ".join(text.split())


def context_for(reminder, user):
    plan = reminder.plan
    context = {
        "reminder": reminder,
        "site_zh": settings.SITE_NAME["zh-hant"],
        "site_en": settings.SITE_NAME["en"],
        "name": user.get_full_name() or user.get_username(),
        "plan_zh": plan.title_zh_hant or plan.title,
        "plan_en": plan.title_en or plan.title_zh_hant or plan.title,
        "admin_url": absolute(reverse("admin:index")),
        "queue_url": absolute(reverse("admin:progress_review_queue")),
        "items": [item_view(item, reminder) for item in reminder.items],
        "wait_days": reminders.review_wait_days(),
    }
    if reminder.period is not None:
        context["period"] = period_view(reminder.period)
    # Where to act: the editor's own page (我的填報), the period's page by agency.
    context["work_url"] = admin_link("admin:progress_reportingperiod_mine")
    if reminder.period is not None and reminder.kind == reminders.OVERDUE:
        context["period_url"] = admin_link(
            "admin:progress_reportingperiod_overview", reminder.period["id"]
        )
    if reminder.agency is not None:
        context["agency"] = agency_view(reminder.agency)
    context["by_agency"] = [
        {"agency": agency_view(agency), "items": [item_view(i, reminder) for i in items]}
        for agency, items in reminder.by_agency
    ]
    context["earlier"] = [
        {
            "period": period_view(period),
            "agencies": [
                {"agency": agency_view(agency), "count": len(items)} for agency, items in groups
            ],
        }
        for period, groups in reminder.earlier
    ]
    return context


def both(obj, name):
    """(Chinese, English) of a translated text, the English falling back to the Chinese."""
    get = obj.get if isinstance(obj, dict) else lambda key: getattr(obj, key, "")
    chinese = get(f"{name}_zh_hant") or ""
    return chinese, get(f"{name}_en") or chinese


def day_zh(day):
    return f"{day.year - 1911}年{day.month}月{day.day}日"


def day_en(day):
    with translation.override("en"):
        return dateformat.format(day, "j F Y")


def period_view(period):
    zh, en = both(period, "label")
    return {
        "zh": zh or period["slug"],
        "en": en or period["slug"],
        "deadline_zh": day_zh(period["deadline"]),
        "deadline_en": day_en(period["deadline"]),
        "end_zh": day_zh(period["end"]),
        "end_en": day_en(period["end"]),
    }


def agency_view(agency):
    if agency is None:
        return {"zh": "（未指定機關）", "en": "(no agency)", "code": ""}
    zh, en = both(agency, "name")
    return {"zh": zh or agency.code, "en": en or agency.code, "code": agency.code}


def item_view(item, reminder):
    """A line of a reminder as the templates print it, with its link into the admin."""
    zh, en = both(item.node, "title")
    state = STATES.get(item.state, (item.state, item.state))
    view = {
        "ref": item.node.ref,
        "zh": zh,
        "en": en,
        "state_zh": state[0],
        "state_en": state[1],
        "comment": item.comment,
        # the plain text's continuation lines, indented under their item
        "comment_text": "\n     ".join(item.comment.splitlines()),
        "waited": item.waited,
        "new": item.new,
        "agency": item.agency,
    }
    fact = item.fact
    if fact is not None:
        name = fact._meta.model_name
        view["url"] = absolute(reverse(f"admin:progress_{name}_change", args=[fact.pk]))
        view["fact_zh"], view["fact_en"] = FACT_NAMES.get(name, (name, name))
        view["date"] = getattr(fact, "date", None)
        submitter = fact.submitted_by
        view["submitter"] = submitter.get_username() if submitter is not None else ""
        agency = getattr(fact, "agency", None)
        if agency is not None:
            view["agency_zh"], view["agency_en"] = both(agency, "name")
    elif reminder.kind == reminders.DEADLINE and reminder.agency is not None:
        # One click to a new update of the item for the period, pre-filled.
        query = urlencode(
            {
                "node": item.node.pk,
                "agency": reminder.agency.pk,
                "date": reminder.period["end"].isoformat(),
            }
        )
        view["url"] = absolute(reverse("admin:progress_progressupdate_add")) + "?" + query
    return view


# The record of what was sent --------------------------------------------------------------


@admin.display(description=_("sent"), boolean=True)
def sent(obj):
    return obj.is_sent


class DeliveryFilter(admin.SimpleListFilter):
    title = _("delivery")
    parameter_name = "delivery"

    def lookups(self, request, model_admin):
        return [("sent", _("sent")), ("missing", _("no e-mail address"))]

    def queryset(self, request, queryset):
        if self.value() == "sent":
            return queryset.filter(sent_at__isnull=False)
        if self.value() == "missing":
            return queryset.filter(sent_at__isnull=True)
        return queryset


@admin.register(SentReminder)
class SentReminderAdmin(SuperuserRecordAdmin):
    """Superusers only, read-only: the record `send_reminders` keeps so that nothing goes
    twice. The list says which active accounts missed a reminder for want of an address."""

    list_display = ("day", "kind", "username", "address", sent, "sent_at", "subject")
    list_filter = (DeliveryFilter, "kind", "day")
    date_hierarchy = "day"
    search_fields = ("key", "username", "address", "subject")
    list_per_page = 100
    actions = None

    def changelist_view(self, request, extra_context=None):
        if request.method == "GET" and self.has_view_permission(request):
            missing = reminders.without_address()
            if missing:
                count = sum(len(rows) for rows in missing.values())
                self.message_user(
                    request,
                    ngettext(
                        "%(count)d reminder could not be sent, for want of an e-mail "
                        "address: %(accounts)s. Give these accounts an address (Users); "
                        "the next run of send_reminders sends what is still due.",
                        "%(count)d reminders could not be sent, for want of an e-mail "
                        "address: %(accounts)s. Give these accounts an address (Users); "
                        "the next run of send_reminders sends what is still due.",
                        count,
                    )
                    % {"count": count, "accounts": ", ".join(sorted(missing))},
                    messages.WARNING,
                )
        return super().changelist_view(request, extra_context)
