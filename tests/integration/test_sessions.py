"""The DynamoDB session engine."""
import hashlib
import json
from datetime import timedelta

from django.core.management import call_command

from portal.dynamo.base import dynamodb_client, utcnow
from portal.dynamo.expiring import SessionItem
from portal.sessions import SessionStore


def test_saved_session_loads_in_another_store(ddb):
    store = SessionStore()
    store["tenant"] = "t-1"
    store.save()
    assert SessionStore(store.session_key)["tenant"] == "t-1"


def test_expired_item_reads_as_absent_even_though_it_still_exists(ddb):
    store = SessionStore()
    store["x"] = 1
    store.save()
    item = SessionItem.get(SessionItem.key_for(store.session_key))
    item.expiresAt = utcnow() - timedelta(seconds=5)
    item.save()
    assert not SessionStore().exists(store.session_key)
    assert SessionStore(store.session_key).load() == {}


def test_clearsessions_deletes_expired_and_keeps_live_sessions(ddb):
    live, dead = SessionStore(), SessionStore()
    live["a"], dead["b"] = 1, 2
    live.save()
    dead.save()
    item = SessionItem.get(SessionItem.key_for(dead.session_key))
    item.expiresAt = utcnow() - timedelta(seconds=1)
    item.save()
    call_command("clearsessions")
    assert SessionStore().exists(live.session_key)
    assert SessionItem.count(SessionItem.key_for(dead.session_key)) == 0


def test_deleted_session_is_gone(ddb):
    store = SessionStore()
    store["a"] = 1
    store.save()
    store.delete()
    assert not SessionStore().exists(store.session_key)


def test_the_table_holds_a_hash_of_the_session_key_never_the_cookie_value(ddb):
    store = SessionStore()
    store["who"] = "owner@example.com"
    store.save()
    raw = dynamodb_client().scan(TableName=SessionItem.Meta.table_name, ConsistentRead=True)["Items"]
    keys = [item["pk"]["S"] for item in raw if item["pk"]["S"].startswith("SESSION#")]
    assert keys == ["SESSION#" + hashlib.sha256(store.session_key.encode()).hexdigest()]
    assert store.session_key not in json.dumps(raw)
    # The stored key is not a cookie: presenting it opens nothing; the cookie still does.
    assert SessionStore(keys[0].removeprefix("SESSION#")).load() == {}
    assert SessionStore(store.session_key)["who"] == "owner@example.com"


def test_a_session_stored_under_its_raw_key_by_an_earlier_release_no_longer_signs_in(ddb):
    encoder = SessionStore()
    cookie = "k" * 32  # what the cookie held, and what the earlier release used as the item's key
    SessionItem(pk="SESSION#" + cookie, data=encoder.encode({"who": "owner@example.com"}),
                expiresAt=utcnow() + timedelta(hours=1)).save()
    assert SessionStore(cookie).load() == {}  # its user signs in again
    assert not SessionStore().exists(cookie)
