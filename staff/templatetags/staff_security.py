from django import template
from django.conf import settings
from django.middleware.csrf import get_token
from django.urls import reverse

register = template.Library()


@register.inclusion_tag("staff/session_notice.html", takes_context=True)
def staff_session(context):
    """The idle warning's settings for static/portal/admin-session.js, and the 2FA banner."""
    request = context.get("request")
    user = getattr(request, "user", None)
    signed_in = bool(user is not None and user.is_authenticated)
    return {
        "signed_in": signed_in,
        "two_factor_off": not settings.STAFF_2FA_REQUIRED,
        "timeout": settings.STAFF_IDLE_TIMEOUT_MINUTES * 60,
        "warning": settings.STAFF_IDLE_WARNING_SECONDS,
        "status_url": reverse("staff-session"),
        "login_url": reverse("admin:login"),
        "csrf": get_token(request) if signed_in else "",
    }
