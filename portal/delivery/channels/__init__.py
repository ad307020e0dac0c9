"""The integrations' sending side: one module per vendor, each with `send(destination,
summary=, event=)` returning the SendResult of its last request (or of the one that failed)."""
from __future__ import annotations

from portal.delivery.channels import airtable, discord, google_chat, hubspot, mailchimp, sheets, slack, teams
from portal.delivery.channels.base import attempt_deadline, submission_summary
from portal.delivery.sender import SendResult
from portal.dynamo.destinations import (
    AIRTABLE, DISCORD, GOOGLE_CHAT, HUBSPOT, MAILCHIMP, SHEETS, SLACK, TEAMS, Destination,
)

MODULES = {SLACK: slack, TEAMS: teams, DISCORD: discord, GOOGLE_CHAT: google_chat, HUBSPOT: hubspot,
           MAILCHIMP: mailchimp, SHEETS: sheets, AIRTABLE: airtable}


def vendor_rate(destination_type: str) -> float:
    """The deliveries per second the vendor's documented limits allow one destination."""
    return MODULES[destination_type].RATE_PER_SECOND


def send_integration(destination: Destination, *, event: dict) -> SendResult:
    summary = submission_summary(event, destination=destination)
    with attempt_deadline():
        return MODULES[destination.type].send(destination, summary=summary, event=event)
