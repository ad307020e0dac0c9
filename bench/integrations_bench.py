"""The integrations' send path against the webhook's, on this harness (not a test):

    N=400 .venv/bin/python bench/integrations_bench.py

Every destination sends the same submission event through send_event (what the worker calls),
N times from THREADS threads, to local fakes in this process (tests/integrations/fakes.py; the
webhook to the same server, answered 200 at once). Prints sends per second for the signed
webhook (the baseline) and for each integration, and the ratio to the baseline: the cost of
building the vendor's message and of its extra requests (HubSpot with a note and Mailchimp with
tags make two, Sheets a read and an append once its token is cached). No DynamoDB: only the
sending is measured. Also the time to build each chat message for a 60-field submission."""
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "formbridge.settings")
os.environ["DJANGO_DEBUG"] = "true"  # the local fakes: honoured only in a development process
import django  # noqa: E402

django.setup()
from django.conf import settings  # noqa: E402

from portal.crypto import field_encrypt  # noqa: E402
from portal.delivery import channels  # noqa: E402
from portal.delivery.channels.base import Summary  # noqa: E402
from portal.delivery.send import send_event  # noqa: E402
from portal.delivery.signing import secret_generate  # noqa: E402
from portal.dynamo.base import utcnow  # noqa: E402
from portal.dynamo.destinations import Destination  # noqa: E402
from portal.services.integrations.settings import integration_settings_clean  # noqa: E402
from tests.integrations.conftest import chat_url  # noqa: E402
from tests.integrations.fakes import Fakes  # noqa: E402

N = int(os.environ.get("N", "400"))
THREADS = int(os.environ.get("THREADS", "4"))
fakes = Fakes()
settings.INTEGRATION_BASE_URLS = fakes.bases()
EVENT = {"type": "submission.created", "timestamp": "2026-01-01T00:00:00+00:00", "data": {
    "id": "01HBENCH", "form_id": "contact", "site_id": "s1", "received_at": "2026-01-01T00:00:00+00:00",
    "spam": False, "files": [], "meta": {"page_url": "https://client-a.example/contact"},
    "fields": {"name": "Ada Lovelace", "email": "ada@example.com", "phone": "+44 1", "message": "Hello " * 50}}}


def integration(kind: str, values: dict) -> Destination:
    cleaned, errors = integration_settings_clean(kind=kind, values=values, has_credentials=False, rate_limit=None)
    assert not errors, errors
    return Destination(tenantId="t", id=f"d-{kind}", name=kind, type=kind, enabled=True, active=True,
                       credentialsEncrypted=field_encrypt(cleaned.credentials), integration=cleaned.integration)


# The webhook baseline posts to the fakes' server too (/echo answers 200 at once).
webhook = Destination(tenantId="t", id="d-webhook", name="webhook", type="WEBHOOK", url=f"{fakes.base}/echo/hook",
                      headers={}, secretEncrypted=field_encrypt(secret_generate()), enabled=True, active=True)
DESTINATIONS = {
    "WEBHOOK (baseline)": webhook,
    "SLACK": integration("SLACK", {"webhook_url": chat_url(fakes, "SLACK")}),
    "TEAMS": integration("TEAMS", {"webhook_url": chat_url(fakes, "TEAMS")}),
    "DISCORD": integration("DISCORD", {"webhook_url": chat_url(fakes, "DISCORD")}),
    "GOOGLE_CHAT": integration("GOOGLE_CHAT", {"webhook_url": chat_url(fakes, "GOOGLE_CHAT")}),
    "HUBSPOT (+note)": integration("HUBSPOT", {"token": fakes.hubspot_token, "log_note": True}),
    "MAILCHIMP (+tags)": integration("MAILCHIMP", {"api_key": fakes.mailchimp_key, "list_id": "abc123", "tags": "web"}),
    "SHEETS": integration("SHEETS", {"service_account": fakes.service_account(), "spreadsheet_id": "1" * 44}),
    "AIRTABLE": integration("AIRTABLE", {"token": fakes.airtable_token, "base_id": "appABCDEFGHIJKLMN", "table": "T"}),
}


def rate(destination: Destination) -> float:
    now = utcnow()
    send_event(destination, event=EVENT, msg_id="warm", now=now)  # a connection's first use, a token
    failures = []

    def one(i):
        result = send_event(destination, event=EVENT, msg_id=f"m{i}", now=now)
        if not result.ok and destination.type != "WEBHOOK":
            failures.append(result.error)

    started = time.perf_counter()
    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(one, range(N)))
    elapsed = time.perf_counter() - started
    assert not failures, failures[:3]
    return N / elapsed


baseline = None
print(f"N={N} sends per destination, {THREADS} threads, same process, local fakes")
for name, destination in DESTINATIONS.items():
    per_second = rate(destination)
    baseline = baseline or per_second
    print(f"{name:20s} {per_second:8.1f} sends/s   ratio to webhook {per_second / baseline:5.2f}")
assert fakes.problems == [], fakes.problems[:3]

big = Summary(title="New contact submission on client-a.example", form="contact", site="client-a.example",
              fields=[(f"field_{i}", "value " * 300) for i in range(60)], link="https://forms.example/submissions/1/")
for kind in ("SLACK", "TEAMS", "DISCORD", "GOOGLE_CHAT"):
    module = channels.MODULES[kind]
    started = time.perf_counter()
    for _ in range(200):
        module.message(big)
    print(f"build {kind:12s} message, 60 long fields: {(time.perf_counter() - started) / 200 * 1e6:8.0f} µs")
fakes.stop()
