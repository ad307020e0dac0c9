"""Workers divide the due queue: the lease board's rule (pure, with Hypothesis), the leases
on DynamoDB Local (a dead worker's shards pass on within the lease time), and workers that
join and die mid-run delivering every row exactly once."""
from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings as hsettings, strategies as st

from portal.delivery import worker
from portal.delivery.shares import ShardShare, board_turn, fair_count, held_by
from portal.dynamo.deliveries import DUE_SHARDS
from tests.factories.delivery import delivery_row, make_submission_with_deliveries

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


def _owners(board: dict, now: datetime) -> Counter:
    return Counter(owner for owner, until in board["shards"].values() if datetime.fromisoformat(until) > now)


def test_a_worker_alone_takes_every_shard_and_a_second_gets_half_within_two_turns():
    board = board_turn({}, worker_id="a", now=T0, until=T0 + timedelta(seconds=15))
    assert held_by(board, "a") == frozenset(range(DUE_SHARDS))
    now = T0 + timedelta(seconds=5)
    board = board_turn(board, worker_id="b", now=now, until=now + timedelta(seconds=15))
    assert held_by(board, "b") == frozenset()  # a still holds them all: b takes none of a's leases
    board = board_turn(board, worker_id="a", now=now, until=now + timedelta(seconds=15))
    assert len(held_by(board, "a")) == DUE_SHARDS // 2  # a gives back what is over its share
    board = board_turn(board, worker_id="b", now=now, until=now + timedelta(seconds=15))
    assert held_by(board, "a").isdisjoint(held_by(board, "b"))
    assert held_by(board, "a") | held_by(board, "b") == frozenset(range(DUE_SHARDS))


def test_a_dead_workers_shards_pass_on_only_after_its_lease_ran_out():
    board = board_turn({}, worker_id="a", now=T0, until=T0 + timedelta(seconds=15))
    board = board_turn(board, worker_id="b", now=T0, until=T0 + timedelta(seconds=15))
    board = board_turn(board, worker_id="a", now=T0, until=T0 + timedelta(seconds=15))
    board = board_turn(board, worker_id="b", now=T0, until=T0 + timedelta(seconds=15))
    # a dies; b renews before a's lease has run out: b keeps its half only
    soon = T0 + timedelta(seconds=10)
    board = board_turn(board, worker_id="b", now=soon, until=soon + timedelta(seconds=15))
    assert len(held_by(board, "b")) == DUE_SHARDS // 2
    later = T0 + timedelta(seconds=16)
    board = board_turn(board, worker_id="b", now=later, until=later + timedelta(seconds=15))
    assert held_by(board, "b") == frozenset(range(DUE_SHARDS))
    assert list(board["workers"]) == ["b"]


@hsettings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("abcdefghij"), st.integers(0, 20), st.booleans()), min_size=1,
                max_size=60))
def test_no_shard_is_ever_held_by_two_live_workers_and_renewals_converge_to_fair_shares(turns):
    board, now = {}, T0
    for worker_id, seconds, leaving in turns:
        now = now + timedelta(seconds=seconds)
        board = board_turn(board, worker_id=worker_id, now=now, until=now + timedelta(seconds=15), leaving=leaving)
        live_shards = [s for s, (_o, until) in board["shards"].items() if datetime.fromisoformat(until) > now]
        assert len(live_shards) == len(set(live_shards)) <= DUE_SHARDS
        assert all(0 <= int(s) < DUE_SHARDS for s in board["shards"])
    # Every live worker takes two turns at once: each then holds exactly its fair number.
    live = sorted(board["workers"])
    for _ in range(2):
        for worker_id in live:
            board = board_turn(board, worker_id=worker_id, now=now, until=now + timedelta(seconds=15))
    if live:
        owners = _owners(board, now)
        assert {w: owners[w] for w in live} == {
            w: fair_count(worker_id=w, workers=live, shards=DUE_SHARDS) for w in live}
        assert sum(owners.values()) == DUE_SHARDS


def test_a_shard_lease_passes_to_another_worker_within_the_lease_time_after_its_holder_dies(ddb):
    lease = 2.0
    a, b = ShardShare(worker_id="a", lease_seconds=lease), ShardShare(worker_id="b", lease_seconds=lease)
    a.renew()
    b.renew()
    a.renew()
    b.renew()
    assert len(a.shards()) == len(b.shards()) == DUE_SHARDS // 2
    assert set(a.shards()).isdisjoint(b.shards())
    died = time.monotonic()  # a stops renewing, without giving anything back
    while len(b.shards()) < DUE_SHARDS:
        assert time.monotonic() - died < lease + lease / 3 + 2, "b never took a's shards"
        time.sleep(0.1)
        b.renew_if_due()
    assert time.monotonic() - died >= lease - 0.6  # not before a's lease could have run out
    assert a.shards() == []  # a, unable to renew, would have stopped reading them by then


def test_a_worker_that_cannot_renew_stops_reading_its_shards_when_its_lease_runs_out(ddb, monkeypatch):
    share = ShardShare(worker_id="a", lease_seconds=1.5)
    share.renew()
    assert share.shards() == list(range(DUE_SHARDS))
    monkeypatch.setattr("portal.delivery.shares.board_read", lambda: (_ for _ in ()).throw(OSError("no answer")))
    time.sleep(1.1)
    try:
        share.renew_if_due()
    except OSError:
        pass
    time.sleep(0.5)
    assert share.shards() == []


def test_two_workers_and_a_third_that_joins_and_dies_deliver_every_row_exactly_once(setup, receiver, settings,
                                                                                    monkeypatch):
    settings.DELIVERY_SHARD_LEASE_SECONDS = 1.5
    tenant, _user, destination = setup
    receiver.mode, receiver.delay = "slow", 0.2
    submissions = [make_submission_with_deliveries(tenant)[0] for _ in range(90)]
    stops = {name: threading.Event() for name in ("a", "b", "c")}
    shares = {name: ShardShare(worker_id=name) for name in stops}
    shares["c"].leave = lambda: None  # c dies: it gives nothing back, its leases just run out

    def run(name):
        worker.run_forever(stop=stops[name], poll_seconds=0.2, concurrency=2, worker_id=name, shares=shares[name])

    threads = {name: threading.Thread(target=run, args=(name,), daemon=True) for name in stops}
    threads["a"].start()
    threads["b"].start()
    deadline = time.monotonic() + 60
    while len(receiver.received) < 10:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    threads["c"].start()  # joins mid-run
    while not shares["c"].shards():
        assert time.monotonic() < deadline
        time.sleep(0.02)
    while len(receiver.received) < 30:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    stops["c"].set()  # dies mid-run
    threads["c"].join(timeout=30)
    while len(receiver.received) < len(submissions):
        assert time.monotonic() < deadline, f"{len(receiver.received)} of {len(submissions)} delivered"
        time.sleep(0.05)
    # c's shards passed to a and b within the lease time (a and b renew every third of it)
    while sorted(shares["a"].shards() + shares["b"].shards()) != list(range(DUE_SHARDS)):
        assert time.monotonic() < deadline, (shares["a"].shards(), shares["b"].shards())
        time.sleep(0.1)
    for name in ("a", "b"):
        stops[name].set()
        threads[name].join(timeout=30)
    ids = Counter(hit.headers["webhook-id"] for hit in receiver.received)
    assert sorted(ids) == sorted(f"msg_{s.id}_{destination.id}" for s in submissions)
    assert set(ids.values()) == {1}
    assert all(delivery_row(s, destination).status == "delivered" for s in submissions)


@pytest.mark.django_db
def test_metrics_and_the_staff_console_show_each_shards_lag_and_the_live_workers(setup, settings, django_user_model,
                                                                               monkeypatch):
    from django.test import Client

    from portal.observability import exposition
    from tests.observability.helpers import TOKEN, samples, value

    settings.METRICS_TOKEN = TOKEN
    monkeypatch.setattr(exposition, "DUE_QUEUE", exposition.DueQueueCollector(cache_seconds=0))
    tenant, _user, destination = setup
    submissions = [make_submission_with_deliveries(tenant)[0] for _ in range(6)]
    by_shard = Counter(delivery_row(s, destination).due_shard_number for s in submissions)
    ShardShare(worker_id="host-a:1", lease_seconds=30).renew()
    ShardShare(worker_id="host-b:2", lease_seconds=30).renew()
    time.sleep(0.05)
    collector = exposition.DueQueueCollector(cache_seconds=0)
    found = {}
    for family in collector.collect():
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    for shard in range(DUE_SHARDS):
        assert found[("formbridge_due_queue_shard_depth", (("shard", str(shard)),))] == by_shard.get(shard, 0)
        assert (found[("formbridge_due_queue_shard_oldest_age_seconds", (("shard", str(shard)),))] > 0) == (
            shard in by_shard)
    assert found[("formbridge_due_queue_depth", ())] == 6
    assert found[("formbridge_delivery_workers", ())] == 2
    text = Client().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").content.decode()
    busiest = by_shard.most_common(1)[0]
    assert value(samples(text), "formbridge_due_queue_shard_depth", shard=str(busiest[0])) == busiest[1]

    django_user_model.objects.create_user("ops", password="ops-password-123", is_staff=True)
    client = Client()
    client.login(username="ops", password="ops-password-123")
    response = client.get("/staff/")
    queue = response.context["queue"]
    assert queue.depth == 6 and queue.workers == ["host-a:1", "host-b:2"]
    assert {s.shard: s.depth for s in queue.shards if s.depth} == dict(by_shard)
    assert all(s.holder == "host-a:1" for s in queue.shards)  # b has not had its second turn yet
    body = response.content.decode()
    assert "6 deliveries due now" in body and "2 workers sharing the queue" in body


def test_a_worker_that_joins_gets_its_share_within_two_seconds_not_a_third_of_the_lease(ddb):
    clock = {"now": 1000.0}
    monotonic = lambda: clock["now"]  # noqa: E731 - the renewals' own clock, moved by the test
    a = ShardShare(worker_id="a", lease_seconds=30, monotonic=monotonic)
    b = ShardShare(worker_id="b", lease_seconds=30, monotonic=monotonic)
    a.renew()
    assert len(a.shards()) == DUE_SHARDS
    b.renew()  # joins: every shard is a's for now
    assert b.shards() == []
    for _ in range(2):  # two seconds of renewal threads, a tick at a time
        for _ in range(10):
            clock["now"] += 0.1
            a.renew_if_due()
            b.renew_if_due()
    assert len(a.shards()) == len(b.shards()) == DUE_SHARDS // 2
