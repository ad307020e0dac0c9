"""The inspector exists only with DEBUG on; pytest-django runs tests with DEBUG off unless told,
so these tests turn it on (the ones about DEBUG off turn it off again)."""
import pytest


@pytest.fixture(autouse=True)
def debug_on(settings):
    settings.DEBUG = True
