"""Two-factor sign-in (verify a code, enrol an authenticator app, backup codes) and the
session status the idle warning asks for. All under the admin's address, in its look."""

import base64
import io
import time
from urllib.parse import quote

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_otp import devices_for_user
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .audit import record, reset_lockout_count
from .middleware import SEEN, idle_seconds, second_factor_pending

BACKUP_CODES = 10


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_code(self):
        return "".join(self.cleaned_data["code"].split()).lower()


def next_url(request, default=None):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default or reverse("admin:index")


def context(request, **extra):
    return {
        **admin.site.each_context(request),
        # The admin's other pages wait until sign-in is complete.
        "is_nav_sidebar_enabled": False,
        "available_apps": [],
        "next": next_url(request),
        # No idle warning before the second factor: the session status says "not signed in".
        "second_factor_pending": second_factor_pending(request.user),
        "two_factor_off": not settings.STAFF_2FA_REQUIRED,
        **extra,
    }


def locked_out(request):
    from axes.handlers.proxy import AxesProxyHandler

    return AxesProxyHandler.is_locked(request, {"username": request.user.get_username()})


@never_cache
@login_required(login_url="admin:login")
@require_http_methods(["GET", "POST"])
def verify(request):
    """The second step of signing in: a code from the authenticator app, or a backup code.
    A wrong code counts as a failed sign-in for the lockout (django-axes)."""
    user = request.user
    if user.is_verified():
        return redirect(next_url(request))
    devices = list(devices_for_user(user, confirmed=True))
    if not devices:
        return redirect(reverse("staff-setup"))
    if locked_out(request):
        return lock_out(request)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"]
        for device in devices:
            if device.verify_is_allowed()[0] and device.verify_token(code):
                otp_login(request, device)
                reset_lockout_count(user)
                if isinstance(device, StaticDevice):
                    left = device.token_set.count()
                    record("login", user=user, detail=f"backup code ({left} left)")
                    from django.contrib import messages

                    messages.warning(
                        request,
                        _("You used a backup code; %(count)d remain.") % {"count": left},
                    )
                else:
                    record("login", user=user, detail="two-factor code")
                return redirect(next_url(request))
        request.staff_otp_failure = True
        record("otp_failed", user=user)
        user_login_failed.send(
            sender=__name__,
            credentials={"username": user.get_username()},
            request=request,
        )
        if getattr(request, "axes_locked_out", False):
            return lock_out(request)
        form.add_error("code", _("That code is not valid. Try the current code, or a backup code."))
    return render(
        request,
        "staff/verify.html",
        context(request, form=form, title=_("Two-factor sign-in")),
    )


def lock_out(request):
    from axes.helpers import get_lockout_response

    credentials = {"username": request.user.get_username()}
    request.staff_logout_reason = "locked out"
    logout(request)
    request.axes_locked_out = False  # answered here; AxesMiddleware need not do it again
    return get_lockout_response(request, None, credentials)


def qr_data_uri(url):
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=12)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def provisioning_url(device):
    issuer = settings.STAFF_2FA_ISSUER
    label = quote(f"{issuer}:{device.user.get_username()}")
    secret = base64.b32encode(device.bin_key).decode()
    return (
        f"otpauth://totp/{label}?secret={secret}&issuer={quote(issuer)}"
        f"&digits={device.digits}&period={device.step}&algorithm=SHA1"
    ), secret


@never_cache
@login_required(login_url="admin:login")
@require_http_methods(["GET", "POST"])
def setup(request):
    """Enrolment: scan the QR code (drawn on the server, an SVG image), confirm with a code,
    receive ten one-time backup codes."""
    user = request.user
    if any(True for _ in devices_for_user(user, confirmed=True)):
        if not user.is_verified():
            return redirect(reverse("staff-verify"))
        return redirect(next_url(request))
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            device.confirmed = True
            device.save()
            otp_login(request, device)
            reset_lockout_count(user)
            codes = new_backup_codes(user)
            record("otp_enrolled", user=user, target=user.get_username())
            return render(
                request,
                "staff/backup_codes.html",
                context(request, codes=codes, title=_("Your backup codes")),
            )
        form.add_error(
            "code", _("That code is not valid. Check the time on your phone and try again.")
        )
    url, secret = provisioning_url(device)
    return render(
        request,
        "staff/setup.html",
        context(
            request,
            form=form,
            qr=qr_data_uri(url),
            secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            title=_("Set up two-factor sign-in"),
        ),
    )


def new_backup_codes(user):
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="backup codes", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@never_cache
@require_http_methods(["GET", "POST"])
def session_status(request):
    """For the idle warning (static/portal/admin-session.js): GET tells how many seconds the
    session has left without counting as activity; POST ("stay signed in") renews it. A
    session still waiting for its second factor is not signed in."""
    if not request.user.is_authenticated or second_factor_pending(request.user):
        return JsonResponse({"authenticated": False, "remaining": 0})
    last = request.session.get(SEEN, time.time())
    remaining = max(0, int(idle_seconds() - (time.time() - last)))
    return JsonResponse({"authenticated": True, "remaining": remaining})


class PasswordResetView(auth_views.PasswordResetView):
    """Django's, recorded in the audit trail (the address asked for, whether or not it
    belongs to an account; the page says the same either way)."""

    def form_valid(self, form):
        record("password_reset", target=form.cleaned_data["email"])
        return super().form_valid(form)
