"""Lead inbox costs on DynamoDB Local -inMemory (not a test; docs/performance.md quotes it):

    N=300 .venv/bin/python bench/leads_bench.py

1. Write units (ReturnConsumedCapacity) of: a state change New -> Open, an assignment, a state
   change of an assigned lead, a note, a reply's record, on ~1 KB submissions.
2. Throughput of lead state changes (lead_update: conditional update of the submission + the
   month counter, one transaction, audit entry) against a baseline in the same process, same
   single thread: marking the same number of submissions as spam (submission_mark_spam: the
   conditional flag + two counter moves, one transaction, audit entry).
3. "Assigned to me": the AssigneeIndex count against reading the whole table's shards with a
   filter (what a list by assignee would cost without the index)."""
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

from portal import dynamodb_local  # noqa: E402

PREFIX = "benchleads-"
port = dynamodb_local.free_port()
dynamo = dynamodb_local.start(port=port)
try:
    import django

    django.setup()
    from django.core import mail

    from portal.dynamo import registry
    from portal.dynamo.operations import migrate

    registry.configure(prefix=PREFIX, host=f"http://127.0.0.1:{port}", region="us-east-1")
    migrate.apply(log=lambda line: None)
    mail.outbox = []
    from django.conf import settings

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    from portal.dynamo.base import dynamodb_client, new_id, transact, utcnow
    from portal.dynamo.leads import LeadNote
    from portal.selectors.access import access_submission
    from portal.selectors.leads import lead_inbox_counts
    from portal.selectors.submissions import SPAM_ALL, SubmissionFilters, submission_iter
    from portal.services.leads.work import LeadRecord, _apply, lead_update
    from portal.services.submissions import submission_mark_spam
    from tests.factories.accounts import make_product, make_tenant
    from tests.factories.ingest import make_site, make_submission

    N = int(os.environ.get("N", "300"))
    product = make_product(monthly_submissions=10_000_000)
    tenant, owner = make_tenant(product=product)
    site = make_site(tenant, domain="bench.example")
    message = "Hello, I would like a quote for a group trip in October. " * 14  # ~1 KB of fields
    ids = [make_submission(tenant, site_id=site.id, fields={"name": f"Visitor {n}", "email": f"v{n}@example.com",
                                                            "message": message}) for n in range(2 * N + 10)]
    client = dynamodb_client()

    def fresh(submission_id):
        return access_submission(tenant=tenant, submission_id=submission_id)

    # 1. Write units
    now = utcnow()
    units = {}
    sub = fresh(ids[0])
    units["state change New -> Open (submission + LeadIndex + counter, transaction)"] = _apply(
        tenant=tenant, actor=owner, submission=sub, after=LeadRecord("OPEN", None, False, False),
        expected_version=0, now=now)
    sub = fresh(ids[1])
    units["assignment of a New lead (submission + AssigneeIndex, no counter move)"] = _apply(
        tenant=tenant, actor=owner, submission=sub, after=LeadRecord("NEW", owner.email, False, False),
        expected_version=0, now=now)
    sub = fresh(ids[1])
    units["state change of an assigned lead New -> Won (+ both indexes + counter)"] = _apply(
        tenant=tenant, actor=owner, submission=sub, after=LeadRecord("WON", owner.email, False, False),
        expected_version=1, now=now)
    sub = fresh(ids[2])
    note = LeadNote.in_tenant(tenant.id).new(id=new_id(), siteId=sub.siteId, submissionId=sub.id, author=owner.email,
                                             body="Called back, sending the quote tomorrow.", createdAt=now, ttl=sub.ttl)
    note.sync_keys()
    note.version = 1
    answer = client.put_item(TableName=LeadNote.Meta.table_name, Item=note.serialize(),
                             ConditionExpression="attribute_not_exists(pk)", ReturnConsumedCapacity="TOTAL")
    units["a note (one PutItem)"] = answer["ConsumedCapacity"]["CapacityUnits"]
    sub = fresh(ids[3])
    reply = LeadNote.in_tenant(tenant.id).new(id=new_id(), siteId=sub.siteId, submissionId=sub.id, author=owner.email,
                                              kind="reply", replyTo="v3@example.com", body="Thanks, here is the quote.",
                                              createdAt=now, ttl=sub.ttl)
    units["a reply's record (note + submission + LeadIndex + counter, transaction)"] = _apply(
        tenant=tenant, actor=owner, submission=sub, after=LeadRecord("REPLIED", None, False, False),
        expected_version=0, now=now, first_reply=True, extra_actions=[reply.put_action()])
    print("1. write units")
    for name, value in units.items():
        print(f"   {value:5.1f}  {name}")

    # 2. Throughput: lead state changes vs spam marking, same thread, same number
    work = ids[10:10 + N]
    base = ids[10 + N:10 + 2 * N]
    started = time.perf_counter()
    for submission_id in base:
        submission_mark_spam(tenant=tenant, actor=owner.email, submission=fresh(submission_id), spam=True)
    baseline = N / (time.perf_counter() - started)
    started = time.perf_counter()
    for submission_id in work:
        lead_update(tenant=tenant, actor=owner, submission=fresh(submission_id), state="OPEN")
    leads = N / (time.perf_counter() - started)
    print(f"2. {N} state changes: {leads:.0f}/s; baseline {N} spam markings: {baseline:.0f}/s; "
          f"ratio {leads / baseline:.2f}")

    # 3. Assigned to me: index count vs a filtered read of every shard
    for submission_id in work[:50]:
        lead_update(tenant=tenant, actor=owner, submission=fresh(submission_id), assignee=owner.email)
    rounds = 20
    started = time.perf_counter()
    for _ in range(rounds):
        counts = lead_inbox_counts(tenant=tenant, email=owner.email)
    indexed = (time.perf_counter() - started) / rounds
    started = time.perf_counter()
    for _ in range(rounds):
        scanned = sum(1 for s in submission_iter(tenant=tenant, filters=SubmissionFilters(spam=SPAM_ALL))
                      if s.assignee == owner.email and s.lead_state in ("NEW", "OPEN"))
    filtered = (time.perf_counter() - started) / rounds
    assert sum(counts.values()) == scanned, (counts, scanned)
    print(f"3. assigned-to-me count ({scanned} of {len(ids)} leads): AssigneeIndex {indexed * 1000:.1f} ms; "
          f"reading every shard {filtered * 1000:.1f} ms; ratio {filtered / indexed:.1f}x")
finally:
    dynamodb_local.stop(dynamo)
