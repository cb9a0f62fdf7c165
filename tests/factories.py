"""factory_boy factories for test data; every test builds what it needs from these."""

import factory
from faker import Faker

from accounts.models import User

# Strong enough for every password validator, so factories never trip them.
PASSWORD = "correct-horse-battery-42"
fake = Faker("en_IN")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    full_name = factory.LazyFunction(fake.name)
    role = User.Role.PATIENT
    password = PASSWORD

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # Through the manager, so the password is hashed and the email normalised
        # exactly as for a real account.
        return model_class.objects.create_user(*args, **kwargs)


class PatientFactory(UserFactory):
    email = factory.Sequence(lambda n: f"patient{n}@example.com")


class DoctorFactory(UserFactory):
    role = User.Role.DOCTOR
    email = factory.Sequence(lambda n: f"doctor{n}@example.com")
    full_name = factory.LazyFunction(lambda: f"Dr. {fake.name()}")


class AdminFactory(UserFactory):
    role = User.Role.ADMIN
    is_superuser = True
    email = factory.Sequence(lambda n: f"admin{n}@example.com")
