"""Ingest and portal benchmark against DynamoDB Local -inMemory (not a test).

    .venv/bin/python bench/ingest_bench.py [--ingest N] [--small 1000] [--large 50000]

Prints: (1) ingest throughput over HTTP through gunicorn (2 workers) vs the same
TransactWriteItems issued directly (the Idempotency-Key's claim, the submission, its delivery
row) with the same client threads, and vs plain PutItems; (2) dashboard and submissions-page latency for a tenant with 1,000
and one with 50,000 submissions; (3) DynamoDB requests per page and per ingest request,
counted with botocore event hooks; (4) compression on a corpus of realistic payloads;
(5) write/read capacity units from ReturnConsumedCapacity."""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PREFIX = "bench-"

from portal import dynamodb_local  # noqa: E402

PORT = dynamodb_local.free_port()
ENDPOINT = f"http://127.0.0.1:{PORT}"
os.environ.update({
    "DJANGO_SETTINGS_MODULE": "formbridge.settings", "DYNAMODB_ENDPOINT_URL": ENDPOINT,
    "DYNAMODB_TABLE_PREFIX": PREFIX, "DJANGO_DEBUG": "true", "INGEST_RATE_LIMIT": "100000000",
    "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local", "LOG_LEVEL": "WARNING",
})

# --- realistic payloads --------------------------------------------------------------------
FIRST = ["Anna", "Bruno", "Chloé", "David", "Elif", "Farid", "Greta", "Hugo", "Ines", "Jonas", "Kaito", "Lena",
         "Mateo", "Nora", "Omar", "Paula", "Quentin", "Rosa", "Sven", "Tara"]
LAST = ["Müller", "Rossi", "Dubois", "García", "Nowak", "Jansen", "Silva", "Novak", "Berg", "Costa", "Fischer"]
OPENERS = ["Hello,", "Hi there,", "Good morning,", "Dear team,", "Hello again,"]
SENTENCES = [
    "We are a small family business and we are looking for a new website for our bakery.",
    "Could you please send us a quote for the redesign of our online shop?",
    "Our current site is built with WordPress and the contact form stopped working last week.",
    "I would like to book an appointment for a consultation next Tuesday or Wednesday afternoon.",
    "We need a booking system that works on mobile phones and sends reminders by e-mail.",
    "Please call me back on my mobile number, I am available between 9 and 12 in the morning.",
    "The delivery address is different from the invoice address, see the details below.",
    "Is it possible to integrate our newsletter sign-up with the existing customer database?",
    "We have about 250 products and would like to import them from a spreadsheet.",
    "Our budget for this project is between 5,000 and 8,000 euros, including hosting for one year.",
    "I saw your work for the hotel in the city centre and I really liked the photo gallery.",
    "Unfortunately the order I placed on Monday has not arrived yet; the order number is below.",
    "Can you also take care of the translation into German, French and Italian?",
    "We would like to start as soon as possible, ideally before the summer season begins.",
    "Thank you very much for your quick reply and the helpful information.",
    "I am writing on behalf of the parents' association of the primary school.",
    "The event will take place on the 14th of June and we expect around 120 guests.",
    "Please let me know which documents you need from us to prepare the offer.",
    "Our accountant asked whether the invoices can be sent as PDF files every month.",
    "The website should be accessible and comply with the current privacy regulations.",
]
CLOSERS = ["Kind regards,", "Best wishes,", "Thanks in advance,", "Many thanks,", "Cheers,"]
AGENTS = ["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
          "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
          "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15"]


def realistic_payload(rng: random.Random, sentences: int) -> tuple[dict, dict]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    body = [rng.choice(OPENERS)] + [rng.choice(SENTENCES) for _ in range(sentences)]
    if rng.random() < 0.5:
        body.append(f"Order number: {rng.randint(100000, 999999)}, customer id {rng.randint(1000, 9999)}.")
    body += [rng.choice(CLOSERS), f"{first} {last}"]
    fields = {
        "name": f"{first} {last}", "email": f"{first.lower()}.{last.lower()}{rng.randint(1, 99)}@example.com",
        "phone": f"+49 {rng.randint(150, 179)} {rng.randint(1000000, 9999999)}",
        "company": rng.choice(["", f"{last} GmbH", f"{last} & Partner", f"Studio {first}"]),
        "subject": rng.choice(["Quote request", "Website redesign", "Appointment", "Order question", "Event"]),
        "message": "\n".join(body),
        "consent": "yes", "services": rng.sample(["design", "hosting", "seo", "shop", "maintenance"], 2),
    }
    meta = {"page_url": f"https://www.{last.lower()}-shop.example/contact/?utm_source={rng.choice(['google', 'newsletter'])}",
            "user_agent": rng.choice(AGENTS), "ip": f"203.0.113.{rng.randint(1, 254)}",
            "referrer": "https://www.google.com/"}
    return fields, meta


# --- botocore hooks: count requests and collect consumed capacity ---------------------------
class DynamoMeter:
    def __init__(self):
        self.lock = threading.Lock()
        self.reset()
        self._hooked: set[int] = set()

    def reset(self):
        self.calls: Counter = Counter()
        self.read_units = 0.0
        self.write_units = 0.0
        self.units_by_target: Counter = Counter()

    def hook_all(self, models, extra_clients=()):
        clients = [model._get_connection().connection.client for model in models] + list(extra_clients)
        for client in clients:
            if id(client.meta.events) in self._hooked:
                continue
            self._hooked.add(id(client.meta.events))
            client.meta.events.register("before-parameter-build.dynamodb", self._ask_capacity)
            client.meta.events.register("before-parameter-build.dynamodb", self._count)
            client.meta.events.register("after-call.dynamodb", self._capacity)

    def _ask_capacity(self, params, model, **_):
        # INDEXES is TOTAL plus a per-table/per-index breakdown: asking for it changes nothing else.
        if "ReturnConsumedCapacity" in model.input_shape.members and params.get("ReturnConsumedCapacity") in (None, "TOTAL"):
            params["ReturnConsumedCapacity"] = "INDEXES"

    def _count(self, model, params, **_):
        table = params.get("TableName") or ",".join(params.get("RequestItems", {}) or []) or ",".join(
            sorted({next(iter(a.values()))["TableName"] for a in params.get("TransactItems", [])}))
        with self.lock:
            self.calls[f"{model.name}:{table.replace(PREFIX, '')}"] += 1

    def _capacity(self, model, parsed, **_):
        consumed = parsed.get("ConsumedCapacity") if isinstance(parsed, dict) else None
        if not consumed:
            return
        for entry in consumed if isinstance(consumed, list) else [consumed]:
            units = entry.get("CapacityUnits", 0) or 0
            table = entry.get("TableName", "?").replace(PREFIX, "")
            with self.lock:
                if "Table" in entry:
                    self.units_by_target[f"{model.name}:{table}"] += entry["Table"].get("CapacityUnits", 0) or 0
                for index, used in (entry.get("GlobalSecondaryIndexes") or {}).items():
                    self.units_by_target[f"{model.name}:{table}.{index}"] += used.get("CapacityUnits", 0) or 0
            read = entry.get("ReadCapacityUnits")
            write = entry.get("WriteCapacityUnits")
            with self.lock:
                if read is not None or write is not None:
                    self.read_units += read or 0
                    self.write_units += write or 0
                elif model.name in ("GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"):
                    self.read_units += units
                else:
                    self.write_units += units

    def total_calls(self) -> int:
        return sum(self.calls.values())


# The form-filtered list reads FormIndex (no payloads) and then the page's payloads.
PAGES = (("dashboard", "/"), ("submissions", "/submissions/"), ("by form", "/submissions/?form=contact"))


def pct(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ingest", type=int, default=600, help="submissions sent over HTTP (and put directly)")
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--large", type=int, default=50000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds of each ingest measurement")
    parser.add_argument("--only-ingest", action="store_true", help="skip the page and compression sections")
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--shards", type=int, default=1, help="write shards of the ingest tenant")
    args = parser.parse_args()
    started = time.monotonic()
    dynamo = dynamodb_local.start(port=PORT)
    gunicorn = None
    try:
        import django

        django.setup()
        from django.test import Client
        from django.test.utils import setup_test_environment

        from portal.dynamo.operations import migrate
        from portal.dynamo import registry
        from portal.dynamo.base import transact, utcnow
        from portal.dynamo.destinations import WEBHOOK
        from portal.dynamo.expiring import IngestGuards
        from portal.dynamo.ingest_rows import delivery_ingest_put_action
        from portal.dynamo.metrics import counter_update_action, ingest_counts
        from portal.services.ingest.delivery_plan import plan_deliveries, tenant_destinations
        from portal.services.delivery_setup.destinations import destination_create
        from portal.dynamo.submissions import Submission
        from portal.dynamo.tenants import REGISTERED
        from portal.dynamo.users import OWNER
        from portal.services.sites.api_keys import api_key_create
        from portal.services.billing.products import product_create
        from portal.services.sites.sites import site_add
        from portal.services.billing.tenants import tenant_create
        from portal.services.accounts.users import portal_user_create
        from decimal import Decimal
        from ulid import ULID

        setup_test_environment()
        registry.configure(prefix=PREFIX, host=ENDPOINT, region="us-east-1")
        migrate.apply(log=lambda line: None)
        meter = DynamoMeter()
        from portal.dynamo.base import dynamodb_client
        meter.hook_all(registry.ALL_MODELS, extra_clients=[dynamodb_client()])  # transact() uses its own client
        print(f"DynamoDB Local -inMemory on {ENDPOINT}; tables ready in {time.monotonic() - started:.1f}s")

        product = product_create(actor="bench", name="Bench", price=Decimal("0"), monthly_submissions=10_000_000,
                                 max_sites=10, retention_days=365)
        password = "bench-password-123"

        def tenant_with_key(n: int, shards: int = 1):
            tenant = tenant_create(email=f"bench{n}@agency.example", organization=f"Bench {n}", actor="bench",
                                   product_id=product.id, status=REGISTERED)
            if shards > 1:
                tenant.shardCount = shards
                tenant.save()
            portal_user_create(tenant_id=tenant.id, email=tenant.email, password=password, role=OWNER, actor="bench")
            site = site_add(tenant=tenant, actor="bench", domain=f"bench{n}.example")
            key, raw = api_key_create(tenant=tenant, actor="bench", site=site)
            return tenant, site, raw

        rng = random.Random(7)

        # (1) ingest throughput over HTTP vs the same transaction issued directly -------------
        ingest_tenant, ingest_site, raw_key = tenant_with_key(1, shards=args.shards)
        destination_create(tenant=ingest_tenant, actor="bench", name="Receiver", type=WEBHOOK,
                           url="https://hooks.example.com/in", headers={}, recipients=[], form_ids=[])
        payloads = [realistic_payload(rng, rng.randint(2, 8)) for _ in range(args.ingest)]
        workdir = Path(tempfile.mkdtemp(prefix="bench-web-"))
        web_port = dynamodb_local.free_port()
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{workdir / 'staff.sqlite3'}"}
        gunicorn = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "formbridge.wsgi", "--config", "gunicorn.conf.py",
             "--bind", f"127.0.0.1:{web_port}", "--workers", "2", "--access-logfile", "/dev/null"],
            env=env, cwd=ROOT, stdout=open(workdir / "gunicorn.log", "wb"), stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{web_port}/api/v1/submissions"
        deadline = time.monotonic() + 30
        while not dynamodb_local.answers(f"http://127.0.0.1:{web_port}/login/"):
            if time.monotonic() > deadline or gunicorn.poll() is not None:
                raise RuntimeError(f"gunicorn did not start; see {workdir / 'gunicorn.log'}")
            time.sleep(0.2)
        local = threading.local()

        def send(numbered):
            n, (fields, meta) = numbered
            # One keep-alive connection per client thread, as a plugin's HTTP client would hold.
            if getattr(local, "conn", None) is None:
                local.conn = http.client.HTTPConnection("127.0.0.1", web_port, timeout=30)
            body = json.dumps({"form_id": "contact", "fields": fields, "meta": meta})
            t = time.perf_counter()
            local.conn.request("POST", "/api/v1/submissions", body=body, headers={
                "Authorization": f"Bearer {raw_key}", "Content-Type": "application/json",
                "Idempotency-Key": f"bench-{n}-{time.time_ns()}"})
            response = local.conn.getresponse()
            response.read()
            assert response.status == 202, response.status
            return (time.perf_counter() - t) * 1000

        def direct_transaction(fields, meta):
            """What ingest writes for one submission, built with the same helpers: ONE
            TransactWriteItems of the submission, its delivery row and the Idempotency-Key's
            claim (the day counters are written behind the requests, a fraction of a write each)."""
            now = utcnow()
            item = Submission.in_tenant(ingest_tenant.id).new(id=str(ULID.from_datetime(now)), formId="contact",
                                                             receivedAt=now, siteId=ingest_site.id,
                                                             ttl=now + timedelta(days=365))
            item.set_payload(fields=fields, meta=meta)
            item.assign_shard(ingest_tenant.shardCount)
            rows = plan_deliveries(tenant_id=ingest_tenant.id, submission_id=item.id, form_id="contact",
                                   destinations=bench_destinations)
            epoch = int(now.timestamp())
            claim = IngestGuards.idempotency_put_action(
                tenant_id=ingest_tenant.id, key_digest=f"{item.id}", submission_id=item.id, shard=item.shard,
                now_epoch=epoch, expires_epoch=epoch + 86400, fingerprint="f" * 64)
            return [item.put_action()] + [delivery_ingest_put_action(row) for row in rows] + [claim]

        bench_destinations = tenant_destinations(tenant_id=ingest_tenant.id)

        def transact_direct(numbered):
            """Baseline: the same TransactWriteItems as one ingest, issued directly."""
            _, (fields, meta) = numbered
            t = time.perf_counter()
            transact(direct_transaction(fields, meta))
            return (time.perf_counter() - t) * 1000

        def put_direct(numbered):
            _, (fields, meta) = numbered
            t = time.perf_counter()
            now = utcnow()
            item = Submission.in_tenant(ingest_tenant.id).new(id=str(ULID()), formId="contact", receivedAt=now,
                                                             siteId=ingest_site.id, ttl=now + timedelta(days=365))
            item.set_payload(fields=fields, meta=meta)
            item.pk = Submission.partition_for(ingest_tenant.id, 0)
            item.save()
            return (time.perf_counter() - t) * 1000

        def run(worker, label):
            numbered = list(enumerate(payloads))
            with ThreadPoolExecutor(args.concurrency) as pool:
                list(pool.map(worker, numbered[:40]))  # warm: connections, caches, both gunicorn workers
                t0 = time.perf_counter()
                latencies = list(pool.map(worker, numbered))
            seconds = time.perf_counter() - t0
            return label, args.ingest / seconds, latencies

        # Interleaved rounds, so a noisy neighbour on the machine hurts both sides alike.
        rounds = {"http": [], "transact": [], "put": []}
        for _ in range(args.rounds):
            for key, worker in (("http", send), ("transact", transact_direct), ("put", put_direct)):
                rounds[key].append(run(worker, key))

        def summary(key):
            rates = [r[1] for r in rounds[key]]
            latencies = [ms for r in rounds[key] for ms in r[2]]
            return statistics.median(rates), pct(latencies, 50), pct(latencies, 99)

        http_rate, http_p50, http_p99 = summary("http")
        tx_rate, tx_p50, tx_p99 = summary("transact")
        put_rate, put_p50, put_p99 = summary("put")
        print("\n(1) Ingest throughput, %d realistic submissions x %d rounds, %d client threads, one destination"
              % (args.ingest, args.rounds, args.concurrency))
        print(f"    HTTP POST /api/v1/submissions via gunicorn (2 workers x 4 threads), Idempotency-Key:"
              f" {http_rate:7.1f}/s  p50 {http_p50:6.1f} ms  p99 {http_p99:6.1f} ms")
        print(f"    the same TransactWriteItems issued directly (baseline: claim, submission, delivery row):"
              f" {tx_rate:7.1f}/s  p50 {tx_p50:6.1f} ms  p99 {tx_p99:6.1f} ms")
        print(f"    plain PynamoDB Submission.save() (PutItem, the old baseline):"
              f"                   {put_rate:7.1f}/s  p50 {put_p50:6.1f} ms  p99 {put_p99:6.1f} ms")
        print(f"    ratio HTTP / the same TransactWriteItems: {http_rate / tx_rate:.2f} (target >= 0.6);"
              f" latency p50 {http_p50 / tx_p50:.2f}x, p99 {http_p99 / tx_p99:.2f}x the baseline's")
        print(f"    ratio HTTP / plain PutItem: {http_rate / put_rate:.2f} (history: 0.10-0.16 before issue 10)")
        gunicorn.terminate()
        gunicorn.wait(timeout=10)
        gunicorn = None

        # (2) page latency at 1,000 and 50,000 submissions -----------------------------------
        def load(tenant, site, count):
            """Submissions over the last 30 days with batch writes, plus their day counters."""
            now = utcnow()
            counters: dict = defaultdict(Counter)
            shards = int(tenant.shardCount)

            def chunk(numbers):
                local = random.Random(numbers[0])
                with Submission.batch_write() as batch:
                    for _ in numbers:
                        when = now - timedelta(seconds=local.randint(0, 30 * 86400 - 1))
                        form = local.choice(["contact", "quote", "newsletter", "booking"])
                        item = Submission.in_tenant(tenant.id).new(
                            id=str(ULID.from_datetime(when)), formId=form, receivedAt=when, siteId=site.id,
                            ttl=when + timedelta(days=365))
                        item.set_payload(fields={"name": "Bench User", "email": "bench@example.com",
                                                 "message": "Short message " + str(local.randint(1, 10**6))},
                                         meta={"ip": "203.0.113.1"})
                        shard = Submission.shard_for(item.id, shards)
                        item.pk = Submission.partition_for(tenant.id, shard)
                        item.sync_index_keys()
                        batch.save(item)
                        with meter.lock:
                            counters[(when.date().isoformat(), shard)].update(
                                ingest_counts(form_id=form, hour=when.hour, spam=False))

            blocks = [list(range(i, min(i + 1000, count))) for i in range(0, count, 1000)]
            with ThreadPoolExecutor(4) as pool:
                list(pool.map(chunk, blocks))
            for (day, shard), counts in counters.items():
                transact([counter_update_action(tenant_id=tenant.id, at=datetime.fromisoformat(day), shard=shard,
                                                counts=dict(counts))])

        results = {}
        if not args.only_ingest:
            small_tenant, small_site, _ = tenant_with_key(2)
            large_tenant, large_site, _ = tenant_with_key(3)
            t0 = time.perf_counter()
            load(small_tenant, small_site, args.small)
            load(large_tenant, large_site, args.large)
            print(f"\n    (loaded {args.small + args.large} submissions with batch writes in {time.perf_counter() - t0:.0f}s)")

            def measure(tenant, path):
                client = Client()
                response = client.post("/login/", {"email": tenant.email, "password": password})
                assert response.status_code == 302, response.status_code
                client.get(path)  # warm
                timings, calls, reads = [], [], []
                for _ in range(args.repeats):
                    meter.reset()
                    t = time.perf_counter()
                    response = client.get(path)
                    timings.append((time.perf_counter() - t) * 1000)
                    assert response.status_code == 200
                    calls.append(meter.total_calls())
                    reads.append(meter.read_units)
                    breakdown = dict(meter.calls)
                return timings, statistics.median(calls), statistics.median(reads), breakdown

            for label, tenant in (("1k", small_tenant), ("50k", large_tenant)):
                for page, path in PAGES:
                    results[(label, page)] = measure(tenant, path)
            print("\n(2) Page latency (in-process Django client, %d requests each), ms" % args.repeats)
            for page, _ in PAGES:
                small, large = results[("1k", page)][0], results[("50k", page)][0]
                print(f"    {page:12s} {args.small:>6} subs: median {statistics.median(small):6.1f}  p95 {pct(small, 95):6.1f}"
                      f" | {args.large:>6} subs: median {statistics.median(large):6.1f}  p95 {pct(large, 95):6.1f}"
                      f" | ratio median {statistics.median(large) / statistics.median(small):.2f}"
                      f" p95 {pct(large, 95) / pct(small, 95):.2f}")

        # (3) + (5) requests and capacity per ingest request and per page ---------------------
        api = Client()
        fields, meta = realistic_payload(random.Random(3), 12)
        body = json.dumps({"form_id": "contact", "fields": fields, "meta": meta})
        while len(body) < 2048:
            fields["message"] += "\n" + random.Random(len(body)).choice(SENTENCES)
            body = json.dumps({"form_id": "contact", "fields": fields, "meta": meta})
        ingest_calls, ingest_wcu, ingest_rcu = [], [], []
        from django.conf import settings as django_settings
        from portal.services.ingest import store as ingest_service
        ingest_service.counters_flush()
        django_settings.INGEST_COUNTERS_FLUSH_SECONDS = 3600  # the flush below is measured on its own
        for n in range(20):
            meter.reset()
            response = api.post("/api/v1/submissions", data=body, content_type="application/json",
                                HTTP_AUTHORIZATION=f"Bearer {raw_key}", HTTP_IDEMPOTENCY_KEY=f"bench-{n}")
            assert response.status_code == 202, response.content
            ingest_calls.append(meter.total_calls())
            ingest_wcu.append(meter.write_units)
            ingest_rcu.append(meter.read_units)
            ingest_breakdown = dict(meter.calls)
            ingest_units = {k: v for k, v in meter.units_by_target.items() if v}
        meter.reset()
        ingest_service.counters_flush()  # the day counters of those 20 ingests, written behind them
        flush_calls, flush_wcu = meter.total_calls(), meter.write_units
        print("\n(3) DynamoDB requests (botocore before-call hook), median per request")
        for label in ("1k", "50k") if results else ():
            for page, _ in PAGES:
                _, calls, _, breakdown = results[(label, page)]
                print(f"    {page:12s} page ({label:>3} subs): {calls:4.0f}  {breakdown}")
        print(f"    ingest request ({len(body)} B JSON, Idempotency-Key): {statistics.median(ingest_calls):.0f}  {ingest_breakdown}"
              f"; plus {flush_calls / 20:.2f} per ingest for the day counters written behind them")

        print("\n(5) Capacity units (ReturnConsumedCapacity=INDEXES), median per request")
        print(f"    ingest of a {len(body)} B submission: {statistics.median(ingest_wcu):.1f} WCU, "
              f"{statistics.median(ingest_rcu):.1f} RCU (target <= 10 WCU)")
        print(f"      by table/index (last request): {ingest_units}")
        print(f"    the day counters, written behind the requests: {flush_calls} UpdateItem, {flush_wcu:.1f} WCU for"
              f" these 20 ingests ({flush_wcu / 20:.2f} WCU per ingest; a flush every"
              f" INGEST_COUNTERS_FLUSH_SECONDS, so 1 WCU per ingest at worst, for a tenant sending one a second or less)")
        for label in ("1k", "50k") if results else ():
            for page, _ in PAGES:
                print(f"    {page:12s} page ({label:>3} subs): {results[(label, page)][2]:.1f} RCU")

        # (4) compression: the headline is a corpus written by hand, separately from the
        # dictionary and from this generator (bench/compression_corpus.jsonl); the generator's
        # figure is kept for history only.
        def compression(corpus):
            raw_total = stored_total = big_raw = big_stored = big_count = 0
            for fields, meta in corpus:
                item = Submission(formId="contact")
                item.set_payload(fields=fields, meta=meta)
                raw = len(json.dumps({"fields": fields, "meta": meta}, separators=(",", ":"),
                                     ensure_ascii=False).encode())
                stored = item.stored_payload_bytes()
                raw_total += raw
                stored_total += stored
                if raw > 1024:
                    big_raw, big_stored, big_count = big_raw + raw, big_stored + stored, big_count + 1
            return raw_total, stored_total, big_raw, big_stored, big_count

        lines = (ROOT / "bench" / "compression_corpus.jsonl").read_text(encoding="utf-8").splitlines()
        written = [(p["fields"], p["meta"]) for p in map(json.loads, filter(None, lines))]
        generated = [realistic_payload(random.Random(1000 + i), random.Random(i).randint(1, 14)) for i in range(600)]
        for label, corpus in (("HEADLINE: hand-written corpus, not used to build the dictionary", written),
                              ("history: this script's generator", generated)):
            raw_total, stored_total, big_raw, big_stored, big_count = compression(corpus)
            print(f"\n(4) Compression, {label}: {len(corpus)} payloads ({raw_total / len(corpus):.0f} B average)")
            print(f"    all payloads: {raw_total} B -> {stored_total} B stored, saved {100 * (1 - stored_total / raw_total):.1f}%")
            if big_count:
                print(f"    {big_count} payloads over 1 KB: {big_raw} B -> {big_stored} B, "
                      f"saved {100 * (1 - big_stored / big_raw):.1f}%")
            # What the dictionary alone does, ignoring the 1 KB threshold and the 70% rule.
            from portal.dynamo.codecs.payload_dictionary import CURRENT_CODEC
            from portal.dynamo.submissions import _compress
            raws = [json.dumps({"fields": f, "meta": m}, separators=(",", ":"), ensure_ascii=False).encode()
                    for f, m in corpus]
            packed = sum(len(_compress(r, CURRENT_CODEC)) for r in raws)
            print(f"    deflate with the {CURRENT_CODEC} dictionary on every payload: {sum(map(len, raws))} B -> "
                  f"{packed} B, saved {100 * (1 - packed / sum(map(len, raws))):.1f}%")
        print(f"\nTotal benchmark time {time.monotonic() - started:.0f}s")
    finally:
        if gunicorn is not None:
            gunicorn.terminate()
        dynamodb_local.stop(dynamo)
    return 0


if __name__ == "__main__":
    sys.exit(main())
