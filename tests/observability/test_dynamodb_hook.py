"""The botocore hook on the models' sessions counts DynamoDB calls by operation and outcome
and every throttled answer, retried or not, against a loopback server playing DynamoDB."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from pynamodb.connection import Connection
from botocore.exceptions import ClientError

from portal import dynamodb_local
from portal.observability.metrics import REGISTRY

THROTTLED = {"__type": "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
             "message": "Slow down"}


@pytest.fixture
def throttling_dynamodb():
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            body = json.dumps(THROTTLED).encode()
            self.send_response(400)
            self.send_header("Content-Type", "application/x-amz-json-1.0")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _value(name, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def _connection(host: str) -> Connection:
    # A PynamoDB connection like the models' (its session comes from the same factory).
    return Connection(host=host, region="us-east-1", max_retry_attempts=1, connect_timeout_seconds=1,
                      aws_access_key_id="local", aws_secret_access_key="local")


def test_every_throttled_answer_counts_and_the_call_counts_once_as_an_error(throttling_dynamodb):
    throttles = _value("formbridge_dynamodb_throttles_total", operation="GetItem")
    errors = _value("formbridge_dynamodb_requests_total", operation="GetItem", outcome="error")
    with pytest.raises(ClientError):
        _connection(throttling_dynamodb).dispatch("GetItem", {"TableName": "t", "Key": {"pk": {"S": "x"}}})
    assert _value("formbridge_dynamodb_throttles_total", operation="GetItem") - throttles == 2  # first try + 1 retry
    assert _value("formbridge_dynamodb_requests_total", operation="GetItem", outcome="error") - errors == 1


def test_an_unreachable_endpoint_counts_as_unreachable():
    port = dynamodb_local.free_port()
    before = _value("formbridge_dynamodb_requests_total", operation="GetItem", outcome="unreachable")
    with pytest.raises(Exception):
        _connection(f"http://127.0.0.1:{port}").dispatch("GetItem", {"TableName": "t", "Key": {"pk": {"S": "x"}}})
    assert _value("formbridge_dynamodb_requests_total", operation="GetItem", outcome="unreachable") - before == 1


def test_successful_model_calls_count_as_ok(moto_ddb):
    from portal.dynamo.products import Product

    before = _value("formbridge_dynamodb_requests_total", operation="GetItem", outcome="ok")
    assert Product.by_id("nope") is None
    assert _value("formbridge_dynamodb_requests_total", operation="GetItem", outcome="ok") - before == 1
