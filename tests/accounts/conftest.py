import pytest

from tests.accounts.google_fake import CLIENT_ID, CLIENT_SECRET, FakeGoogle


@pytest.fixture
def google(settings):
    """Google's JWKS and token endpoints on loopback HTTP, configured as our Google."""
    fake = FakeGoogle().start()
    settings.GOOGLE_CLIENT_ID = CLIENT_ID
    settings.GOOGLE_CLIENT_SECRET = CLIENT_SECRET
    settings.GOOGLE_CERTS_URL = fake.certs_url
    settings.GOOGLE_TOKEN_URL = fake.token_url
    yield fake
    fake.stop()
