"""Pages at scale, against DynamoDB Local -inMemory (not a test).

    .venv/bin/python bench/pages_scale.py [--big 200000] [--small 1000] [--tenants 505] [--repeats 5]

Two tenants side by side, one with --small submissions and one with --big (both spread over the
last 30 days on 3 sites and 7 forms, with their day counters shaped as ingest writes them: one
item per site, form and day with its hours), then a platform of 5 tenants and one of --tenants.
Prints, per page, the median latency of --repeats requests through Django's test client (one
process, one thread, the same for both sides) and the DynamoDB requests it made (botocore hook,
portal.observability.metrics), and the ratio big/small; then the staff cost page for the two
platforms. Exports are timed to their first --export-rows rows (their memory does not grow with
the tenant: measured in an earlier round).

It runs unchanged against an older checkout (copy it there): a checkout that has
`manage.py metrics_rollups` gets its rollups and cost rows built from the same day counters
(the upgrade path), one without it reads the day counters as it always did."""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal
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
    "DJANGO_SECRET_KEY": "bench-secret-key-not-for-production-0123456789",
})
SITES = 3
FORMS = ["contact", "quote", "newsletter", "booking", "callback", "support", "careers"]
PASSWORD = "bench-password-123"


def requests_made() -> float:
    from portal.observability.metrics import REGISTRY
    return sum(sample.value for family in REGISTRY.collect() if family.name == "formbridge_dynamodb_requests"
               for sample in family.samples if sample.name == "formbridge_dynamodb_requests_total")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--big", type=int, default=200_000)
    parser.add_argument("--tenants", type=int, default=505, help="tenants of the big platform (the small has 5)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--export-rows", type=int, default=2000)
    parser.add_argument("--only-costs", action="store_true", help="measure only the staff cost page")
    parser.add_argument("--profile", action="store_true",
                        help="print a cProfile of one cost page of the big platform (after the timings)")
    args = parser.parse_args()
    dynamo = dynamodb_local.start(port=PORT)
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.contrib.auth import get_user_model
        from django.db import connection
        from django.test import Client
        from django.test.utils import setup_test_environment
        from ulid import ULID

        from portal.dynamo import registry
        from portal.dynamo.base import utcnow
        from portal.dynamo.metrics import counters_add, submission_counts
        from portal.dynamo.operations import migrate
        from portal.dynamo.submissions import Submission
        from portal.dynamo.tenants import REGISTERED
        from portal.dynamo.users import OWNER
        from portal.services.accounts.users import portal_user_create
        from portal.services.billing.products import product_create
        from portal.services.billing.tenants import tenant_create
        from portal.services.sites.sites import site_add

        setup_test_environment()
        connection.creation.create_test_db(verbosity=0)  # staff accounts live in SQL
        registry.configure(prefix=PREFIX, host=ENDPOINT, region="us-east-1")
        migrate.apply(log=lambda line: None)
        has_rollups = (ROOT / "portal" / "management" / "commands" / "metrics_rollups.py").exists()
        product = product_create(actor="bench", name="Bench", price=Decimal("0"), monthly_submissions=10_000_000,
                                 max_sites=10, retention_days=365)
        numbers = iter(range(1, 10**7))

        def new_tenant(label: str, *, user: bool = True):
            n = next(numbers)
            tenant = tenant_create(email=f"{label}{n}@agency.example", organization=f"{label.title()} {n}",
                                   actor="bench", product_id=product.id, status=REGISTERED)
            if user:
                portal_user_create(tenant_id=tenant.id, email=tenant.email, password=PASSWORD, role=OWNER,
                                   actor="bench")
            return tenant

        def load(tenant, count: int):
            """`count` submissions over the last 30 days (batch writes) and their day counters
            (one UpdateItem per site, form and day, as ingest's counter flush writes them)."""
            sites = [site_add(tenant=tenant, actor="bench", domain=f"s{s}-{tenant.id[:8].lower()}.example")
                     for s in range(SITES)]
            now = utcnow()
            counters: dict = defaultdict(Counter)
            emails = []

            def chunk(block):
                rng = random.Random(block[0])
                local = defaultdict(Counter)
                with Submission.batch_write() as batch:
                    for _ in block:
                        when = now - timedelta(seconds=rng.randint(0, 30 * 86400 - 1))
                        form, site = rng.choice(FORMS), rng.choice(sites)
                        email = f"person{rng.randint(1, 10**6)}@example.com"
                        item = Submission.in_tenant(tenant.id).new(
                            id=str(ULID.from_datetime(when)), formId=form, receivedAt=when, siteId=site.id,
                            ttl=when + timedelta(days=365))
                        item.set_payload(fields={"name": "Bench User", "email": email,
                                                 "message": "Short message " + str(rng.randint(1, 10**6))},
                                         meta={"ip": "203.0.113.1"})
                        item.emailKey = Submission.email_key_for(tenant.id, email)
                        item.pk = Submission.partition_for(tenant.id, 0)
                        item.sync_index_keys()
                        batch.save(item)
                        local[(when.date().isoformat(), form, site.id)].update(
                            submission_counts(hour=when.hour, spam=False, stored_bytes=600))
                emails.append(email)
                return local

            blocks = [list(range(i, min(i + 1000, count))) for i in range(0, count, 1000)]
            with ThreadPoolExecutor(4) as pool:
                for local in pool.map(chunk, blocks):
                    for key, counts in local.items():
                        counters[key].update(counts)
            from datetime import datetime
            for (day, form, site_id), counts in counters.items():
                counters_add(tenant_id=tenant.id, at=datetime.fromisoformat(day), shard=0, counts=dict(counts),
                             form_key=form, site_id=site_id, units={"wcu:submissions": 10.0 * counts["submissions"]})
            return sites, emails[-1], len(counters)

        def rollups(extra_months=()):
            if has_rollups:
                months = {utcnow().strftime("%Y-%m"), (utcnow() - timedelta(days=29)).strftime("%Y-%m"), *extra_months}
                for month in sorted(months):
                    call_command("metrics_rollups", "--month", month, stdout=open(os.devnull, "w"))

        def measure(client, path, *, stream_rows=None):
            client.get(path)  # warm
            timings, requests = [], []
            for _ in range(args.repeats):
                before = requests_made()
                t = time.perf_counter()
                response = client.get(path)
                assert response.status_code == 200, (path, response.status_code)
                if stream_rows:
                    lines = 0
                    for chunk in response.streaming_content:
                        lines += chunk.count(b"\n")
                        if lines >= stream_rows:
                            break
                    response.close()
                else:
                    response.content  # noqa: B018 - rendered
                timings.append((time.perf_counter() - t) * 1000)
                requests.append(requests_made() - before)
            return statistics.median(timings), statistics.median(requests)

        t0 = time.perf_counter()
        small, big = new_tenant("small"), new_tenant("big")
        if args.only_costs:
            args.small = args.big = 1
        small_sites, small_email, small_items = load(small, args.small)
        big_sites, big_email, big_items = load(big, args.big)
        rollups()
        print(f"loaded {args.small} + {args.big} submissions ({small_items} / {big_items} day-counter items) "
              f"in {time.perf_counter() - t0:.0f}s; rollups built: {has_rollups}")

        def pages(tenant, sites, email):
            first = Submission.in_tenant(tenant.id).query(Submission.partition_for(tenant.id, 0), limit=1,
                                                           scan_index_forward=False)
            newest = next(iter(first)).id
            return [("dashboard", "/", None), ("list", "/submissions/", None),
                    ("site filter", f"/submissions/?site={sites[0].id}", None),
                    ("form filter", "/submissions/?form=quote", None),
                    ("e-mail search", f"/submissions/?email={email}", None),
                    ("detail", f"/submissions/{newest}/", None), ("sites", "/sites/", None),
                    ("export csv", "/submissions/export.csv", args.export_rows),
                    ("export jsonl", "/submissions/export.jsonl", args.export_rows)]

        results = {}
        if not args.only_costs:
            for label, tenant, sites, email in (("small", small, small_sites, small_email), ("big", big, big_sites, big_email)):
                client = Client()
                assert client.post("/login/", {"email": tenant.email, "password": PASSWORD}).status_code == 302
                for name, path, rows in pages(tenant, sites, email):
                    results[(label, name)] = measure(client, path, stream_rows=rows)
            print(f"\nTenant pages: median of {args.repeats} (ms) and DynamoDB requests, {args.small} vs {args.big} submissions")
            print(f"    {'page':14s} {'small ms':>9s} {'req':>5s} {'big ms':>9s} {'req':>5s} {'ratio':>6s}")
            for name, _, _ in pages(small, small_sites, small_email):
                (s_ms, s_req), (b_ms, b_req) = results[("small", name)], results[("big", name)]
                print(f"    {name:14s} {s_ms:9.1f} {s_req:5.0f} {b_ms:9.1f} {b_req:5.0f} {b_ms / s_ms:6.2f}")

        # The staff cost page: one month with 5 tenants' rows and one with --tenants, measured
        # interleaved (few, many, many, few, ...) so JVM warm-up and machine noise fall on both
        # alike; the page reads only the month's rows, so this is the page of a 5-tenant and a
        # --tenants-tenant platform.
        get_user_model().objects.create_user("bench-staff", password=PASSWORD, is_staff=True, email="ops@example.com")
        staff = Client()
        assert staff.login(username="bench-staff", password=PASSWORD)
        now = utcnow()
        this_month = now.replace(day=1, hour=12, minute=0, second=0, microsecond=0)
        # Two months back: no submission of the tenants above (the last 30 days) reaches it.
        few_month = ((this_month - timedelta(days=1)).replace(day=1) - timedelta(days=1)).replace(day=1)

        def platform_month(first_day, total, already=0):
            days = max(1, min(5, (now - first_day).days + 1)) if first_day == this_month else 5
            for _ in range(total - already):
                tenant = new_tenant("platform", user=False)
                for day in range(5):
                    counters_add(tenant_id=tenant.id, at=first_day + timedelta(days=day % days), shard=0,
                                 counts={"storedBytes": 5000}, units={"wcu:submissions": 40.0, "rcu:submissions": 12.0})

        platform_month(few_month, 5)
        platform_month(this_month, args.tenants, already=2)  # the small and the big tenant have rows too
        rollups(extra_months=[f"{few_month:%Y-%m}"])
        paths = {"few": f"/staff/costs/?month={few_month:%Y-%m}", "many": f"/staff/costs/?month={this_month:%Y-%m}"}
        timings, requests = defaultdict(list), defaultdict(list)
        for path in paths.values():
            staff.get(path)  # warm
        for repeat in range(args.repeats):
            for name in (("few", "many") if repeat % 2 == 0 else ("many", "few")):
                before = requests_made()
                t = time.perf_counter()
                response = staff.get(paths[name])
                assert response.status_code == 200 and len(response.context["rows"]) == min(
                    50, 5 if name == "few" else args.tenants), (name, len(response.context["rows"]))
                timings[name].append((time.perf_counter() - t) * 1000)
                requests[name].append(requests_made() - before)
        # The page's reads alone (the selector: a Query of the month's rows, a BatchGetItem of
        # their tenants, the platform row), interleaved the same way: the floor the page stands on.
        from datetime import date
        from portal.selectors.billing.costs import tenant_costs_page
        months = {"few": date(few_month.year, few_month.month, 1), "many": date(this_month.year, this_month.month, 1)}
        reads = defaultdict(list)
        for repeat in range(args.repeats):
            for name in (("few", "many") if repeat % 2 == 0 else ("many", "few")):
                t = time.perf_counter()
                tenant_costs_page(month=months[name])
                reads[name].append((time.perf_counter() - t) * 1000)
        few = statistics.median(timings["few"]), statistics.median(requests["few"])
        many = statistics.median(timings["many"]), statistics.median(requests["many"])
        print(f"\nStaff cost page: median of {args.repeats}, interleaved (ms) and DynamoDB requests")
        print(f"    {'tenants':>8s} {'ms':>9s} {'req':>5s}")
        print(f"    {5:8d} {few[0]:9.1f} {few[1]:5.0f}")
        print(f"    {args.tenants:8d} {many[0]:9.1f} {many[1]:5.0f}    ratio {many[0] / few[0]:.2f}")
        few_reads, many_reads = statistics.median(reads["few"]), statistics.median(reads["many"])
        rest = few[0] - few_reads  # the page without its reads: middleware, session, render
        print(f"    its reads alone: {few_reads:.1f} ms vs {many_reads:.1f} ms; with the rest of the 5-tenant page "
              f"({rest:.1f} ms) the floor ratio is {(rest + many_reads) / (rest + few_reads):.2f}")
        if args.profile:
            import cProfile
            import pstats
            profiler = cProfile.Profile()
            profiler.runcall(staff.get, paths["many"])
            pstats.Stats(profiler).sort_stats(os.environ.get("BENCH_PROFILE_SORT", "tottime")).print_stats(int(os.environ.get("BENCH_PROFILE_LINES", "25")))
    finally:
        dynamodb_local.stop(dynamo)
    return 0


if __name__ == "__main__":
    sys.exit(main())
