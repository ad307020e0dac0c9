"""Fixtures of the delivery tests: a webhook receiver on loopback, and a tenant with one
webhook destination pointing at it whose secret the receiver verifies."""
import pytest

from portal.services.destinations import destination_secret_reveal
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
    receiver.secrets = [destination_secret_reveal(tenant_id=tenant.id, destination_id=destination.id, actor=user)]
    return tenant, user, destination
