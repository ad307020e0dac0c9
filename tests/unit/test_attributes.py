import base64
import os
from decimal import Decimal

import pytest

from portal.dynamo.base import DecimalAttribute
from portal.dynamo.submissions import Submission


def test_decimal_attribute_round_trips_exactly_and_refuses_floats():
    attr = DecimalAttribute()
    assert attr.deserialize(attr.serialize(Decimal("19.99"))) == Decimal("19.99")
    with pytest.raises(TypeError):
        attr.serialize(19.99)


def _submission(fields):
    sub = Submission(tenantId="t", id="01J", formId="contact")
    sub.set_payload(fields=fields, meta={"page_url": "https://a.example/contact"})
    return sub


def test_large_text_payload_is_compressed_and_decoded_transparently():
    fields = {"message": "Hello, I would like a quote for a new website. " * 60, "name": "Ada"}
    sub = _submission(fields)
    assert sub.payloadGz is not None and sub.payload is None
    assert sub.fields == fields
    assert sub.meta["page_url"] == "https://a.example/contact"


def test_small_payload_is_stored_plain():
    sub = _submission({"name": "Ada"})
    assert sub.payload is not None and sub.payloadGz is None
    assert sub.fields == {"name": "Ada"}


def test_incompressible_payload_stays_plain():
    blob = base64.b64encode(os.urandom(1500)).decode()  # gzip saves only ~25% on this
    sub = _submission({"blob": blob})
    assert sub.payloadGz is None
    assert sub.fields == {"blob": blob}
