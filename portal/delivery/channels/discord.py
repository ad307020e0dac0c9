"""Discord: a channel webhook (https://discord.com/api/webhooks/{id}/{token}) gets an embed.
Documented limits kept (discord.com/developers/docs/resources/message#embed-object-embed-limits):
title 256 characters, description 4,096, 25 fields, a field's name 256 and value 1,024, footer
2,048, and 6,000 characters across the whole embed; `allowed_mentions` is empty so a submission
can never ping @everyone. A 429 answers JSON with `retry_after` in seconds (and Retry-After),
which the schedule honours; other errors carry `message` ("Invalid Form Body")."""
from __future__ import annotations

from portal.delivery.channels.base import Summary, call, credentials, cut, fitted, json_message
from portal.dynamo.destinations import DISCORD, Destination

TITLE, DESCRIPTION, FIELDS, FIELD_NAME, FIELD_VALUE, FOOTER, TOTAL = 256, 4096, 25, 256, 1024, 2048, 6000
RATE_PER_SECOND = 1.0  # webhooks are limited per channel (about 30 messages a minute); 429s say when
HOSTS = ("discord.com", "discordapp.com", "ptb.discord.com", "canary.discord.com")
PATH_PREFIXES = ("/api/webhooks/", "/api/v10/webhooks/", "/api/v9/webhooks/")


def embed_characters(embed: dict) -> int:
    """What Discord counts toward the 6,000: title, description, field names and values, footer, author."""
    total = len(embed.get("title", "")) + len(embed.get("description", ""))
    total += sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields", []))
    total += len((embed.get("footer") or {}).get("text", "")) + len((embed.get("author") or {}).get("name", ""))
    return total


def message(summary: Summary) -> dict:
    def build(count: int, chars: int) -> dict:
        shown = summary.fields[:count]
        fields = [{"name": cut(name, FIELD_NAME) or "-", "value": cut(value, min(chars, FIELD_VALUE)) or "(empty)",
                   "inline": len(value) <= 40} for name, value in shown]
        if summary.files and len(fields) < FIELDS:
            links = "\n".join(f"[{cut(name, 60)}]({url})" for name, url in summary.files[:5])
            fields.append({"name": "Files", "value": cut(links, FIELD_VALUE), "inline": False})
        hidden = len(summary.fields) - len(shown)
        description = f"Form **{cut(summary.form, 100)}** on {cut(summary.site, 200)}"
        if hidden:
            description += f"\n{hidden} more field{'s' if hidden != 1 else ''}"
        if summary.link:
            description += f"\n[View in Form-Bridge]({summary.link})"
        embed = {"title": cut(summary.title, TITLE), "description": cut(description, DESCRIPTION),
                 "fields": fields[:FIELDS], "footer": {"text": "Form-Bridge"}}
        if summary.link:
            embed["url"] = summary.link
        if summary.timestamp:
            embed["timestamp"] = summary.timestamp
        return {"username": "Form-Bridge", "embeds": [embed], "allowed_mentions": {"parse": []}}

    return fitted(build, fits=lambda m: embed_characters(m["embeds"][0]) <= TOTAL and len(m["embeds"][0]["fields"]) <= FIELDS,
                  max_fields=FIELDS - 1)


def send(destination: Destination, *, summary: Summary, event: dict):
    url = credentials(destination)["webhook_url"]
    url += ("&" if "?" in url else "?") + "wait=true"  # the answer then says whether the message was posted
    return call("POST", url, channel=DISCORD, json_body=message(summary), error_message=json_message("message"))
