import factory

from accounts.models import User
from accounts.roles import Role

DEFAULT_PASSWORD = "correct-horse-battery-staple"  # noqa: S105


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


def user_with_role(role: Role, **fields) -> User:
    """A user holding ``role`` the way the platform assigns it (services.user_role_set)."""
    from accounts.services import user_role_set

    return user_role_set(user=UserFactory(**fields), role=role)
