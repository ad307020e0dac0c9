"""Property tests of what reports take from outside: the page URL a submission names (any
text a form sends) and the opt-out link's token (any text in a URL)."""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from portal.errors import NotFound
from portal.services.ingest.counters import PAGE_KEY_MAX, page_key
from portal.services.reports.settings import unsubscribe_token, unsubscribe_token_read

HOSTS = st.from_regex(r"(www\.)?[a-z][a-z0-9-]{0,20}\.(example|test|com)", fullmatch=True)
PATHS = st.lists(st.from_regex(r"[A-Za-z0-9._~-]{1,15}", fullmatch=True), max_size=6).map(lambda p: "/" + "/".join(p))


@given(st.text(max_size=300))
@settings(max_examples=300, deadline=None)
def test_any_text_is_a_short_clean_key_or_none(text):
    key = page_key(text)
    assert key is None or (0 < len(key) <= PAGE_KEY_MAX and key.isprintable() and not any(c.isspace() for c in key))


@given(HOSTS, PATHS, st.text(max_size=30), st.text(max_size=30), st.sampled_from(["http", "https", "HTTPS"]))
@settings(max_examples=200, deadline=None)
def test_a_page_is_its_host_and_path_without_query_or_fragment(host, path, query, fragment, scheme):
    url = f"{scheme}://{host.upper()}:8443{path}?{query}#{fragment}"
    key = page_key(url)
    bare = host.removeprefix("www.")
    expected = bare + (path.rstrip("/") or "/")
    assert key == expected[:PAGE_KEY_MAX]
    assert page_key(f"{scheme}://{host}{path}") == key  # the same page however it is linked


@pytest.mark.parametrize("url", ["", "contact", "/contact", "javascript:alert(1)", "mailto:a@b.example",
                                 "ftp://a.example/x", "https://", "http://[::1", None, 42])
def test_what_is_not_a_web_page_is_none(url):
    assert page_key(url) is None


@given(st.text(max_size=200))
@settings(max_examples=200, deadline=None)
def test_a_forged_token_is_not_found(text):
    with pytest.raises(NotFound):
        unsubscribe_token_read(text)


@given(st.text(min_size=1, max_size=30), st.emails())
@settings(max_examples=50, deadline=None)
def test_a_token_reads_back_what_it_was_made_of(report_key, email):
    assert unsubscribe_token_read(unsubscribe_token(tenant_id="t1", report_key=report_key, email=email)) == (
        "t1", report_key, email.lower())
