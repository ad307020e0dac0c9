"""The outbound address guard: literal IPs, names resolving to internal addresses (a
monkeypatched resolver, and the real "localhost"), schemes, and redirects."""
import socket

import pytest

from portal.delivery import sender
from portal.delivery.sender import AddressRefused, address_refusal, resolve_vetted, url_target
from tests.factories.delivery import Receiver


@pytest.fixture(autouse=True)
def nothing_allowed(settings):
    settings.DELIVERY_ALLOWED_HOSTS = []


@pytest.mark.parametrize("address", [
    "127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "169.254.1.1", "0.0.0.0",
    "100.64.0.1", "224.0.0.1", "240.0.0.1", "255.255.255.255", "::1", "::", "fe80::1", "fc00::1",
    "fd00:ec2::254", "ff02::1", "::ffff:127.0.0.1", "::ffff:169.254.169.254", "::ffff:10.0.0.1",
    "2002:7f00:1::1", "64:ff9b::a00:1",
])
def test_internal_addresses_are_refused(address):
    assert address_refusal(address) is not None


@pytest.mark.parametrize("address", ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111"])
def test_public_addresses_pass(address):
    assert address_refusal(address) is None


@pytest.mark.parametrize("url", [
    "https://127.0.0.1/hook", "https://[::1]/hook", "https://169.254.169.254/latest/meta-data",
    "https://[::ffff:127.0.0.1]/x", "https://10.0.0.8:8443/x",
])
def test_urls_with_internal_literal_ips_are_refused_before_any_request(url):
    with pytest.raises(AddressRefused):
        url_target(url)


def test_plain_http_is_refused_unless_the_host_is_allowed(settings):
    with pytest.raises(AddressRefused, match="https"):
        url_target("http://hooks.example.com/x")
    settings.DELIVERY_ALLOWED_HOSTS = ["hooks.example.com"]
    assert url_target("http://hooks.example.com/x").scheme == "http"


def _resolves_to(monkeypatch, *addresses):
    def fake(host, port, *args, **kwargs):
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
                for a in addresses]
    monkeypatch.setattr(socket, "getaddrinfo", fake)


@pytest.mark.parametrize("addresses", [("10.0.0.7",), ("169.254.169.254",), ("fd00:ec2::254",),
                                       ("93.184.215.14", "127.0.0.1"), ("::ffff:192.168.0.1",)])
def test_names_resolving_to_any_internal_address_are_refused(monkeypatch, addresses):
    _resolves_to(monkeypatch, *addresses)
    with pytest.raises(AddressRefused, match="resolves to"):
        resolve_vetted(url_target("https://innocent.example.com/hook"))


def test_the_vetted_address_is_the_one_connected_to(monkeypatch):
    _resolves_to(monkeypatch, "93.184.215.14")
    assert resolve_vetted(url_target("https://public.example.com/hook")) == "93.184.215.14"


def test_localhost_by_name_is_refused_and_nothing_is_sent():
    with Receiver() as receiver:
        url = receiver.url.replace("127.0.0.1", "localhost").replace("http://", "https://")
        result = sender.post(url, body=b"{}", headers={})
    assert result.status_code is None and "resolves to" in result.error
    assert receiver.received == []


def test_a_rebinding_name_cannot_switch_to_an_internal_address_after_the_check(monkeypatch, settings):
    """The connection goes to the address that was vetted; a second lookup is never made."""
    settings.DELIVERY_ALLOWED_HOSTS = ["rebind.test"]
    calls = []
    with Receiver() as receiver:
        real = socket.getaddrinfo

        def fake(host, port, *args, **kwargs):
            calls.append(host)
            if host != "rebind.test":
                return real(host, port, *args, **kwargs)
            # The first answer is vetted; any later lookup would get another address.
            answer = "127.0.0.1" if calls.count(host) == 1 else "192.0.2.1"
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answer, port))]
        monkeypatch.setattr(socket, "getaddrinfo", fake)
        port = receiver.server.server_address[1]
        result = sender.post(f"http://rebind.test:{port}/hook", body=b"{}", headers={})
    assert result.ok
    assert calls.count("rebind.test") == 1  # connected to the vetted IP; the name was not looked up again
    assert receiver.received[0].headers["Host"] == f"rebind.test:{port}"


def test_a_redirect_is_not_followed(settings):
    settings.DELIVERY_ALLOWED_HOSTS = ["127.0.0.1"]
    with Receiver(mode="redirect") as receiver:
        result = sender.post(receiver.url, body=b"{}", headers={})
    assert result.status_code == 302 and not result.ok and "not followed" in result.error
    assert [r.path for r in receiver.received] == ["/hook"]


def test_the_response_body_is_cut_at_20000_bytes(settings, monkeypatch):
    settings.DELIVERY_ALLOWED_HOSTS = ["127.0.0.1"]
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    import threading

    class Big(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(200)
            self.send_header("Content-Length", "50000")
            self.end_headers()
            self.wfile.write(b"x" * 50000)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Big)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        result = sender.post(f"http://127.0.0.1:{server.server_address[1]}/", body=b"{}", headers={})
    finally:
        server.shutdown()
        server.server_close()
    assert result.ok and len(result.body) == 20000
