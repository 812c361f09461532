from django.http import HttpResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def ping(request):
    """The floor: a constant answered by the same server (GET and POST), like Conectados'
    ``/ping``."""
    return HttpResponse("pong", content_type="text/plain")


urlpatterns = [
    path("ping", ping),
    path("", include("helpdesk.urls", namespace="helpdesk")),
]
