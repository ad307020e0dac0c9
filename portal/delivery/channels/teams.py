"""Microsoft Teams: a Workflows webhook ("Post to a channel when a webhook request is
received", on *.logic.azure.com or *.powerplatform.com) gets an Adaptive Card in a message
attachment. Documented limits kept (learn.microsoft.com/microsoftteams/platform/webhooks-and-
connectors/how-to/add-incoming-webhook): a message is at most 28 KB, and more than four
requests a second are throttled (429), so the rate limit is 4/s. The workflow answers 202
Accepted; errors carry `error.message`."""
from __future__ import annotations

from portal.delivery.channels.base import Summary, call, credentials, cut, fitted, json_message, json_size
from portal.dynamo.destinations import TEAMS, Destination

MAX_BYTES = 28 * 1024 - 1024  # 28 KB, less a margin for what the workflow wraps around it
RATE_PER_SECOND = 4.0
HOST_SUFFIXES = (".logic.azure.com", ".powerplatform.com", ".powerautomate.com")
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"


def message(summary: Summary) -> dict:
    def build(count: int, chars: int) -> dict:
        shown = summary.fields[:count]
        facts = [{"title": cut(name, 100) or "-", "value": cut(value, chars) or "(empty)"} for name, value in shown]
        hidden = len(summary.fields) - len(shown)
        body = [{"type": "TextBlock", "size": "Medium", "weight": "Bolder", "text": cut(summary.title, 200), "wrap": True},
                {"type": "TextBlock", "text": cut(f"Form {summary.form} on {summary.site}", 300), "isSubtle": True,
                 "wrap": True, "spacing": "None"},
                {"type": "FactSet", "facts": facts}]
        if hidden:
            body.append({"type": "TextBlock", "text": f"{hidden} more field{'s' if hidden != 1 else ''}", "isSubtle": True})
        actions = [{"type": "Action.OpenUrl", "title": cut(f"Download {name}", 60), "url": url}
                   for name, url in summary.files[:3]]
        if summary.link:
            actions.append({"type": "Action.OpenUrl", "title": "View in Form-Bridge", "url": summary.link})
        card = {"$schema": SCHEMA, "type": "AdaptiveCard", "version": "1.4", "body": body}
        if actions:
            card["actions"] = actions
        return {"type": "message", "attachments": [
            {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None, "content": card}]}

    return fitted(build, fits=lambda m: json_size(m) <= MAX_BYTES, max_fields=60)


def send(destination: Destination, *, summary: Summary, event: dict):
    url = credentials(destination)["webhook_url"]
    return call("POST", url, channel=TEAMS, json_body=message(summary), error_message=json_message("error.message"))
