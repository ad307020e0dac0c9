"""The inspector's storage and signature check, fast on moto: a bounded ring per tenant with
a TTL, scoped to the tenant; the verifier agrees with an independent Standard Webhooks library
for any body, and refuses any change to it."""
from datetime import datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings as hsettings, strategies as st
from standardwebhooks import Webhook

from portal.delivery.signing import secret_generate
from portal.dynamo import inspector as table
from portal.dynamo.base import utcnow
from portal.dynamo.inspector import InspectorRequest
from portal.services.delivery_setup.inspector import signature_check

SECRET = secret_generate()
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)


def _record(tenant_id: str, n: int, at=None):
    return InspectorRequest.record(tenant_id=tenant_id, received_at=at or utcnow(), headers={"N": str(n)},
                                   body=f"body {n}", body_bytes=6, signature="valid", detail="", destination_id=None)


def test_the_ring_keeps_the_last_requests_and_no_more(moto_ddb, monkeypatch):
    monkeypatch.setattr(table, "KEEP", 5)
    for n in range(1, 13):
        _record("tenant-a", n)
    kept = InspectorRequest.latest("tenant-a")
    assert [r.seq for r in kept] == [12, 11, 10, 9, 8]
    items = list(InspectorRequest._unscoped_scan(InspectorRequest.pk.startswith("INSPECTOR#tenant-a#")))
    assert len(items) == 5 + 1  # five slots and the sequence item, whatever the traffic


def test_every_item_expires_and_expired_ones_are_not_shown(moto_ddb):
    old = _record("tenant-a", 1, at=utcnow() - table.TTL - timedelta(minutes=1))
    fresh = _record("tenant-a", 2)
    assert abs(fresh.expiresAt - (fresh.receivedAt + table.TTL)) < timedelta(seconds=1) and old.expiresAt < utcnow()
    assert [r.seq for r in InspectorRequest.latest("tenant-a")] == [2]


def test_a_tenant_reads_only_its_own_inspector(moto_ddb):
    _record("tenant-a", 1)
    assert InspectorRequest.latest("tenant-b") == []


def _library_headers(body: bytes, at: datetime, msg_id: str = "msg_1") -> dict:
    signature = Webhook(SECRET).sign(msg_id, at, body.decode("utf-8", errors="surrogateescape"))
    return {"webhook-id": msg_id, "webhook-timestamp": str(int(at.timestamp())), "webhook-signature": signature}


@hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(max_size=300), flip=st.integers(min_value=0))
def test_agrees_with_the_standard_webhooks_library_and_refuses_any_change(text, flip):
    body = text.encode()
    headers = _library_headers(body, NOW)
    assert signature_check(headers=headers, body=body, secrets_=[SECRET], now=NOW)[0] == 0
    changed = bytearray(body or b"x")
    changed[flip % len(changed)] ^= 0x01
    if bytes(changed) != body:
        assert signature_check(headers=headers, body=bytes(changed), secrets_=[SECRET], now=NOW)[0] is None


@given(headers=st.dictionaries(st.sampled_from(["webhook-id", "webhook-timestamp", "webhook-signature", "x"]),
                               st.text(max_size=80)), body=st.binary(max_size=200))
def test_never_raises_on_arbitrary_headers(headers, body):
    index, detail = signature_check(headers=headers, body=body, secrets_=[SECRET, "whsec_!!notbase64"], now=NOW)
    assert index is None and detail


def test_old_timestamps_a_rotated_secret_and_no_secret():
    body = b"{}"
    assert signature_check(headers=_library_headers(body, NOW - timedelta(minutes=6)), body=body,
                           secrets_=[SECRET], now=NOW)[0] is None
    assert signature_check(headers=_library_headers(body, NOW), body=body, secrets_=[secret_generate(), SECRET],
                           now=NOW)[0] == 1
    assert "no destination" in signature_check(headers=_library_headers(body, NOW), body=body, secrets_=[], now=NOW)[1]


HEADER_VALUE = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=60)


@hsettings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.binary(max_size=500), signature=HEADER_VALUE, timestamp=HEADER_VALUE,
       content_type=st.sampled_from(["application/json", "text/plain", "application/octet-stream"]))
def test_the_public_receiver_answers_200_or_401_to_anything(moto_ddb, settings, body, signature, timestamp,
                                                            content_type):
    from django.test import Client

    from portal.services.delivery_setup.inspector import inspector_token

    settings.DEBUG = True
    path = f"/dev/inspector/{inspector_token(tenant_id='tenant-fuzz')}/"
    response = Client().post(path, body, content_type=content_type, HTTP_WEBHOOK_ID="msg",
                             HTTP_WEBHOOK_TIMESTAMP=timestamp, HTTP_WEBHOOK_SIGNATURE=signature)
    assert response.status_code == 401 and response.json()["signature"] == "invalid"
    assert len(InspectorRequest.latest("tenant-fuzz")) <= table.KEEP
