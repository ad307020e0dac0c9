"""Slack: an incoming webhook (https://hooks.slack.com/services/...) gets a Block Kit message.
Documented limits kept: 50 blocks a message, a section's text 3,000 characters, a header's
plain text 150, a context element's text 3,000 (docs.slack.dev/reference/block-kit); posting
is limited to about one message per second per channel (api.slack.com/docs/rate-limits), so
the destination's rate limit is 1/s; a 429 carries Retry-After, which the schedule honours.
Errors come back as a short plain-text body ("invalid_payload", "channel_not_found")."""
from __future__ import annotations

from portal.delivery.channels.base import Summary, call, credentials, cut, escape_markup, fitted, json_size
from portal.dynamo.destinations import SLACK, Destination

MAX_BLOCKS = 50
SECTION_TEXT = 3000
HEADER_TEXT = 150
FALLBACK_TEXT = 3000
MAX_BYTES = 40_000  # Slack truncates messages past 40,000 characters; stay well inside
RATE_PER_SECOND = 1.0
HOSTS = ("hooks.slack.com",)
PATH_PREFIXES = ("/services/",)


def message(summary: Summary) -> dict:
    def build(count: int, chars: int) -> dict:
        blocks = [{"type": "header", "text": {"type": "plain_text", "text": cut(summary.title, HEADER_TEXT) or "-"}}]
        shown = summary.fields[:count]
        for name, value in shown:
            text = f"*{escape_markup(cut(name, 100))}*\n{escape_markup(cut(value, chars)) or '_(empty)_'}"
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": cut(text, SECTION_TEXT)}})
        hidden = len(summary.fields) - len(shown)
        if summary.files:
            links = "\n".join(f"<{url}|{escape_markup(cut(name, 80))}>" for name, url in summary.files[:10])
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": cut("*Files*\n" + links, SECTION_TEXT)}})
        context = f"Form *{escape_markup(cut(summary.form, 100))}* on {escape_markup(cut(summary.site, 200))}"
        if hidden:
            context += f" · {hidden} more field{'s' if hidden != 1 else ''}"
        if summary.link:
            context += f" · <{summary.link}|View in Form-Bridge>"
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": cut(context, SECTION_TEXT)}]})
        return {"text": cut(summary.title, FALLBACK_TEXT), "blocks": blocks[:MAX_BLOCKS]}

    # header + fields + files + context <= 50 blocks
    return fitted(build, fits=lambda m: json_size(m) <= MAX_BYTES and len(m["blocks"]) <= MAX_BLOCKS,
                  max_fields=MAX_BLOCKS - 3)


def send(destination: Destination, *, summary: Summary, event: dict):
    url = credentials(destination)["webhook_url"]
    return call("POST", url, channel=SLACK, json_body=message(summary), error_message=lambda body: body.strip())
