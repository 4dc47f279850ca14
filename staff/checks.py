from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def two_factor_required(app_configs, **kwargs):
    """`check --deploy` fails while staff may sign in without a second factor."""
    if not settings.STAFF_2FA_REQUIRED:
        return [
            Error(
                "STAFF_2FA_REQUIRED is off: staff can sign in without a second factor.",
                hint="Unset STAFF_2FA_REQUIRED (it defaults to on) in production.",
                id="staff.E001",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def cookies_scoped_to_the_admin(app_configs, **kwargs):
    expected = "/" + settings.ADMIN_URL
    errors = []
    for name in ("SESSION_COOKIE_PATH", "CSRF_COOKIE_PATH"):
        if getattr(settings, name) != expected:
            errors.append(
                Error(
                    f"{name} is {getattr(settings, name)!r}, not the admin's {expected!r}: "
                    "public pages would receive staff cookies.",
                    id="staff.E002",
                )
            )
    return errors
