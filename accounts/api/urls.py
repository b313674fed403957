"""Accounts endpoints, mounted under /api/v1/ by config/api_v1.py."""

from accounts.api import views
from config.api.routing import endpoint

urlpatterns = [
    endpoint("auth/signup", views.SignupView.as_view(), name="auth-signup"),
    endpoint("auth/register", views.RegisterView.as_view(), name="auth-register"),
    endpoint("auth/login", views.LoginView.as_view(), name="auth-login"),
    endpoint("auth/refresh", views.RefreshView.as_view(), name="auth-refresh"),
    endpoint("auth/logout", views.LogoutView.as_view(), name="auth-logout"),
    endpoint("auth/google", views.GoogleSignInView.as_view(), name="auth-google"),
    endpoint("auth/profile", views.ProfileView.as_view(), name="auth-profile"),
    endpoint("users/me", views.UsersMeView.as_view(), name="users-me"),
    endpoint("auth/account/delete", views.AccountDeleteView.as_view(), name="auth-account-delete"),
    endpoint("auth/export", views.ExportView.as_view(), name="auth-export"),
    endpoint(
        "auth/password/change", views.PasswordChangeView.as_view(), name="auth-password-change"
    ),
    endpoint("auth/password/reset", views.PasswordResetView.as_view(), name="auth-password-reset"),
    endpoint(
        "auth/password/reset/confirm",
        views.PasswordResetConfirmView.as_view(),
        name="auth-password-reset-confirm",
    ),
    endpoint("auth/email/verify", views.EmailVerifyView.as_view(), name="auth-email-verify"),
    endpoint(
        "auth/email/verify/resend",
        views.EmailVerifyResendView.as_view(),
        name="auth-email-verify-resend",
    ),
    endpoint("users/register", views.UsersRegisterView.as_view(), name="users-register"),
    endpoint("users/login", views.UsersLoginView.as_view(), name="users-login"),
    endpoint("users/logout", views.UsersLogoutView.as_view(), name="users-logout"),
    endpoint("users", views.UserListView.as_view(), name="users-list"),
    endpoint("admin/users", views.AdminUserListView.as_view(), name="admin-users-list"),
    endpoint(
        "admin/users/<int:user_id>", views.StaffUserDetailView.as_view(), name="admin-users-detail"
    ),
    endpoint("users/<int:user_id>", views.UserDetailView.as_view(), name="users-detail"),
    endpoint("users/<int:user_id>/suspend", views.UserSuspendView.as_view(), name="users-suspend"),
    endpoint(
        "users/<int:user_id>/reactivate",
        views.UserReactivateView.as_view(),
        name="users-reactivate",
    ),
    endpoint("users/<int:user_id>/role", views.UserRoleView.as_view(), name="users-role"),
]
