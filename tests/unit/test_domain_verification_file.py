"""What a fetched verification file must contain (portal/services/sites/domain_verification.py):
the site's token as a word of its own, whatever surrounds it."""
from hypothesis import given, strategies as st

from portal.services.sites.domain_verification import file_content_proves

TOKEN = "k2v8-Qx_token0123456789abcdEFGH"


@given(st.text(max_size=60), st.text(max_size=60), st.sampled_from(["", "\n", "\r\n", " ", "\ufeff"]))
def test_the_token_as_its_own_word_proves_control(before, after, edge):
    content = f"{before}\n{edge}{TOKEN}{edge}\n{after}"
    assert file_content_proves(content, TOKEN)


@given(st.text(max_size=200))
def test_content_without_the_token_proves_nothing(content):
    stripped = content.replace(TOKEN, "")
    assert not file_content_proves(stripped, TOKEN) or TOKEN in stripped


def test_a_longer_string_containing_the_token_or_an_empty_token_does_not_count():
    assert not file_content_proves(f"x{TOKEN}", TOKEN) and not file_content_proves(f"{TOKEN}y", TOKEN)
    assert not file_content_proves("anything", "")
