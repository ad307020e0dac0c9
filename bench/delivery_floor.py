"""What no delivery worker can beat on this harness (not a test; issue 11's note quotes it):

    N=1500 .venv/bin/python bench/delivery_floor.py

An idealised worker against the same baseline as bench/delivery_bench.py section 1 (signed
POSTs from 4 threads, a new connection each, to a receiver answering at once, in the same
process): due rows read by the DueIndex and BatchGetItem, then per delivery only the signed
POST and two conditional writes batched 25 to a BatchExecuteStatement (the outcome on the
delivery row, the status on the submission). No lease, no attempt record, no health, no
metrics: less than the product must do. Prints both rates, the ratio, and the CPU that
DynamoDB Local (the JVM) and this process spend per delivery."""
import os, sys, time, threading, queue
from pathlib import Path
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT)); sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "formbridge.settings"); os.environ.setdefault("DJANGO_DEBUG", "true")
import delivery_bench as B
from http.server import ThreadingHTTPServer
from threading import Thread
from concurrent.futures import ThreadPoolExecutor
from portal import dynamodb_local
port = dynamodb_local.free_port(); dynamo = dynamodb_local.start(port=port)
receiver = ThreadingHTTPServer(("127.0.0.1", 0), B.Ok); receiver.daemon_threads = True
Thread(target=receiver.serve_forever, daemon=True).start()
url = f"http://127.0.0.1:{receiver.server_address[1]}/hook"
os.environ["DYNAMODB_ENDPOINT_URL"] = f"http://127.0.0.1:{port}"; os.environ["DYNAMODB_TABLE_PREFIX"] = B.PREFIX
import django; django.setup()
from portal.dynamo.operations import migrate
from portal.dynamo import registry
registry.configure(prefix=B.PREFIX, host=f"http://127.0.0.1:{port}", region="us-east-1"); migrate.apply(log=lambda l: None)
import requests
from portal.delivery.payloads import event_body, submission_event
from portal.delivery.send import signing_secrets
from portal.delivery.signing import signature_headers
from portal.dynamo.base import utcnow, dynamodb_client
from portal.dynamo.deliveries import Delivery, DUE_SHARDS
from portal.dynamo.submissions import Submission
from tests.factories.accounts import make_product, make_tenant
from tests.factories.delivery import make_destination, make_submission_with_deliveries as make_submission
N = int(os.environ.get("N", "1000"))
product = make_product(monthly_submissions=10_000_000)
tenant, user = make_tenant(product=product); dest = make_destination(tenant, user, url=url)
for _ in range(N): make_submission(tenant)
secrets_ = signing_secrets(dest, now=utcnow())
client = dynamodb_client()
def jc():
    f = open(f"/proc/{dynamo.pid}/stat").read().split(); return (int(f[13]) + int(f[14])) / os.sysconf("SC_CLK_TCK")
session = requests.Session()
def post(body, mid):
    h = signature_headers(secrets_=secrets_, msg_id=mid, timestamp=int(time.time()), body=body); h["Content-Type"] = "application/json"
    r = requests.post(url, data=body, headers=h, timeout=10, allow_redirects=False); assert r.status_code == 200
# baseline
sub0, _ = make_submission(tenant); body0 = event_body(submission_event(sub0))
t = time.perf_counter()
with ThreadPoolExecutor(4) as pool: list(pool.map(lambda n: post(body0, f"m{n}"), range(N)))
base = N / (time.perf_counter() - t)
writes = queue.Queue()
def writer():
    """Batches the queued statements, 25 per BatchExecuteStatement; a statement whose condition
    failed is counted (none should: each row is sent once)."""
    batch = []

    def flush():
        answer = client.batch_execute_statement(Statements=batch)
        failed[0] += sum(1 for x in answer["Responses"] if "Error" in x)
        for _ in batch:
            writes.task_done()
        batch.clear()
    while True:
        item = writes.get()
        if item is None:
            writes.task_done()
            break
        batch.append(item)
        if len(batch) == 25 or writes.empty():
            flush()
    if batch:
        flush()
failed = [0]
D = Delivery.Meta.table_name; S = Submission.Meta.table_name
j0, p0, t = jc(), time.process_time(), time.perf_counter()
wt = threading.Thread(target=writer); wt.start()
done = 0
with ThreadPoolExecutor(4) as pool:
    while done < N:
        rows = []
        for shard in range(DUE_SHARDS):
            rows += list(Delivery.due_in_shard(shard, before=utcnow(), limit=50))
        rows = [r for r in rows][: N - done]
        if not rows: break
        keys = [{"pk": {"S": r.pk}, "sk": {"S": r.sk}} for r in rows]
        full = {}
        for i in range(0, len(keys), 100):
            got = client.batch_get_item(RequestItems={D: {"Keys": keys[i:i+100], "ConsistentRead": True}})["Responses"][D]
            for it in got: full[it["submissionId"]["S"]] = it
        subs = {}
        skeys = [{"pk": {"S": Submission.partition_for(tenant.id, 0)}, "sk": {"S": Submission.sort_for(r.submissionId)}} for r in rows]
        for i in range(0, len(skeys), 100):
            for it in client.batch_get_item(RequestItems={S: {"Keys": skeys[i:i+100]}})["Responses"][S]:
                subs[it["id"]["S"]] = Submission.from_raw_data(it)
        def one(r):
            body = event_body(submission_event(subs[r.submissionId]))
            post(body, r.message_id)
            now = utcnow().isoformat()
            writes.put({"Statement": f'UPDATE "{D}" SET "status" = ? SET recordedAt = ? SET scheduleStep = ? REMOVE dueShard WHERE pk = ? AND sk = ? AND "version" = ?',
                        "Parameters": [{"S": "delivered"}, {"S": now}, {"N": "1"}, {"S": r.pk}, {"S": r.sk}, full[r.submissionId]["version"]]})
            writes.put({"Statement": f'UPDATE "{S}" SET deliveryStatus = ? WHERE pk = ? AND sk = ? AND deliveryStatus = ?',
                        "Parameters": [{"S": "delivered"}, {"S": Submission.partition_for(tenant.id, 0)}, {"S": Submission.sort_for(r.submissionId)}, {"S": "pending"}]})
        list(pool.map(one, rows))
        done += len(rows)
        writes.join()  # every outcome written before the next look at the due queue
writes.put(None); wt.join()
el = time.perf_counter() - t
print(f"baseline {base:.0f}/s; idealised worker {done/el:.0f}/s ratio {done/el/base:.2f} ({failed[0]} conditions failed); java {1000*(jc()-j0)/done:.2f} ms/delivery; python {1000*(time.process_time()-p0)/done:.2f} ms/delivery")
receiver.shutdown(); dynamodb_local.stop(dynamo)
