"""dynamo_migrate against DynamoDB Local: idempotent, --check reports drift and changes nothing."""
import time

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from portal import dynamodb_local
from portal.dynamo.operations import migrate
from portal.dynamo import registry
from portal.dynamo.sites import Site
from portal.dynamo.submissions import Submission


@pytest.fixture(scope="module")
def own_dynamodb():
    """A DynamoDB Local of this module's own. On the suite's, the test- tables and a second
    prefix together have 8 tables with TTL: DynamoDB Local's background pool would then never
    run an index change (see portal.dynamo.operations.migrate)."""
    port = dynamodb_local.free_port()
    process = dynamodb_local.start(port=port)
    yield f"http://127.0.0.1:{port}"
    dynamodb_local.stop(process)


@pytest.fixture
def scratch_prefix(ddb, own_dynamodb):
    """A fresh prefix on a DynamoDB Local of its own, dropped afterwards."""
    registry.configure(prefix="scratch-", host=own_dynamodb, region="us-east-1")
    yield "scratch-"
    for model in registry.TABLE_MODELS:
        if migrate._describe(model) is not None:
            model.delete_table()
    registry.configure(prefix="test-", host=ddb, region="us-east-1")


def test_check_fails_on_an_empty_prefix_and_creates_nothing(scratch_prefix, capsys):
    with pytest.raises(CommandError, match="16 difference"):
        call_command("dynamo_migrate", "--check")
    assert "scratch-tenants: missing table" in capsys.readouterr().err
    assert all(migrate._describe(model) is None for model in registry.TABLE_MODELS)


def test_apply_creates_everything_then_a_second_run_changes_nothing(scratch_prefix):
    first = migrate.apply(log=lambda line: None)
    assert "created table scratch-submissions" in first
    assert "enabled TTL on scratch-sessions.expiresAt" in first or migrate.find_drift() == []
    assert migrate.apply(log=lambda line: None) == []
    call_command("dynamo_migrate", "--check")  # exits 0: no CommandError


def test_a_missing_index_is_reported_then_added(scratch_prefix):
    migrate.apply(log=lambda line: None)
    client = Site._get_connection().connection.client
    client.update_table(TableName="scratch-sites", GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "TenantSitesIndex"}}])
    # deletion is asynchronous: wait until this index is gone (the table keeps SiteIdIndex)
    _until(lambda: "TenantSitesIndex" not in migrate._existing_indexes(migrate._describe(Site)))
    assert [str(d) for d in migrate.find_drift()] == ["scratch-sites: missing index TenantSitesIndex"]
    assert migrate.apply(log=lambda line: None) == ["created index TenantSitesIndex on scratch-sites"]
    assert migrate.find_drift() == []


def _until(check):
    for _ in range(200):  # DynamoDB Local adds and drops indexes asynchronously
        if check():
            return
        time.sleep(0.05)
    raise AssertionError("DynamoDB Local did not get there")


def test_an_index_with_an_old_projection_is_reported_then_rebuilt_with_the_models(scratch_prefix, capsys):
    migrate.apply(log=lambda line: None)
    client = Submission._get_connection().connection.client
    index = next(i for i in Submission._get_schema()["global_secondary_indexes"] if i["index_name"] == "FormIndex")
    client.update_table(TableName="scratch-submissions", GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "FormIndex"}}])
    _until(lambda: "FormIndex" not in migrate._existing_indexes(migrate._describe(Submission)))
    client.update_table(TableName="scratch-submissions", AttributeDefinitions=index["attribute_definitions"],
                        GlobalSecondaryIndexUpdates=[{"Create": {
                            "IndexName": "FormIndex", "Projection": {"ProjectionType": "ALL"},
                            "KeySchema": sorted(index["key_schema"], key=lambda k: k["KeyType"] != "HASH")}}])
    _until(lambda: migrate._index_status(Submission, "FormIndex") == "ACTIVE")
    wanted = "INCLUDE[deliveryStatus, formId, id, siteId, spam, tenantId, ttl]"

    with pytest.raises(CommandError, match="1 difference"):
        call_command("dynamo_migrate", "--check")
    assert f"scratch-submissions: index FormIndex projection differs: ALL vs {wanted}" in capsys.readouterr().err
    assert migrate.apply(log=lambda line: None, rebuild_indexes=True) == [
        f"rebuilt index FormIndex on scratch-submissions: projection ALL -> {wanted}"]
    assert migrate.find_drift() == []
    gsi = migrate._existing_indexes(migrate._describe(Submission))["FormIndex"]
    assert migrate.projection_text(gsi["Projection"]) == wanted and gsi.get("IndexStatus", "ACTIVE") == "ACTIVE"


def test_every_table_of_the_design_exists_with_its_indexes(ddb):
    expected = {
        "tenants": {"EmailIndex", "TenantStatusIndex", "ActiveIndex"},
        "products": {"ProductActiveIndex", "ActiveIndex"},
        "campaigns": {"CampaignActiveIndex", "CampaignProductIndex", "ActiveIndex"},
        "orders": set(), "users": {"TenantUsersIndex"}, "sites": {"TenantSitesIndex", "SiteIdIndex"},
        "api_keys": {"TenantKeysIndex"}, "destinations": set(),
        "submissions": {"FormIndex", "StatusIndex", "EmailIndex", "LeadIndex", "AssigneeIndex"},
        "deliveries": {"DueIndex", "DestinationIndex"}, "metrics": {"GSI1"}, "costs": {"MonthCostIndex"},
        "audit": set(), "sessions": set(), "api_tokens": {"TenantTokensIndex"}, "notices": {"NoticeDueIndex"},
    }
    found = {}
    for model in registry.TABLE_MODELS:
        table = migrate._describe(model)
        assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
        found[model.table_basename] = {g["IndexName"] for g in table.get("GlobalSecondaryIndexes", [])}
    assert found == expected


def test_a_projection_change_is_reported_and_the_index_kept_unless_a_rebuild_is_asked_for(scratch_prefix, capsys):
    migrate.apply(log=lambda line: None)
    client = Submission._get_connection().connection.client
    index = next(i for i in Submission._get_schema()["global_secondary_indexes"] if i["index_name"] == "FormIndex")
    client.update_table(TableName="scratch-submissions", GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "FormIndex"}}])
    _until(lambda: "FormIndex" not in migrate._existing_indexes(migrate._describe(Submission)))
    client.update_table(TableName="scratch-submissions", AttributeDefinitions=index["attribute_definitions"],
                        GlobalSecondaryIndexUpdates=[{"Create": {
                            "IndexName": "FormIndex", "Projection": {"ProjectionType": "ALL"},
                            "KeySchema": sorted(index["key_schema"], key=lambda k: k["KeyType"] != "HASH")}}])
    _until(lambda: migrate._index_status(Submission, "FormIndex") == "ACTIVE")

    call_command("dynamo_migrate")  # the release step
    out = capsys.readouterr().out
    assert "NOT rebuilt: index FormIndex on scratch-submissions projection differs: ALL vs" in out
    assert "--rebuild-indexes" in out
    gsi = migrate._existing_indexes(migrate._describe(Submission))["FormIndex"]
    assert migrate.projection_text(gsi["Projection"]) == "ALL" and gsi.get("IndexStatus", "ACTIVE") == "ACTIVE"
    call_command("dynamo_migrate", "--rebuild-indexes")
    assert "rebuilt index FormIndex" in capsys.readouterr().out
    assert migrate.find_drift() == []


def test_an_index_no_model_declares_is_reported_and_dropped_only_when_asked(scratch_prefix, capsys):
    """The deliveries table of an older release still has TenantDeliveryIndex (read by nothing)."""
    from portal.dynamo.deliveries import Delivery

    migrate.apply(log=lambda line: None)
    client = Delivery._get_connection().connection.client
    client.update_table(TableName="scratch-deliveries", AttributeDefinitions=[
        {"AttributeName": "tenantKey", "AttributeType": "S"}, {"AttributeName": "tenantStatusSort", "AttributeType": "S"}],
        GlobalSecondaryIndexUpdates=[{"Create": {
            "IndexName": "TenantDeliveryIndex", "Projection": {"ProjectionType": "ALL"},
            "KeySchema": [{"AttributeName": "tenantKey", "KeyType": "HASH"},
                          {"AttributeName": "tenantStatusSort", "KeyType": "RANGE"}]}}])
    _until(lambda: migrate._index_status(Delivery, "TenantDeliveryIndex") == "ACTIVE")
    assert [str(d) for d in migrate.find_drift()] == [
        "scratch-deliveries: index TenantDeliveryIndex is not in the model (nothing reads it)"]
    call_command("dynamo_migrate")  # the release step keeps it
    assert "NOT dropped: index TenantDeliveryIndex on scratch-deliveries" in capsys.readouterr().out
    assert "TenantDeliveryIndex" in migrate._existing_indexes(migrate._describe(Delivery))
    assert migrate.apply(log=lambda line: None, drop_unused_indexes=True) == [
        "deleted index TenantDeliveryIndex on scratch-deliveries (not in the model)"]
    assert migrate.find_drift() == []
    assert set(migrate._existing_indexes(migrate._describe(Delivery))) == {"DueIndex", "DestinationIndex"}

