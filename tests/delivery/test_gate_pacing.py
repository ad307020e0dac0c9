"""The worker's rate limit spaces the requests themselves, not only the starts of attempts."""
import threading
import time
from decimal import Decimal

from portal.delivery.gate import Gate
from portal.dynamo.destinations import Destination


def _destination(destination_id: str, rate: str | None) -> Destination:
    return Destination(id=destination_id, rateLimit=Decimal(rate) if rate else None, consecutiveFailures=0)


def _paced_at(gate: Gate, destination: Destination, threads: int) -> list[float]:
    stamps: list[float] = []
    lock = threading.Lock()

    def request():
        gate.pace(destination)
        with lock:
            stamps.append(time.monotonic())

    workers = [threading.Thread(target=request) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return sorted(stamps)


def test_requests_started_together_go_out_one_interval_apart():
    stamps = _paced_at(Gate(per_destination=4), _destination("d1", "10"), threads=4)
    gaps = [b - a for a, b in zip(stamps, stamps[1:])]
    assert min(gaps) >= 0.095, gaps


def test_a_destination_without_a_rate_limit_never_waits():
    started = time.monotonic()
    _paced_at(Gate(per_destination=4), _destination("d2", None), threads=4)
    assert time.monotonic() - started < 0.05


def test_one_destinations_pace_does_not_hold_another():
    gate = Gate(per_destination=4)
    gate.pace(_destination("slow", "0.5"))  # the next request to "slow" must wait 2 s
    started = time.monotonic()
    gate.pace(_destination("other", "0.5"))
    assert time.monotonic() - started < 0.05
