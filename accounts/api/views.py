"""Thin views of the accounts API: validate, call one service or selector, serialize."""

from __future__ import annotations

import logging
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, generics, permissions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import extensions, google, login_limits, selectors, services
from accounts.api.filters import UserFilter
from accounts.api.permissions import CanAssignRole, CanSuspendUser, CanViewUsers
from accounts.api.serializers import (
    KEEP,
    AccountDeleteSerializer,
    AuthResponseSerializer,
    DetailSerializer,
    EmailVerifySerializer,
    ExportSerializer,
    GoogleAuthResponseSerializer,
    GoogleSignInSerializer,
    LoginSerializer,
    LogoutResultSerializer,
    LogoutSerializer,
    PasswordChangeSerializer,
    PasswordResetConfirmSerializer,
    PasswordResetSerializer,
    ProfileSerializer,
    ProfileUpdateSerializer,
    PublicUserSerializer,
    RefreshSerializer,
    RoleSerializer,
    SignupSerializer,
    StaffUserSerializer,
    SuspendSerializer,
    TokenPairSerializer,
    UsersAuthResponseSerializer,
)
from accounts.models import User
from accounts.roles import Role
from config.api.reuse import serializer_for
from config.api.schema import error_response
from config.api.throttling import AnonRateThrottle, AuthRateThrottle, UserRateThrottle
from core.exceptions import ValidationFailed

logger = logging.getLogger("skillswap.accounts")

AUTH_THROTTLES = [AuthRateThrottle, AnonRateThrottle, UserRateThrottle]
UNAUTHORIZED = error_response("Credentials or token refused (`authentication_failed`, …).")


class SignInLocked(exceptions.Throttled):
    """429 for an account whose sign-in is locked after repeated failures."""

    def __init__(self, wait: int) -> None:
        super().__init__(wait=wait)
        self.detail = exceptions.ErrorDetail(
            _("Too many failed sign-in attempts for this account. Try again in %(seconds)d s.")
            % {"seconds": wait},
            code="throttled",
        )


def _auth_body(user: User, tokens: dict[str, str], request: Request) -> dict[str, Any]:
    profile = selectors.user_profile_get(user_id=user.pk)
    return {
        "user": ProfileSerializer(profile, context={"request": request}).data,
        **tokens,
    }


class _AuthView(APIView):
    """Auth endpoints: anyone may call them, 10 a minute per IP (docs/api.md, rate limits)."""

    permission_classes = [permissions.AllowAny]
    throttle_classes = AUTH_THROTTLES


# --- sign-up, sign-in, tokens ------------------------------------------------------------------


class SignupView(_AuthView):
    @extend_schema(
        operation_id="auth_signup",
        summary="Create an account",
        description=(
            "Creates a member account, e-mails a verification link, and signs the new member "
            "in. Also served at `auth/register/`."
        ),
        request=SignupSerializer,
        responses={201: AuthResponseSerializer},
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        serializer = SignupSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.user_signup(**serializer.validated_data)
        tokens = services.token_pair_issue(user=user)
        return Response(_auth_body(user, tokens, request), status=status.HTTP_201_CREATED)


class LoginView(_AuthView):
    @extend_schema(
        operation_id="auth_login",
        summary="Sign in with e-mail (or username) and password",
        description=(
            "Send `email`, or `username` (a username, or an e-mail address), with `password`. "
            "Returns a token pair and the profile. Failed attempts are counted per account, "
            "whichever name was typed for it and from whatever address: after five, sign-in for "
            "that account is locked for a minute, doubling with each further failure (429 with "
            "`Retry-After`)."
        ),
        request=LoginSerializer,
        responses={200: AuthResponseSerializer, 401: UNAUTHORIZED},
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        serializer = LoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            user = services.user_login(**serializer.validated_data)
        except login_limits.LoginLocked as locked:
            raise SignInLocked(locked.wait) from None
        tokens = services.token_pair_issue(user=user)
        return Response(_auth_body(user, tokens, request))


class RefreshView(_AuthView):
    @extend_schema(
        operation_id="auth_refresh",
        summary="Exchange a refresh token for a new pair",
        description=(
            "The refresh token is single use: it is blacklisted and a new one returned. "
            "Seed 001 clients may send it as `token`."
        ),
        request=RefreshSerializer,
        responses={200: TokenPairSerializer, 401: UNAUTHORIZED},
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        serializer = RefreshSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(services.token_refresh(refresh=serializer.validated_data["refresh"]))


class LogoutView(_AuthView):
    @extend_schema(
        operation_id="auth_logout",
        summary="Sign out: revoke a refresh token, or every one",
        description=(
            "With `refresh`, that refresh token is revoked. With no body, the caller signed in "
            "with its access token is signed out everywhere: every refresh token of the account "
            "is revoked. Logging out twice, or with an expired token, is not an error."
        ),
        request=LogoutSerializer,
        responses={204: None, 401: UNAUTHORIZED},
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        self.sign_out(request)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def sign_out(self, request: Request) -> None:
        serializer = LogoutSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = request.user if request.user.is_authenticated else None
        services.user_sign_out(user=user, refresh=serializer.validated_data.get("refresh"))


class GoogleSignInView(_AuthView):
    @extend_schema(
        operation_id="auth_google",
        summary="Sign in with Google",
        description=(
            "Send a Google ID token (verified: signature by Google's published keys, audience, "
            "issuer, expiry), or an authorisation code and its redirect URI (Google's tokens are "
            "then kept for the calendar sync). Links to an existing account with the same "
            "verified e-mail, or creates one. Browsers use `/accounts/google/login/` instead."
        ),
        request=GoogleSignInSerializer,
        responses={
            200: GoogleAuthResponseSerializer,
            201: GoogleAuthResponseSerializer,
            401: UNAUTHORIZED,
            503: error_response("Google sign-in is not configured or Google is unreachable."),
        },
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        serializer = GoogleSignInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        tokens = None
        try:
            if data.get("code"):
                tokens = google.code_exchange(
                    code=data["code"],
                    redirect_uri=data["redirect_uri"],
                    code_verifier=data.get("code_verifier", ""),
                )
                identity = google.id_token_verify(tokens.id_token)
            else:
                identity = google.id_token_verify(data["id_token"])
        except google.GoogleTokenInvalid as exc:
            logger.info("Google sign-in refused: %s", exc.reason)
            raise services.AuthenticationRefused(
                _("Google did not confirm this sign-in."), code="google_token_invalid"
            ) from None
        except google.GoogleUnavailable as exc:
            logger.warning("Google sign-in unavailable: %s", exc.reason)
            raise services.ServiceUnavailable(
                _("Sign-in with Google is not available right now.")
            ) from None
        user, created = services.google_sign_in(identity=identity, tokens=tokens)
        body = {**_auth_body(user, services.token_pair_issue(user=user), request)}
        body["created"] = created
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


# --- passwords and e-mail ----------------------------------------------------------------------


class PasswordChangeView(APIView):
    throttle_classes = AUTH_THROTTLES

    @extend_schema(
        operation_id="auth_password_change",
        summary="Change the password",
        description="Revokes every refresh token of the account and returns a fresh pair.",
        request=PasswordChangeSerializer,
        responses={200: TokenPairSerializer},
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        serializer = PasswordChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.user_password_change(user=request.user, **serializer.validated_data)
        return Response(services.token_pair_issue(user=user))


class PasswordResetView(_AuthView):
    @extend_schema(
        operation_id="auth_password_reset",
        summary="E-mail a password reset link",
        description="Always answers the same, whether or not an account has this address.",
        request=PasswordResetSerializer,
        responses={202: DetailSerializer},
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        serializer = PasswordResetSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.password_reset_request(email=serializer.validated_data["email"])
        return Response(
            {
                "detail": _(
                    "If an account uses this address, we have sent it a link to choose "
                    "a new password."
                )
            },
            status=status.HTTP_202_ACCEPTED,
        )


class PasswordResetConfirmView(_AuthView):
    @extend_schema(
        operation_id="auth_password_reset_confirm",
        summary="Choose a new password with the e-mailed token",
        description="The token works once and expires; every refresh token is revoked.",
        request=PasswordResetConfirmSerializer,
        responses={200: DetailSerializer},
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        serializer = PasswordResetConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.password_reset_confirm(**serializer.validated_data)
        return Response({"detail": _("Your password has been changed. Sign in again.")})


class EmailVerifyView(_AuthView):
    @extend_schema(
        operation_id="auth_email_verify",
        summary="Verify the e-mail address with the e-mailed key",
        request=EmailVerifySerializer,
        responses={200: DetailSerializer},
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        serializer = EmailVerifySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.email_verify(key=serializer.validated_data["key"])
        return Response({"detail": _("Your e-mail address is verified.")})


class EmailVerifyResendView(APIView):
    throttle_classes = AUTH_THROTTLES

    @extend_schema(
        operation_id="auth_email_verify_resend",
        summary="Send the verification e-mail again",
        request=None,
        responses={202: DetailSerializer},
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        sent = services.email_verification_resend(user=request.user)
        message = (
            _("We have sent you a new verification link.")
            if sent
            else _("Your e-mail address is already verified.")
        )
        return Response({"detail": message}, status=status.HTTP_202_ACCEPTED)


# --- profile -----------------------------------------------------------------------------------


class ProfileView(APIView):
    """The caller's own profile; also served at ``users/me/``."""

    @extend_schema(
        operation_id="auth_profile_retrieve",
        summary="The caller's profile",
        responses={200: ProfileSerializer},
        tags=["profile"],
    )
    def get(self, request: Request) -> Response:
        # The JWT authentication already loaded the caller through user_queryset(): no second
        # user query (another authentication, e.g. a session, falls back to the selector).
        profile = request.user
        if not hasattr(profile, "email_is_verified"):
            profile = selectors.user_profile_get(user_id=request.user.pk)
        serializer = serializer_for(ProfileSerializer, {"request": request})
        return Response(serializer.to_representation(profile))

    def _update(self, request: Request, *, partial: bool) -> Response:
        # PUT is partial too: a field left out keeps its value (docs/api.md, seed 000's PUT).
        serializer = ProfileUpdateSerializer(
            data=request.data,
            partial=True,
            context={"request": request, "current_urls": self._picture_urls(request)},
        )
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        images = {
            name: data.pop(name)
            for name in ("avatar", "banner")
            if name in data and data[name] is not KEEP
        }
        data.pop("avatar", None)
        data.pop("banner", None)
        writes = {name: data.pop(name) for name in extensions.profile_writers() if name in data}
        if "interests" in data:
            interests = dict(data["interests"])
            if partial:
                # PATCH merges the keys given into the stored object (JSON merge patch).
                interests = {**request.user.interests, **interests}
            data["interests"] = interests
        # A refusal names the field the client sent (seed 001's ``bannerImage``, …).
        sent = {"avatar": "profile_picture", "banner": "bannerImage"}
        renamed = {name: alias for name, alias in sent.items() if alias in request.data}
        try:
            user = services.user_profile_update(
                user=request.user, data=data, writes=writes, **images
            )
        except ValidationFailed as exc:
            exc.fields = {renamed.get(name, name): errors for name, errors in exc.fields.items()}
            raise
        profile = selectors.user_profile_get(user_id=user.pk)
        return Response(ProfileSerializer(profile, context={"request": request}).data)

    @staticmethod
    def _picture_urls(request: Request) -> dict[str, set[str]]:
        """The URLs under which the caller's pictures are shown (sent back: nothing changes)."""
        urls: dict[str, set[str]] = {}
        for name in ("avatar", "banner"):
            picture = getattr(request.user, name)
            if picture:
                urls[name] = {picture.url, request.build_absolute_uri(picture.url)}
        return urls

    @extend_schema(
        operation_id="auth_profile_update",
        summary="Update the caller's profile (the fields given)",
        description=(
            "Like PATCH, fields left out keep their values (seed 000 sends only some); "
            "`interests` is replaced whole."
        ),
        request={
            "application/json": ProfileUpdateSerializer,
            "multipart/form-data": ProfileUpdateSerializer,
        },
        responses={200: ProfileSerializer},
        tags=["profile"],
    )
    def put(self, request: Request) -> Response:
        return self._update(request, partial=False)

    @extend_schema(
        operation_id="auth_profile_partial_update",
        summary="Change some fields of the caller's profile",
        request={
            "application/json": ProfileUpdateSerializer,
            "multipart/form-data": ProfileUpdateSerializer,
        },
        responses={200: ProfileSerializer},
        tags=["profile"],
    )
    def patch(self, request: Request) -> Response:
        return self._update(request, partial=True)


class AccountDeleteView(APIView):
    throttle_classes = AUTH_THROTTLES

    @extend_schema(
        operation_id="auth_account_delete",
        summary="Delete the caller's account",
        description=(
            "Anonymises the account: personal data is erased, sign-in becomes impossible, "
            "points ledger entries and exchange history stay consistent. Accounts with a "
            "password confirm it."
        ),
        request=AccountDeleteSerializer,
        responses={204: None},
        tags=["profile"],
    )
    def post(self, request: Request) -> Response:
        serializer = AccountDeleteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.user_delete(
            user=request.user, password=serializer.validated_data.get("password", "")
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class ExportView(APIView):
    @extend_schema(
        operation_id="auth_export",
        summary="Everything the platform holds on the caller",
        responses={200: ExportSerializer},
        tags=["profile"],
    )
    def get(self, request: Request) -> Response:
        export = selectors.user_export(user=request.user)
        body = ExportSerializer(export, context={"request": request}).data
        response = Response(body)
        response["Content-Disposition"] = 'attachment; filename="skillswap-export.json"'
        return response


# --- users -------------------------------------------------------------------------------------


class UserListView(generics.ListAPIView):
    """Every account, for staff (moderators and admins); also served at ``admin/users/``."""

    permission_classes = [CanViewUsers]
    serializer_class = StaffUserSerializer
    filterset_class = UserFilter
    search_fields = ["email", "first_name", "last_name", "display_name", "city"]
    ordering_fields = ["date_joined", "email", "last_login", "rating_average", "id"]

    def get_queryset(self) -> QuerySet[User]:
        return selectors.user_list()

    @extend_schema(operation_id="users_list", summary="List accounts (staff)", tags=["users"])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class UserDetailView(generics.RetrieveAPIView):
    """Another member's public profile."""

    serializer_class = PublicUserSerializer
    lookup_url_kwarg = "user_id"

    def get_queryset(self) -> QuerySet[User]:
        return selectors.user_public_queryset(viewer=self.request.user)

    @extend_schema(operation_id="users_retrieve", summary="A public profile", tags=["users"])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class StaffUserDetailView(generics.RetrieveAPIView):
    permission_classes = [CanViewUsers]
    serializer_class = StaffUserSerializer
    lookup_url_kwarg = "user_id"

    def get_queryset(self) -> QuerySet[User]:
        return selectors.user_queryset()

    @extend_schema(
        operation_id="admin_users_retrieve", summary="One account (staff)", tags=["users"]
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class _StaffActionView(generics.GenericAPIView):
    lookup_url_kwarg = "user_id"
    serializer_class = StaffUserSerializer

    def get_queryset(self) -> QuerySet[User]:
        return selectors.user_queryset()

    def respond(self, user: User) -> Response:
        fresh = selectors.user_queryset().get(pk=user.pk)
        return Response(StaffUserSerializer(fresh, context={"request": self.request}).data)


class UserSuspendView(_StaffActionView):
    permission_classes = [CanSuspendUser]

    @extend_schema(
        operation_id="users_suspend",
        summary="Suspend an account (staff)",
        description="Its tokens stop working at once, open sockets on their next message.",
        request=SuspendSerializer,
        responses={200: StaffUserSerializer, 409: error_response("Already suspended.")},
        tags=["users"],
    )
    def post(self, request: Request, user_id: int) -> Response:
        target = self.get_object()
        serializer = SuspendSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self.respond(services.user_suspend(user=target, **serializer.validated_data))


class UserReactivateView(_StaffActionView):
    permission_classes = [CanSuspendUser]

    @extend_schema(
        operation_id="users_reactivate",
        summary="Lift a suspension (staff)",
        request=None,
        responses={200: StaffUserSerializer, 409: error_response("Not suspended.")},
        tags=["users"],
    )
    def post(self, request: Request, user_id: int) -> Response:
        return self.respond(services.user_reactivate(user=self.get_object()))


class UserRoleView(_StaffActionView):
    permission_classes = [CanAssignRole]

    @extend_schema(
        operation_id="users_role",
        summary="Change an account's role (admins)",
        request=RoleSerializer,
        responses={200: StaffUserSerializer},
        tags=["users"],
    )
    def post(self, request: Request, user_id: int) -> Response:
        target = self.get_object()
        serializer = RoleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        role = Role(serializer.validated_data["role"])
        return self.respond(services.user_role_set(user=target, role=role))


# --- aliases (docs/api.md, seed aliases): same views, their own operation ids in the schema ----


@extend_schema_view(
    post=extend_schema(operation_id="auth_register", summary="Alias of auth/signup")
)
class RegisterView(SignupView):
    pass


def _users_auth_body(body: dict[str, Any]) -> dict[str, Any]:
    """Seed 003's answer: the account's fields and ``token`` next to our own body."""
    user = body["user"]
    return {
        **body,
        "id": user["id"],
        "username": user["username"],
        "email": user["email"],
        "first_name": user["first_name"],
        "last_name": user["last_name"],
        "token": body["access"],
    }


class UsersRegisterView(SignupView):
    """Seed 003's ``users/register/``."""

    @extend_schema(
        operation_id="users_register",
        summary="Alias of auth/signup (seed 003)",
        description=(
            "Seed 003's sign-up: the same account as `auth/signup/`, answered with the "
            "account's fields and `token` (the access token) at the top level too."
        ),
        request=SignupSerializer,
        responses={201: UsersAuthResponseSerializer},
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        response = super().post(request)
        response.data = _users_auth_body(response.data)
        return response


class UsersLoginView(LoginView):
    """Seed 003's ``users/login/``."""

    @extend_schema(
        operation_id="users_login",
        summary="Alias of auth/login (seed 003)",
        description=(
            "Seed 003's sign-in with `username` (or `email`) and `password`; the same checks "
            "and lock as `auth/login/`, answered with the account's fields and `token` too."
        ),
        request=LoginSerializer,
        responses={200: UsersAuthResponseSerializer, 401: UNAUTHORIZED},
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        response = super().post(request)
        response.data = _users_auth_body(response.data)
        return response


class UsersLogoutView(LogoutView):
    """Seed 003's ``users/logout/``."""

    @extend_schema(
        operation_id="users_logout",
        summary="Alias of auth/logout (seed 003)",
        description=(
            "Seed 003 sends no body: every refresh token of the caller (signed in with its "
            "access token) is revoked. With `refresh`, only that one. Answers 200 with "
            "`success` and `message`."
        ),
        request=LogoutSerializer,
        responses={200: LogoutResultSerializer, 401: UNAUTHORIZED},
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        self.sign_out(request)
        return Response({"success": True, "message": _("Logged out successfully.")})


@extend_schema_view(
    get=extend_schema(operation_id="users_me_retrieve"),
    put=extend_schema(operation_id="users_me_update"),
    patch=extend_schema(operation_id="users_me_partial_update"),
)
class UsersMeView(ProfileView):
    """Alias of ``auth/profile``."""


@extend_schema_view(get=extend_schema(operation_id="admin_users_list"))
class AdminUserListView(UserListView):
    """Alias of ``users/`` (seed 004's admin path)."""
