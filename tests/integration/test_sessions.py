"""The DynamoDB session engine."""
from datetime import timedelta

from django.core.management import call_command

from portal.dynamo.base import utcnow
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
