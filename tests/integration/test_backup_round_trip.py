"""dynamo_export / dynamo_import on DynamoDB Local: every table out and back under another
prefix, item for item; resuming an interrupted export; refusing to restore over data or from a
damaged backup."""
import gzip
import json
import random
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from portal.dynamo import registry
from portal.dynamo.operations.backup import BackupError, export_tables
from portal.dynamo.base import dynamodb_client
from portal.services.accounts.api_tokens import SUBMISSIONS_READ, api_token_create
from portal.services.delivery_setup.notices import QUOTA_WARNING, notice_raise
from portal.sessions import SessionStore
from tests.factories.accounts import make_campaign, make_checkout, make_product, make_tenant
from tests.factories.delivery import make_destination, make_submission_with_deliveries
from tests.factories.ingest import make_key

RESTORED = "restored-"


def _scan_all(table_name: str) -> list[dict]:
    client, items, kwargs = dynamodb_client(), [], {"TableName": table_name, "ConsistentRead": True}
    while True:
        page = client.scan(**kwargs)
        items.extend(page.get("Items", []))
        if "LastEvaluatedKey" not in page:
            return sorted(items, key=repr)
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _snapshot(prefix: str) -> dict[str, list[dict]]:
    return {m.table_basename: _scan_all(prefix + m.table_basename) for m in registry.TABLE_MODELS}


def _seed_every_table():
    """Data in all 15 tables through the services, with the awkward types a backup must keep."""
    product = make_product(price=Decimal("19.99"), retention_days=30)  # Decimal price, TTL on submissions
    tenant, user = make_tenant(product=product)
    make_campaign(product=product)
    make_checkout()  # an order
    make_key(tenant)  # a site and an API key
    make_destination(tenant, user)
    words = " ".join(random.Random(7).choice(["form", "bridge", "agency", "lead", "quote"]) for _ in range(900))
    make_submission_with_deliveries(tenant, fields={"message": words, "email": "big@example.com"})  # compressed payload
    make_submission_with_deliveries(tenant)  # small, uncompressed; deliveries; day metrics
    api_token_create(tenant=tenant, actor="tests", label="backup", scopes=[SUBMISSIONS_READ])  # api_tokens
    notice_raise(tenant=tenant, kind=QUOTA_WARNING, event_key="2030-01", data={"quota": 10, "used": 8})  # notices
    session = SessionStore()
    session["who"] = user.email
    session.save()
    # Sets and odd numbers no model writes today, still kept byte for byte.
    dynamodb_client().put_item(TableName="test-audit", Item={
        "pk": {"S": "AUDIT#STAFF"}, "sk": {"S": "2030-01-01T00:00:00#set-test"},
        "tags": {"SS": ["a", "b"]}, "scores": {"NS": ["1.5", "-0", "123456789012345678901234567890"]},
        "blobs": {"BS": [b"\x00\xff", b"\x01"]}, "nested": {"M": {"l": {"L": [{"B": b"\x9c"}, {"NULL": True}]}}},
    })


def _drop(prefix: str) -> None:
    client = dynamodb_client()
    for name in client.list_tables()["TableNames"]:
        if name.startswith(prefix):
            client.delete_table(TableName=name)


@pytest.fixture
def restored(ddb):
    yield RESTORED
    _drop(RESTORED)


def test_every_table_round_trips_item_for_item(restored, tmp_path, capsys):
    _seed_every_table()
    before = _snapshot("test-")
    assert all(before.values()), [name for name, items in before.items() if not items]
    raw = [item for item in before["submissions"] if "payloadZ" in item]
    assert raw and isinstance(raw[0]["payloadZ"]["B"], bytes)
    assert any("version" in item for item in before["tenants"]) and any("ttl" in item for item in before["submissions"])

    call_command("dynamo_export", str(tmp_path / "bk"), "--segments", "3", "--include-ephemeral")
    manifest = json.loads((tmp_path / "bk" / "manifest.json").read_text())
    assert {name: entry["items"] for name, entry in manifest["tables"].items()} == {n: len(i) for n, i in before.items()}
    assert manifest["tables"]["submissions"]["schema"]["KeySchema"][0] == {"AttributeName": "pk", "KeyType": "HASH"}
    assert all(len(f["sha256"]) == 64 for e in manifest["tables"].values() for f in e["files"])
    first_line = gzip.open(tmp_path / "bk" / manifest["tables"]["submissions"]["files"][0]["path"], "rt").readline()
    assert first_line == "" or "Item" in json.loads(first_line)

    call_command("dynamo_import", str(tmp_path / "bk"), "--prefix", RESTORED)
    assert _snapshot(RESTORED) == before
    assert "Done: %d items restored" % sum(map(len, before.values())) in capsys.readouterr().out
    ttl = dynamodb_client().describe_time_to_live(TableName=RESTORED + "submissions")["TimeToLiveDescription"]
    assert ttl["AttributeName"] == "ttl"


def test_an_interrupted_export_resumes_without_losing_or_repeating_items(restored, tmp_path):
    client = dynamodb_client()
    for n in range(120):
        client.put_item(TableName="test-audit", Item={"pk": {"S": "AUDIT#STAFF"}, "sk": {"S": f"{n:04d}"},
                                                      "n": {"N": str(n)}})
    calls = []

    def crash_after_a_few_pages(table, n):
        calls.append(n)
        if len(calls) == 4:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        export_tables(tmp_path / "bk", tables=["audit"], segments=2, parallel=1, page_size=10,
                      progress=crash_after_a_few_pages)
    assert not (tmp_path / "bk" / "manifest.json").exists()
    # A page written after the last recorded position (a crash between the two) is cut off.
    with open(tmp_path / "bk" / "audit" / "segment-000.jsonl.gz", "ab") as f:
        f.write(gzip.compress(b'{"Item": {"pk": {"S": "AUDIT#STAFF"}, "sk": {"S": "0000"}}}\n'))

    manifest = export_tables(tmp_path / "bk", tables=["audit"], segments=2, parallel=2, page_size=10)
    assert manifest["tables"]["audit"]["items"] == 120
    call_command("dynamo_import", str(tmp_path / "bk"), "--prefix", RESTORED)
    assert _scan_all(RESTORED + "audit") == _scan_all("test-audit")


def test_restore_refuses_live_tables_and_damaged_files_before_writing(restored, tmp_path):
    make_tenant()
    call_command("dynamo_export", str(tmp_path / "bk"), "--table", "tenants", "--table", "users")
    with pytest.raises(CommandError, match="test-tenants exists"):
        call_command("dynamo_import", str(tmp_path / "bk"), "--prefix", "test-")
    with pytest.raises(CommandError, match="test-tenants holds data"):
        call_command("dynamo_import", str(tmp_path / "bk"), "--prefix", "test-", "--into-existing")

    damaged = tmp_path / "bk" / "users" / "segment-001.jsonl.gz"
    damaged.write_bytes(damaged.read_bytes() + b"\x00")
    with pytest.raises(CommandError, match="segment-001.jsonl.gz: SHA-256 differs"):
        call_command("dynamo_import", str(tmp_path / "bk"), "--prefix", RESTORED)
    assert not [n for n in dynamodb_client().list_tables()["TableNames"] if n.startswith(RESTORED)]


def test_restore_into_existing_empty_tables_is_allowed(restored, tmp_path):
    make_tenant()
    call_command("dynamo_export", str(tmp_path / "bk"), "--table", "products")
    call_command("dynamo_import", str(tmp_path / "bk"), "--prefix", RESTORED)
    for item in _scan_all(RESTORED + "products"):  # emptied, but the table stays
        dynamodb_client().delete_item(TableName=RESTORED + "products", Key={k: item[k] for k in ("pk", "sk")})
    call_command("dynamo_import", str(tmp_path / "bk"), "--prefix", RESTORED, "--into-existing")
    assert _scan_all(RESTORED + "products") == _scan_all("test-products")


def test_export_refuses_a_directory_holding_something_else(ddb, tmp_path):
    (tmp_path / "bk").mkdir()
    (tmp_path / "bk" / "notes.txt").write_text("mine")
    with pytest.raises(BackupError, match="not empty"):
        export_tables(tmp_path / "bk", tables=["tenants"])
    with pytest.raises(BackupError, match="unknown table"):
        export_tables(tmp_path / "other", tables=["nope"])


def test_a_default_export_leaves_live_sessions_out_and_is_readable_by_its_owner_only(restored, tmp_path, capsys):
    _seed_every_table()
    cookie = SessionStore()
    cookie["who"] = "staff@example.com"
    cookie.save()
    dynamodb_client().put_item(TableName="test-sessions", Item={  # as an earlier release stored sessions
        "pk": {"S": "SESSION#" + "r" * 32}, "data": {"S": "x"}, "expiresAt": {"N": "4102444800"}})
    assert _scan_all("test-sessions")

    call_command("dynamo_export", str(tmp_path / "bk"), "--segments", "2")
    manifest = json.loads((tmp_path / "bk" / "manifest.json").read_text())
    assert manifest["tables"]["sessions"]["items"] == 0 and manifest["tables"]["sessions"]["files"] == []
    assert manifest["tables"]["sessions"]["items_left_out"] == "ephemeral"
    assert manifest["tables"]["users"]["items"] > 0  # the rest is there
    everything = b"".join(gzip.open(path).read() for path in (tmp_path / "bk").rglob("*.jsonl.gz"))
    assert b"SESSION#" not in everything and cookie.session_key.encode() not in everything
    assert "left out" in capsys.readouterr().out

    folders = [tmp_path / "bk", *[p for p in (tmp_path / "bk").rglob("*") if p.is_dir()]]
    files = [p for p in (tmp_path / "bk").rglob("*") if p.is_file()]
    assert files and {oct(p.stat().st_mode & 0o777) for p in files} == {"0o600"}
    assert {oct(p.stat().st_mode & 0o777) for p in folders} == {"0o700"}

    call_command("dynamo_import", str(tmp_path / "bk"), "--prefix", RESTORED)
    assert _scan_all(RESTORED + "sessions") == []  # created, empty: the restored service starts
    assert _scan_all(RESTORED + "users") == _scan_all("test-users")
