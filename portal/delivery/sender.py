"""The outbound HTTP sender and its address guard.

A webhook URL's host is resolved first; every address it resolves to must be public (not
private, loopback, link-local, reserved, multicast, unspecified, shared/CGNAT, or a cloud
metadata address, IPv4-mapped IPv6 included). The request then connects to the vetted
address itself (the Host header and TLS name stay the URL's), so a second DNS answer cannot
switch it to an internal address. Redirects are never followed and the response body is
kept to its first 20,000 bytes. The whole request runs under an absolute deadline (see
deadline.py), so a receiver dribbling its answer is cut off at the timeout. Hosts in settings.DELIVERY_ALLOWED_HOSTS (development and
tests only) may use http:// and non-public addresses."""
from __future__ import annotations

import http.client
import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    SSLError,
)

from portal.delivery.deadline import WATCHDOG
from portal.dynamo.destinations import EMAIL, WEBHOOK

MAX_BODY_BYTES = 20_000
METADATA_ADDRESSES = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254"),
                      ipaddress.ip_address("100.100.100.200")}
EXTRA_BLOCKED = [ipaddress.ip_network("100.64.0.0/10"), ipaddress.ip_network("192.0.0.0/24"),
                 ipaddress.ip_network("198.18.0.0/15"), ipaddress.ip_network("64:ff9b::/96")]


class AddressRefused(Exception):
    """The URL may not be called: bad scheme, or a host that is (or resolves to) a
    non-public address."""


@dataclass
class SendResult:
    """What one send gave. `channel` is how it went out (the destination type): a webhook
    answers with an HTTP status code, an e-mail is accepted by the mail server or not."""
    channel: str
    status_code: int | None = None  # webhooks only
    accepted: bool = False  # e-mail only
    body: str = ""
    duration_ms: int = 0
    error: str | None = None
    retry_after: str | None = None

    @property
    def ok(self) -> bool:
        if self.channel == EMAIL:
            return self.accepted
        return self.status_code is not None and 200 <= self.status_code < 300


def allowed_hosts() -> set[str]:
    return {h.strip().lower().strip("[]") for h in getattr(settings, "DELIVERY_ALLOWED_HOSTS", []) if h.strip()}


def timeout_seconds() -> float:
    return float(getattr(settings, "DELIVERY_TIMEOUT_SECONDS", 10))


def address_refusal(address: str) -> str | None:
    """Why this IP address may not be called, or None if it is a public address."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return f"{address} is not an IP address"
    candidates = [ip]
    if ip.version == 6:
        for embedded in (ip.ipv4_mapped, ip.sixtofour, ip.teredo and ip.teredo[1]):
            if embedded:
                candidates.append(embedded)
    for candidate in candidates:
        if candidate in METADATA_ADDRESSES:
            return f"{address} is a cloud metadata address"
        for flag in ("is_loopback", "is_private", "is_link_local", "is_multicast", "is_reserved", "is_unspecified"):
            if getattr(candidate, flag):
                return f"{address} is a {flag[3:].replace('_', '-')} address"
        if getattr(candidate, "is_site_local", False):
            return f"{address} is a site-local address"
        if any(candidate in network for network in EXTRA_BLOCKED if network.version == candidate.version):
            return f"{address} is a special-purpose address"
        if not candidate.is_global:
            return f"{address} is not a public address"
    return None


@dataclass
class Target:
    scheme: str
    host: str
    port: int
    path: str
    allowed: bool  # in DELIVERY_ALLOWED_HOSTS

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"


def url_target(url: str, *, allowed: set[str] | None = None) -> Target:
    """Parse and check a webhook URL without resolving it (form validation uses this too)."""
    allowed = allowed_hosts() if allowed is None else allowed
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as error:
        raise AddressRefused(f"The URL is not valid: {error}") from error
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    if not host:
        raise AddressRefused("The URL needs a host name.")
    if parts.username or parts.password:
        raise AddressRefused("Credentials in the URL are not supported; use a custom header instead.")
    is_allowed = host in allowed
    if scheme != "https" and not (scheme == "http" and is_allowed):
        raise AddressRefused("The URL must start with https://.")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        reason = None if is_allowed else address_refusal(host)
        if reason:
            raise AddressRefused(f"Refused: {reason}.")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(scheme=scheme, host=host, port=port or (443 if scheme == "https" else 80), path=path,
                  allowed=is_allowed)


def resolve_vetted(target: Target) -> str:
    """The address to connect to: every address the host resolves to must be public."""
    try:
        infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise AddressRefused(f"Could not resolve {target.host}: {error}") from error
    addresses = []
    for info in infos:
        address = info[4][0]
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise AddressRefused(f"{target.host} has no address")
    if not target.allowed:
        for address in addresses:
            reason = address_refusal(address)
            if reason:
                raise AddressRefused(f"Refused: {target.host} resolves to {reason}.")
    return addresses[0]


def post(url: str, *, body: bytes, headers: dict[str, str], timeout: float | None = None) -> SendResult:
    """POST once, within an absolute deadline of `timeout` seconds from the start (name
    resolution, connecting, sending, the answer's headers and body all count). Never raises:
    the outcome, network trouble or a header that cannot be encoded included, is in the
    SendResult."""
    return request("POST", url, body=body, headers=headers, timeout=timeout)


def request(method: str, url: str, *, body: bytes = b"", headers: dict[str, str], timeout: float | None = None,
            channel: str = WEBHOOK) -> SendResult:
    """One request of any method (the integrations also GET and PUT), with the same guard,
    deadline and body cap as `post`. Never raises."""
    timeout = timeout_seconds() if timeout is None else timeout
    started = time.monotonic()
    deadline = started + timeout

    def finished(**values) -> SendResult:
        return SendResult(channel=channel, duration_ms=int((time.monotonic() - started) * 1000), **values)

    timed_out = f"Timed out after {timeout:g} s"
    try:
        target = url_target(url)
        address = resolve_vetted(target)
    except AddressRefused as refused:
        return finished(status_code=None, error=str(refused))
    if time.monotonic() >= deadline:
        return finished(status_code=None, error=timed_out)
    per_step = max(0.01, min(timeout, deadline - time.monotonic()))
    if target.scheme == "https":
        conn = HTTPSConnection(address, target.port, timeout=min(per_step, 5.0), server_hostname=target.host,
                               assert_hostname=target.host, cert_reqs="CERT_REQUIRED")
    else:
        conn = HTTPConnection(address, target.port, timeout=min(per_step, 5.0))
    request_headers = {**headers, "Host": target.host_header}
    if body or method in ("POST", "PUT", "PATCH"):
        request_headers["Content-Length"] = str(len(body))
    ticket, cut = None, False
    try:
        conn.connect()
        ticket = WATCHDOG.arm(conn.sock, deadline=deadline)
        conn.sock.settimeout(max(0.01, deadline - time.monotonic()))
        conn.request(method, target.path, body=body or None, headers=request_headers, preload_content=False)
        response = conn.getresponse()
        chunks, size = [], 0
        while size < MAX_BODY_BYTES:
            chunk = response.read(min(8192, MAX_BODY_BYTES - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        cut = WATCHDOG.disarm(ticket)
        ticket = None
        if cut:
            return finished(status_code=None, error=timed_out)
        text = b"".join(chunks)[:MAX_BODY_BYTES].decode("utf-8", errors="replace")
        error = None
        if 300 <= response.status < 400:
            error = f"Redirect to {response.headers.get('Location', '?')} not followed"
        elif not 200 <= response.status < 300:
            error = f"HTTP {response.status}"
        return finished(status_code=response.status, body=text, error=error,
                        retry_after=response.headers.get("Retry-After"))
    except Exception as error:  # noqa: BLE001 - every failure is this attempt's error, never a crash
        if ticket is not None:
            cut = WATCHDOG.disarm(ticket)
        if cut or isinstance(error, (ConnectTimeoutError, ReadTimeoutError, socket.timeout, TimeoutError)):
            return finished(status_code=None, error=timed_out)
        return finished(status_code=None, error=_describe(error))
    finally:
        conn.close()


def _describe(error: Exception) -> str:
    if isinstance(error, SSLError):
        return f"TLS error: {error}"
    if isinstance(error, (NewConnectionError, ConnectionRefusedError)):
        return f"Could not connect: {error}"
    if isinstance(error, (ProtocolError, ConnectionError, http.client.HTTPException)):
        return f"Connection closed by the receiver: {error}"
    if isinstance(error, UnicodeError):
        return f"Could not send the request: a header value is not plain ASCII ({error})"
    if isinstance(error, HTTPError):
        return f"Request failed: {error}"
    return f"Request failed: {type(error).__name__}: {error}"
