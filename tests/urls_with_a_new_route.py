"""The site's routes plus one whose name is not reserved (for the reserved-names check)."""

from django.http import HttpResponse
from django.urls import path

from portal.urls import urlpatterns as site_urlpatterns

urlpatterns = [*site_urlpatterns, path("dashboard/", lambda request: HttpResponse("new"))]
