"""Local stand-ins for the outside world domain verification looks at: a DNS server (dnslib)
answering TXT and A records from a dict, and an HTTP server serving files from a dict, each
on a free port of 127.0.0.1, checked to answer before use and stopped afterwards."""
from __future__ import annotations

import http.server
import threading
from contextlib import contextmanager

import dns.resolver
from dnslib import QTYPE, RR, A, TXT
from dnslib.server import BaseResolver, DNSLogger, DNSServer


class _Records(BaseResolver):
    def __init__(self, records: dict):
        self.records = records  # {(name, "TXT" | "A"): [values]}

    def resolve(self, request, handler):
        reply = request.reply()
        name, qtype = str(request.q.qname).rstrip(".").lower(), QTYPE[request.q.qtype]
        for value in self.records.get((name, qtype), []):
            rdata = TXT(value) if qtype == "TXT" else A(value)
            reply.add_answer(RR(request.q.qname, request.q.qtype, rdata=rdata, ttl=5))
        return reply


@contextmanager
def fake_dns(records: dict):
    """A DNS server on 127.0.0.1:<free port> answering from `records` (changes show at once)."""
    server = DNSServer(_Records(records), address="127.0.0.1", port=0, logger=DNSLogger(logf=lambda _line: None))
    server.start_thread()
    port = server.server.server_address[1]
    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers, resolver.port, resolver.lifetime = ["127.0.0.1"], port, 5
    records[("ready.check", "A")] = ["127.0.0.1"]
    resolver.resolve("ready.check", "A")  # answers before any test uses it
    try:
        yield port
    finally:
        server.stop()
        server.server.server_close()


@contextmanager
def fake_web(files: dict):
    """An HTTP server on 127.0.0.1:<free port> serving {path: text} (404 for anything else)."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's naming)
            body = files.get(self.path)
            self.send_response(200 if body is not None else 404)
            self.end_headers()
            self.wfile.write((body or "not found").encode())

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
