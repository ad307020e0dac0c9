"""client_ip believes X-Forwarded-For only as far as settings.TRUSTED_PROXY_HOPS reaches."""
import ipaddress

from django.test import RequestFactory, override_settings
from hypothesis import given, strategies as st

from portal.views.utils import client_ip

addresses = st.ip_addresses().map(str)
# Whatever a client writes into the header before our proxies append to it.
client_written = st.lists(st.one_of(addresses, st.text(alphabet="0123456789abcdef.:, x", max_size=20)), max_size=5)


def _request(remote, forwarded=None):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **extra)


@override_settings(TRUSTED_PROXY_HOPS=0)
def test_without_trusted_proxies_the_header_is_ignored():
    assert client_ip(_request("203.0.113.9", "198.51.100.1")) == "203.0.113.9"


@override_settings(TRUSTED_PROXY_HOPS=1)
def test_one_proxy_the_address_it_appended_is_the_client():
    assert client_ip(_request("10.0.0.2", "198.51.100.1, 203.0.113.7")) == "203.0.113.7"


@override_settings(TRUSTED_PROXY_HOPS=2)
def test_two_proxies_skip_the_inner_one():
    assert client_ip(_request("10.0.0.3", "1.1.1.1, 203.0.113.7, 10.0.0.2")) == "203.0.113.7"


@override_settings(TRUSTED_PROXY_HOPS=1)
def test_garbage_from_the_proxy_falls_back_to_the_peer():
    assert client_ip(_request("10.0.0.2", "not-an-address")) == "10.0.0.2"


@given(spoofed=client_written, real=addresses, proxy=addresses)
@override_settings(TRUSTED_PROXY_HOPS=1)
def test_no_header_a_client_writes_changes_the_answer(spoofed, real, proxy):
    header = ", ".join(spoofed + [real])
    assert client_ip(_request(proxy, header)) == str(ipaddress.ip_address(real))


@given(header=st.text(max_size=60), remote=addresses)
@override_settings(TRUSTED_PROXY_HOPS=0)
def test_direct_connections_always_answer_the_peer(header, remote):
    assert client_ip(_request(remote, header)) == remote
