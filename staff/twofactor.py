from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from .audit import record


def reset_devices(user, by=None, detail=""):
    """Remove a user's authenticator and backup codes: they enrol again at the next sign-in."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    record(
        "otp_reset",
        user=by,
        username="" if by else "manage.py",
        target=user.get_username(),
        detail=detail,
    )
