"""Workers divide the due queue: the lease board's rule (pure, with Hypothesis), the leases
on DynamoDB Local (a dead worker's shards pass on within the lease time), and workers that
join and die mid-run delivering every row exactly once."""
from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import datetime, timedelta, timezone

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
