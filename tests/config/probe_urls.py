"""A URLconf for convention tests: the real routes plus probe views that raise each error."""

from django.contrib.auth import get_user_model
from django.urls import include, path
from rest_framework import generics, permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.throttling import AuthRateThrottle
from config.urls import handler404, handler500  # noqa: F401 - Django reads them from here
from config.urls import urlpatterns as site_urlpatterns
from core.exceptions import Conflict

User = get_user_model()


class ProbeInputSerializer(serializers.Serializer):
    email = serializers.EmailField()
    age = serializers.IntegerField(min_value=0)


class ValidatingView(APIView):
    permission_classes = [permissions.AllowAny]

    def post(self, request):
        serializer = ProbeInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(serializer.validated_data)


class StaffOnlyView(APIView):
    permission_classes = [permissions.IsAdminUser]

    def get(self, request):
        return Response({"ok": True})


class ConflictView(APIView):
    permission_classes = [permissions.AllowAny]

    def post(self, request):
        raise Conflict("The swap is already accepted.", extra={"current_status": "accepted"})


class CrashView(APIView):
    permission_classes = [permissions.AllowAny]

    def get(self, request):
        raise RuntimeError("secret internals /etc/passwd")


class AuthThrottledView(APIView):
    permission_classes = [permissions.AllowAny]
    throttle_classes = [AuthRateThrottle]

    def post(self, request):
        return Response({"ok": True})


class UserOutSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email"]


class UserListView(generics.ListAPIView):
    permission_classes = [permissions.AllowAny]
    serializer_class = UserOutSerializer
    search_fields = ["email"]
    ordering_fields = ["id", "email"]

    def get_queryset(self):
        return User.objects.order_by("id")


probe_patterns = [
    path("validate/", ValidatingView.as_view()),
    path("staff/", StaffOnlyView.as_view()),
    path("conflict/", ConflictView.as_view()),
    path("crash/", CrashView.as_view()),
    path("auth-throttled/", AuthThrottledView.as_view()),
    path("users/", UserListView.as_view()),
]

urlpatterns = [
    path("api/v1/probe/", include(probe_patterns)),
    *site_urlpatterns,
]
