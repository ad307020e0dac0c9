"""Absolute deadlines for outbound connections. A socket timeout bounds each read, not the
whole request: a receiver sending one byte a second would hold the sender forever. One
watchdog thread shuts a registered socket down when its deadline passes, which wakes any
read blocked on it at once."""
from __future__ import annotations

import heapq
import itertools
import socket
import threading
import time


class Watchdog:
    def __init__(self):
        self._heap: list[tuple[float, int, socket.socket]] = []
        self._cancelled: set[int] = set()
        self._fired: set[int] = set()
        self._counter = itertools.count()
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None

    def arm(self, sock: socket.socket, *, deadline: float) -> int:
        """Shut `sock` down at `deadline` (time.monotonic()); returns a ticket for disarm()."""
        ticket = next(self._counter)
        with self._wake:
            heapq.heappush(self._heap, (deadline, ticket, sock))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="delivery-watchdog", daemon=True)
                self._thread.start()
            self._wake.notify()
        return ticket

    def disarm(self, ticket: int) -> bool:
        """Stop watching; True if the deadline had already cut the socket."""
        with self._wake:
            if ticket in self._fired:
                self._fired.discard(ticket)
                return True
            self._cancelled.add(ticket)
            return False

    def _run(self) -> None:
        with self._wake:
            while True:
                while self._heap and self._heap[0][1] in self._cancelled:
                    self._cancelled.discard(heapq.heappop(self._heap)[1])
                if not self._heap:
                    self._wake.wait(30)
                    continue
                deadline, ticket, sock = self._heap[0]
                wait = deadline - time.monotonic()
                if wait > 0:
                    self._wake.wait(wait)
                    continue
                heapq.heappop(self._heap)
                self._fired.add(ticket)
                try:
                    # The plain socket's shutdown, also for TLS sockets: it wakes a blocked read.
                    socket.socket.shutdown(sock, socket.SHUT_RDWR)
                except OSError:
                    pass


WATCHDOG = Watchdog()
