"""Fixtures of the delivery tests: a webhook receiver on loopback, and a tenant with one
webhook destination pointing at it whose secret the receiver verifies."""
import pytest

from portal.selectors.access import access_destination
from portal.services.delivery_setup.destinations import destination_secret_reveal
from tests.factories.accounts import make_tenant
from tests.factories.delivery import Receiver, make_destination


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running


@pytest.fixture
def setup(ddb, receiver):
    tenant, user = make_tenant()
    destination = make_destination(tenant, user, url=receiver.url)
    receiver.secrets = [destination_secret_reveal(
        tenant=tenant, actor=user.email, destination=access_destination(tenant=tenant, destination_id=destination.id))]
    return tenant, user, destination
