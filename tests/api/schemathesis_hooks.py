"""Hooks for the schemathesis CLI run in test_openapi_contract.py (loaded with `hooks =` in its
config). The generator repeats small values, and an Idempotency-Key sent again with another
body is refused by design (422 idempotency-key-reused), which a schema cannot say; so every
well-formed key becomes a fresh one. Keys the generator made malformed on purpose stay."""
import uuid

import schemathesis

HEADER = "Idempotency-Key"


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    headers = case.headers or {}
    key = headers.get(HEADER)
    if isinstance(key, str) and 1 <= len(key) <= 255 and key.strip() == key and key.isprintable():
        headers[HEADER] = str(uuid.uuid4())
