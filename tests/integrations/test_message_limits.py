"""The chat message builders stay within each vendor's documented limits for any fields, names
and lengths (Hypothesis), checked by the same rules the local fakes apply."""
from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from portal.delivery.channels import discord, google_chat, slack, teams
from portal.delivery.channels.base import Summary, cut, escape_markup, mapped_values
from tests.integrations.fakes import discord_problems, google_chat_problems, slack_problems, teams_problems

names = st.text(min_size=0, max_size=300)
values = st.text(min_size=0, max_size=8000)
summaries = st.builds(
    Summary,
    title=st.text(max_size=400), form=st.text(max_size=300), site=st.text(max_size=300),
    fields=st.lists(st.tuples(names, values), max_size=80),
    files=st.lists(st.tuples(names, st.just("https://forms.example/f/abc?sig=1")), max_size=12),
    link=st.one_of(st.none(), st.just("https://forms.example/submissions/01H/")),
    timestamp=st.just("2026-01-01T00:00:00+00:00"),
)
SLOW = hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _raw(message: dict) -> bytes:
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode()


@SLOW
@given(summaries)
def test_slack_messages_stay_within_block_kit_limits(summary):
    assert slack_problems(slack.message(summary)) == []


@SLOW
@given(summaries)
def test_discord_embeds_stay_within_discords_limits(summary):
    message = discord.message(summary)
    assert discord_problems(message) == []
    assert message["allowed_mentions"] == {"parse": []}


@SLOW
@given(summaries)
def test_google_chat_cards_stay_under_32000_bytes_and_100_widgets(summary):
    message = google_chat.message(summary)
    assert google_chat_problems(_raw(message), message) == []


@SLOW
@given(summaries)
def test_teams_cards_stay_under_28_kb(summary):
    message = teams.message(summary)
    assert teams_problems(_raw(message), message) == []


def test_a_short_message_shows_every_field_whole_and_a_long_one_is_cut_with_a_link():
    short = Summary(title="New contact", form="contact", site="a.example", fields=[("name", "Ada"), ("email", "a@b.c")],
                    link="https://forms.example/submissions/1/")
    text = json.dumps(slack.message(short))
    assert "Ada" in text and "a@b.c" in text and "View in Form-Bridge" in text
    long = Summary(title="t", form="f", site="s", fields=[(f"f{i}", "v" * 3000) for i in range(60)],
                   link="https://forms.example/submissions/1/")
    message = discord.message(long)
    embed = message["embeds"][0]
    assert 0 < len(embed["fields"]) < 60 and "more fields" in embed["description"] and "View in Form-Bridge" in embed["description"]


def test_files_are_links_not_attachments():
    summary = Summary(title="t", form="f", site="s", fields=[("name", "Ada")],
                      files=[("cv.pdf", "https://forms.example/files/abc?sig=1")])
    assert "<https://forms.example/files/abc?sig=1|cv.pdf>" in json.dumps(slack.message(summary))
    assert "[cv.pdf](https://forms.example/files/abc?sig=1)" in json.dumps(discord.message(summary))
    assert "https://forms.example/files/abc?sig=1" in json.dumps(google_chat.message(summary))
    assert "https://forms.example/files/abc?sig=1" in json.dumps(teams.message(summary))


def test_submitted_markup_cannot_forge_links_or_mentions():
    summary = Summary(title="t", form="f", site="s", fields=[("msg", "<!channel> <https://evil.example|click> @everyone")])
    text = json.dumps(slack.message(summary))
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text
    assert discord.message(summary)["allowed_mentions"] == {"parse": []}


@given(st.text(max_size=500), st.integers(min_value=1, max_value=400))
def test_cut_never_exceeds_its_limit_and_keeps_short_text(text, limit):
    assert len(cut(text, limit)) <= limit
    if len(text) <= limit:
        assert cut(text, limit) == text


@given(st.text(max_size=200))
def test_escaped_markup_has_no_angle_brackets(text):
    assert "<" not in escape_markup(text) and ">" not in escape_markup(text)


def test_default_mapping_splits_a_full_name_and_finds_the_email():
    values = mapped_values({"Your-Email": "ada@example.com", "name": "Ada King Lovelace"}, field_map={},
                           defaults={"email": ["email", "your-email"], "firstname": ["first_name", "name|first"],
                                     "lastname": ["last_name", "name|last"]})
    assert values == {"email": "ada@example.com", "firstname": "Ada", "lastname": "King Lovelace"}


def test_an_explicit_map_wins_over_the_defaults():
    values = mapped_values({"email": "a@example.com", "work_email": "w@example.com"}, field_map={"email": "work_email"},
                           defaults={"email": ["email"]})
    assert values == {"email": "w@example.com"}
