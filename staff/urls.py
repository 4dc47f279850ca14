"""Under the admin's address (portal.urls includes these before the admin's own)."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from . import views

reset_context = {"site_header": admin.site.site_header, "site_title": admin.site.site_title}

urlpatterns = [
    path("two-factor/", views.verify, name="staff-verify"),
    path("two-factor/setup/", views.setup, name="staff-setup"),
    path("session/", views.session_status, name="staff-session"),
    # Password reset by e-mail, with Django's one-time, time-limited tokens. The admin's
    # sign-in page links here by the name admin_password_reset.
    path(
        "password_reset/",
        views.PasswordResetView.as_view(
            extra_context=reset_context, success_url=reverse_lazy("password_reset_done")
        ),
        name="admin_password_reset",
    ),
    path(
        "password_reset/done/",
        auth_views.PasswordResetDoneView.as_view(extra_context=reset_context),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            extra_context=reset_context, success_url=reverse_lazy("password_reset_complete")
        ),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        auth_views.PasswordResetCompleteView.as_view(extra_context=reset_context),
        name="password_reset_complete",
    ),
]
