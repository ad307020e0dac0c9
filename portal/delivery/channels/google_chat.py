"""Google Chat: a space's incoming webhook (https://chat.googleapis.com/v1/spaces/.../messages?
key=...&token=...) gets a cardsV2 card. Documented limits kept
(developers.google.com/workspace/chat/api/reference/rest/v1/spaces.messages/create): a message,
text and cards together, is at most 32,000 bytes; a card holds at most 100 widgets. Webhooks of
a space share its write quota (about one message a second), so the rate limit is 1/s. Errors
are Google's JSON `{"error": {"code", "message", "status"}}`."""
from __future__ import annotations

from portal.delivery.channels.base import Summary, call, credentials, cut, escape_markup, fitted, json_message, json_size
from portal.dynamo.destinations import GOOGLE_CHAT, Destination

MAX_BYTES = 32_000
MAX_WIDGETS = 100
RATE_PER_SECOND = 1.0
HOSTS = ("chat.googleapis.com",)
PATH_PREFIXES = ("/v1/spaces/",)


def message(summary: Summary) -> dict:
    def build(count: int, chars: int) -> dict:
        shown = summary.fields[:count]
        widgets = [{"decoratedText": {"topLabel": cut(name, 100) or "-",
                                      "text": escape_markup(cut(value, chars)) or "(empty)", "wrapText": True}}
                   for name, value in shown]
        hidden = len(summary.fields) - len(shown)
        if hidden:
            widgets.append({"textParagraph": {"text": f"{hidden} more field{'s' if hidden != 1 else ''}"}})
        for name, url in summary.files[:5]:
            widgets.append({"decoratedText": {"topLabel": "File", "text": escape_markup(cut(name, 100)),
                                              "button": {"text": "Download", "onClick": {"openLink": {"url": url}}}}})
        if summary.link:
            widgets.append({"buttonList": {"buttons": [{"text": "View in Form-Bridge",
                                                         "onClick": {"openLink": {"url": summary.link}}}]}})
        card = {"header": {"title": cut(summary.title, 200), "subtitle": cut(f"Form {summary.form} on {summary.site}", 200)},
                "sections": [{"widgets": widgets[:MAX_WIDGETS]}]}
        return {"text": cut(summary.title, 500), "cardsV2": [{"cardId": "submission", "card": card}]}

    return fitted(build, fits=lambda m: json_size(m) <= MAX_BYTES
                  and len(m["cardsV2"][0]["card"]["sections"][0]["widgets"]) <= MAX_WIDGETS,
                  max_fields=MAX_WIDGETS - 8)


def send(destination: Destination, *, summary: Summary, event: dict):
    url = credentials(destination)["webhook_url"]
    return call("POST", url, channel=GOOGLE_CHAT, json_body=message(summary),
                headers={"Content-Type": "application/json; charset=UTF-8"},
                error_message=json_message("error.message"))
