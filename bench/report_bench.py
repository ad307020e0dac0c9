"""What one client report costs to build (not a test; the reports note quotes it):

    N=50 .venv/bin/python bench/report_bench.py

On DynamoDB Local (-inMemory), one tenant with SITES sites whose counters hold two months of a
busy agency (FORMS forms and PAGES pages per site and day, 1,000 submissions a day per site),
written as ingest writes them. Baseline: the 30-day dashboard of the same tenant, built from the
same counters in the same process (one thread each). Prints reports/s, dashboards/s, their
ratio, the read units of one report and the milliseconds spent drawing its charts and its PDF."""
import os
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "formbridge.settings")
os.environ.setdefault("DJANGO_DEBUG", "true")
PREFIX = "bench-reports-"
from portal import dynamodb_local  # noqa: E402

port = dynamodb_local.free_port()
dynamo = dynamodb_local.start(port=port)
os.environ["DYNAMODB_ENDPOINT_URL"] = f"http://127.0.0.1:{port}"
os.environ["DYNAMODB_TABLE_PREFIX"] = PREFIX
import django  # noqa: E402

django.setup()
from portal.dynamo import registry  # noqa: E402
from portal.dynamo.operations import migrate  # noqa: E402

registry.configure(prefix=PREFIX, host=f"http://127.0.0.1:{port}", region="us-east-1")
migrate.apply(log=lambda line: None)

from portal.dynamo.metrics import counters_add, delivery_counts, submission_counts  # noqa: E402
from portal.dynamo.users import CLIENT  # noqa: E402
from portal.selectors.metrics import dashboard_summary  # noqa: E402
from portal.selectors.reports.figures import previous_month, report_build  # noqa: E402
from portal.selectors.reports.subjects import access_report_subject, client_key_for  # noqa: E402
from portal.services.accounts.team import team_invite  # noqa: E402
from portal.services.reports import charts  # noqa: E402
from portal.services.reports.pdf import report_pdf  # noqa: E402
from tests.factories.accounts import make_tenant  # noqa: E402
from tests.factories.ingest import make_site  # noqa: E402

N = int(os.environ.get("N", "50"))
SITES, FORMS, PAGES, PER_DAY = 3, 10, 25, 1000
try:
    tenant, owner = make_tenant()
    sites = [make_site(tenant, domain=f"client{i}.example") for i in range(SITES)]
    team_invite(tenant=tenant, actor=owner, email="client@client0.example", role=CLIENT,
                site_ids=[s.id for s in sites])
    today = datetime.now(timezone.utc).date()
    month = previous_month(today)
    first = previous_month(month)
    day = first
    while day <= today:
        at = datetime(day.year, day.month, day.day, 12, tzinfo=timezone.utc)
        for site in sites:
            for form in range(FORMS):
                n = PER_DAY // FORMS
                counts = {name: n for name in submission_counts(hour=12, spam=False)}
                counts.update({f"page:{site.domain}/page-{form}-{p}": 1 for p in range(PAGES // FORMS + 1)})
                counters_add(tenant_id=tenant.id, at=at, shard=0, counts=counts, form_key=f"form-{form}",
                             site_id=site.id)
            counters_add(tenant_id=tenant.id, at=at, shard=0, site_id=site.id,
                         counts={**delivery_counts(delivered=True, attempts=2, seconds=300), "spam": 3})
        day += timedelta(days=1)
    subject = access_report_subject(tenant=tenant, report_key=client_key_for([s.id for s in sites]))
    report_build(tenant=tenant, subject=subject, month=month)  # warm-up (connections)
    dashboard_summary(tenant=tenant)

    started = time.perf_counter()
    for _ in range(N):
        dashboard_summary(tenant=tenant)
    dashboards = N / (time.perf_counter() - started)
    started = time.perf_counter()
    for _ in range(N):
        report = report_build(tenant=tenant, subject=subject, month=month)
    reports = N / (time.perf_counter() - started)
    charts.days_chart(report)  # the first draw imports matplotlib and loads its fonts
    started = time.perf_counter()
    svg = charts.days_chart(report) + charts.compare_chart(report.forms, month_label="a", previous_label="b")
    svg_ms = 1000 * (time.perf_counter() - started)
    started = time.perf_counter()
    pdf = report_pdf(report=report, agency_name="Bench Agency")  # its two PNG charts included
    pdf_ms = 1000 * (time.perf_counter() - started)
    print(f"{SITES} sites x {FORMS} forms, {PER_DAY} submissions a day per site, "
          f"{report.current.submissions} in the month")
    print(f"dashboards/s (baseline): {dashboards:.1f}")
    print(f"reports/s:               {reports:.1f}   ratio report/dashboard: {reports / dashboards:.2f}")
    print(f"read units of one report: {report.read_units}")
    print(f"charts (2 SVG): {svg_ms:.0f} ms, {len(svg)} bytes; PDF: {pdf_ms:.0f} ms, {len(pdf)} bytes")
finally:
    dynamodb_local.stop(dynamo)
