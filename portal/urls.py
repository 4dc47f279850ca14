from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path(f"{settings.ADMIN_URL}", admin.site.urls),
]
urlpatterns += i18n_patterns(
    path("", include("portal.public_urls")),
    prefix_default_language=False,
)
