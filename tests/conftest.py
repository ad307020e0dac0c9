"""Shared fixtures: moto for fast unit tests, DynamoDB Local over HTTP for integration tests."""
from __future__ import annotations

import os

import pytest

os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

from portal import dynamodb_local  # noqa: E402
from portal.dynamo.operations import migrate  # noqa: E402
from portal.dynamo import registry
from portal.dynamo.connection import metering  # noqa: E402
from portal.services.ingest import cache as ingest_cache, counters as ingest_counters  # noqa: E402
from portal.services.delivery_setup import notices
from portal.services.reports import sending as report_sending

REGION = "us-east-1"
INTEGRATION_PREFIX = "test-"

# gunicorn and Chromium for tests/browser and tests/wordpress: one definition, one instance per process.
pytest_plugins = ["tests.live_server"]


def _quiet(_line: str) -> None:
    pass


@pytest.fixture(scope="module")
def _moto_tables():
    """All tables in moto's in-process mock, once per test module (models must have no host
    for moto to see them)."""
    from moto import mock_aws

    with mock_aws():
        registry.configure(prefix="unit-", host=None, region=REGION)
        migrate.apply(log=_quiet)
        yield


@pytest.fixture
def moto_ddb(_moto_tables):
    """Empty moto tables for one fast unit test."""
    registry.configure(prefix="unit-", host=None, region=REGION)
    clear_tables()
    yield


@pytest.fixture(scope="session")
def dynamodb_endpoint():
    """A DynamoDB Local -inMemory on a free port for this test process (one per xdist worker)."""
    port = dynamodb_local.free_port()
    process = dynamodb_local.start(port=port)
    yield f"http://127.0.0.1:{port}"
    dynamodb_local.stop(process)


@pytest.fixture(scope="session")
def _integration_tables(dynamodb_endpoint):
    registry.configure(prefix=INTEGRATION_PREFIX, host=dynamodb_endpoint, region=REGION)
    migrate.apply(log=_quiet)
    return dynamodb_endpoint


def clear_tables() -> None:
    """Empty every table (cheaper than recreating 15 tables with their indexes per test), and
    the ingest edge's in-process caches of what was in them."""
    ingest_cache.clear()
    ingest_counters.reset()
    notices.reset()
    report_sending.reset()
    metering.reset()
    for model in registry.TABLE_MODELS:
        client = model._get_connection().connection.client
        key_names = [k["AttributeName"] for k in model._get_schema()["key_schema"]]
        projection = ", ".join(f"#k{i}" for i in range(len(key_names)))
        names = {f"#k{i}": name for i, name in enumerate(key_names)}
        kwargs = {"TableName": model.Meta.table_name, "ProjectionExpression": projection, "ExpressionAttributeNames": names}
        while True:
            page = client.scan(**kwargs)
            items = page.get("Items", [])
            for start in range(0, len(items), 25):
                client.batch_write_item(RequestItems={model.Meta.table_name: [
                    {"DeleteRequest": {"Key": item}} for item in items[start:start + 25]
                ]})
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


@pytest.fixture
def ddb(_integration_tables):
    """Empty tables on DynamoDB Local for one test."""
    registry.configure(prefix=INTEGRATION_PREFIX, host=_integration_tables, region=REGION)
    clear_tables()
    yield _integration_tables


_STARTED = []


def pytest_sessionstart(session):
    import time

    _STARTED.append(time.time())


def pytest_terminal_summary(terminalreporter):
    """Where the role walks (tests/browser/walk.py) put their screenshots, when this run made some."""
    from tests.browser.walk import SCREENSHOT_ROOT

    started = _STARTED[0] if _STARTED else 0
    if not SCREENSHOT_ROOT.is_dir():
        return
    fresh = sorted({p.parent.name for p in SCREENSHOT_ROOT.glob("*/*.png") if p.stat().st_mtime >= started})
    if fresh:
        terminalreporter.write_line(f"Role walk screenshots (1280 and 390 px): {SCREENSHOT_ROOT}/ "
                                    f"({', '.join(fresh)})")
