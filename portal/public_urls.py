from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("<slug:plan_slug>/", views.plan_home, name="plan"),
    path("<slug:plan_slug>/<slug:ref>/", views.node, name="node"),
]
