"""Error pages and the answer when DynamoDB does not answer."""
from django.test import Client

from portal import dynamodb_local
from portal.dynamo import registry


def test_unknown_url_gets_the_context_free_404_page():
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_unreachable_dynamodb_is_a_503_with_a_plain_message_not_a_traceback(ddb):
    registry.configure(prefix="test-", host=f"http://127.0.0.1:{dynamodb_local.free_port()}", region="us-east-1",
                       connect_timeout=0.5, max_retry_attempts=0)
    try:
        response = Client(raise_request_exception=False).post("/login/", {"email": "a@b.example", "password": "x"})
    finally:
        registry.configure(prefix="test-", host=ddb, region="us-east-1")
    assert response.status_code == 503
    assert "temporarily unavailable" in response.content.decode()
