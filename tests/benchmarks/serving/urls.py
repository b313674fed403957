"""Every project route, plus two static JSON views under ``/api/`` (the same middleware runs)."""

from django.http import HttpRequest, JsonResponse
from django.urls import path
from rest_framework import permissions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.urls import urlpatterns as project_urlpatterns

BODY = {"status": "ok"}


def static_json(request: HttpRequest) -> JsonResponse:
    return JsonResponse(BODY)


class StaticDRFView(APIView):
    """DRF's request/response cycle with nothing to do: no authentication, no throttle."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []
    throttle_classes: list = []

    def get(self, request: Request) -> Response:
        return Response(BODY)


urlpatterns = [
    path("api/v1/bench/static/", static_json),
    path("api/v1/bench/drf/", StaticDRFView.as_view()),
    *project_urlpatterns,
]
