"""Usernames: optional, unique whatever their case, validated, a second sign-in name, changeable
with a cooldown (docs/api.md, "Usernames")."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

SIGNUP = "/api/v1/auth/signup"
LOGIN = "/api/v1/auth/login"
PROFILE = "/api/v1/auth/profile"
PASSWORD = "a-long-passphrase-42"


def _error(response):
    body = response.json()
    assert set(body) == {"error"}
    return body["error"]


def _signup(api_client, **fields):
    body = {"email": "john@example.test", "password": PASSWORD, **fields}
    return api_client.post(SIGNUP, body, format="json")


def test_signup_with_a_username_shows_it_on_the_own_and_public_profile(api_client, auth_client):
    # when a member signs up with a username
    response = _signup(api_client, username="John.Doe_1")

    # then it is stored as typed and shown on both profiles
    assert response.status_code == 201
    assert response.json()["user"]["username"] == "John.Doe_1"
    user = User.objects.get(email="john@example.test")
    assert user.username == "John.Doe_1"
    public = auth_client.get(f"/api/v1/users/{user.pk}/")
    assert public.json()["username"] == "John.Doe_1"


def test_signup_without_a_username_leaves_it_empty(api_client):
    response = _signup(api_client)

    assert response.status_code == 201
    assert response.json()["user"]["username"] == ""


def test_two_accounts_without_a_username_coexist(api_client):
    UserFactory(email="first@example.test")

    response = _signup(api_client)

    assert response.status_code == 201
    assert User.objects.filter(username="").count() == 2


def test_a_username_taken_in_another_case_is_refused_and_nothing_is_created(api_client):
    # given a member called johndoe
    UserFactory(email="first@example.test", username="johndoe")

    # when someone signs up as JohnDoe
    response = _signup(api_client, username="JohnDoe")

    # then the username is refused and no account is made
    assert response.status_code == 400
    assert _error(response)["fields"] == {"username": ["This username is taken."]}
    assert not User.objects.filter(email="john@example.test").exists()


@pytest.mark.parametrize(
    ("username", "message"),
    [
        ("jo", "A username has 3 to 30 characters."),
        ("john doe", "A username may contain only English letters, digits, “.”, “_” and “-”."),
        ("john@doe", "A username may contain only English letters, digits, “.”, “_” and “-”."),
        ("jоhn", "A username may contain only English letters, digits, “.”, “_” and “-”."),
        ("123456", "A username cannot be only digits."),
        ("Admin", "“Admin” is reserved; choose another username."),
        ("me", "A username has 3 to 30 characters."),
        ("support", "“support” is reserved; choose another username."),
    ],
)
def test_invalid_usernames_are_refused_and_nothing_is_created(api_client, username, message):
    response = _signup(api_client, username=username)

    assert response.status_code == 400
    assert _error(response)["fields"] == {"username": [message]}
    assert User.objects.count() == 0


def test_a_too_long_username_is_refused(api_client):
    response = _signup(api_client, username="a" * 31)

    assert response.status_code == 400
    assert list(_error(response)["fields"]) == ["username"]
    assert User.objects.count() == 0


def test_username_refusals_answer_in_arabic(api_client):
    UserFactory(email="first@example.test", username="johndoe")

    response = api_client.post(
        SIGNUP,
        {"email": "john@example.test", "password": PASSWORD, "username": "JOHNDOE"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="ar",
    )

    assert response.status_code == 400
    assert _error(response)["message"] == "بعض الحقول غير صالحة."
    assert _error(response)["fields"] == {"username": ["اسم المستخدم هذا مأخوذ."]}
    assert not User.objects.filter(email="john@example.test").exists()


# --- sign-in -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {"username": "JohnDoe"},
        {"username": "johndoe"},
        {"username": "john@example.test"},
        {"email": "John@Example.test"},
    ],
)
def test_sign_in_with_the_username_in_any_case_or_the_email(api_client, body):
    # given a member with a username
    user = UserFactory(email="john@example.test", username="JohnDoe")

    # when they sign in with it, or with their address under either name
    response = api_client.post(LOGIN, {**body, "password": DEFAULT_PASSWORD}, format="json")

    # then it is their account
    assert response.status_code == 200
    assert response.json()["user"]["id"] == user.pk


def test_a_wrong_password_with_a_username_is_the_same_401(api_client):
    UserFactory(email="john@example.test", username="johndoe")

    response = api_client.post(
        LOGIN, {"username": "johndoe", "password": "wrong-password-1"}, format="json"
    )

    assert response.status_code == 401
    assert _error(response)["message"] == "Incorrect e-mail address, username or password."


def test_the_failed_sign_in_lock_counts_the_account_whatever_name_is_typed(api_client, settings):
    # given a member and a limit of four failures
    settings.LOGIN_FAILURE_LIMIT = 4
    UserFactory(email="john@example.test", username="johndoe")
    names = [
        {"email": "john@example.test"},
        {"username": "JOHNDOE"},
        {"username": "John@Example.test"},
    ]

    # when wrong passwords arrive under each of its names
    statuses = [
        api_client.post(
            LOGIN, {**names[index % 3], "password": "wrong-password-1"}, format="json"
        ).status_code
        for index in range(4)
    ]

    # then the account is locked, whichever name comes next, even with the right password
    assert statuses == [401, 401, 401, 401]
    response = api_client.post(
        LOGIN, {"username": "johndoe", "password": DEFAULT_PASSWORD}, format="json"
    )
    assert response.status_code == 429


# --- changing it ---------------------------------------------------------------------------------


def test_a_member_sets_and_then_changes_their_username_once_per_cooldown(auth_client):
    # given a member without a username
    user = auth_client.user

    # when they choose one, then another
    first = auth_client.patch(PROFILE, {"username": "Rania"}, format="json")
    second = auth_client.patch(PROFILE, {"username": "rania.aziz"}, format="json")

    # then the first is kept and the second is refused until the cooldown ends
    assert first.status_code == 200
    assert first.json()["username"] == "Rania"
    assert second.status_code == 400
    until = (User.objects.get(pk=user.pk).username_changed_at + timedelta(days=30)).date()
    assert _error(second)["fields"] == {
        "username": [f"You can change your username again on {until.isoformat()}."]
    }
    assert User.objects.get(pk=user.pk).username == "Rania"


def test_the_cooldown_is_a_setting_and_ends(auth_client, settings):
    settings.ACCOUNTS_USERNAME_CHANGE_COOLDOWN_DAYS = 7
    User.objects.filter(pk=auth_client.user.pk).update(
        username="old_name", username_changed_at=timezone.now() - timedelta(days=8)
    )

    response = auth_client.patch(PROFILE, {"username": "new_name"}, format="json")

    assert response.status_code == 200
    assert User.objects.get(pk=auth_client.user.pk).username == "new_name"


def test_staff_are_exempt_from_the_cooldown(make_auth_client):
    staff = UserFactory(is_staff=True, username="mod_one", username_changed_at=timezone.now())
    client = make_auth_client(staff)

    response = client.patch(PROFILE, {"username": "mod_two"}, format="json")

    assert response.status_code == 200
    assert User.objects.get(pk=staff.pk).username == "mod_two"


def test_sending_the_same_username_again_is_no_change(auth_client):
    User.objects.filter(pk=auth_client.user.pk).update(
        username="same", username_changed_at=timezone.now()
    )

    response = auth_client.patch(PROFILE, {"username": "same"}, format="json")

    assert response.status_code == 200


def test_a_username_another_member_holds_is_refused_and_nothing_changes(auth_client):
    UserFactory(email="other@example.test", username="taken")

    response = auth_client.patch(PROFILE, {"username": "TAKEN", "bio": "hi"}, format="json")

    assert response.status_code == 400
    assert _error(response)["fields"] == {"username": ["This username is taken."]}
    user = User.objects.get(pk=auth_client.user.pk)
    assert (user.username, user.bio, user.username_changed_at) == ("", "", None)


def test_deleting_the_account_frees_the_username(auth_client, api_client):
    User.objects.filter(pk=auth_client.user.pk).update(username="leaving")

    deleted = auth_client.post(
        "/api/v1/auth/account/delete", {"password": DEFAULT_PASSWORD}, format="json"
    )
    response = _signup(api_client, username="leaving")

    assert deleted.status_code == 204
    assert response.status_code == 201
