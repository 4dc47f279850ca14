"""Rules for every staff request under the admin's address, in this order:

1. idle logout: a session unused for STAFF_IDLE_TIMEOUT_MINUTES ends (the admin's page warns
   before, static/portal/admin-session.js), and the sign-in page says so, also when Django's
   own expiry (SESSION_COOKIE_AGE, the same limit) ended the session first;
2. an account with a two-factor device must pass it before anything else;
3. a password set by an administrator, or older than STAFF_PASSWORD_MAX_AGE_DAYS, must be
   changed before anything else;
4. with STAFF_2FA_REQUIRED, an account without a device enrols one.

Public pages are never touched (they carry no session at all).
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, get_user_model, logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from .audit import current_request, record

SEEN = "staff_last_seen"


def admin_prefix():
    return "/" + settings.ADMIN_URL


def idle_seconds():
    return settings.STAFF_IDLE_TIMEOUT_MINUTES * 60


def say_idle_logout(request):
    messages.warning(
        request,
        _("You were signed out after %(minutes)d minutes without activity. Please sign in again.")
        % {"minutes": settings.STAFF_IDLE_TIMEOUT_MINUTES},
    )


def expired_idle_session(request):
    """Django ends a session SESSION_COOKIE_AGE after its last save, the same idle limit, so
    an idle session is usually gone before the idle check can see it: the browser still
    sends the cookie of a session the database has expired (until `clearsessions` deletes
    it). Its row says whose it was: ended here as an idle logout, recorded and said."""
    key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    store = request.session
    if not key or store.session_key is not None:
        return  # no cookie, or the session is alive (or was never loaded)
    model_class = getattr(store, "get_model_class", None)
    if model_class is None:
        return  # not database sessions: the expired session cannot be read
    model = model_class()
    row = model.objects.filter(session_key=key, expire_date__lte=timezone.now()).first()
    if row is None:
        return
    data = store.decode(row.session_data)
    if not model.objects.filter(session_key=key).delete()[0]:
        return  # a parallel request of the same browser got here first
    user_id = data.get(SESSION_KEY)
    if user_id is None or data.get(SEEN) is None:
        return  # not a signed-in session (a password reset link's, say)
    user = get_user_model().objects.filter(pk=user_id).first()
    record("logout", user=user, request=request, detail="idle")
    say_idle_logout(request)


def has_device(user):
    from django_otp import devices_for_user

    return any(True for _ in devices_for_user(user, confirmed=True))


def second_factor_pending(user):
    """Password given, second factor not yet: the account has a device this session has not
    passed, or must enrol one (STAFF_2FA_REQUIRED). Such a session is not signed in."""
    if user.is_verified() if hasattr(user, "is_verified") else False:
        return False
    return settings.STAFF_2FA_REQUIRED or has_device(user)


class StaffSecurityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = current_request.set(request)
        try:
            response = self.check(request)
            if response is None:
                response = self.get_response(request)
            return response
        finally:
            current_request.reset(token)

    def check(self, request):
        if not request.path.startswith(admin_prefix()):
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            expired_idle_session(request)
            return None
        # 1. Idle logout. The session-status poll of the warning script does not count as use,
        # nor does "stay signed in" for a session not yet signed in (second factor pending).
        now = time.time()
        last = request.session.get(SEEN)
        status = request.path == reverse("staff-session")
        status_poll = status and request.method == "GET"
        if last is not None and now - last > idle_seconds():
            request.staff_logout_reason = "idle"
            logout(request)
            say_idle_logout(request)
            if status_poll:
                return None  # the warning script is told the session ended (as JSON)
            return redirect_to_login(request)
        counts = not status_poll and not (status and second_factor_pending(user))
        if counts or last is None:
            request.session[SEEN] = now

        allowed = self.always_allowed()
        if request.path in allowed:
            return None
        from .models import StaffProfile

        # 2. Second factor for an account that has one.
        verified = user.is_verified() if hasattr(user, "is_verified") else False
        device = None if verified else has_device(user)
        if not verified and device:
            return redirect_with_next(request, "staff-verify")
        # 3. Password change required.
        profile = StaffProfile.for_user(user)
        if profile.must_change_password or profile.password_expired():
            if request.path not in (
                reverse("admin:password_change"),
                reverse("admin:password_change_done"),
            ):
                if profile.must_change_password:
                    text = _("Please choose your own password before you continue.")
                else:
                    text = _(
                        "Your password is more than %(days)d days old. Please choose a new one."
                    ) % {"days": settings.STAFF_PASSWORD_MAX_AGE_DAYS}
                messages.info(request, text)
                return redirect("admin:password_change")
            return None
        # 4. Enrolment, where two factors are required.
        if settings.STAFF_2FA_REQUIRED and not verified and not device:
            return redirect_with_next(request, "staff-setup")
        return None

    @staticmethod
    def always_allowed():
        return {
            reverse("admin:logout"),
            reverse("admin:jsi18n"),
            reverse("staff-verify"),
            reverse("staff-setup"),
            reverse("staff-session"),
        }


def redirect_with_next(request, name):
    url = reverse(name)
    if request.method == "GET" and request.path != reverse("admin:index"):
        url += "?" + urlencode({"next": request.get_full_path()})
    return redirect(url)


def redirect_to_login(request):
    url = reverse("admin:login")
    if request.method == "GET":
        url += "?" + urlencode({"next": request.get_full_path()})
    return redirect(url)
