"""Standard Webhooks signatures: checked against the reference `standardwebhooks` library."""
from datetime import datetime, timezone

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from portal.crypto import DecryptionFailed, field_decrypt, field_encrypt, field_reencrypt
from portal.delivery.signing import secret_generate, sign, signature_headers


def test_our_signature_equals_the_reference_librarys():
    secret = secret_generate()
    body = b'{"type":"submission.created","data":{"name":"\xc3\xa9"}}'
    at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    ours = sign(secret=secret, msg_id="msg_1", timestamp=int(at.timestamp()), body=body)
    assert ours == Webhook(secret).sign("msg_1", at, body.decode())


def test_secrets_are_whsec_prefixed_random_keys():
    first, second = secret_generate(), secret_generate()
    assert first.startswith("whsec_") and first != second


def test_headers_with_two_secrets_verify_under_either_and_not_under_a_third():
    old, new = secret_generate(), secret_generate()
    now = int(datetime.now(timezone.utc).timestamp())
    body = b'{"ok":true}'
    headers = signature_headers(secrets_=[new, old], msg_id="msg_2", timestamp=now, body=body)
    assert headers["webhook-id"] == "msg_2" and headers["webhook-timestamp"] == str(now)
    assert len(headers["webhook-signature"].split(" ")) == 2
    assert Webhook(old).verify(body, headers) == {"ok": True}
    assert Webhook(new).verify(body, headers) == {"ok": True}
    with pytest.raises(WebhookVerificationError):
        Webhook(secret_generate()).verify(body, headers)


def test_a_changed_body_fails_verification():
    secret = secret_generate()
    now = int(datetime.now(timezone.utc).timestamp())
    headers = signature_headers(secrets_=[secret], msg_id="m", timestamp=now, body=b'{"a":1}')
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(b'{"a":2}', headers)


def test_encrypted_secrets_survive_a_key_rotation(settings):
    from cryptography.fernet import Fernet

    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [old_key]
    token = field_encrypt("whsec_abc")
    assert "whsec_abc" not in token
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    assert field_decrypt(token) == "whsec_abc"
    rotated = field_reencrypt(token)
    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    assert field_decrypt(rotated) == "whsec_abc"
    with pytest.raises(DecryptionFailed):
        field_decrypt(token)
