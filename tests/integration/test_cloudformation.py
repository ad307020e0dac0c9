"""The CloudFormation template generated from the models: valid for cfn-lint, and tables
created from its definitions on DynamoDB Local are exactly what dynamo_migrate --check wants."""
import copy
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from portal.dynamo.operations import migrate
from portal.dynamo import registry
from portal.dynamo.base import dynamodb_client
from portal.dynamo.operations.schema import described_definition, table_definition, ttl_attribute
from portal.dynamo.operations.table_settings import TableSettings

PREFIX = "cfn-"


def _template(*args) -> dict:
    out = io.StringIO()
    call_command("dynamo_cloudformation", *args, stdout=out)
    return json.loads(out.getvalue())


def _tables(document: dict) -> dict[str, dict]:
    return {r["Properties"]["TableName"]: r["Properties"] for r in document["Resources"].values()
            if r["Type"] == "AWS::DynamoDB::Table"}


@pytest.mark.parametrize("args", [("--env", "prod"), ("--env", "staging", "--no-deletion-protection")])
def test_the_template_passes_cfn_lint(args, tmp_path):
    path = tmp_path / "template.json"
    path.write_text(json.dumps(_template(*args)))
    result = subprocess.run([str(Path(sys.executable).with_name("cfn-lint")), str(path)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


def test_prod_template_has_every_table_with_its_settings_and_least_privilege_policies():
    document = _template("--env", "prod")
    tables = _tables(document)
    assert sorted(tables) == sorted(f"formbridge-prod-{m.table_basename}" for m in registry.TABLE_MODELS)
    for props in tables.values():
        assert props["BillingMode"] == "PAY_PER_REQUEST" and props["DeletionProtectionEnabled"] is True
        assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
        assert props["SSESpecification"] == {"SSEEnabled": True}
        assert {"Key": "environment", "Value": "prod"} in props["Tags"]
    assert tables["formbridge-prod-sessions"]["TimeToLiveSpecification"] == {"AttributeName": "expiresAt", "Enabled": True}
    form_index = next(i for i in tables["formbridge-prod-submissions"]["GlobalSecondaryIndexes"] if i["IndexName"] == "FormIndex")
    assert form_index["Projection"]["ProjectionType"] == "INCLUDE" and "deliveryStatus" in form_index["Projection"]["NonKeyAttributes"]

    app = document["Resources"]["AppPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    actions = {a for s in app for a in s["Action"]}
    assert not [a for a in actions if a.endswith("*") or "CreateTable" in a or "DeleteTable" in a]
    table_ids = {r["Fn::GetAtt"][0] for r in app[0]["Resource"]}
    assert table_ids == {k for k, r in document["Resources"].items() if r["Type"] == "AWS::DynamoDB::Table"}
    release = document["Resources"]["ReleasePolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert "dynamodb:DeleteTable" not in release[0]["Action"] and "dynamodb:CreateTable" in release[0]["Action"]
    rule = document["Resources"]["FilesBucket"]["Properties"]["LifecycleConfiguration"]["Rules"][0]
    assert rule["ExpirationInDays"] == 365 and rule["Status"] == "Enabled"
    # Only the uploads expire: agency logos are stored beside that prefix, not under it.
    assert rule["Prefix"] == "files/" and not settings.BRAND_S3_PREFIX.startswith(rule["Prefix"])


def _create_from_template(props: dict) -> None:
    """What CloudFormation does with a table resource, as DynamoDB API calls."""
    client = dynamodb_client()
    args = {k: props[k] for k in ("TableName", "BillingMode", "KeySchema", "AttributeDefinitions",
                                  "GlobalSecondaryIndexes", "DeletionProtectionEnabled", "Tags") if k in props}
    args["SSESpecification"] = {"Enabled": props["SSESpecification"]["SSEEnabled"]}
    client.create_table(**args)
    if "TimeToLiveSpecification" in props:
        client.update_time_to_live(TableName=props["TableName"], TimeToLiveSpecification=props["TimeToLiveSpecification"])


@pytest.fixture
def cfn_tables(ddb):
    yield
    client = dynamodb_client()
    for name in client.list_tables()["TableNames"]:
        if name.startswith(PREFIX):
            client.update_table(TableName=name, DeletionProtectionEnabled=False)
            client.delete_table(TableName=name)
    registry.configure(prefix="test-", host=ddb, region="us-east-1")


def test_tables_created_from_the_template_are_what_dynamo_migrate_check_expects(cfn_tables, ddb):
    for props in _tables(_template("--env", "prod", "--prefix", PREFIX)).values():
        _create_from_template(props)
    registry.configure(prefix=PREFIX, host=ddb, region="us-east-1")
    # PITR: DynamoDB Local has no such API (proven on moto in tests/unit/test_table_settings_pitr.py).
    assert migrate.find_drift(TableSettings(deletion_protection=True, ttl=True)) == []
    for model in registry.TABLE_MODELS:
        wanted = table_definition(model)
        assert described_definition(migrate._describe(model), ttl_attribute(model)) == wanted


def test_a_template_that_lags_behind_the_models_is_caught(cfn_tables, ddb):
    props = _tables(_template("--env", "prod", "--prefix", PREFIX))
    stale = copy.deepcopy(props)
    stale[PREFIX + "submissions"]["GlobalSecondaryIndexes"] = [
        i for i in stale[PREFIX + "submissions"]["GlobalSecondaryIndexes"] if i["IndexName"] != "StatusIndex"]
    stale[PREFIX + "submissions"]["AttributeDefinitions"] = [
        a for a in stale[PREFIX + "submissions"]["AttributeDefinitions"] if a["AttributeName"] not in ("statusKey", "statusSort")]
    for table in stale.values():
        _create_from_template(table)
    registry.configure(prefix=PREFIX, host=ddb, region="us-east-1")
    assert [str(d) for d in migrate.find_drift(TableSettings(deletion_protection=True))] == [
        "cfn-submissions: missing index StatusIndex"]
