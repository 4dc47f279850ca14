from django.shortcuts import render
from django.views.decorators.http import require_GET


@require_GET
def search(request):
    return render(request, "portal/search.html", {"query": request.GET.get("q", "")[:100]})
