from django.http import HttpResponse
from django.views.decorators.http import require_GET


@require_GET
def open_data(request):
    return HttpResponse(status=501)


@require_GET
def plans_json(request):
    return HttpResponse(status=501)


@require_GET
def plan_json(request, plan_slug):
    return HttpResponse(status=501)


@require_GET
def plan_csv(request, plan_slug):
    return HttpResponse(status=501)
